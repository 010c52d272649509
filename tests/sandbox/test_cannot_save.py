"""When the sandbox cannot save its state (a full disk), its tools fail with one line in their own
error form, never a Python traceback in the command's output."""

from __future__ import annotations

import os
import subprocess
import sys

# The tool's own entry point, in a process whose writes past 4 KiB fail with EFBIG, as a full disk
# fails them with ENOSPC (Python ignores SIGXFSZ, so the write raises instead of killing it).
# Bytecode is not written: a .pyc cut at the limit would be renamed into place whole.
TOOL = """
import sys
sys.dont_write_bytecode = True
import resource
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from steps.sandbox.cli import main
tool = sys.argv[1]
sys.argv = sys.argv[1:]
main(tool)
"""


def test_a_write_that_cannot_be_saved_is_one_line(make_sandbox):
    sb = make_sandbox()
    for argv, prefix in (
        (["kubectl", "label", "namespace", "kubeflow", "cairn-test=yes"], "error: "),
        (["juju", "config", "istio-pilot", "default-gateway=x", "-m", "kubeflow"], "ERROR "),
    ):
        done = subprocess.run(
            [sys.executable, "-c", TOOL, *argv],
            capture_output=True,
            text=True,
            env={**os.environ, "CAIRN_SANDBOX": str(sb.path)},
            timeout=60,
        )
        assert done.returncode == 1, done
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith(prefix + "the sandbox cannot save its state: File too large"), (
            done.stderr
        )
        assert done.stderr.count("\n") == 1
