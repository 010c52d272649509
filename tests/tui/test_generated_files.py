"""`g` opens the files Cairn generated for the session (the recommended waypoints and policies)."""

from __future__ import annotations

from textual.widgets import Static

from tui.app import CairnApp
from tui.dialogs.summary import SummaryScreen
from tui.screens.generated import GeneratedFilesScreen
from tui.screens.main import MainScreen

from .conftest import wait_for


async def test_g_shows_the_generated_yaml_and_escape_closes_it(launched_factory):
    launched = launched_factory(yes=True)
    files = launched.directory / "files"
    files.mkdir(exist_ok=True)
    (files / "waypoints-apply-recommended-waypoints.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: waypoint\n"
    )
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("g")
        assert isinstance(app.screen, GeneratedFilesScreen)
        shown = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "recommended-waypoints.yaml" in shown and "kind: Gateway" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
