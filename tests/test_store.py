"""Tests for the answer store (datasharing_workshop.store)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import platformdirs
import pytest

from datasharing_workshop.errors import InputError, KitError, StoreError
from datasharing_workshop.store import (
    ANSWER_COLUMNS,
    APPLICATION_ID,
    ENV_VAR,
    OBSERVATION_COLUMNS,
    SCHEMA_VERSION,
    AnswerRecord,
    AnswerStore,
    Observation,
    answers_table_html,
    export_answers,
    export_observations,
    resolve_store_path,
)
from datasharing_workshop.store import sqlite as sqlite_backend

REPO_ROOT = Path(__file__).resolve().parents[1]
WRITER = Path(__file__).with_name("helpers") / "store_writer.py"
SCRIPT = "<script>alert(1)</script>"
ISO_UTC_MICROSECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


@pytest.fixture
def store_path(any_store: str) -> str:
    """A store on each backend in turn: an SQLite file path, then a PostgreSQL URL."""
    return any_store


@pytest.fixture
def store(store_path: str):
    with AnswerStore(store_path) as answer_store:
        yield answer_store


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "answers.sqlite"


@pytest.fixture
def sqlite_store(sqlite_path: Path):
    with AnswerStore(sqlite_path) as answer_store:
        yield answer_store


def is_url(location: object) -> bool:
    return str(location).startswith("postgresql://")


def raw_sql(location: str | Path, sql: str) -> list[tuple]:
    """Run SQL on the store's database directly, bypassing the kit."""
    if is_url(location):
        import psycopg

        with psycopg.connect(str(location), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []
    raw = sqlite3.connect(location)
    try:
        rows = raw.execute(sql).fetchall()
        raw.commit()
        return rows
    finally:
        raw.close()


def save(store: AnswerStore, **overrides) -> AnswerRecord:
    values = {
        "workshop": "ct-2026-11",
        "group": "Blue",
        "exercise": "classify_data",
        "scenario": "s1",
        "answer": {"level": "confidential"},
        "correct": True,
    }
    values.update(overrides)
    return store.record_answer(**values)


# --------------------------------------------------------------------------- round trip


def test_every_answer_field_round_trips_through_a_new_connection(store, store_path):
    saved = store.record_answer(
        workshop="ct-2026-11",
        group="Blue team",
        exercise="classify_data",
        scenario="dmv-addresses",
        answer={"level": "restricted", "reasons": ["ssn", "dob"], "nested": {"n": 3, "ok": None}},
        correct=False,
        score=0.75,
        feedback="Almost: addresses with dates of birth are restricted.\nSee section 4.",
    )
    assert saved.id == 1
    assert saved.recorded_at.endswith("+00:00")
    assert ISO_UTC_MICROSECONDS.match(saved.recorded_at), saved.recorded_at
    when = datetime.fromisoformat(saved.recorded_at)
    assert when.utcoffset() == timedelta(0)

    with AnswerStore(store_path) as other:
        [loaded] = other.answers()
    assert loaded == saved
    assert loaded.workshop == "ct-2026-11"
    assert loaded.group == "Blue team"
    assert loaded.exercise == "classify_data"
    assert loaded.scenario == "dmv-addresses"
    assert loaded.answer == {
        "level": "restricted",
        "reasons": ["ssn", "dob"],
        "nested": {"n": 3, "ok": None},
    }
    assert loaded.correct is False
    assert loaded.score == 0.75
    assert (
        loaded.feedback == "Almost: addresses with dates of birth are restricted.\nSee section 4."
    )
    assert loaded.recorded_at == saved.recorded_at


def test_defaults_correct_true_and_non_ascii_text(store):
    saved = save(store, answer={"note": "Café – naïve 日本"}, feedback="Très bien ✓")
    [loaded] = store.answers()
    assert loaded.correct is True
    assert loaded.score is None
    assert loaded.answer == {"note": "Café – naïve 日本"}
    assert loaded.feedback == "Très bien ✓"
    assert loaded == saved


def test_tuples_in_an_answer_come_back_as_lists(store):
    # ipywidgets' SelectMultiple gives a tuple; the store saves JSON, which has only lists.
    saved = save(store, answer={"chosen": ("a", "b")})
    assert saved.answer == {"chosen": ["a", "b"]}
    assert store.answers()[0].answer == {"chosen": ["a", "b"]}


def test_records_are_frozen_and_hashable(store):
    saved = save(store)
    with pytest.raises(AttributeError):
        saved.correct = False  # type: ignore[misc]
    assert hash(saved) == hash(store.answers()[0])


def test_ids_increase_in_insertion_order(store):
    ids = [save(store, scenario=f"s{n}").id for n in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert [r.id for r in store.answers()] == ids
    assert [r.scenario for r in store.answers()] == ["s0", "s1", "s2", "s3", "s4"]


def test_store_file_is_wal_full_sync_and_stamped(sqlite_store, sqlite_path):
    save(sqlite_store)
    conn = sqlite_store.backend._conn
    assert conn is not None
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    raw = sqlite3.connect(sqlite_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    finally:
        raw.close()


def test_parent_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "answers.sqlite"
    with AnswerStore(path) as nested:
        save(nested)
    assert path.is_file()


def test_store_reopens_after_close(store_path):
    answer_store = AnswerStore(store_path)
    save(answer_store, scenario="before")
    answer_store.close()
    save(answer_store, scenario="after")
    assert [r.scenario for r in answer_store.answers()] == ["before", "after"]
    answer_store.close()


def test_writes_by_one_connection_are_seen_by_another(store_path):
    with AnswerStore(store_path) as kernel, AnswerStore(store_path) as facilitator:
        assert facilitator.count_answers() == 0
        save(kernel, group="Blue")
        assert facilitator.count_answers() == 1
        save(kernel, group="Green")
        assert facilitator.groups("ct-2026-11") == ["Blue", "Green"]


# --------------------------------------------------------------------------- queries


@pytest.fixture
def filled(store):
    """Two workshops, three groups, several attempts; returns the store."""
    save(store, workshop="w1", group="Blue", exercise="classify", scenario="s1", correct=False)
    save(store, workshop="w1", group="Blue", exercise="classify", scenario="s2")
    save(store, workshop="w1", group="Green", exercise="classify", scenario="s1")
    save(store, workshop="w1", group="Blue", exercise="classify", scenario="s1", score=1.0)
    save(store, workshop="w1", group="Blue", exercise="channels", scenario="s1", correct=False)
    save(store, workshop="w2", group="Blue", exercise="classify", scenario="s1")
    save(store, workshop="w1", group="Amber", exercise="channels", scenario="s9")
    save(store, workshop="w1", group="Blue", exercise="channels", scenario="s1", score=0.5)
    return store


def ids(records: list[AnswerRecord]) -> list[int]:
    return [r.id for r in records]


def test_answers_filters(filled):
    assert ids(filled.answers()) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert ids(filled.answers(workshop="w1")) == [1, 2, 3, 4, 5, 7, 8]
    assert ids(filled.answers(workshop="w2")) == [6]
    assert ids(filled.answers(group="Blue")) == [1, 2, 4, 5, 6, 8]
    assert ids(filled.answers(workshop="w1", group="Blue")) == [1, 2, 4, 5, 8]
    assert ids(filled.answers(exercise="channels")) == [5, 7, 8]
    assert ids(filled.answers(workshop="w1", group="Blue", exercise="classify")) == [1, 2, 4]
    assert ids(filled.answers(workshop="w1", scenario="s1")) == [1, 3, 4, 5, 8]
    assert filled.answers(workshop="nope") == []


def test_latest_answers_keep_the_last_attempt_per_group_exercise_scenario(filled):
    latest = filled.latest_answers("w1")
    keys = [(r.group, r.exercise, r.scenario, r.id) for r in latest]
    assert keys == [
        ("Amber", "channels", "s9", 7),
        ("Blue", "channels", "s1", 8),
        ("Blue", "classify", "s1", 4),
        ("Blue", "classify", "s2", 2),
        ("Green", "classify", "s1", 3),
    ]
    by_id = {r.id: r for r in latest}
    assert by_id[4].correct is True and by_id[4].score == 1.0
    assert by_id[8].score == 0.5

    assert ids(filled.latest_answers("w1", group="Blue")) == [8, 4, 2]
    assert ids(filled.latest_answers("w1", exercise="classify")) == [4, 2, 3]
    assert ids(filled.latest_answers("w1", group="Blue", exercise="channels")) == [8]
    assert ids(filled.latest_answers("w2")) == [6]
    assert filled.latest_answers("nope") == []


def test_latest_answer_for_one_scenario(filled):
    latest = filled.latest_answer("w1", "Blue", "classify", "s1")
    assert latest is not None
    assert latest.id == 4
    assert latest.correct is True
    assert filled.latest_answer("w2", "Blue", "classify", "s1").id == 6
    assert filled.latest_answer("w1", "Blue", "classify", "s3") is None
    assert filled.latest_answer("w1", "Purple", "classify", "s1") is None


def test_groups_workshops_and_counts(filled):
    assert filled.groups("w1") == ["Amber", "Blue", "Green"]
    assert filled.groups("w2") == ["Blue"]
    assert filled.groups("nope") == []
    assert filled.workshops() == ["w1", "w2"]
    assert filled.count_answers() == 8
    assert filled.count_answers("w1") == 7
    assert filled.count_answers("w2") == 1
    assert filled.count_answers("nope") == 0


def test_empty_store_queries(store):
    assert store.answers() == []
    assert store.latest_answers("w") == []
    assert store.workshops() == []
    assert store.observations() == []
    assert store.count_answers() == 0


# --------------------------------------------------------------------------- observations


def test_observation_round_trip_and_filters(store_path):
    with AnswerStore(store_path) as writer:
        first = writer.record_observation(
            workshop="w1",
            group="Blue",
            author_role="observer",
            playbook_section="4.2 Choosing a channel",
            worked="They found the channel table quickly.",
            confused="Difference between 'restricted' and 'confidential'.",
            suggestion="Add an example.",
            severity="High",
        )
        writer.record_observation(
            workshop="w1", author_role="participant", playbook_section="", severity="low"
        )
        writer.record_observation(
            workshop="w2", author_role="observer", playbook_section="1", severity="medium"
        )
    assert first.severity == "high"
    assert first.id == 1
    assert ISO_UTC_MICROSECONDS.match(first.recorded_at)

    with AnswerStore(store_path) as reader:
        everything = reader.observations()
        assert [o.id for o in everything] == [1, 2, 3]
        assert everything[0] == first
        assert everything[0] == Observation(
            id=1,
            workshop="w1",
            group="Blue",
            author_role="observer",
            playbook_section="4.2 Choosing a channel",
            worked="They found the channel table quickly.",
            confused="Difference between 'restricted' and 'confidential'.",
            suggestion="Add an example.",
            severity="high",
            recorded_at=first.recorded_at,
        )
        assert everything[1].group == ""
        assert [o.id for o in reader.observations(workshop="w1")] == [1, 2]
        assert [o.id for o in reader.observations(workshop="w1", group="")] == [2]
        assert [o.id for o in reader.observations(workshop="w2")] == [3]
        # A workshop with notes but no answers still exists for the report-back.
        assert reader.workshops() == ["w1", "w2"]
        assert reader.count_answers() == 0


@pytest.mark.parametrize("severity", ["urgent", "", None, 3])
def test_observation_rejects_an_unknown_severity(store, severity):
    with pytest.raises(InputError, match="severity"):
        store.record_observation(
            workshop="w", author_role="observer", playbook_section="1", severity=severity
        )
    assert store.observations() == []


@pytest.mark.parametrize("field", ["workshop", "author_role"])
def test_observation_requires_workshop_and_role(store, field):
    values = {"workshop": "w", "author_role": "observer", "playbook_section": "", "severity": "low"}
    values[field] = " "
    with pytest.raises(InputError, match=field):
        store.record_observation(**values)


# --------------------------------------------------------------------------- export


def test_json_export_parses_back_to_the_records(filled):
    records = filled.answers(workshop="w1", group="Blue")
    stream = io.StringIO()
    assert export_answers(records, "json", stream) == 5
    data = json.loads(stream.getvalue())
    assert [row["id"] for row in data] == [1, 2, 4, 5, 8]
    for row, record in zip(data, records, strict=True):
        assert list(row) == list(ANSWER_COLUMNS)
        assert row == {
            "id": record.id,
            "workshop": record.workshop,
            "group": record.group,
            "exercise": record.exercise,
            "scenario": record.scenario,
            "correct": record.correct,
            "score": record.score,
            "answer": record.answer,
            "feedback": record.feedback,
            "recorded_at": record.recorded_at,
        }
    assert data[0]["correct"] is False
    assert data[0]["score"] is None
    assert data[2]["score"] == 1.0
    assert data[0]["answer"] == {"level": "confidential"}


def test_csv_export_parses_back_to_the_records(store, tmp_path):
    tricky = 'Commas, "quotes", and\na second line — ünïcode'
    save(store, answer={"text": tricky, "list": [1, 2]}, feedback=tricky, score=0.25)
    save(store, group="Green", correct=False)
    out = tmp_path / "answers.csv"
    with out.open("w", encoding="utf-8", newline="") as stream:
        assert export_answers(store.answers(), "csv", stream) == 2
    with out.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames) == ANSWER_COLUMNS
        rows = list(reader)
    assert len(rows) == 2
    first, second = rows
    assert first["id"] == "1"
    assert first["workshop"] == "ct-2026-11"
    assert first["group"] == "Blue"
    assert first["exercise"] == "classify_data"
    assert first["scenario"] == "s1"
    assert first["correct"] == "true"
    assert float(first["score"]) == 0.25
    assert json.loads(first["answer"]) == {"text": tricky, "list": [1, 2]}
    assert first["feedback"] == tricky
    assert first["recorded_at"] == store.answers()[0].recorded_at
    assert second["group"] == "Green"
    assert second["correct"] == "false"
    assert second["score"] == ""


def test_observation_export_csv_and_json(store):
    store.record_observation(
        workshop="w",
        group="Blue",
        author_role="observer",
        playbook_section="2",
        worked="yes, <b>bold</b>",
        severity="medium",
    )
    stream = io.StringIO()
    assert export_observations(store.observations(), "json", stream) == 1
    [row] = json.loads(stream.getvalue())
    assert list(row) == list(OBSERVATION_COLUMNS)
    assert row["worked"] == "yes, <b>bold</b>"
    assert row["severity"] == "medium"
    assert row["group"] == "Blue"

    stream = io.StringIO(newline="")
    export_observations(store.observations(), "csv", stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert tuple(rows[0]) == OBSERVATION_COLUMNS
    assert rows[0]["worked"] == "yes, <b>bold</b>"
    assert rows[0]["author_role"] == "observer"


def test_export_of_nothing_still_writes_a_header_or_empty_list():
    stream = io.StringIO()
    assert export_answers([], "csv", stream) == 0
    assert stream.getvalue().splitlines() == [",".join(ANSWER_COLUMNS)]
    stream = io.StringIO()
    export_answers([], "json", stream)
    assert json.loads(stream.getvalue()) == []


def test_export_rejects_an_unknown_format(store):
    with pytest.raises(InputError, match="xml"):
        export_answers([save(store)], "xml", io.StringIO())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- free text / HTML


def test_script_text_is_stored_and_exported_as_is_and_escaped_in_html(store, store_path):
    save(
        store,
        group=f"Blue {SCRIPT}",
        answer={"why": SCRIPT, SCRIPT: "key too"},
        feedback=f"You wrote {SCRIPT} & more",
    )
    [loaded] = store.answers()
    assert loaded.group == f"Blue {SCRIPT}"
    assert loaded.answer == {"why": SCRIPT, SCRIPT: "key too"}
    assert loaded.feedback == f"You wrote {SCRIPT} & more"

    [(feedback, answer)] = raw_sql(store_path, "SELECT feedback, answer FROM answers")
    assert feedback == f"You wrote {SCRIPT} & more"
    assert SCRIPT in answer

    as_json = io.StringIO()
    export_answers([loaded], "json", as_json)
    assert SCRIPT in as_json.getvalue()
    assert json.loads(as_json.getvalue())[0]["feedback"] == f"You wrote {SCRIPT} & more"
    as_csv = io.StringIO()
    export_answers([loaded], "csv", as_csv)
    assert f"You wrote {SCRIPT} & more" in as_csv.getvalue()

    page = answers_table_html([loaded], caption=f"Saved {SCRIPT}")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "You wrote &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<caption>Saved &lt;script&gt;alert(1)&lt;/script&gt;</caption>" in page


def test_answers_table_html_is_accessible_and_says_right_or_not_yet(store):
    right = save(store, scenario="s1", answer={"level": "public"}, score=1.0)
    wrong = save(store, scenario="s2", correct=False, answer={"picked": ["a", "b"]})
    page = answers_table_html([right, wrong], caption="Blue's answers")
    assert page.startswith("<table")
    assert page.rstrip().endswith("</table>")
    assert "<caption>Blue&#x27;s answers</caption>" in page
    headers = re.findall(r'<th scope="col">([^<]*)</th>', page)
    assert headers == [
        "Group",
        "Exercise",
        "Scenario",
        "Result",
        "Score",
        "Answer",
        "Feedback",
        "Saved",
    ]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page)
    assert len(rows) == 2
    first, second = (row.split("</td><td>") for row in rows)
    assert first[3] == "Right"
    assert first[4] == "100%"
    assert first[5] == "level: public"
    assert second[3] == "Not yet"
    assert second[4] == ""
    assert second[5] == "picked: a, b"
    assert "No answers saved yet" in answers_table_html([])
    assert "<caption>" in answers_table_html([])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("field", ["workshop", "group", "exercise", "scenario"])
@pytest.mark.parametrize("bad", ["", "   ", None, 7])
def test_names_must_be_non_empty_text(store, field, bad):
    with pytest.raises(InputError, match=field):
        save(store, **{field: bad})
    assert store.count_answers() == 0


def test_empty_group_message_names_the_group(store):
    with pytest.raises(InputError) as caught:
        save(store, group="")
    assert str(caught.value).startswith("group ")


@pytest.mark.parametrize(
    "answer",
    [{"when": datetime(2026, 1, 1)}, {"set": {1, 2}}, {"x": float("nan")}, ["not", "a", "dict"]],
    ids=["datetime", "set", "nan", "list"],
)
def test_answer_must_be_a_json_serialisable_mapping(store, answer):
    with pytest.raises(InputError, match="answer"):
        save(store, answer=answer)
    assert store.count_answers() == 0


@pytest.mark.parametrize("correct", ["yes", None, 2])
def test_correct_must_be_a_boolean(store, correct):
    with pytest.raises(InputError, match="correct"):
        save(store, correct=correct)


@pytest.mark.parametrize("score", [1.5, -0.01, float("nan"), "0.5", True])
def test_score_must_be_a_fraction(store, score):
    with pytest.raises(InputError, match="score"):
        save(store, score=score)


def test_score_bounds_are_allowed(store):
    assert save(store, score=0).score == 0.0
    assert save(store, score=1).score == 1.0


def test_feedback_must_be_text(store):
    with pytest.raises(InputError, match="feedback"):
        save(store, feedback=None)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "answers.sqlite"
    content = b"group,answer\nBlue,public\n" * 200
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        AnswerStore(path).answers()
    message = str(caught.value)
    assert str(path) in message
    assert "not a workshop answer store" in message
    assert isinstance(caught.value, KitError)
    assert path.read_bytes() == content
    with pytest.raises(StoreError, match="not a workshop answer store"):
        save(AnswerStore(path))
    assert path.read_bytes() == content


def test_another_programs_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError) as caught:
        save(AnswerStore(path))
    assert str(path) in str(caught.value)
    assert "not a workshop answer store" in str(caught.value)
    raw = sqlite3.connect(path)
    try:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    finally:
        raw.close()
    assert tables == {"invoices"}


def test_a_store_from_a_newer_kit_is_refused(store_path):
    with AnswerStore(store_path) as current:
        save(current)
    if is_url(store_path):
        raw_sql(store_path, f"UPDATE store_meta SET schema_version = {SCHEMA_VERSION + 1}")
    else:
        raw_sql(store_path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError) as caught:
        AnswerStore(store_path).answers()
    message = str(caught.value)
    assert str(store_path) in message
    assert "newer version" in message
    assert f"store format {SCHEMA_VERSION + 1}" in message


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX permissions")
def test_an_unwritable_folder_gives_a_store_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.geteuid() == 0 and os.access(locked, os.W_OK):
            pytest.skip("root ignores folder permissions")
        with pytest.raises(StoreError) as caught:
            save(AnswerStore(locked / "answers.sqlite"))
        assert str(locked) in str(caught.value)
        assert "not writable" in str(caught.value)
        assert ENV_VAR in str(caught.value)
        with pytest.raises(StoreError) as caught:
            save(AnswerStore(locked / "sub" / "answers.sqlite"))
        assert str(locked / "sub") in str(caught.value)
        assert not (locked / "answers.sqlite").exists()
        assert not (locked / "sub").exists()
    finally:
        locked.chmod(0o700)


def test_a_folder_at_the_store_path_gives_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        save(AnswerStore(tmp_path))


def test_create_false_refuses_a_missing_store_and_creates_nothing(tmp_path):
    path = tmp_path / "missing" / "answers.sqlite"
    with pytest.raises(StoreError) as caught:
        AnswerStore(path, create=False).answers()
    assert str(caught.value) == (
        f"no answer store at {path}; answers are saved there when a group presses Check "
        f"(or set {ENV_VAR})"
    )
    assert not path.parent.exists()


def test_create_false_reads_an_existing_store(store_path):
    with AnswerStore(store_path) as writer:
        save(writer)
    with AnswerStore(store_path, create=False) as reader:
        assert reader.count_answers() == 1


# --------------------------------------------------------------------------- path resolution


def test_resolve_store_path_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(ENV_VAR, raising=False)

    default = resolve_store_path()
    assert default == platformdirs.user_data_path("datasharing-workshop") / "answers.sqlite"
    assert default.name == "answers.sqlite"
    assert REPO_ROOT not in default.parents
    assert resolve_store_path("") == default
    assert resolve_store_path("  ") == default

    monkeypatch.setenv(ENV_VAR, str(tmp_path / "from-env.sqlite"))
    assert resolve_store_path() == tmp_path / "from-env.sqlite"
    assert resolve_store_path("") == tmp_path / "from-env.sqlite"

    explicit = tmp_path / "explicit.sqlite"
    assert resolve_store_path(explicit) == explicit
    assert resolve_store_path(str(explicit)) == explicit

    monkeypatch.setenv(ENV_VAR, "   ")
    assert resolve_store_path() == default


def test_resolve_store_path_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(ENV_VAR, "~/env/answers.sqlite")
    assert resolve_store_path() == tmp_path / "env" / "answers.sqlite"
    assert resolve_store_path("~/nb/answers.sqlite") == tmp_path / "nb" / "answers.sqlite"


def test_store_without_a_path_uses_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.sqlite"))
    with AnswerStore() as from_env:
        assert from_env.path == tmp_path / "env.sqlite"
        save(from_env)
    assert (tmp_path / "env.sqlite").is_file()


# --------------------------------------------------------------------------- locking


def test_a_write_waits_for_another_connections_lock(sqlite_store, sqlite_path):
    save(sqlite_store)
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    outcome: dict[str, object] = {}

    def write() -> None:
        try:
            outcome["record"] = save(sqlite_store, scenario="waited")
        except Exception as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive(), outcome  # still waiting: it cannot commit while we hold the lock
    blocker.execute("COMMIT")
    blocker.close()
    thread.join()
    assert "error" not in outcome
    assert [r.scenario for r in sqlite_store.answers()] == ["s1", "waited"]


def test_a_lock_held_too_long_gives_a_store_error(sqlite_store, sqlite_path, monkeypatch):
    save(sqlite_store)
    sqlite_store.close()
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_SECONDS", 0.01)
    monkeypatch.setattr(sqlite_backend, "LOCK_WAIT_SECONDS", 0.05)
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError) as caught:
            save(sqlite_store)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "stayed locked" in str(caught.value)
    assert str(sqlite_path) in str(caught.value)


