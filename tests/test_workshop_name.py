"""One workshop name everywhere: every command and notebook takes workshop.yml's
workshop_id unless told otherwise, and a store holding only other workshops says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.content.workshop_name import (
    CONFIG_ENV,
    configured_workshop_id,
    find_config,
    other_workshops_note,
)
from datasharing_workshop.errors import InputError
from datasharing_workshop.store import AnswerStore

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workshop_folder(tmp_path, monkeypatch):
    (tmp_path / "workshop.yml").write_text("workshop_id: spring-2026\n", encoding="utf-8")
    inner = tmp_path / "notebooks"
    inner.mkdir()
    monkeypatch.chdir(inner)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return tmp_path


def test_no_second_default_remains_in_code_notebooks_or_makefile():
    places = [*REPO.glob("src/**/*.py"), *REPO.glob("notebooks/*.ipynb"), REPO / "Makefile"]
    for path in places:
        text = path.read_text(encoding="utf-8")
        assert "example-workshop" not in text, path
        assert not re.search(r"default=\"rehearsal\"|= \"rehearsal\"", text), path


def test_the_name_comes_from_the_nearest_workshop_yml(workshop_folder):
    assert find_config() == workshop_folder / "workshop.yml"
    assert configured_workshop_id() == "spring-2026"


def test_the_environment_names_the_config(workshop_folder, monkeypatch, tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("workshop_id: fall-2026\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(other))
    assert configured_workshop_id() == "fall-2026"


def test_no_config_or_no_name_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    if find_config() is None:
        with pytest.raises(InputError, match=r"no workshop\.yml found in"):
            configured_workshop_id()
    bad = tmp_path / "bad.yml"
    bad.write_text("title: no name\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yml: workshop_id: expected the workshop's name"):
        configured_workshop_id(bad)


def test_a_group_saving_without_a_name_uses_the_configured_one(workshop_folder):
    from datasharing_workshop.widgets.common import ExerciseSettings

    settings = ExerciseSettings(group="Group A", store_path=str(workshop_folder / "a.sqlite"))
    assert settings.workshop_id == "spring-2026"
    assert ExerciseSettings().workshop_id == ""  # a pre-read copy saves nothing


def test_simulate_saves_under_the_configured_name(workshop_folder, capsys):
    store = workshop_folder / "answers.sqlite"
    assert main(["simulate", "--store", str(store), "--groups", "1", "--notes", "0"]) == 0
    with AnswerStore(store, create=False) as opened:
        assert opened.workshops() == ["spring-2026"]


def test_every_command_uses_the_store_workshop_yml_names(workshop_folder, monkeypatch, capsys):
    """simulate and answers read and write workshop.yml's store_path (relative to it), as
    build and serve do; $DATASHARING_WORKSHOP_STORE pointing elsewhere does not split them."""
    (workshop_folder / "workshop.yml").write_text(
        "workshop_id: spring-2026\nstore_path: data/room.sqlite\n", encoding="utf-8"
    )
    (workshop_folder / "data").mkdir()
    elsewhere = workshop_folder / "elsewhere.sqlite"
    monkeypatch.setenv("DATASHARING_WORKSHOP_STORE", str(elsewhere))
    assert main(["simulate", "--groups", "1", "--notes", "0"]) == 0
    store = workshop_folder / "data" / "room.sqlite"
    assert str(store) in capsys.readouterr().err
    assert not elsewhere.exists()
    with AnswerStore(store, create=False) as opened:
        assert opened.workshops() == ["spring-2026"]
    assert main(["answers", "list-workshops"]) == 0
    assert capsys.readouterr().out.split() == ["spring-2026"]
    # The variable is put back after the command (main runs twice in one process here).
    import os

    assert os.environ["DATASHARING_WORKSHOP_STORE"] == str(elsewhere)


def test_a_notebook_saves_to_the_store_workshop_yml_names(workshop_folder, monkeypatch):
    """A notebook run in JupyterLab (no store_path parameter) saves where build and serve
    read: workshop.yml's store_path, found like its workshop_id; an edit is seen at once."""
    from datasharing_workshop.widgets.common import ExerciseSettings

    config = workshop_folder / "workshop.yml"
    config.write_text("workshop_id: spring-2026\nstore_path: room.sqlite\n", encoding="utf-8")
    monkeypatch.setenv("DATASHARING_WORKSHOP_STORE", str(workshop_folder / "elsewhere.sqlite"))
    settings = ExerciseSettings(group="Group A")
    assert settings.workshop_id == "spring-2026"
    assert settings.store_file == workshop_folder / "room.sqlite"
    config.write_text("workshop_id: spring-2026\nstore_path: x/y.sqlite\n", encoding="utf-8")
    import os

    os.utime(config, ns=(0, config.stat().st_mtime_ns + 10**9))  # a new version on disk
    assert settings.store_file == workshop_folder / "x" / "y.sqlite"
    # Without store_path in workshop.yml the environment chooses, as before.
    config.write_text("workshop_id: spring-2026\n", encoding="utf-8")
    os.utime(config, ns=(0, config.stat().st_mtime_ns + 2 * 10**9))
    assert settings.store_file == workshop_folder / "elsewhere.sqlite"


def _store_with(path: Path, workshop: str) -> None:
    with AnswerStore(path) as store:
        store.record_answer(
            workshop=workshop,
            group="Group A",
            exercise="classify_data",
            scenario="x",
            answer={"a": 1},
            correct=True,
        )


def test_other_workshops_note():
    assert other_workshops_note([], "a") == ""
    assert other_workshops_note(["a"], "a") == ""
    note = other_workshops_note(["example-2025-03", "rehearsal"], "spring-2026")
    assert note.startswith("The store holds no answers for workshop 'spring-2026'")
    assert "'example-2025-03', 'rehearsal'" in note


def test_the_report_back_names_the_workshops_it_found(tmp_path):
    from datasharing_workshop.reportback import load_report

    store = tmp_path / "answers.sqlite"
    _store_with(store, "example-2025-03")
    report = load_report("spring-2026", store_path=str(store))
    text = report.overview().text
    assert "No answers saved yet for workshop 'spring-2026'" in text
    assert "it does for: 'example-2025-03'" in text


def test_answers_export_names_the_workshops_it_found(tmp_path, capsys):
    store = tmp_path / "answers.sqlite"
    _store_with(store, "example-2025-03")
    status = main(
        ["answers", "export", "--format", "csv", "--store", str(store), "--workshop", "spring-2026"]
    )
    assert status == 0
    assert "it does for: 'example-2025-03'" in capsys.readouterr().err
