"""Tests for ``datasharing-workshop answers`` (datasharing_workshop.cli.commands.answers)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.store import ANSWER_COLUMNS, ENV_VAR, AnswerStore

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def no_store_from_the_environment(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "answers.sqlite"
    with AnswerStore(path) as store:
        store.record_answer(
            workshop="w1",
            group="Blue",
            exercise="classify_data",
            scenario="s1",
            answer={"level": "public"},
            correct=False,
            feedback="Not yet: it names people.",
        )
        store.record_answer(
            workshop="w1",
            group="Blue",
            exercise="classify_data",
            scenario="s1",
            answer={"level": "restricted"},
            correct=True,
            score=1.0,
            feedback=f"Right. {SCRIPT}",
        )
        store.record_answer(
            workshop="w1",
            group="Green",
            exercise="channels",
            scenario="s4",
            answer={"channel": ["sftp", "email"]},
            correct=False,
            score=0.5,
        )
        store.record_answer(
            workshop="w2",
            group="Blue",
            exercise="classify_data",
            scenario="s1",
            answer={"level": "public"},
            correct=True,
        )
        store.record_observation(
            workshop="w1",
            group="Green",
            author_role="observer",
            playbook_section="4 Channels",
            confused="What counts as encrypted email?",
            severity="high",
        )
        store.record_observation(
            workshop="w2", author_role="participant", playbook_section="1", severity="low"
        )
    return path


def test_export_json_to_stdout(store_path, capsys):
    assert main(["answers", "export", "--format", "json", "--store", str(store_path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(out)
    assert [row["id"] for row in data] == [1, 2, 3, 4]
    assert list(data[0]) == list(ANSWER_COLUMNS)
    first, second, third, _ = data
    assert first["workshop"] == "w1"
    assert first["group"] == "Blue"
    assert first["answer"] == {"level": "public"}
    assert first["correct"] is False
    assert first["score"] is None
    assert first["feedback"] == "Not yet: it names people."
    assert second["correct"] is True
    assert second["score"] == 1.0
    assert second["feedback"] == f"Right. {SCRIPT}"
    assert third["answer"] == {"channel": ["sftp", "email"]}
    with AnswerStore(store_path) as store:
        assert [row["recorded_at"] for row in data] == [r.recorded_at for r in store.answers()]


def test_export_filters_by_workshop_and_group(store_path, capsys):
    store = str(store_path)
    main(["answers", "export", "--format", "json", "--store", store, "--workshop", "w1"])
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [1, 2, 3]
    main(["answers", "export", "--format", "json", "--store", store, "--group", "Blue"])
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [1, 2, 4]
    argv = ["answers", "export", "--format", "json", "--store", store]
    main([*argv, "--workshop", "w1", "--group", "Green"])
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [3]
    main([*argv, "--workshop", "nope"])
    assert json.loads(capsys.readouterr().out) == []


def test_export_csv_to_stdout(store_path, capsys):
    assert main(["answers", "export", "--format", "csv", "--store", str(store_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4"]
    assert tuple(rows[0]) == ANSWER_COLUMNS
    assert rows[1]["feedback"] == f"Right. {SCRIPT}"
    assert rows[1]["correct"] == "true"
    assert rows[2]["score"] == "0.5"
    assert json.loads(rows[2]["answer"]) == {"channel": ["sftp", "email"]}


def test_export_observations(store_path, capsys):
    argv = ["answers", "export", "--format", "json", "--store", str(store_path)]
    assert main([*argv, "--observations"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(row["workshop"], row["severity"]) for row in data] == [("w1", "high"), ("w2", "low")]
    assert data[0]["confused"] == "What counts as encrypted email?"
    assert data[0]["group"] == "Green"
    assert main([*argv, "--observations", "--workshop", "w2"]) == 0
    assert [row["author_role"] for row in json.loads(capsys.readouterr().out)] == ["participant"]


def test_export_to_a_file_replaces_it_whole(store_path, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "answers.csv"
    target.write_text("old contents\n", encoding="utf-8")
    argv = ["answers", "export", "--format", "csv", "--store", str(store_path)]
    assert main([*argv, "--output", str(target), "--workshop", "w1"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"exported 3 answers to {target}\n"
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert sorted(os.listdir(out_dir)) == ["answers.csv"]  # no temporary file left behind


def test_export_to_a_missing_folder_is_an_input_error(store_path, tmp_path, capsys):
    target = tmp_path / "no" / "such" / "answers.json"
    argv = ["answers", "export", "--format", "json", "--store", str(store_path)]
    assert main([*argv, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ")
    assert str(target) in err
    assert not target.parent.exists()


def test_missing_store_exits_2_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "answers.sqlite"
    assert main(["answers", "export", "--format", "json", "--store", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: no answer store at {missing}; answers are saved there when a group presses "
        f"Check (or set {ENV_VAR})\n"
    )
    assert not missing.parent.exists()
    assert main(["answers", "list-workshops", "--store", str(missing)]) == 2
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_store_exits_2(tmp_path, capsys):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database\n" * 100, encoding="utf-8")
    assert main(["answers", "export", "--format", "csv", "--store", str(bogus)]) == 2
    err = capsys.readouterr().err
    assert str(bogus) in err
    assert "not a workshop answer store" in err


def test_store_comes_from_the_environment_variable(store_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_VAR, str(store_path))
    assert main(["answers", "export", "--format", "json", "--workshop", "w2"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [4]


def test_list_workshops(store_path, capsys):
    assert main(["answers", "list-workshops", "--store", str(store_path)]) == 0
    assert capsys.readouterr().out == "w1\nw2\n"


def test_list_workshops_of_an_empty_store(tmp_path, capsys):
    path = tmp_path / "empty.sqlite"
    with AnswerStore(path) as store:
        assert store.count_answers() == 0  # first use creates the file and its tables
    assert path.is_file()
    assert main(["answers", "list-workshops", "--store", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "holds no answers yet" in err


def test_answers_without_an_action_prints_help(capsys):
    assert main(["answers"]) == 2
    err = capsys.readouterr().err
    assert "export" in err
    assert "list-workshops" in err


def test_export_requires_a_known_format(store_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["answers", "export", "--store", str(store_path)])
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main(["answers", "export", "--format", "xml", "--store", str(store_path)])
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_python_dash_m_export(store_path):
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "datasharing_workshop",
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            str(store_path),
            "--workshop",
            "w1",
        ],
        capture_output=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    text = result.stdout.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(row["id"], row["group"], row["scenario"]) for row in rows] == [
        ("1", "Blue", "s1"),
        ("2", "Blue", "s1"),
        ("3", "Green", "s4"),
    ]
    assert rows[1]["feedback"] == f"Right. {SCRIPT}"
    assert SCRIPT.encode() in result.stdout


def test_python_dash_m_missing_store(tmp_path):
    missing = tmp_path / "answers.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "datasharing_workshop", "answers", "list-workshops"],
        capture_output=True,
        text=True,
        env={**os.environ, ENV_VAR: str(missing)},
        check=False,
    )
    assert result.returncode == 2
    assert f"no answer store at {missing}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not missing.exists()
