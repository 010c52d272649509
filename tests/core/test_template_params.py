from __future__ import annotations

import pytest

from steps.errors import BadInput
from steps.runbook import params, plan, registry, template
from steps.runbook.argvfmt import format_argv
from steps.runbook.params import parse_assignments, when_matches


def test_placeholders_leave_json_jsonpath_and_find_exec_alone():
    table = {"model": "kubeflow"}
    assert template.render('{"data":{"x":"true"}}', table) == '{"data":{"x":"true"}}'
    assert template.render("jsonpath={.status.x}", table) == "jsonpath={.status.x}"
    assert template.render("{}", table) == "{}"
    assert template.render("-m {model}", table) == "-m kubeflow"
    assert template.render("%{{http_code}}", table) == "%{{http_code}}", (
        "stays escaped until the final render"
    )
    assert template.render("%{{http_code}}", table, keep_late=False) == "%{http_code}"
    assert template.unescape("%{{http_code}}") == "%{http_code}"
    assert template.placeholders("%{{http_code}} {model}") == ["model"]


def test_values_never_split_or_reach_a_shell():
    argv = template.render_argv(("echo", "{x}"), {"x": "a b; rm -rf /"})
    assert argv == ("echo", "a b; rm -rf /")


def test_late_placeholders_wait_for_run_time():
    assert template.render("{captured.k}", {}) == "{captured.k}"
    with pytest.raises(KeyError):
        template.render("{captured.k}", {}, keep_late=False)
    with pytest.raises(KeyError):
        template.render("{unknown}", {})


def test_display_quoting():
    assert format_argv(["juju", "config", "platform="]) == 'juju config platform=""'
    assert format_argv(["echo", "a b", "it's"]) == "echo 'a b' 'it'\"'\"'s'"


def test_assignments():
    assert parse_assignments(["a=1", "b=", "c=x=y"]) == {"a": "1", "b": "", "c": "x=y"}
    for bad in ("novalue", "=x"):
        with pytest.raises(BadInput):
            parse_assignments([bad])


def test_when():
    assert when_matches({"platform": "canonical-k8s"}, {"platform": "canonical-k8s"})
    assert not when_matches({"platform": "canonical-k8s"}, {"platform": "microk8s"})
    assert when_matches({"platform": ["a", "b"]}, {"platform": "b"})
    assert when_matches({"platform": {"not": "a"}}, {"platform": "b"})
    assert not when_matches({"platform": {"not": ["a", "b"]}}, {"platform": "b"})


def test_a_param_value_is_substituted_once_as_given(tmp_path):
    """Issue 14.10: `--set p={session_dir}` became the session path at run time, `{model}` kubeflow."""
    from steps.run import events as ev
    from steps.run.launch import start
    from steps.run.request import RunRequest, TargetRequest
    from steps.runbook.plan import format_plan

    book = tmp_path / "once.yaml"
    book.write_text(
        "cairn-runbook: 1\nid: once\ntitle: Once\nparams:\n  - {name: model, default: kubeflow}\n"
        "  - {name: p, default: x}\nphases:\n  - id: a\n    title: 'A {p}'\n    steps:\n"
        "      - {id: s, title: 'S {p}', doc: d, run: ['echo {p}']}\n"
    )
    given = {"p": "{session_dir} {model}"}
    rb = registry.load_file(book)
    planned = format_plan(plan.resolve(rb, params.resolve(rb, given)))
    assert "$ echo '{session_dir} {model}'" in planned, planned
    launched = start(
        RunRequest(runbook="once", runbook_file=str(book), given=given, target=TargetRequest(speed=0))
    )
    seen: list[ev.Event] = []
    launched.engine.listener = seen.append
    try:
        assert launched.engine.run() == "succeeded"
    finally:
        launched.close()
    output = [line for e in seen if isinstance(e, ev.CommandOutput) for line in e.lines]
    assert output == ["{session_dir} {model}"], output
    assert str(launched.directory) not in output[0] and "kubeflow" not in output[0]
    assert next(launched.plan.steps()).title == "S {session_dir} {model}"
