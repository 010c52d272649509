"""`cairn sandbox exec|shell`: look at a session's rehearsal deployment as at a real one."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from steps.errors import BadInput
from steps.record import session


def _sandbox_of(session_id: str | None) -> tuple[str, Path]:
    sid, _directory = session.find(session_id)
    sandbox_dir = session.sandbox_dir(sid)
    if not (sandbox_dir / "state.json").exists():
        raise BadInput(
            f"session {sid} has no sandbox (it did not run against one, or {sandbox_dir} was removed)"
        )
    return sid, sandbox_dir


def exec_command(rest: Sequence[str]) -> int:
    """`cairn sandbox exec [ID] -- CMD ARGS…`"""
    from steps import sandbox

    rest = list(rest)
    session_id = None
    if "--" in rest:
        cut = rest.index("--")
        before, command = rest[:cut], rest[cut + 1 :]
        if len(before) > 1:
            raise BadInput("usage: cairn sandbox exec [ID] -- juju|kubectl|curl ARGS…")
        session_id = before[0] if before else None
    else:
        command = rest
    if not command:
        raise BadInput("usage: cairn sandbox exec [ID] -- juju|kubectl|curl ARGS…")
    _, sandbox_dir = _sandbox_of(session_id)
    tools = sandbox.tools_in(sandbox_dir)
    if command[0] not in tools:
        raise BadInput(f"this sandbox emulates {', '.join(tools)}, not {command[0]!r}")
    code, out, err = sandbox.run(command, sandbox_dir)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    return code


def shell(session_id: str | None) -> int:
    from steps import sandbox

    sid, sandbox_dir = _sandbox_of(session_id)
    env = dict(os.environ)
    env.update(sandbox.environ(sandbox_dir))
    env["CAIRN_SANDBOX_SESSION"] = sid  # for a prompt or script of the operator's own
    mark = f"(cairn sandbox {sid}) "
    env["PS1"] = f"{mark}$ "
    program = env.get("SHELL") or "/bin/sh"
    print(
        f"A shell with the sandbox's {', '.join(sandbox.tools_in(sandbox_dir))} first on PATH (session {sid}); "
        "exit to leave.",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(prefix="cairn-shell-") as scratch:
        argv = _marked_shell(program, mark, Path(scratch), env)
        return subprocess.call(argv, env=env)


def _marked_shell(program: str, mark: str, scratch: Path, env: dict[str, str]) -> list[str]:
    """The shell, with the sandbox's mark in front of the operator's own prompt. bash and zsh read
    their rc files after the environment, and those set the prompt: so the mark is added by an rc
    file of ours that reads the operator's first. Other shells take PS1 from the environment."""
    name = Path(program).name
    quoted = mark.replace("'", "'\\''")
    if name == "bash":
        rc = scratch / "bashrc"
        rc.write_text(
            f'[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"\nPS1=\'{quoted}\'"$PS1"\n',
            encoding="utf-8",
        )
        return [program, "--rcfile", str(rc)]  # interactive on a terminal, as bash decides
    if name == "zsh":
        (scratch / ".zshrc").write_text(
            f'[ -f "$HOME/.zshrc" ] && . "$HOME/.zshrc"\nPROMPT=\'{quoted}\'"$PROMPT"\n',
            encoding="utf-8",
        )
        env["ZDOTDIR"] = str(scratch)
        return [program]
    if name == "fish":
        prefix = mark.replace("'", "\\'")
        return [
            program,
            "-C",
            "functions -c fish_prompt _cairn_prompt; "
            f"function fish_prompt; echo -n '{prefix}'; _cairn_prompt; end",
        ]
    return [program]