def test_threads_sharing_one_store(store):
    def write(thread_number: int) -> None:
        for n in range(25):
            save(store, group=f"t{thread_number}", scenario=f"n{n}")

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = store.answers()
    assert len(records) == 100
    assert {(r.group, r.scenario) for r in records} == {
        (f"t{t}", f"n{n}") for t in range(4) for n in range(25)
    }


# --------------------------------------------------------------------------- processes


def start_writer(store_path: Path, writer: int, count: int, *, wait: bool) -> subprocess.Popen:
    command = [sys.executable, str(WRITER), str(store_path), str(writer), str(count)]
    if wait:
        command.append("--wait")
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def release_together(processes: list[subprocess.Popen]) -> list[tuple[str, str]]:
    """Wait until every writer is ready, start them all, and return their outputs."""
    try:
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        return [process.communicate() for process in processes]
    finally:
        for process in processes:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Kill the process if it still runs, reap it and close its pipes."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_creating_a_new_store_at_once_all_succeed(backend, tmp_path, request):
    # Several kernels pressing Check on a store nobody has created yet race to create the
    # file, switch it to WAL and add the tables; none may mistake the half-made file for a
    # foreign one or fail with "database is locked". Several rounds make the race likely.
    for round_number in range(5):
        if backend == "sqlite":
            path = tmp_path / f"round-{round_number}" / "answers.sqlite"
        else:  # a new, empty database each round: the writers race to create the tables
            path = request.getfixturevalue("postgresql_store") if round_number == 0 else None
            if path is None:
                cluster = request.getfixturevalue("postgresql_cluster")
                path = cluster.url(cluster.create_database())
        processes = [start_writer(path, w, 1, wait=True) for w in range(8)]
        outputs = release_together(processes)
        for process, (_, stderr) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, stderr
        with AnswerStore(path) as created:
            assert sorted(r.answer["writer"] for r in created.answers()) == list(range(8))


