"""The sandbox's fast paths: lean emulator processes, and Cairn's own in-process state reads."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time

import steps.sandbox as sandbox
from steps.cluster import sources
from steps.sandbox import kube


def test_an_emulator_process_starts_without_site_yet_finds_pyyaml(make_sandbox):
    """-IS skips `site` (~15 ms a command); the installed packages are put on sys.path by hand."""
    sb = make_sandbox()
    env = {"PATH": f"{sb.path / 'bin'}:/usr/bin:/bin", "CAIRN_SANDBOX": str(sb.path)}
    done = subprocess.run(
        ["juju", "export-bundle", "-m", "kubeflow"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bundle: kubernetes\napplications:\n")
    script, call = (sb.path / "bin" / "juju").read_text().split("\nmain('juju', ")
    probe = script + "\nprint(sys.flags.no_site, 'site' in sys.modules)\n"
    (sb.path / "bin" / "probe").write_text(probe)
    os.chmod(sb.path / "bin" / "probe", 0o755)
    out = subprocess.run([str(sb.path / "bin" / "probe")], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "False"]


def test_cairns_own_reads_get_compact_json_and_people_get_kubectls(make_sandbox):
    sb = make_sandbox()
    argv = ["kubectl", "get", "pods", "-n", "kubeflow", "-o", "json"]
    shown = sandbox.run(argv, sb.path, {})[1].decode()
    with sandbox.reading(sb.path):
        parsed_only = sandbox.run(argv, sb.path, {})[1].decode()
    assert shown.startswith('{\n    "apiVersion": "v1",\n'), "as kubectl prints it, indented by 4"
    assert "\n" not in parsed_only.rstrip("\n") and json.loads(parsed_only) == json.loads(shown)


def test_a_state_read_is_the_same_from_compact_output(make_sandbox, monkeypatch):
    sb = make_sandbox()
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)  # both reads at one instant ("since", ages)
    fast = sources.read_sandbox(sb.path, scenario="x")
    argvs = []

    def indented(argv, directory, env):  # every read answered as a person sees it
        argvs.append(argv)
        return sandbox.run(argv, directory, env)

    slow = sources.read_sandbox(sb.path, run=indented, scenario="x")
    assert argvs and fast.pods == slow.pods and fast.apps == slow.apps and fast.objects == slow.objects


def test_public_copies_deeply_and_keeps_types():
    obj = {
        "_": {"private": 1},
        "metadata": {"labels": {"a": "b"}},
        "spec": {"ports": [{"p": 1}], "t": (1, [2])},
    }
    out = kube.public(obj)
    assert out == copy.deepcopy({k: v for k, v in obj.items() if k != "_"})
    assert type(out["spec"]["t"]) is tuple
    out["metadata"]["labels"]["a"] = "changed"
    out["spec"]["t"][1].append(3)
    assert obj["metadata"]["labels"]["a"] == "b" and obj["spec"]["t"][1] == [2], "the state is untouched"


def test_a_snapshot_lists_each_kind_once_and_the_next_snapshot_sees_changes(make_sandbox):
    from steps.sandbox import state as state_mod

    sb = make_sandbox()
    with sandbox.reading(sb.path):
        held = state_mod.load(sb.path)
        first = kube.listing(held, "Namespace", time.time())
        again = kube.listing(held, "Namespace", time.time())
        assert first == again and first is not again, "each caller gets its own list"
        assert ("listing", "Namespace", None) in state_mod.snapshot_memo(held)
    assert state_mod.snapshot_memo(held) is None, "the memo ends with its snapshot"
    sb.ok("kubectl create namespace probe")
    with sandbox.reading(sb.path):
        names = [
            o["metadata"]["name"] for o in kube.listing(state_mod.load(sb.path), "Namespace", time.time())
        ]
    assert "probe" in names
