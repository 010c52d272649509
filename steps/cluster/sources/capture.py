"""Run the read commands through a runner (real subprocesses, or the sandbox's in-process tools)
and turn what they printed into a `ClusterState` with the same parsers as every other source.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..builder import StateBuilder
from ..documents import load_documents
from ..errors import StateParseError
from ..juju_parse import looks_like_status
from ..state import ClusterState
from .commands import ReadCommand, config_command, read_commands

# argv -> (exit code, stdout, stderr)
Runner = Callable[[Sequence[str]], tuple[int, bytes, bytes]]


@dataclass(frozen=True)
class Ran:
    command: ReadCommand
    started: float  # time.time()
    seconds: float
    rc: int
    stdout: bytes
    stderr: bytes

    @property
    def shown(self) -> str:
        return shlex.join(self.command.argv)

    def stderr_line(self) -> str:
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[0].strip() if lines else ""

    def error(self) -> str | None:
        """One line for the read's errors when this command failed in a way that matters."""
        if self.rc == 0 or not self.command.failure_is_error(self.stderr.decode("utf-8", "replace")):
            return None
        return f"`{self.shown}` exited {self.rc}: {self.stderr_line() or 'no message'}"


def app_names(status_json: bytes) -> list[str]:
    """The applications in `juju status` output, to read each one's config; [] when unreadable."""
    try:
        docs = load_documents(status_json.decode("utf-8", "replace"), "juju status")
    except StateParseError:
        return []
    for doc in docs:
        if looks_like_status(doc) and isinstance(doc.get("applications"), dict):
            return sorted(str(name) for name in doc["applications"])
    return []


def run_reads(runner: Runner, model: str, context: str | None = None) -> Iterator[Ran]:
    """Run every read in order, then `juju config` for each application the status showed (no
    Juju read at all when `model` is "": a runbook without a Juju model)."""
    status = b""
    for command in read_commands(model, context):
        if not model and command.argv[0] == "juju":
            continue
        ran = _run(runner, command)
        if command.name == "juju-status" and ran.rc == 0:
            status = ran.stdout
        yield ran
    for app in app_names(status):
        yield _run(runner, config_command(model, app))


def _run(runner: Runner, command: ReadCommand) -> Ran:
    started = time.time()
    clock = time.monotonic()
    rc, out, err = runner(command.argv)
    return Ran(command, started, time.monotonic() - clock, rc, out, err)


def state_from_runs(runs: Sequence[Ran], source: str) -> ClusterState:
    builder = StateBuilder()
    for ran in runs:
        problem = ran.error()
        if problem:
            builder.errors.append(problem)
        if not ran.stdout.strip():
            continue
        try:
            if builder.add_text(ran.stdout.decode("utf-8", "replace"), f"`{ran.shown}`") is None:
                builder.errors.append(f"`{ran.shown}`: printed something that is not its usual format")
        except StateParseError as exc:
            builder.errors.append(str(exc))
    return builder.build(source)