def test_eight_processes_writing_at_once_lose_nothing(store_path):
    path = store_path  # created by the racing writers themselves
    writers = 8
    per_writer = 200
    processes = [start_writer(path, w, per_writer, wait=True) for w in range(writers)]
    outputs = release_together(processes)
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "locked" not in stderr

    reported: dict[int, tuple[int, int]] = {}
    for w, (stdout, _) in enumerate(outputs):
        lines = stdout.splitlines()
        assert len(lines) == per_writer
        for line in lines:
            row_id, n = map(int, line.split())
            assert row_id not in reported
            reported[row_id] = (w, n)

    with AnswerStore(path) as shared:
        records = shared.answers()
        assert shared.count_answers() == writers * per_writer
    assert len(records) == 1600
    pairs = [(r.answer["writer"], r.answer["n"]) for r in records]
    assert sorted(pairs) == [(w, n) for w in range(writers) for n in range(per_writer)]
    assert {r.id: (r.answer["writer"], r.answer["n"]) for r in records} == reported
    for record in records:
        assert record.group == f"writer-{record.answer['writer']}"
        assert record.scenario == f"n{record.answer['n']}"
    # Each writer's answers are in its own order (ids increase per writer).
    for w in range(writers):
        assert [r.answer["n"] for r in records if r.answer["writer"] == w] == list(range(200))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_answers_committed_before_a_kill_survive(store_path):
    path = store_path
    process = start_writer(path, 0, 0, wait=False)
    try:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
        first = process.stdout.readline()  # the store exists once one answer is in
        assert first, process.stderr.read()
        with AnswerStore(path, create=False) as watcher:
            while watcher.count_answers() < 50:
                assert process.poll() is None, f"writer stopped early: {process.stderr.read()}"
                time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        # read() rather than communicate(): readline() above may have buffered lines already.
        output = first + process.stdout.read()
        process.wait()
    finally:
        stop(process)
    assert process.returncode == -signal.SIGKILL
    # Each complete line reports a commit; a line cut short by the kill reports nothing.
    committed = [
        int(line.split()[0]) for line in output.splitlines(keepends=True) if line.endswith("\n")
    ]
    assert len(committed) >= 49

    if not is_url(path):
        assert raw_sql(path, "PRAGMA integrity_check") == [("ok",)]
    present = {row[0] for row in raw_sql(path, "SELECT id FROM answers")}
    assert set(committed) <= present
    # At most one answer can be committed but not yet reported when the kill lands.
    assert len(present) - len(committed) in (0, 1)

    with AnswerStore(path) as after:
        records = after.answers()
        assert [r.answer["n"] for r in records] == list(range(len(records)))
        save(after, scenario="after the crash")
        assert after.count_answers() == len(present) + 1


def test_a_deleted_store_is_recreated_instead_of_written_into_the_void(sqlite_store, sqlite_path):
    save(sqlite_store, scenario="before")
    sqlite_path.unlink()
    for companion in ("-wal", "-shm"):
        Path(f"{sqlite_path}{companion}").unlink(missing_ok=True)
    save(sqlite_store, scenario="after")
    with AnswerStore(sqlite_path) as fresh:
        assert [r.scenario for r in fresh.answers()] == ["after"]


def test_a_deleted_store_is_not_recreated_by_a_reader(sqlite_path):
    with AnswerStore(sqlite_path) as writer:
        save(writer)
    reader = AnswerStore(sqlite_path, create=False)
    assert reader.count_answers() == 1
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError, match="no answer store at"):
        reader.count_answers()
    assert not sqlite_path.exists()
    reader.close()
