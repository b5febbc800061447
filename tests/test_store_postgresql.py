"""The PostgreSQL answer store against a real server: clear messages for every way the
database can be out of reach, no password ever shown, and a server stopped during the
workshop (the widget says "Not saved", keeps the answer, and saves it after the restart).

The store tests that hold on both backends (round trips, concurrency, kill mid-write,
versioning, export, merge) live in test_store.py and test_store_merge.py, parametrized
over SQLite and PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.errors import StoreError
from datasharing_workshop.store import ENV_VAR, AnswerStore, StoreURL, resolve_store_path

sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
import pg_cluster


def save(store: AnswerStore, scenario: str = "s1"):
    return store.record_answer(
        workshop="w",
        group="Group A",
        exercise="classify_data",
        scenario=scenario,
        answer={"level": "public"},
        correct=True,
    )


def refused(location: str) -> str:
    with pytest.raises(StoreError) as caught:
        AnswerStore(location).count_answers()
    message = str(caught.value)
    assert "Traceback" not in message
    return message


def test_a_url_store_is_a_store_url_everywhere_a_path_is_accepted(postgresql_store, monkeypatch):
    assert resolve_store_path(postgresql_store) == StoreURL(postgresql_store)
    monkeypatch.setenv(ENV_VAR, postgresql_store)
    with AnswerStore() as store:
        assert store.path == StoreURL(postgresql_store)
        assert store.backend.dialect == "postgresql"
        save(store)
    assert main(["answers", "list-workshops", "--store", postgresql_store]) == 0


def test_a_password_in_the_url_is_refused_and_never_shown(postgresql_cluster, capsys):
    url = f"postgresql://kit:{pg_cluster.PASSWORD}@127.0.0.1:{postgresql_cluster.port}/x"
    message = refused(url)
    assert pg_cluster.PASSWORD not in message
    assert "postgresql://kit:***@127.0.0.1" in message
    assert "PGPASSWORD" in message and "~/.pgpass" in message
    other = f"postgresql://kit@127.0.0.1:{postgresql_cluster.port}/x?password=hunter2"
    assert "hunter2" not in refused(other)
    assert main(["answers", "list-workshops", "--store", url]) == 2
    captured = capsys.readouterr()
    assert pg_cluster.PASSWORD not in captured.err + captured.out
    assert "contains a password" in captured.err


def test_wrong_password_names_the_user_and_where_passwords_go(postgresql_store, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    message = refused(postgresql_store)
    assert "refused user 'kit'" in message
    assert "PGPASSWORD" in message
    assert "not-the-password" not in message


def test_unknown_user(postgresql_cluster, postgresql_store):
    name = postgresql_store.rsplit("/", 1)[1]
    message = refused(postgresql_cluster.url(name, user="nobody"))
    assert "refused user 'nobody'" in message


def test_missing_database(postgresql_cluster, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_cluster.PASSWORD)
    message = refused(postgresql_cluster.url("no_such_db"))
    assert "the database 'no_such_db' does not exist on the PostgreSQL server" in message
    assert f"127.0.0.1:{postgresql_cluster.port}" in message
    assert "createdb no_such_db" in message


def test_unreachable_server(monkeypatch):
    port = pg_cluster.free_port()  # nothing listens there
    message = refused(f"postgresql://kit@127.0.0.1:{port}/workshop")
    assert f"cannot reach the PostgreSQL server 127.0.0.1:{port}" in message
    assert "connection refused" in message


def test_the_command_line_reports_database_problems_without_a_traceback(
    postgresql_cluster, monkeypatch, capsys
):
    monkeypatch.setenv("PGPASSWORD", pg_cluster.PASSWORD)
    url = postgresql_cluster.url("no_such_db")
    assert main(["answers", "export", "--format", "csv", "--store", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the database 'no_such_db' does not exist")
    assert "Traceback" not in err


def test_tables_of_another_program_are_refused_and_left_alone(postgresql_store):
    import psycopg

    with psycopg.connect(postgresql_store, autocommit=True) as conn:
        conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, invoice TEXT)")
    message = refused(postgresql_store)
    assert "tables named answers or observations that the workshop kit did not make" in message
    with psycopg.connect(postgresql_store, autocommit=True) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'answers' ORDER BY ordinal_position"
            )
        ]
    assert columns == ["id", "invoice"]


def test_a_reader_does_not_create_tables(postgresql_store):
    with pytest.raises(StoreError, match="no answer store in the database"):
        AnswerStore(postgresql_store, create=False).answers()
    import psycopg

    with psycopg.connect(postgresql_store) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname='public'").fetchone()[0]
            == 0
        )


def test_a_store_stamped_by_this_kit_is_versioned_in_store_meta(postgresql_store):
    import psycopg

    from datasharing_workshop.store.schema import APPLICATION_NAME, SCHEMA_VERSION

    with AnswerStore(postgresql_store) as store:
        save(store)
    with psycopg.connect(postgresql_store) as conn:
        assert conn.execute("SELECT application, schema_version FROM store_meta").fetchall() == [
            (APPLICATION_NAME, SCHEMA_VERSION)
        ]


# --------------------------------------------------------------------------- server stopped


@pytest.fixture
def own_cluster(monkeypatch):
    """A server of this test's own, which the test stops and starts."""
    try:
        cluster = pg_cluster.start_cluster()
    except FileNotFoundError:
        pytest.skip("PostgreSQL is not installed")
    monkeypatch.setenv("PGPASSWORD", pg_cluster.PASSWORD)
    yield cluster
    cluster.remove()


