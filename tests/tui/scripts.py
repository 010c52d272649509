"""Fixed event scripts for the snapshot tests: the same screen every time, to the character."""

from __future__ import annotations

from steps.run import events as ev

from .fakes import SNAP_T0


def _at(seconds: float) -> float:
    return SNAP_T0 + seconds


def _command(
    step: str,
    index: int,
    number: int,
    display: str,
    start: float,
    took: float,
    lines: tuple[str, ...],
    exit_code: int = 0,
    failure: str = "",
) -> list[ev.Event]:
    ok = exit_code == 0
    return [
        ev.CommandStarted(
            t=_at(start), step_id=step, index=index, number=number, display=display, timeout=600
        ),
        ev.CommandOutput(t=_at(start + 0.1), step_id=step, number=number, lines=lines),
        ev.CommandFinished(
            t=_at(start + took),
            step_id=step,
            index=index,
            number=number,
            exit=exit_code,
            ok=ok,
            failure=failure or ("" if ok else f"exit status {exit_code}"),
            duration=took,
        ),
    ]


def _step(step: str, start: float, took: float, commands: list[ev.Event]) -> list[ev.Event]:
    return [
        ev.StepStarted(t=_at(start), step_id=step),
        *commands,
        ev.StepFinished(t=_at(start + took), step_id=step, state="succeeded", duration=took),
    ]


def _first_half() -> list[ev.Event]:
    out: list[ev.Event] = []
    out += _step(
        "preflight-tools",
        5,
        0.8,
        _command(
            "preflight-tools",
            0,
            1,
            "sh -c 'echo juju 3.6.8; echo kubectl v1.32.3'",
            5.1,
            0.6,
            ("juju 3.6.8", "kubectl v1.32.3"),
        ),
    )
    out += [
        ev.StepFinished(
            t=_at(7),
            step_id="preflight-model",
            state="done",
            reason="model kubeflow runs Charmed Kubeflow 1.11/stable",
        )
    ]
    out += [
        ev.DecisionRequested(
            t=_at(8),
            id=1,
            kind="confirm",
            step_id="remove-istio-pilot",
            prompt="Remove istio-pilot: this step is destructive. Run it?",
            options=("yes", "skip", "abort"),
            detail=("$ sh -c 'echo removing istio-pilot; sleep 0; echo removed'",),
        ),
        ev.DecisionMade(t=_at(20), id=1, kind="confirm", step_id="remove-istio-pilot", choice="yes"),
    ]
    out += _step(
        "remove-istio-pilot",
        20,
        74.2,
        _command(
            "remove-istio-pilot",
            0,
            2,
            "sh -c 'echo removing istio-pilot; sleep 0; echo removed'",
            20.1,
            74.0,
            ("removing istio-pilot", "removed"),
        ),
    )
    return out


def mid_run() -> list[ev.Event]:
    """Pre-flight done, istio-pilot removed, istio-k8s deployed and settling."""
    out = _first_half()
    out += [ev.StepStarted(t=_at(95), step_id="deploy-istio-k8s")]
    out += _command(
        "deploy-istio-k8s",
        0,
        3,
        "sh -c 'echo deploying istio-k8s --channel 2/edge; sleep 0'",
        95.1,
        3.2,
        (
            "deploying istio-k8s --channel 2/edge",
            'Located charm "istio-k8s" in charm-hub, channel 2/edge',
            'Deploying "istio-k8s" from charm-hub charm "istio-k8s", revision 1287 in channel 2/edge',
        ),
    )
    out += [
        ev.WaitProgress(
            t=_at(700),
            step_id="deploy-istio-k8s",
            what="settle: istio-k8s",
            lines=(
                "istio-k8s/0: maintenance - installing charm software",
                "istio-k8s: waiting - waiting for the CNI daemonset",
            ),
            elapsed=601.5,
            stable_for=0.0,
            timeout=1800.0,
        )
    ]
    return out


def failed_prompt() -> list[ev.Event]:
    """The admission webhook's integration failed; the engine asks retry, skip or abort."""
    out = _first_half()
    out += _step(
        "deploy-istio-k8s",
        95,
        180.5,
        _command(
            "deploy-istio-k8s",
            0,
            3,
            "sh -c 'echo deploying istio-k8s --channel 2/edge; sleep 0'",
            95.1,
            3.2,
            ("deploying istio-k8s --channel 2/edge",),
        ),
    )
    out += [ev.StepStarted(t=_at(280), step_id="migrate-admission-webhook")]
    out += _command(
        "migrate-admission-webhook",
        0,
        4,
        "sh -c 'echo refreshing admission-webhook; sleep 0'",
        280.1,
        12.0,
        ("refreshing admission-webhook",),
    )
    out += _command(
        "migrate-admission-webhook",
        1,
        5,
        "juju integrate admission-webhook:service-mesh istio-beacon-k8s:service-mesh -m kubeflow",
        292.2,
        1.4,
        ('ERROR cannot integrate: hook failed: "install"',),
        exit_code=1,
    )
    why = (
        "command 2 of 2 failed: juju integrate admission-webhook:service-mesh "
        "istio-beacon-k8s:service-mesh -m kubeflow"
    )
    out += [
        ev.StepFinished(t=_at(293.7), step_id="migrate-admission-webhook", state="failed", reason=why),
        ev.DecisionRequested(
            t=_at(293.8),
            id=2,
            kind="failed",
            step_id="migrate-admission-webhook",
            prompt=f"admission-webhook -> 2.0/edge, service mesh failed: {why}",
            options=("retry", "skip", "abort"),
            # as the engine sends it: how the failed command's output ends
            detail=('| ERROR cannot integrate: hook failed: "install"',),
        ),
    ]
    return out


def finished() -> list[ev.Event]:
    """Every step done; the run succeeded."""
    out = _first_half()
    out += _step(
        "deploy-istio-k8s",
        95,
        180.5,
        _command(
            "deploy-istio-k8s",
            0,
            3,
            "sh -c 'echo deploying istio-k8s --channel 2/edge; sleep 0'",
            95.1,
            3.2,
            ("deploying istio-k8s --channel 2/edge",),
        ),
    )
    out += _step(
        "migrate-admission-webhook",
        280,
        31.0,
        _command(
            "migrate-admission-webhook",
            0,
            4,
            "sh -c 'echo refreshing admission-webhook; sleep 0'",
            280.1,
            12.0,
            ("refreshing admission-webhook",),
        ),
    )
    out += _step(
        "verify-status",
        320,
        2.0,
        _command(
            "verify-status",
            0,
            5,
            "sh -c 'echo 37 applications active'",
            320.1,
            1.0,
            ("37 applications active",),
        ),
    )
    out += [
        ev.RunFinished(
            t=_at(330),
            outcome="succeeded",
            summary={"succeeded": 5, "already done": 1},
            message="every step succeeded, was already done or was skipped",
        )
    ]
    return out
