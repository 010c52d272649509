"""`cairn list` counts steps without rendering them: the count is always the plan's."""

from __future__ import annotations

import pytest

from steps.errors import CairnError
from steps.runbook import params, plan, registry

BUILTINS = registry.list_runbooks()


def _variants(rb):
    yield {}
    for param in rb.params:
        for choice in param.choices:
            yield {param.name: choice}
        if param.kind == "list":
            yield {param.name: "a,b,c"}


@pytest.mark.parametrize("rb", BUILTINS, ids=[rb.id for rb in BUILTINS])
def test_the_count_is_the_number_of_planned_steps(rb):
    counted = 0
    for given in _variants(rb):
        try:
            values = params.resolve(rb, given)
        except CairnError:
            continue
        assert plan.count_steps(rb, values) == len(list(plan.resolve(rb, values).steps())), given
        counted += 1
    assert counted > 2