def test_server_stopped_mid_workshop_not_saved_kept_in_page_then_saved(own_cluster, monkeypatch):
    from datasharing_workshop.breakouts.scenarios import load_scenarios
    from datasharing_workshop.widgets import classify_data
    from datasharing_workshop.widgets.common import close_stores

    url = own_cluster.url(own_cluster.create_database())
    monkeypatch.setenv(ENV_VAR, url)
    scenario = load_scenarios("classify_data", "ct")[0]
    box = classify_data.exercise(scenario.id, workshop_id="w", group="Group A")
    try:
        fields = scenario.dataset.fields
        for f in fields:
            box.category_dropdowns[f.name].value = f.category
        box.check_button.click()
        assert "Saved for Group A" in box.save_status.value

        own_cluster.stop()
        box.category_dropdowns[fields[0].name].value = "public"
        box.check_button.click()
        status = box.save_status.value
        assert "Not saved:" in status
        assert "PostgreSQL server" in status
        assert pg_cluster.PASSWORD not in status
        # The answer is still in the page, ready for the next Check.
        assert box.category_dropdowns[fields[0].name].value == "public"

        own_cluster.start()
        box.check_button.click()
        assert "Saved for Group A" in box.save_status.value
    finally:
        close_stores()
    with AnswerStore(url) as store:
        attempts = store.answers()
    assert len(attempts) == 2  # the first answer survived; the retried one is saved once
    assert attempts[0].answer[fields[0].name]["category"] == fields[0].category
    assert attempts[1].answer[fields[0].name]["category"] == "public"


def test_an_empty_database_reads_as_no_store_yet_and_is_left_empty(postgresql_store):
    url = resolve_store_path(postgresql_store)
    assert url.exists() is False  # like a store file not written yet
    with AnswerStore(postgresql_store) as store:
        save(store)
    assert url.exists() is True


def test_the_report_back_reads_a_postgresql_store(postgresql_store):
    from datasharing_workshop.reportback.data import load_report_data

    empty = load_report_data("w", store_path=postgresql_store)
    assert empty.records == []
    with AnswerStore(postgresql_store) as store:
        save(store)
    report = load_report_data("w", store_path=postgresql_store)
    assert [r.group for r in report.records] == ["Group A"]


# --------------------------------------------------------------------------- every reader


def test_simulate_observations_console_grid_and_export_on_postgresql(postgresql_store, capsys):
    """What a hub's facilitator uses, on the database: the simulator (the same saving path
    as the widgets), observers' notes, the console's grid and the export."""
    import csv
    import io

    from datasharing_workshop.plenary.observations import save_observation
    from datasharing_workshop.reportback.simulate import simulate_workshop
    from datasharing_workshop.room.progress import columns, grid
    from datasharing_workshop.room.settings import GroupLink, RoomSettings

    room = RoomSettings(
        workshop_id="hub-day",
        title="Hub day",
        date="2026-11-05",
        host_agency="OPM",
        jurisdiction="ct",
        scenario_set="standard",
        groups=(GroupLink("Group A", "group-a"), GroupLink("Group B", "group-b")),
        store_path=postgresql_store,
        folder="unused",
    )
    cols = columns(room, [("classify_data", "Classify")])
    empty = grid(room, cols)  # an empty database reads as "nothing checked", untouched
    assert all(cell["checked"] == 0 for row in empty["rows"] for cell in row["cells"])
    assert resolve_store_path(postgresql_store).exists() is False

    sim = simulate_workshop(postgresql_store, "hub-day", groups=2, seed=7)
    assert sim.answers > 0
    with AnswerStore(postgresql_store) as store:
        save_observation(
            store,
            workshop="hub-day",
            author_role="observer",
            playbook_section="",
            severity="low",
            group="Group A",
            worked="Quiet table, good questions.",
        )
        saved = store.count_answers("hub-day")
        notes = store.observations("hub-day")
    assert saved == sim.answers
    assert notes[-1].worked == "Quiet table, good questions."

    full = grid(room, cols)
    scenarios = len(cols[0].scenarios)
    assert [cell["checked"] for row in full["rows"] for cell in row["cells"]] == [
        scenarios,
        scenarios,
    ]

    assert main(["answers", "export", "--format", "csv", "--store", postgresql_store]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == saved
    assert {r["group"] for r in rows} == {"Group A", "Group B"}
