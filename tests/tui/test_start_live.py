"""Issue 14.2: the start screen's plan preview of a live run shows the commands as they will run,
aimed at the chosen context and controller, as the confirmation and the record do."""

from __future__ import annotations

from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.screens.start import StartScreen

from ..core.test_live_target import live_config  # noqa: F401 - the kubeconfig and juju data fixture


async def test_the_live_preview_shows_the_pinned_commands(live_config, monkeypatch):  # noqa: F811
    monkeypatch.setattr(StartScreen, "_detect_live", lambda self: None)  # no cluster to read here
    request = RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(kind="live", context="ctx-a"))
    app = CairnApp(request=request, start_screen=True, live_allowed=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        preview = str(screen.query_one("#plan-text").render())
        assert "kubectl --context ctx-a " in preview, preview[:2000]
        assert "-m ctl-now:kubeflow" in preview, preview[:2000]
