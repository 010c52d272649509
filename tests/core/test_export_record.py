"""The record says what happened (issue 10.10-10.15, 14.7): glyphs for skipped and assumed steps,
values redacted but never names, readable layout, run time apart from waiting, attempts, the
cluster before and after with what changed, operator notes, and a bounded, streamed export."""

from __future__ import annotations

import subprocess
import sys
import time

from steps.cluster.state import App, ClusterState, Relation, Status
from steps.record import export
from steps.run import events as ev
from steps.runbook.model import CheckRef

from .harness import Result, book, make
from .harness import step as _step

PY = sys.executable


def test_export_redacts_values_but_never_names(tmp_path):
    text = book(
        """      - id: minio-credentials
        title: Read the MinIO keys
        doc: d
        run:
          - {argv: "printf %s short", capture: minio_access_key, secret: true}
""",
        _step("b", ["echo b"]),
    )
    h = make(text, tmp_path)
    h.engine.skip("b", "password=hunter2hunter2 was wrong")
    h.start()
    assert h.join() == "succeeded"
    out = export.to_text(h.directory)
    assert "minio-credentials: minio_access_key is short" in out, "names survive the redactor"
    assert "hunter2hunter2" not in out and "password=[redacted]" in out, "values do not"


def test_export_layout_indents_blocks_numbers_attempts_and_shows_empty_values(tmp_path):
    calls = {"n": 0}

    def flaky(state, params, **args):
        calls["n"] += 1
        if calls["n"] == 1:
            return Result("failed", "not yet", "juju integrate a b\njuju integrate c d")
        return Result("passed", "fine")

    script = "print('line one'); print('line two')"
    h = make(
        book(
            _step("a", [f'{{argv: [{PY}, -c, "{script}"], capture: listing}}'], "        verify: [thing]"),
        ),
        tmp_path,
        checks={"thing": flaky},
    ).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    out = export.to_text(h.directory).splitlines()
    fix = next(i for i, line in enumerate(out) if "fix: juju integrate a b" in line)
    column = out[fix].index("juju integrate a b")
    assert out[fix + 1] == " " * column + "juju integrate c d", "a fix's next line starts under its first"
    cap = next(i for i, line in enumerate(out) if "captured listing = line one" in line)
    assert out[cap + 1] == " " * out[cap].index("line one") + "line two"
    verifies = [line.strip() for line in out if line.strip().startswith("verify")]
    assert verifies[:2] == ["verify #1 thing: FAILED - not yet", "verify #2 thing: passed - fine"]
    assert CheckRef(name="app-config", args={"app": "istio-k8s", "key": "platform", "value": ""}).shown() == (
        'app-config(istio-k8s, platform, "")'
    )


def test_skipped_and_assumed_steps_have_their_own_marks_and_the_summary_is_honest(tmp_path):
    ask = """      - id: backup
        title: Confirm a backup exists
        doc: d
        ask: Is there a backup?
"""
    h = make(book(_step("a", ["echo a"]), ask, _step("c", ["echo c"])), tmp_path, yes=True)
    h.engine.skip("c", "not needed")
    h.start()
    assert h.join() == "succeeded"
    out = export.to_text(h.directory)
    assert "[assumed] Confirm a backup exists  [backup]" in out
    assert "[skip]    Step c  [c]" in out
    assert "[ok]      Step a  [a]" in out
    assert "3 steps: 1 succeeded, 1 assumed (--yes), 1 skipped." in out
    assert "1 human check(s) were answered by --yes: assumed, nobody looked." in out
    assert "every step succeeded" not in out


