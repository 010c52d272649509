"""Which CLI tools the operator has, and their versions (`juju version`, `kubectl version --client`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from ..juju_parse import parse_version

Runner = Callable[[Sequence[str]], tuple[int, bytes, bytes]]

JUJU_VERSION_ARGV = ("juju", "version")
KUBECTL_VERSION_ARGV = ("kubectl", "version", "--client", "-o", "json")


def find_tools(runner: Runner) -> tuple[dict[str, str], list[str]]:
    """(tool -> version, errors). A tool that cannot be started is absent; one that runs but
    prints no version we can read is present with version ""."""
    tools: dict[str, str] = {}
    errors: list[str] = []
    rc, out, err = runner(JUJU_VERSION_ARGV)
    if rc == 0:
        tools["juju"] = parse_version(out.decode("utf-8", "replace"))
    elif rc not in (126, 127):
        tools["juju"] = ""
        errors.append(f"`juju version` exited {rc}: {_first_line(err)}")
    rc, out, err = runner(KUBECTL_VERSION_ARGV)
    if rc == 0:
        tools["kubectl"] = _kubectl_client_version(out)
    elif rc not in (126, 127):
        tools["kubectl"] = ""
        errors.append(f"`kubectl version --client -o json` exited {rc}: {_first_line(err)}")
    return tools, errors


def _kubectl_client_version(out: bytes) -> str:
    try:
        doc = json.loads(out)
    except ValueError:
        return ""
    client = doc.get("clientVersion") if isinstance(doc, dict) else None
    version = client.get("gitVersion") if isinstance(client, dict) else None
    return version if isinstance(version, str) else ""


def _first_line(err: bytes) -> str:
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no message"
