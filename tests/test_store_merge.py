"""``datasharing-workshop answers merge``: bringing groups' stores into the workshop's store.

Every test merging INTO a store runs on both backends (``any_store``: an SQLite file, then a
PostgreSQL database on the throwaway test server).
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.store import ENV_VAR, AnswerStore, merge_stores
from datasharing_workshop.store.records import legacy_uid


@pytest.fixture(autouse=True)
def no_store_from_the_environment(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def laptop(path: Path, group: str, answers: int, *, workshop: str = "ct-2026-11") -> Path:
    """A store as the app on one group's laptop leaves it."""
    with AnswerStore(path) as store:
        for n in range(answers):
            store.record_answer(
                workshop=workshop,
                group=group,
                exercise="classify_data",
                scenario=f"s{n}",
                answer={"level": "public", "n": n},
                correct=n % 2 == 0,
                score=0.5,
                feedback=f"{group} feedback {n}",
                marks=[{"item": "level", "mark": "right"}],
            )
        store.record_observation(
            workshop=workshop,
            group=group,
            author_role="observer",
            playbook_section="4.2",
            severity="low",
            worked=f"{group} worked well",
        )
    return path


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def laptops(tmp_path) -> list[Path]:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    return [
        laptop(folder / "group-a.sqlite", "Group A", 3),
        laptop(folder / "group-b.sqlite", "Group B", 2),
    ]


