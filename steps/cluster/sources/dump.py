"""`dump`: run the read commands as real processes and save what they print, for `--from-files`.

Each output goes to its own file; `COMMANDS` records what ran, when, and how it ended, so a
reviewer (and the files source) can tell a missing CRD from a read that failed.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ...record.redact import Redactor
from .capture import Ran, run_reads

COMMANDS_FILE = "COMMANDS"
COMMANDS_HEADER = "# cairn dump:"
COMMAND_TIMEOUT = 180.0  # seconds; a `kubectl get pods -A` on a big cluster is slow but not this slow


def subprocess_runner(env: Mapping[str, str] | None, timeout: float = COMMAND_TIMEOUT):
    """A runner that starts the tool as a process (argv list, never a shell) with `env`."""
    environ = dict(os.environ if env is None else env)

    sandbox = environ.get("CAIRN_SANDBOX")

    def run(argv: Sequence[str]) -> tuple[int, bytes, bytes]:
        if sandbox and not (Path(sandbox) / "bin" / argv[0]).exists():
            # A sandbox without this tool (upstream Istio has no juju): never reach the real one.
            return 127, b"", f"{argv[0]}: command not found".encode()
        try:
            done = subprocess.run(
                list(argv),
                env=environ,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            return 127, b"", f"{argv[0]}: command not found".encode()
        except subprocess.TimeoutExpired:
            return 124, b"", f"{argv[0]}: timed out after {timeout:.0f} s".encode()
        except OSError as exc:
            return 126, b"", f"{argv[0]}: {exc.strerror or exc}".encode()
        return done.returncode, done.stdout, done.stderr

    return run


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _record_line(ran: Ran, file_name: str) -> str:
    on_failure = "error" if ran.error() else "ignored" if ran.rc else ""
    fields = [
        _stamp(ran.started),
        str(ran.rc),
        f"{ran.seconds:.2f}",
        file_name,
        ran.shown,
        on_failure,
        ran.stderr_line() if ran.rc else "",
    ]
    return "\t".join(f.replace("\t", " ") for f in fields)


def dump(
    directory: str | Path,
    env: Mapping[str, str] | None,
    model: str,
    context: str | None = None,
    *,
    timeout: float = COMMAND_TIMEOUT,
    written: list[str] | None = None,
) -> list[list[str]]:
    """Run every read into `directory` (created if needed); returns the argvs that ran, in order.
    `written` collects the names of the files that got output (a failed read writes none)."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    runner = subprocess_runner(env, timeout)
    lines = [
        f"{COMMANDS_HEADER} the commands that made the files here, one a line, tab-separated:",
        "# started (UTC)\texit\tseconds\tfile\tcommand\ton failure\tfirst line of stderr",
    ]
    argvs: list[list[str]] = []
    from ...istio.sources import with_istio_reads  # here: steps.istio imports this package

    # The upstream Istio analysis (`cairn analyze --from-files`) reads more kinds than the checks.
    reads = with_istio_reads(run_reads(runner, model, context), runner, context)
    for number, ran in enumerate(reads, start=1):
        argvs.append(list(ran.command.argv))
        file_name = ""
        if ran.stdout.strip():
            file_name = f"{number:02d}-{ran.command.name}{ran.command.suffix}"
            # A dump is handed around like a session record: secret config values and Secret
            # data are redacted as in command output (the checks never need them).
            text = ran.stdout.decode("utf-8", "surrogateescape")
            (target / file_name).write_bytes(Redactor().text(text).encode("utf-8", "surrogateescape"))
            if written is not None:
                written.append(file_name)
        lines.append(_record_line(ran, file_name))
        # Written after every command: an interrupted dump still says how far it got.
        (target / COMMANDS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return argvs


def failed_commands(record: str) -> list[str]:
    """From a COMMANDS file: one line per command whose failure matters."""
    out: list[str] = []
    for line in record.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 6 and fields[5] == "error":
            message = fields[6] if len(fields) > 6 and fields[6] else "no message"
            out.append(f"dump: `{fields[4]}` exited {fields[1]}: {message}")
    return out
