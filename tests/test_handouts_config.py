"""Tests for workshop.yml (datasharing_workshop.handouts.config)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.errors import ContentError, InputError
from datasharing_workshop.handouts.config import load_workshop, slugify

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"


def problems_of(name: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_workshop(FIXTURES / name)
    return [str(p) for p in caught.value.problems]


def test_the_example_config_at_the_repository_root_is_valid():
    workshop = load_workshop(REPO / "workshop.yml")
    assert workshop.config.title == "Example workshop"
    assert [g.folder for g in workshop.groups] == ["group-a", "group-b", "group-c", "group-d"]
    assert workshop.notebook_folder == REPO / "notebooks"


def test_the_fixture_config_is_valid():
    workshop = load_workshop(FIXTURES / "workshop.yml")
    assert str(workshop.config.date) == "2025-03-14"
    assert workshop.config.scenario_set == "standard"


def test_missing_field_names_the_field():
    assert problems_of("missing_field.yml") == [
        "tests/fixtures/handouts/missing_field.yml:1: date: this field is required but missing"
    ]


def test_unknown_field_names_it_and_suggests_the_right_spelling():
    found = problems_of("unknown_field.yml")
    assert (
        "tests/fixtures/handouts/unknown_field.yml:2: titel: unknown field (did you mean "
        in (found[1])
    )
    assert "'title'?); expected one of: workshop_id, title, date," in found[1]
    # The misspelling also leaves the real field missing: both are reported at once.
    assert found[0].endswith(":1: title: this field is required but missing")


def test_bad_date_asks_for_an_iso_date():
    assert problems_of("bad_date.yml") == [
        "tests/fixtures/handouts/bad_date.yml:3: date: expected an ISO date such as 2025-03-14 "
        "(year-month-day), got '14/03/2025'"
    ]


def test_impossible_date_is_reported_not_a_crash():
    # PyYAML itself raises a bare ValueError for 2025-02-30.
    assert problems_of("impossible_date.yml") == [
        "tests/fixtures/handouts/impossible_date.yml:3: date: not a real day (day is out of "
        "range for month), got '2025-02-30'"
    ]


def test_duplicate_group_points_at_the_second_one():
    assert problems_of("duplicate_group.yml") == [
        "tests/fixtures/handouts/duplicate_group.yml:9: groups[2]: duplicate group 'group a': "
        "the same name as 'Group A' (groups[0]); group names must be unique (letter case is "
        "ignored)"
    ]


def test_groups_that_would_share_a_folder_are_refused():
    assert problems_of("group_folder_clash.yml") == [
        "tests/fixtures/handouts/group_folder_clash.yml:8: groups[1]: group 'Group-A' would "
        "share the folder 'group-a' with 'Group A' (groups[0]); rename one or give it a slug"
    ]


def test_unknown_jurisdiction_lists_the_known_ones():
    (problem,) = problems_of("unknown_jurisdiction.yml")
    assert problem.startswith(
        "tests/fixtures/handouts/unknown_jurisdiction.yml:7: jurisdiction: unknown "
        "jurisdiction 'atlantis'; expected one of: "
    )
    assert "ct" in problem.rsplit(":", 1)[1]


def test_missing_notebook_in_the_list_is_named():
    assert problems_of("missing_notebook.yml") == [
        "tests/fixtures/handouts/missing_notebook.yml:10: notebooks[1]: no notebook "
        "tests/fixtures/handouts/notebooks/04_wrap_up.ipynb"
    ]


def test_empty_facilitator_list_is_refused():
    (problem,) = problems_of("no_facilitators.yml")
    assert problem.startswith("tests/fixtures/handouts/no_facilitators.yml:5: facilitators: ")
    assert "at least 1 item" in problem


def test_unknown_scenario_set_is_refused(content: Path, tmp_path: Path):
    (content / "ct" / "scenarios" / "standard").mkdir(parents=True, exist_ok=True)
    config = tmp_path / "workshop.yml"
    text = (FIXTURES / "workshop.yml").read_text().replace("standard", "no-such-set")
    config.write_text(text)
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(ContentError) as caught:
        load_workshop(config)
    (problem,) = caught.value.problems
    assert problem.field == "scenario_set"
    assert "unknown scenario set 'no-such-set'" in problem.message
    assert "standard" in problem.message.rsplit("has: ", 1)[1]


def test_a_missing_notebook_folder_is_a_config_problem(tmp_path: Path):
    config = tmp_path / "workshop.yml"
    shutil.copy(FIXTURES / "workshop.yml", config)
    with pytest.raises(ContentError) as caught:
        load_workshop(config)
    (problem,) = caught.value.problems
    assert problem.field == "notebook_folder"
    assert problem.message.startswith("no notebook folder at ")


def test_store_path_is_relative_to_the_config_file(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    config = tmp_path / "workshop.yml"
    config.write_text((FIXTURES / "workshop.yml").read_text() + "store_path: data/a.sqlite\n")
    assert load_workshop(config).store_path == tmp_path / "data" / "a.sqlite"


def test_group_slugs():
    assert slugify("Group A") == "group-a"
    assert slugify("Équipe  B!") == "equipe-b"
    assert slugify("***") == ""


def test_selecting_an_unknown_group_lists_the_known_ones():
    workshop = load_workshop(FIXTURES / "workshop.yml")
    assert [g.name for g in workshop.select_groups(["group-b", "Group A"])] == [
        "Group B",
        "Group A",
    ]
    with pytest.raises(InputError, match=r"unknown group 'Group Z': .* lists 'Group A', 'Group B'"):
        workshop.select_groups(["Group Z"])


def test_command_line_exits_2_on_a_bad_config(capsys):
    status = main(["build", "--config", str(FIXTURES / "bad_date.yml")])
    assert status == 2
    err = capsys.readouterr().err
    assert "bad_date.yml:3: date: expected an ISO date such as 2025-03-14" in err
    assert "Traceback" not in err


def test_command_line_exits_2_on_an_unknown_group(capsys, tmp_path):
    status = main(
        [
            "build",
            "--config",
            str(FIXTURES / "workshop.yml"),
            "--output",
            str(tmp_path / "out"),
            "--group",
            "Group Z",
        ]
    )
    assert status == 2
    assert "unknown group 'Group Z'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
