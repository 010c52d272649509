"""What the juju commands share: errors, the command context, model checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import model, workloads
from .state import State

Result = tuple[int, str, str]


StdinSource = bytes | Callable[[], bytes] | None

# Base durations (seconds at speed 1.0) for a change to settle.
DEPLOY_SECONDS = {"istio-k8s": 20, "mysql-k8s": 20, "istio-ingress-k8s": 14, "istio-beacon-k8s": 12}


REFRESH_SECONDS = 10


RELATION_SECONDS = 3


CONFIG_SECONDS = 3


REMOVE_SECONDS = 6


MODEL_FLAGS = {"-m": "model", "--model": "model"}


class JujuError(Exception):
    """Printed as `ERROR <message>`; exit status 1 (2 for usage errors)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class Context:
    def __init__(self, sandbox_dir: Path, env: dict[str, str], stdin: StdinSource):
        self.dir = Path(sandbox_dir)
        self.env = env
        self._stdin = stdin
        self.out: list[str] = []
        self.err: list[str] = []

    @property
    def stdin(self) -> bytes:
        """Read only when a command needs it (a prompt), as the real tool does."""
        if callable(self._stdin):
            self._stdin = self._stdin()
        return self._stdin or b""

    def say(self, text: str) -> None:
        self.out.append(text if text.endswith("\n") else text + "\n")

    def info(self, text: str) -> None:
        self.err.append(text if text.endswith("\n") else text + "\n")


def check_model(state: State, opts) -> None:
    wanted = opts.get("model")
    if not wanted:
        return
    short = wanted.split(":")[-1].split("/")[-1]
    if short != state["model"]["name"]:
        raise JujuError(f"model {state['model']['controller']}:admin/{short} not found")


def finish(state: State, ctx: Context, now: float) -> None:
    workloads.after_change(state, now, ctx.dir)


def need_app(state: State, name: str, now: float) -> dict:
    app = model.app(state, name, now)
    if app is None:
        raise JujuError(f'application "{name}" not found')
    return app


def clock() -> float:
    from .state import now

    return now()


class SilentError(JujuError):
    def __init__(self):
        super().__init__("", 1)
