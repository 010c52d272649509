"""The published runbook JSON Schema (issue 13.3): current, and it accepts every built-in runbook
and rejects what the loader rejects for shape (a misspelt check argument, an unknown key)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from steps.runbook import registry
from steps.runbook import schema as runbook_schema

SCHEMA = json.loads(runbook_schema.SCHEMA_PATH.read_text())
FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "runbooks").glob("*.yaml"))
MALFORMED = Path(__file__).parents[1] / "malformed" / "runbooks"


def test_the_published_schema_is_current():
    assert runbook_schema.SCHEMA_PATH.read_text() == runbook_schema.render(), (
        "regenerate it: python -m steps.runbook.schema"
    )


def test_the_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", [*registry.builtin_paths(), *FIXTURES], ids=lambda p: p.name)
def test_every_runbook_validates(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


@pytest.mark.parametrize(
    "name", ["check-bad-argument.yaml", "unknown-top-key.yaml", "unknown-check.yaml", "bad-timeout.yaml"]
)
def test_the_schema_rejects_what_the_loader_rejects(name):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load((MALFORMED / name).read_text()), SCHEMA)
