"""Issue 14.2: the start screen's plan preview of a live run shows the commands as they will run,
aimed at the chosen context and controller, as the confirmation and the record do."""

from __future__ import annotations

from steps.launch import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.screens.start import StartScreen

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: other
contexts:
  - {name: other, context: {cluster: c-other, user: u}}
  - {name: ctx-a, context: {cluster: c-a, user: u}}
clusters:
  - {name: c-other, cluster: {server: "https://127.0.0.1:6443"}}
  - {name: c-a, cluster: {server: "https://127.0.0.1:6443"}}
users:
  - {name: u, user: {token: not-used}}
"""


async def test_the_live_preview_shows_the_pinned_commands(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    juju = tmp_path / "juju"
    juju.mkdir()
    (juju / "controllers.yaml").write_text("controllers: {}\ncurrent-controller: ctl-now\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("JUJU_DATA", str(juju))
    monkeypatch.delenv("JUJU_CONTROLLER", raising=False)
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
