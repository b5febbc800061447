"""JSON Schemas of the content YAML: generated from the models, committed, and referenced by
each file's `# yaml-language-server: $schema=` line so editors complete and check fields."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from datasharing_workshop.cli.schemas import MODELINE, main, schema_lines

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "exercises"
CONFIG = REPO / "workshop.yml"


class AsEditorsRead(yaml.SafeLoader):
    """YAML as yaml-language-server reads it: 2025-03-14 stays a string."""


AsEditorsRead.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def schema_of(path: Path) -> dict:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), f"{path}: first line should be {MODELINE}..."
    return json.loads((path.parent / first.removeprefix(MODELINE)).read_text(encoding="utf-8"))


def test_committed_schemas_and_modelines_are_up_to_date(capsys):
    status = main(["--check", "--content", str(CONTENT), "--config", str(CONFIG)])
    assert status == 0, capsys.readouterr().err


def test_every_content_file_has_a_schema():
    covered = set(schema_lines(CONTENT, CONFIG))
    for path in CONTENT.rglob("*.yaml"):
        assert path in covered, f"{path}: no schema; add its model to cli/schemas.py"
    assert CONFIG in covered


@pytest.mark.parametrize(
    "path",
    sorted(schema_lines(CONTENT, CONFIG)),
    ids=lambda p: p.relative_to(REPO).as_posix(),
)
def test_each_shipped_file_is_valid_under_its_schema(path):
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=AsEditorsRead)
    errors = list(jsonschema.Draft202012Validator(schema_of(path)).iter_errors(data))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_a_misspelt_field_is_flagged_as_an_editor_would():
    path = CONTENT / "ct" / "channels.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=AsEditorsRead)
    data["channels"][0]["retention_dyas"] = 5
    errors = list(jsonschema.Draft202012Validator(schema_of(path)).iter_errors(data))
    assert any("retention_dyas" in e.message for e in errors)


def test_fields_carry_their_descriptions():
    schema = schema_of(CONFIG)
    assert "ISO date" in schema["properties"]["date"]["description"]
    assert "March 14, 2025" in schema["properties"]["date_format"]["description"]
