"""The start screen offers the istio-ambient runbook with its own scenarios."""

from __future__ import annotations

from textual.widgets import Select

from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.screens.start import StartScreen


async def test_istio_ambient_comes_with_its_scenarios_and_a_ckf_runbook_with_its_own():
    request = RunRequest(runbook="istio-ambient", target=TargetRequest(kind="sandbox", speed=0))
    app = CairnApp(request=request, start_screen=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, StartScreen)
        target = screen.query_one("#target", Select)
        assert target.value == "sandbox:istio-bookinfo"
        offered = [value for _, value in screen._target_options()]
        assert {"sandbox:istio-bookinfo-legacy", "sandbox:istio-bookinfo-blockers"} <= set(offered)
        preview = str(screen.query_one("#plan-text").render())
        assert "Remove the sidecars, namespace by namespace" in preview
        runbook = screen.query_one("#runbook", Select)
        runbook.value = "ckf-1.11-ambient"
        await pilot.pause(0.2)
        assert target.value == "sandbox:ckf-1.11-microk8s"
        runbook.value = "istio-ambient"
        await pilot.pause(0.2)
        assert target.value == "sandbox:istio-bookinfo"
        request = screen.build_request()
        assert request.runbook == "istio-ambient" and request.target.scenario == "istio-bookinfo"
