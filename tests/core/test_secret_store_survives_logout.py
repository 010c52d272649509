"""Issue 11.3: MinIO's captured credentials must survive a logout (they lived only in
XDG_RUNTIME_DIR, a tmpfs emptied at logout) while staying out of the session directory."""

from __future__ import annotations

import stat

from steps.record import secret_store


def test_secrets_live_in_the_state_dir_not_the_runtime_tmpfs(tmp_path, monkeypatch):
    runtime, state = tmp_path / "run", tmp_path / "state"
    runtime.mkdir()
    monkeypatch.delenv("CAIRN_SECRETS_DIR", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    secret_store.save("s1", {"minio_secret_key": "s3cr3t"})
    assert not any(runtime.rglob("*"))
    path = state / "cairn-secrets" / "s1.json"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert secret_store.load("s1") == {"minio_secret_key": "s3cr3t"}
    secret_store.forget("s1")
    assert secret_store.load("s1") == {}
