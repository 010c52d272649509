"""Which Juju the controller runs, and so which CLI dialect a runbook must speak.

CKF 1.6 and 1.7 ran on Juju 2.9, whose CLI differs from 3.x in ways a runbook meets (canonical/
jubilant PR #193, "add Juju 2.9 compatibility", lists them; juju/juju PRs #14919 and #14982):
- 2.9 has `relate` / `add-relation`; `integrate` exists only from 3.0.
- `remove-application` prompts only from 3.x; `--no-prompt` is accepted on 2.9 only from 2.9.38
  (as a no-op), so a 2.9 command never carries it.
- `juju refresh` has no `--trust` before 3.x (jubilant trusts separately on 2.9).
The dialect is a runbook param (`juju`), discovered from the model's agent version, so the plan
shows the exact argv that runs; the pre-flight check below refuses a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import model_name
from .result import CheckResult, fail, ok, warn
from .versions import shown, version_tuple

# Charmhub (tracks such as 1.16/stable, where the CKF 1.7 charms are published) needs Juju 2.9:
# Juju 2.8 and older deploy only from the retired charm store.
MIN_CHARMHUB_JUJU = (2, 9, 0)
DIALECTS = ("2.9", "3")


def dialect_of(version: tuple[int, int, int] | None) -> str:
    if version is None:
        return ""
    return "2.9" if version[0] == 2 else "3"


def detected_version(state: ClusterState) -> tuple[int, int, int] | None:
    """The model's agent version when read (what the controller accepts), else the client's."""
    agent = version_tuple(state.model.version) if state.model else None
    return agent or version_tuple(state.juju_version)


def discover_juju_dialect(state: ClusterState) -> str:
    return dialect_of(detected_version(state))


def juju_dialect(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    client = version_tuple(state.juju_version)
    agent = version_tuple(state.model.version) if state.model else None
    model = model_name(params, state)
    if client is None and agent is None:
        return warn(
            "could not read the Juju version (no `juju version` output and no model read)",
            f"juju version\njuju status -m {model}",
        )
    too_old = [
        f"{who} is Juju {shown(v)}"
        for who, v in (("the juju client", client), (f"model {model}", agent))
        if v is not None and v < MIN_CHARMHUB_JUJU
    ]
    if too_old:
        return fail(
            f"{'; '.join(too_old)}: the 1.7 charms are on Charmhub, which Juju 2.8 and older cannot "
            "deploy from; this runbook needs Juju 2.9 or newer",
            "sudo snap refresh juju --channel 2.9/stable\n"
            f"juju upgrade-controller && juju upgrade-model -m {model}  # to the newest 2.9",
        )
    if client is not None and agent is not None and dialect_of(client) != dialect_of(agent):
        return fail(
            f"the juju client is {shown(client)} but model {model} runs {shown(agent)}; "
            "use the client of the controller's major version",
            f"sudo snap refresh juju --channel {'2.9' if agent[0] == 2 else f'{agent[0]}.{agent[1]}'}/stable",
        )
    detected = dialect_of(agent or client)
    chosen = str(params.get("juju") or "")
    if chosen and chosen != detected:
        return fail(
            f"the plan speaks Juju {chosen} but the controller runs {shown(agent or client)}",
            f"--set juju={detected}  # the commands then use that dialect",
        )
    verbs = "juju relate, no --no-prompt" if detected == "2.9" else "juju integrate, --no-prompt"
    return ok(f"Juju {shown(agent or client)}: commands speak the {detected} dialect ({verbs})")