def test_export_shows_run_time_apart_from_waiting_and_the_attempts(tmp_path):
    flag = tmp_path / "flag"
    fail_once = f"[sh, -c, 'if [ -e {flag} ]; then exit 0; fi; touch {flag}; exit 1']"
    h = make(book(_step("a", [fail_once])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    time.sleep(1.1)
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    line = next(x for x in export.to_text(h.directory).splitlines() if "[a]" in x)
    assert "waiting for you)" in line and line.endswith("×2"), line


def test_export_has_the_cluster_before_the_run_and_what_changed(tmp_path):
    def cluster(channel: str, with_b: bool, related: bool) -> ClusterState:
        rel = (Relation(endpoint="ingress", related_app="istio-ingress-k8s"),) if related else ()
        apps = {
            "kfp-api": App(
                name="kfp-api", charm="kfp-api", channel=channel, status=Status("active"), relations=rel
            )
        }
        if with_b:
            apps["istio-beacon-k8s"] = App(
                name="istio-beacon-k8s", charm="istio-beacon-k8s", channel="2/edge"
            )
        return ClusterState(source="fake", read_at=time.time(), apps=apps)

    reads = {"n": 0}

    def state_fn():
        reads["n"] += 1
        return cluster("2.5/stable", False, True) if reads["n"] == 1 else cluster("2.11/stable", True, False)

    h = make(book(_step("a", ["echo a"])), tmp_path, state_fn=state_fn).start()
    assert h.join() == "succeeded"
    out = export.to_text(h.directory)
    before = out.index("Cluster state before the run")
    assert "kfp-api" in out[before : out.index("Cluster state (latest read)")]
    changes = out[out.index("Changes between before and after") :]
    assert "~ app kfp-api channel 2.5/stable -> 2.11/stable" in changes
    assert "+ app istio-beacon-k8s (2/edge, unknown)" in changes
    assert "- relation kfp-api:ingress istio-ingress-k8s" in changes


def test_operator_notes_are_exported(tmp_path):
    h = make(book(_step("a", ["echo a"])), tmp_path).start()
    assert h.join() == "succeeded"
    h.engine.add_note("CHG-42: approved by the DBA\nsecond line of the note")
    out = export.to_text(h.directory).splitlines()
    i = next(i for i, line in enumerate(out) if "CHG-42: approved by the DBA" in line and "note (" in line)
    assert out[i + 1].strip() == "second line of the note" and out[i + 1].startswith(" " * 20)
    assert any("note" in line and "a: CHG-42" in line for line in out), "also in the decisions, in order"


def test_a_huge_output_is_capped_in_the_export_which_is_streamed(tmp_path):
    h = make(book(_step("a", ["echo small"])), tmp_path).start()
    assert h.join() == "succeeded"
    out_file = h.directory / "commands" / "001.out"
    with open(out_file, "wb") as f:  # one 200 MB line, then a few ordinary ones
        chunk = b"x" * (1 << 20)
        for _ in range(200):
            f.write(chunk)
        f.write(b"\n" + b"".join(b"tail line %d\n" % i for i in range(5)))
    target = tmp_path / "snapshot.txt"
    # The peak is read from VmHWM, the high-water mark of this process's own memory: ru_maxrss
    # would carry over the (much bigger) pytest worker that spawned it, since exec records the
    # parent's peak when the child shares its memory until then (vfork).
    code = (
        "import re, time; from pathlib import Path; from steps.record import export; "
        f"t = time.monotonic(); export.write_file(Path({str(h.directory)!r}), Path({str(target)!r})); "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1); "
        "print(time.monotonic() - t, hwm)"
    )
    done = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    seconds, max_kib = done.stdout.split()
    assert float(seconds) < 10, seconds
    assert int(max_kib) < 150 * 1024, f"{int(max_kib) // 1024} MB used"
    size = target.stat().st_size
    assert size < 200_000, size
    text = target.read_text()
    assert "more characters]" in text and "tail line 4" in text
    assert str(out_file) in text or "tail line 0" in text


def test_the_json_export_carries_notes_controls_times_and_the_cluster_changes(tmp_path):
    import json

    h = make(book(_step("a", ["echo a"]), _step("b", ["echo b"])), tmp_path)
    h.engine.skip("b", "not tonight")
    h.start()
    assert h.join() == "succeeded"
    h.engine.add_note("CHG-9")
    data = json.loads(export.to_json(h.directory))
    step_a = data["phases"][0]["steps"][0]
    assert step_a["notes"][0]["text"] == "CHG-9", "a note after the run goes on the last step that ran"
    assert step_a["run_time"] is not None
    assert data["controls"][0]["type"] == "skip.requested" and data["controls"][0]["reason"] == "not tonight"
    assert data["cluster_state_before"] is not None and data["cluster_changes"] == []
    assert data["commands"][0]["output_file"].endswith("commands/001.out")
