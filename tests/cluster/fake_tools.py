"""Stand-ins for `juju` and `kubectl` that answer the read commands with the fixture files,
in-process (for the sandbox source) or as executables (for `dump`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests" / "fixtures" / "cluster" / "ckf-1.11-microk8s"
EMPTY_LIST = json.dumps(
    {"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}
)
NO_TYPE = 'error: the server doesn\'t have a resource type "{}"\n'


def respond(
    argv: Sequence[str],
    missing_types: Sequence[str] = ("gateways", "ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"),
):
    """(exit code, stdout, stderr) as the real tool would give for the read commands."""
    args = list(argv[1:])
    tool = Path(argv[0]).name
    if tool == "juju":
        if args == ["version"]:
            return 0, b"3.6.8-genericlinux-amd64\n", b""
        if args[:1] == ["status"]:
            return 0, (DUMP / "juju-status.json").read_bytes(), b""
        if args[:1] == ["config"]:
            app = args[3]
            saved = DUMP / f"juju-config-{app}.json"
            if saved.exists():
                return 0, saved.read_bytes(), b""
            return 0, json.dumps({"application": app, "charm": app, "settings": {}}).encode(), b""
        return 2, b"", f"ERROR unrecognized command: juju {' '.join(args)}\n".encode()
    if tool == "kubectl":
        if "--context" in args:
            i = args.index("--context")
            args = args[:i] + args[i + 2 :]
        if args[:1] == ["version"]:
            return 0, (DUMP / "kubectl-version.json").read_bytes(), b""
        if args[:1] == ["get"]:
            resource = args[1]
            plural = resource.split(".")[0]
            if plural in missing_types:
                return 1, b"", NO_TYPE.format(plural).encode()
            if "," in resource and not resource.startswith("namespaces,"):
                return 0, EMPTY_LIST.encode(), b""  # a batch the dump does not hold (webhook configurations)
            name = {"crd": "customresourcedefinitions"}.get(plural, plural)
            saved = DUMP / ("kubectl-get-workloads.json" if "," in resource else f"kubectl-get-{name}.json")
            return 0, saved.read_bytes() if saved.exists() else EMPTY_LIST.encode(), b""
        return 1, b"", f'error: unknown command "{args[0]}" for "kubectl"\n'.encode()
    return 127, b"", f"{tool}: command not found\n".encode()


def write_bin(directory: Path, tools: Sequence[str] = ("juju", "kubectl"), log: Path | None = None) -> Path:
    """Executables that answer through `respond` and log their argv as JSON, one line each."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        script = directory / tool
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "from tests.cluster.fake_tools import respond\n"
            f"log = {str(log) if log else ''!r}\n"
            "if log:\n"
            "    open(log, 'a').write(json.dumps(sys.argv) + '\\n')\n"
            "rc, out, err = respond(sys.argv)\n"
            "sys.stdout.buffer.write(out); sys.stderr.buffer.write(err); sys.exit(rc)\n"
        )
        script.chmod(0o755)
    return directory
