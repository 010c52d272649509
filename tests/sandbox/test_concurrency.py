"""Several emulator processes at once: every read-modify-write holds the lock, nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import steps.sandbox as sandbox

ROOT = str(Path(sandbox.__file__).resolve().parents[2])

WORKER = """
import sys
from pathlib import Path
import steps.sandbox as sb
d, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    if who == "labels":
        rc, out, err = sb.run(["kubectl", "label", "ns", "admin", f"w{i}=x"], d, {})
    elif who == "config":
        rc, out, err = sb.run(["juju", "config", "kserve-controller", f"domain-name=d{i}.example.com"], d, {})
    else:
        rc, out, err = sb.run(["kubectl", "annotate", "ns", "alice", f"a{i}=y"], d, {})
    assert rc == 0, (who, i, out, err)
"""


def test_concurrent_writers_lose_nothing(make_sandbox):
    sb = make_sandbox()
    env = {**os.environ, "PYTHONPATH": ROOT}
    n = 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(sb.path), who, str(n)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("labels", "config", "annotations")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    labels = sb.json("kubectl get ns admin -o json")["metadata"]["labels"]
    assert {f"w{i}" for i in range(n)} <= set(labels)
    annotations = sb.json("kubectl get ns alice -o json")["metadata"]["annotations"]
    assert {f"a{i}" for i in range(n)} <= set(annotations)
    assert sb.ok("juju config kserve-controller domain-name").strip() == f"d{n - 1}.example.com"


def test_concurrent_bin_scripts_while_reading(make_sandbox):
    sb = make_sandbox()
    env = {**os.environ, **sandbox.environ(sb.path)}
    writers = [
        subprocess.Popen(
            ["kubectl", "label", "ns", "admin", f"p{i}=1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    readers = [
        subprocess.Popen(
            ["juju", "status", "--format=json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    for proc in writers + readers:
        proc.communicate(timeout=60)
        assert proc.returncode == 0
    labels = sb.json("kubectl get ns admin -o json")["metadata"]["labels"]
    assert {f"p{i}" for i in range(6)} <= set(labels)
