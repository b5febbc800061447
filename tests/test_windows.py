"""What Windows needs: folder names it accepts, and the README's route without make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datasharing_workshop.errors import ContentError
from datasharing_workshop.handouts.config import WINDOWS_RESERVED_NAMES, load_workshop, slugify

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"
DEVICES = ["CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10))]
DEVICES += [f"LPT{n}" for n in range(1, 10)]


def test_the_reserved_list_is_windows_own():
    assert {d.lower() for d in DEVICES} == WINDOWS_RESERVED_NAMES


@pytest.mark.parametrize("name", [*DEVICES, "con", "Nul", " aux ", "Com1!"])
def test_a_group_named_like_a_device_gets_a_folder_windows_accepts(name):
    folder = slugify(name)
    assert folder not in WINDOWS_RESERVED_NAMES
    assert folder.endswith("-group")


@given(st.text(max_size=40))
def test_no_group_name_makes_a_reserved_folder(name):
    assert slugify(name) not in WINDOWS_RESERVED_NAMES


def config_with_groups(tmp_path: Path, groups: str) -> Path:
    (tmp_path / "notebooks").mkdir()
    text = (FIXTURES / "workshop.yml").read_text()
    text = re.sub(r"(?m)^groups:\n(?:  - .*\n)+", "groups:\n" + groups, text)
    path = tmp_path / "workshop.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_group_called_con_builds_into_con_group(tmp_path):
    workshop = load_workshop(config_with_groups(tmp_path, "  - Con\n  - Group B\n"))
    assert [g.folder for g in workshop.groups] == ["con-group", "group-b"]


def test_a_reserved_slug_written_by_hand_is_refused_with_line_and_field(tmp_path):
    path = config_with_groups(tmp_path, "  - {name: Team One, slug: com1}\n")
    with pytest.raises(ContentError) as caught:
        load_workshop(path)
    (problem,) = caught.value.problems
    assert problem.field == "groups[0].slug"
    assert "cannot be a folder name on Windows" in problem.message


def test_readme_has_a_windows_route_without_make():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### On Windows", 1)[1].split("\n## ", 1)[0]
    assert "py -m venv .venv" in section
    assert r".venv\Scripts\datasharing-workshop" in section
    assert "conda env create -f environment.yml" in section
    commands = re.search(r"```bat\n(.*?)```", section, re.S)[1].splitlines()
    assert commands and not any(line.split()[0] == "make" for line in commands if line.strip())
