"""SessionDir owns the session directory's layout; TargetRequest.from_journal rebuilds a target."""

from pathlib import Path

from steps.record import journal
from steps.record.session import SessionDir, sandbox_dir
from steps.run.launch import make_target
from steps.run.request import TargetRequest


def test_session_dir_names_every_file_of_the_layout(tmp_path):
    layout = SessionDir(tmp_path / "20260101-000000-abcd")
    assert layout.id == "20260101-000000-abcd"
    assert layout.journal == layout.path / journal.JOURNAL_NAME
    assert layout.command(7).out == layout.path / "commands" / "007.out"
    assert layout.command(7).rc == layout.path / "commands" / "007.rc"
    assert SessionDir.output_name(7) == "commands/007.out"
    assert layout.generated("deploy", "manifest.yaml") == layout.path / "files" / "deploy-manifest.yaml"
    assert layout.cluster_state.name == "cluster-state.json"
    assert layout.export("text").name == "snapshot.txt" and layout.export("json").name == "snapshot.json"
    assert layout.sandbox == sandbox_dir(layout.id)
    assert not layout.is_session()
    layout.path.mkdir()
    layout.journal.write_text("")
    assert layout.is_session()


def test_a_journaled_target_is_made_again_as_it_was(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"  # a live target checks its context against the kubeconfig
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        "contexts: [{name: prod, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443'}}]\nusers: [{name: u, user: {}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("JUJU_DATA", str(tmp_path / "juju"))
    monkeypatch.setenv("JUJU_CONTROLLER", "ctl")
    for req in (
        TargetRequest(kind="sandbox", scenario="ckf-1.6", speed=0.5),
        TargetRequest(kind="live", context="prod"),
        TargetRequest(kind="files", directory=str(tmp_path)),
    ):
        described = make_target(req, tmp_path / "sid", "kubeflow").describe()
        again = make_target(TargetRequest.from_journal(described), tmp_path / "sid", "kubeflow")
        assert again.describe() == described
    assert TargetRequest.from_journal({}) == TargetRequest()
    assert isinstance(TargetRequest.from_journal({"kind": "files", "directory": "d"}).directory, str)
    assert Path(TargetRequest.from_journal({"kind": "files", "directory": "d"}).directory) == Path("d")
