"""The registry, the reports and their text."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from steps.checks import CHECKS, format_report, get_check, preflight, run_check, verify, wants_ascii
from steps.checks.report import PREFLIGHT, VERIFY
from tests.checks.ckf_states import PARAMS, app, migrated_model, sidecar_model, with_apps


def test_names_are_kebab_case_unique_and_described():
    assert list(CHECKS) == [c.name for c in CHECKS.values()]
    for check in CHECKS.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", check.name)
        assert check.description and "\n" not in check.description and check.title


def test_report_groups_name_registered_checks():
    for _, names in (*PREFLIGHT, *VERIFY):
        for name in names:
            get_check(name)


def test_unknown_check_is_a_clear_key_error():
    with pytest.raises(KeyError, match="unknown check 'app-missing'; known checks: .*app-absent"):
        get_check("app-missing")


def test_wrong_arguments_name_the_check():
    with pytest.raises(ValueError, match=r"check app-on-channel needs channel \(it takes: app, channel\)"):
        run_check("app-on-channel", sidecar_model(), PARAMS, app="kfp-api")
    with pytest.raises(ValueError, match="does not take colour"):
        run_check("all-apps-active", sidecar_model(), PARAMS, colour="red")
    get_check("relation-present").validate_args(["app", "endpoint", "other_app", "other_endpoint"])


def test_advisory_checks_never_fail():
    advisory = [c for c in CHECKS.values() if not c.blocker]
    assert {c.name for c in advisory} == {
        "serverless-inference-services",
        "running-pipelines",
        "running-notebooks",
        "inferenceservices-serving",  # issue 11.11: names what was left behind, never blocks
        "sidecars-elsewhere",  # issue 11.11 likewise
        "custom-virtualservices",  # issue 11.11: routes on kubeflow-gateway, named before and after
    }


def test_a_check_may_take_an_argument_called_name():
    result = run_check(
        "configmap-value", sidecar_model(), PARAMS, namespace="kube-system", name="x", key="k", value="v"
    )
    assert result.name == "configmap-value" and result.failed


def test_messages_are_one_line_everywhere():
    for st in (sidecar_model(), migrated_model(), replace(sidecar_model(), model=None, apps={})):
        for check in CHECKS.values():
            if check.args:
                continue
            result = run_check(check.name, st, PARAMS)
            assert "\n" not in result.message
            assert result.passed or result.fix, (check.name, result)


def blocked_report():
    blocked = app(
        "pvcviewer-operator",
        "1.10/stable",
        "blocked",
        "Service mesh relation present without gateway metadata relation",
    )
    return preflight(with_apps(sidecar_model(), blocked), {**PARAMS, "user_namespaces": "admin"})


def test_preflight_report_in_solo_style():
    report = blocked_report()
    assert report.blocked and report.count("failed") == 1 and report.count("warning") == 1
    text = format_report(report, ascii=False)
    lines = text.splitlines()
    assert "• Starting phase tools..." in lines
    assert "✅ Phase tools succeeded!" in lines
    assert "❌ Phase model failed!" in lines
    assert "⚠ Phase workloads has warnings!" in lines
    assert "  ✅ Juju >= 3.6: passed" in lines
    failed = next(line for line in lines if line.startswith("  ❌"))
    assert (
        failed == "  ❌ every application active: failed: 1 of 37 applications not active: pvcviewer-operator"
    )
    after = lines[lines.index(failed) + 1 :]
    assert (
        after[0]
        == "        * pvcviewer-operator: blocked (Service mesh relation present without gateway metadata relation)"  # noqa: E501
    )
    assert "      fix:" in after[:4]
    assert "        juju status -m kubeflow --relations" in after
    assert any(
        line.startswith("  ⚠ user namespaces: warning: found but not in user_namespaces: alice")
        for line in lines
    )
    assert (
        lines[-1]
        == "Pre-flight: 10 checks passed, 1 failed, 1 with warnings; blocked: fix the failed checks, then check again."  # noqa: E501
    )


def test_ascii_fallback():
    text = format_report(blocked_report(), ascii=True)
    assert text.isascii()
    assert (
        "  [ok] Juju >= 3.6: passed" in text
        and "[FAIL] Phase model failed!" in text
        and "  [warn] user namespaces" in text
    )
    assert "* Starting phase tools..." in text


def test_verbose_shows_passed_messages():
    text = format_report(verify(migrated_model(), PARAMS), ascii=True, verbose=True)
    assert "[ok] KServe in raw deployment mode: passed (deployment-mode=rawdeployment)" in text
    assert text.splitlines()[-1] == "Verification: 13 checks passed, 0 failed, 0 with warnings; ready."


def test_read_errors_come_first():
    st = replace(sidecar_model(), errors=("kubernetes: GET /api/v1/nodes: 403 Forbidden",))
    text = format_report(preflight(st, PARAMS), ascii=True)
    assert text.splitlines()[:2] == [
        "[info] The read could not see everything; checks that need it say so:",
        "    kubernetes: GET /api/v1/nodes: 403 Forbidden",
    ]


def test_ready_with_warnings():
    report = preflight(sidecar_model(), {**PARAMS, "user_namespaces": "admin"})
    assert not report.blocked
    assert format_report(report, ascii=True).splitlines()[-1].endswith("; ready, after reading the warnings.")


def test_wants_ascii_follows_the_stream_encoding():
    assert wants_ascii(io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert not wants_ascii(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