def test_merge_adds_every_answer_once_and_never_changes_its_inputs(any_store, laptops, capsys):
    before = fingerprint(laptops[0].parent)
    with AnswerStore(any_store) as target:
        target.record_answer(
            workshop="ct-2026-11",
            group="Group C",
            exercise="classify_data",
            scenario="s0",
            answer={"level": "restricted"},
            correct=True,
        )

    assert main(["answers", "merge", "--store", any_store, *map(str, laptops)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"merged 2 stores into {any_store}",
        "workshop ct-2026-11:",
        "  Group A: 3 answers added, 1 observation added",
        "  Group B: 2 answers added, 1 observation added",
    ]
    with AnswerStore(any_store) as target:
        merged = target.answers()
        assert len(merged) == 6
        assert target.groups("ct-2026-11") == ["Group A", "Group B", "Group C"]
        assert len(target.observations()) == 2
    with AnswerStore(laptops[0], read_only=True) as source:
        originals = source.answers()
    by_uid = {r.uid: r for r in merged}
    for original in originals:
        # Every field but the row id (the target numbers its own rows), marks included.
        assert dataclasses.replace(by_uid[original.uid], id=original.id) == original
        assert by_uid[original.uid].marks == ({"item": "level", "mark": "right"},)
    # Attempts keep their order within a group.
    assert [r.scenario for r in merged if r.group == "Group A"] == ["s0", "s1", "s2"]

    # Again, and again with one store named in another spelling: nothing new.
    assert main(["answers", "merge", "--store", any_store, *map(str, laptops)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"merged 2 stores into {any_store}",
        "workshop ct-2026-11:",
        "  Group A: 0 answers added (3 already there), 0 observations added (1 already there)",
        "  Group B: 0 answers added (2 already there), 0 observations added (1 already there)",
        "nothing new: every answer and observation was already there",
    ]
    with AnswerStore(any_store) as target:
        assert target.count_answers() == 6
        assert len(target.observations()) == 2
    # Not a byte changed, and no companion file appeared next to the inputs.
    assert fingerprint(laptops[0].parent) == before


def test_the_merged_store_keeps_saving_and_merges_back_without_doubles(any_store, laptops):
    with AnswerStore(any_store) as target:
        merge_stores(target, laptops)
        target.record_answer(
            workshop="ct-2026-11",
            group="Group A",
            exercise="classify_data",
            scenario="s9",
            answer={},
            correct=True,
        )
        # A laptop's store merged again after the facilitator's new answer: still once each.
        report = merge_stores(target, [laptops[0]])
        assert report.answers_added == 0
        assert target.count_answers() == 6


def test_merge_from_postgresql_into_sqlite_and_back(postgresql_store, laptops, tmp_path):
    with AnswerStore(postgresql_store) as hub:
        report = merge_stores(hub, laptops)
        assert report.answers_added == 5
    local = tmp_path / "facilitator.sqlite"
    with AnswerStore(local) as target:
        report = merge_stores(target, [postgresql_store])
        assert report.answers_added == 5
        assert report.observations_added == 2
        assert merge_stores(target, laptops).answers_added == 0
    with AnswerStore(postgresql_store) as hub:
        assert merge_stores(hub, [local]).answers_added == 0
        assert hub.count_answers() == 5


def test_merge_into_the_configured_store(tmp_path, laptops, monkeypatch, capsys):
    config = tmp_path / "room" / "workshop.yml"
    (config.parent / "notebooks").mkdir(parents=True)
    config.write_text(
        "workshop_id: ct-2026-11\ntitle: T\ndate: 2026-11-05\nhost_agency: OPM\n"
        "facilitators: [A]\ngroups: [Group A, Group B]\njurisdiction: ct\n"
        "store_path: day/answers.sqlite\n"
    )
    monkeypatch.chdir(config.parent)
    assert main(["answers", "merge", *map(str, laptops)]) == 0
    target = config.parent / "day" / "answers.sqlite"
    assert capsys.readouterr().out.startswith(f"merged 2 stores into {target}\n")
    with AnswerStore(target) as store:
        assert store.count_answers() == 5


def assert_refused(args: list[str], capsys, *fragments: str) -> str:
    assert main(["answers", "merge", *args]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in captured.err
    return captured.err


def test_a_foreign_file_stops_the_merge_before_anything_is_added(any_store, laptops, capsys):
    foreign = laptops[0].parent / "notes.sqlite"
    foreign.write_bytes(b"group,answer\nBlue,public\n" * 100)
    before = fingerprint(laptops[0].parent)
    err = assert_refused(
        ["--store", any_store, str(laptops[0]), str(foreign)],
        capsys,
        f"cannot merge {foreign}: {foreign} is not a workshop answer store",
        "nothing was merged",
    )
    assert err.startswith("error: ")
    with AnswerStore(any_store) as target:
        assert target.count_answers() == 0  # not even the good first store
    assert fingerprint(laptops[0].parent) == before


def test_another_programs_sqlite_database_is_refused(any_store, tmp_path, capsys):
    other = tmp_path / "invoices.sqlite"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    raw.commit()
    raw.close()
    assert_refused(
        ["--store", any_store, str(other)],
        capsys,
        f"cannot merge {other}: {other} is an SQLite database but not a workshop answer store",
    )


def test_a_damaged_store_is_refused(any_store, tmp_path, capsys):
    damaged = laptop(tmp_path / "damaged.sqlite", "Group D", 400)
    data = bytearray(damaged.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # scribble over every page's body
        data[offset + 100 : offset + 400] = b"\xff" * 300
    damaged.write_bytes(bytes(data))
    err = assert_refused(["--store", any_store, str(damaged)], capsys, f"cannot merge {damaged}:")
    assert "damaged" in err or "malformed" in err
    with AnswerStore(any_store) as target:
        assert target.count_answers() == 0


def test_missing_folder_self_and_twice_are_refused(any_store, laptops, tmp_path, capsys):
    missing = tmp_path / "missing.sqlite"
    assert_refused(
        ["--store", any_store, str(missing)],
        capsys,
        f"cannot merge {missing}: it is not there, not an answer store file",
    )
    assert_refused(
        ["--store", any_store, str(tmp_path)],
        capsys,
        f"cannot merge {tmp_path}: it is a folder",
    )
    assert_refused(
        ["--store", any_store, str(laptops[0]), str(laptops[0])],
        capsys,
        f"{laptops[0]} is named twice",
    )
    assert_refused(["--store", any_store, any_store], capsys, "is the store being merged into")


def test_a_store_from_a_newer_kit_is_refused(any_store, tmp_path, capsys):
    newer = laptop(tmp_path / "newer.sqlite", "Group A", 1)
    raw = sqlite3.connect(newer)
    raw.execute("PRAGMA user_version = 99")
    raw.commit()
    raw.close()
    assert_refused(
        ["--store", any_store, str(newer)],
        capsys,
        f"cannot merge {newer}: the answer store {newer} was written by a newer version",
        "store format 99",
    )


def format_1_store(path: Path) -> Path:
    """A store as the kit's first release wrote it (no uids, no marks)."""
    from datasharing_workshop.store.schema import _SQLITE_V1, APPLICATION_ID

    raw = sqlite3.connect(path)
    for statement in _SQLITE_V1:
        raw.execute(statement)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute("PRAGMA journal_mode = WAL")
    for n in range(3):
        raw.execute(
            'INSERT INTO answers (workshop, "group", exercise, scenario, answer, correct, '
            "score, feedback, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "old",
                "Group A",
                "classify_data",
                f"s{n}",
                '{"level": "public"}',
                1,
                None,
                "ok",
                f"2025-03-14T10:00:0{n}.000000+00:00",
            ),
        )
    raw.commit()
    raw.close()
    return path


def test_a_store_from_the_first_release_is_merged_as_it_is_and_only_once(any_store, tmp_path):
    (tmp_path / "old").mkdir()
    old = format_1_store(tmp_path / "old" / "old.sqlite")
    before = fingerprint(old.parent)
    with AnswerStore(any_store) as target:
        assert merge_stores(target, [old]).answers_added == 3
        assert merge_stores(target, [old]).answers_added == 0
        merged = target.answers()
    assert fingerprint(old.parent) == before  # read as it is, not upgraded
    assert all(r.uid.startswith("v1-") and r.marks == () for r in merged)

    # Upgraded in place later (opened for writing), it keeps the same uids: still no doubles.
    with AnswerStore(old) as upgraded:
        assert {r.uid for r in upgraded.answers()} == {r.uid for r in merged}
        raw_uids = {row["uid"] for row in upgraded.backend.query("SELECT uid FROM answers", ())}
        assert raw_uids == {r.uid for r in merged}
    with AnswerStore(any_store) as target:
        assert merge_stores(target, [old]).answers_added == 0


def test_legacy_uids_depend_on_every_saved_value():
    row = {
        "workshop": "w",
        "group": "g",
        "exercise": "e",
        "scenario": "s",
        "answer": "{}",
        "correct": 1,
        "score": None,
        "feedback": "",
        "recorded_at": "t",
    }
    base = legacy_uid("answers", row)
    assert base == legacy_uid("answers", dict(row))
    for name, other in [("group", "h"), ("answer", '{"a": 1}'), ("correct", 0), ("score", 0.5)]:
        assert legacy_uid("answers", {**row, name: other}) != base
