"""A param the runbook discovers from the cluster (`discover:`) that the start screen shows at its
default is left to the run to discover, as `cairn run` leaves it: on a gateway that serves TLS the
run carries TLS, instead of being told `tls=off` by a form nobody changed."""

from __future__ import annotations

from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.screens.start import StartScreen
from tui.widgets.choices import InlineChoice


def _request(**given: str) -> RunRequest:
    target = TargetRequest(kind="sandbox", scenario="ckf-1.11-tls", speed=0)
    return RunRequest(runbook="ckf-1.11-ambient", given=dict(given), target=target)


async def test_a_discovered_param_left_at_its_default_is_discovered_by_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path))
    app = CairnApp(request=_request(), start_screen=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, StartScreen)
        await pilot.pause(0.2)
        assert screen.query_one("#param-tls", InlineChoice).value == "off"
        request = screen.build_request()
    assert "tls" not in request.given
    launched = start(request)
    try:
        assert launched.plan.values.params["tls"] == "carry"
        assert any("tls discovered from the cluster: carry" in n for n in launched.notices)
    finally:
        launched.close()


async def test_a_value_given_with_set_is_kept():
    app = CairnApp(request=_request(tls="off"), start_screen=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert app.screen.build_request().given["tls"] == "off"
