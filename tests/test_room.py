"""Unit tests for the room (``datasharing-workshop serve``): codes, folder, pages, grid,
cards, timer. The server itself is tested in test_room_server.py."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from helpers.notebooks import BREAKOUT_EXERCISES, REPORT_BACK, WRAP_UP
from helpers.room_server import FakeHandler

from datasharing_workshop.cli import main
from datasharing_workshop.room.auth import RoomAuthorizer, RoomIdentityProvider, role_of
from datasharing_workshop.room.cards import cards_html, group_link
from datasharing_workshop.room.kernel import timer_text
from datasharing_workshop.room.pages import participant_pages, room_cell_source
from datasharing_workshop.room.progress import (
    ALL_RIGHT,
    CHECKED,
    NOT_STARTED,
    WORKING,
    Column,
    cell_state,
    grid,
)
from datasharing_workshop.room.serve import MARKER, RoomOptions, prepare_room
from datasharing_workshop.room.settings import check_code, is_loopback, random_code
from datasharing_workshop.store import AnswerStore

REPO = Path(__file__).resolve().parents[1]


def config(tmp_path: Path, groups=("Group A", "Group B"), workshop_id="room-unit") -> Path:
    path = tmp_path / "workshop.yml"
    lines = [
        f"workshop_id: {workshop_id}",
        "title: Unit room",
        "date: 2026-03-14",
        "host_agency: Office of Policy and Management",
        "facilitators: [Alex Example]",
        "groups:",
        *[f"  - {g}" for g in groups],
        "jurisdiction: ct",
        f"store_path: {tmp_path / 'answers.sqlite'}",
        f"notebook_folder: {REPO / 'notebooks'}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_random_codes_are_typeable_and_differ():
    codes = {random_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 8 and check_code("x", c) == c for c in codes)
    assert not any(ch in "".join(codes) for ch in "01ilo")


@pytest.mark.parametrize("bad", ["", "abc", "has space1", "pünktchen1", "semi;colon"])
def test_a_code_too_short_or_with_symbols_is_refused(bad):
    with pytest.raises(Exception, match="must be at least 6 letters or digits"):
        check_code("--participant-code", bad)


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


def test_pages_follow_the_agenda_and_leave_out_the_report_back():
    pages = participant_pages(REPO / "notebooks")
    stems = [p.stem for p in pages]
    assert stems[0] == "01_welcome_and_agenda" and stems[-1] == WRAP_UP
    assert REPORT_BACK not in stems
    assert tuple(p.exercise for p in pages if p.exercise) == BREAKOUT_EXERCISES


def test_the_room_cell_sets_only_the_notebooks_parameters(tmp_path):
    source = room_cell_source(["jurisdiction", "unrelated"], tmp_path / "room.json")
    assert source.splitlines()[-1] == (
        f"jurisdiction, = join_room({str(tmp_path / 'room.json')!r}, ['jurisdiction'])"
    )


def test_the_room_cell_imports_the_pages_modules_before_it_asks_for_the_group(tmp_path):
    from datasharing_workshop.room.pages import room_copy

    page = next(p for p in participant_pages(REPO / "notebooks") if p.exercise)
    cell = room_copy(page, tmp_path / "room.json").cells[1]
    call = cell.source.splitlines()[-1]
    assert "preload=[" in call
    assert f"'datasharing_workshop.widgets.{page.exercise}'" in call


def test_pool_sizes_per_page_and_by_default_one_per_group(tmp_path, capsys):
    out = tmp_path / "room"
    args = ["serve", "--prepare-only", "--config", str(config(tmp_path)), "--output", str(out)]
    assert main(args) == 0
    room = json.loads((out / "room.json").read_text())
    assert room["pool_size"] == len(room["groups"]) and room["pool_sizes"] == {}
    assert f"{len(room['groups'])} per page" in capsys.readouterr().out
    assert main([*args, "--pool-size", "0", "--pool-size", "classify_data=30"]) == 0
    room = json.loads((out / "room.json").read_text())
    page = next(p for p in participant_pages(REPO / "notebooks") if p.exercise == "classify_data")
    assert room["pool_size"] == 0 and room["pool_sizes"] == {page.filename: 30}
    printed = capsys.readouterr().out
    assert f"0 per page ({page.stem}: 30), 30 in all" in printed
    assert main([*args, "--pool-size", "0"]) == 0
    assert "No kernels are started ahead" in capsys.readouterr().out


def test_the_default_pool_stays_within_a_laptops_memory(tmp_path, capsys):
    """Ten groups: one kernel per group for every page would hold 9 x 10 x ~100 MB."""
    from datasharing_workshop.room.serve import DEFAULT_POOL_TOTAL

    groups = [f"Group {letter}" for letter in "ABCDEFGHIJ"]
    out = tmp_path / "room"
    path = config(tmp_path, groups=groups)
    assert main(["serve", "--prepare-only", "--config", str(path), "--output", str(out)]) == 0
    room = json.loads((out / "room.json").read_text())
    pages = len(participant_pages(REPO / "notebooks"))
    assert room["pool_size"] == DEFAULT_POOL_TOTAL // pages < len(groups)
    assert room["pool_size"] * pages <= DEFAULT_POOL_TOTAL
    assert f"{room['pool_size'] * pages} in all" in capsys.readouterr().out


def test_prepare_writes_copies_without_facilitator_cells_and_no_codes(tmp_path, capsys):
    out = tmp_path / "room"
    status = main(
        [
            "serve",
            "--prepare-only",
            "--config",
            str(config(tmp_path)),
            "--output",
            str(out),
            "--participant-code",
            "tables2026",
            "--facilitator-code",
            "console2026",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "Participant code:          tables2026" in printed
    assert "Facilitator code:          console2026" in printed
    assert "http://127.0.0.1:8866/room/" in printed
    room = json.loads((out / "room.json").read_text())
    assert room["workshop_id"] == "room-unit" and "console2026" not in json.dumps(room)
    for copy in (out / "pages").glob("*.ipynb"):
        nb = nbformat.read(copy, as_version=4)
        tags = {t for c in nb.cells for t in c.metadata.get("tags", [])}
        assert not tags & {"facilitator", "answer-key"}
        assert any(c.get("id") == "room-parameters" for c in nb.cells)
    assert "console2026" not in "".join(p.read_text() for p in (out / "pages").iterdir())


def test_a_folder_the_kit_did_not_write_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("keep me")
    status = main(
        ["serve", "--prepare-only", "--config", str(config(tmp_path)), "--output", str(out)]
    )
    assert status == 2
    assert "already holds files the kit did not write" in capsys.readouterr().err
    assert (out / "thesis.docx").read_text() == "keep me" and not (out / MARKER).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--participant-code", "abc"], "--participant-code must be at least 6"),
        (["--participant-code", "same1234", "--facilitator-code", "same1234"], "must be different"),
        (["--ip", "not-an-address"], "--ip must be an IPv4 address"),
        (["--port", "0"], "--port must be between 1 and 65535"),
        (["--kernel-limit", "0"], "--kernel-limit must be 1 or more"),
        (["--cull-after", "0"], "--cull-after must be between 1 and 1440"),
        (["--pool-size", "-1"], "--pool-size must be a number from 0 to 200"),
        (["--pool-size", "many"], "--pool-size must be a number from 0 to 200"),
        (["--pool-size", "=3"], "--pool-size must be a number from 0 to 200"),
        (["--pool-size", "classify_data=x"], "--pool-size must be a number from 0 to 200"),
        (["--pool-size", "no_such_page=3"], "--pool-size no_such_page=3: no participant page"),
        (["--pool-size", "08_report_back=3"], "no participant page '08_report_back'"),
    ],
)
def test_bad_options_get_a_message_and_status_2(tmp_path, capsys, args, message):
    status = main(
        [
            "serve",
            "--prepare-only",
            "--config",
            str(config(tmp_path)),
            "--output",
            str(tmp_path / "r"),
            *args,
        ]
    )
    assert status == 2
    assert message in capsys.readouterr().err


def test_a_missing_config_is_named(tmp_path, capsys):
    assert main(["serve", "--config", str(tmp_path / "nope.yml")]) == 2
    assert "nope.yml: no workshop config here" in capsys.readouterr().err


def test_the_network_always_needs_codes(tmp_path):
    # There is no option for "no code": every room has both codes, random when not given.
    room = prepare_room(
        RoomOptions(config=config(tmp_path), output=tmp_path / "room", ip="0.0.0.0")
    )
    assert len(room.settings.participant_code) >= 6
    assert len(room.settings.facilitator_code) >= 6
    assert room.settings.participant_code != room.settings.facilitator_code
    provider = RoomIdentityProvider(participant_code="", facilitator_code="")
    with pytest.raises(SystemExit, match="needs a participant code and a facilitator code"):
        provider.validate_security(None)


def test_codes_name_the_role():
    provider = RoomIdentityProvider(participant_code="tables2026", facilitator_code="console2026")
    assert provider.role_for_code("tables2026") == "participant"
    assert provider.role_for_code(" console2026 ") == "facilitator"
    assert provider.role_for_code("tables2027") is None and provider.role_for_code("") is None
    assert provider.token == "console2026" and provider.auth_enabled


@pytest.mark.parametrize(
    ("path", "action", "resource", "allowed"),
    [
        ("/api/kernels", "read", "kernels", False),
        ("/api/kernels", "write", "kernels", False),
        ("/api/kernels/0b0a3c59-4b70-4a8e-9d4e-3a0f3b3c1f10/channels", "execute", "kernels", True),
        ("/api/kernels/0b0a3c59-4b70-4a8e-9d4e-3a0f3b3c1f10", "read", "kernels", True),
        ("/api/kernels/0b0a3c59-4b70-4a8e-9d4e-3a0f3b3c1f10", "write", "kernels", False),
        ("/api/contents", "read", "contents", False),
        ("/files/x.ipynb", "read", "contents", False),
        ("/api/sessions", "read", "sessions", False),
        ("/room/console", "read", "room-console", False),
        ("/room/", "read", "room-pages", True),
    ],
)
def test_what_a_participant_may_reach(path, action, resource, allowed):
    from jupyter_server.auth import User

    authorizer = RoomAuthorizer()
    participant = User("participant-1")
    facilitator = User("facilitator-1")
    stranger = User("someone")
    assert role_of(participant) == "participant" and role_of(stranger) is None
    assert authorizer.is_authorized(FakeHandler(path), participant, action, resource) is allowed
    assert authorizer.is_authorized(FakeHandler(path), facilitator, action, resource) is True
    assert authorizer.is_authorized(FakeHandler(path), stranger, action, resource) is False


def test_cell_states():
    scenarios = ("a", "b")
    assert cell_state(scenarios, {}) == NOT_STARTED
    assert cell_state(scenarios, {"a": True}) == WORKING
    assert cell_state(scenarios, {"a": True, "b": False}) == CHECKED
    assert cell_state(scenarios, {"a": True, "b": True}) == ALL_RIGHT


def test_grid_reads_latest_attempts_per_group(tmp_path):
    room = prepare_room(RoomOptions(config=config(tmp_path), output=tmp_path / "room")).settings
    cols = [Column("classify_data", "Breakout 1", ("s1", "s2"))]
    assert grid(room, cols)["rows"][0]["cells"][0]["state"] == NOT_STARTED
    assert not Path(room.store_path).exists()  # reading does not create the store
    with AnswerStore(room.store_path) as store:
        for scenario, correct in (("s1", False), ("s1", True), ("s2", True)):
            store.record_answer(
                workshop="room-unit",
                group="Group A",
                exercise="classify_data",
                scenario=scenario,
                answer={"x": 1},
                correct=correct,
                feedback="",
            )
        store.record_answer(
            workshop="other",
            group="Group B",
            exercise="classify_data",
            scenario="s1",
            answer={"x": 1},
            correct=True,
            feedback="",
        )
    data = grid(room, cols)
    states = {row["group"]: row["cells"][0]["state"] for row in data["rows"]}
    assert states == {"Group A": ALL_RIGHT, "Group B": NOT_STARTED}
    assert data["attempts"] == 3


def test_cards_have_one_letter_page_per_group_with_link_code_and_qr(tmp_path):
    room = prepare_room(
        RoomOptions(
            config=config(tmp_path), output=tmp_path / "room", participant_code="tables2026"
        )
    ).settings
    html = cards_html(room, "http://192.168.1.20:8866")
    assert "size: letter" in html
    assert html.count('<section class="card">') == 2
    link = group_link("http://192.168.1.20:8866", "group-b", "tables2026")
    assert link == "http://192.168.1.20:8866/room/group/group-b?token=tables2026"
    assert link in html and html.count("<svg") == 2 and "tables2026" in html


def test_timer_text():
    assert timer_text({}) == ""
    assert (
        timer_text({"ends_at": 1000.0, "label": "Breakout 1"}, now=100.0)
        == "Time left for Breakout 1: 15 min"
    )
    assert (
        timer_text({"ends_at": 1000.0, "label": ""}, now=930.0)
        == "Time left for this session: 1 min 10 s"
    )
    assert (
        timer_text({"ends_at": 1000.0, "label": "Breakout 1"}, now=1001.0)
        == "Time is up for Breakout 1."
    )


def test_room_copies_put_the_group_first_and_drop_menu_instructions(tmp_path):
    from datasharing_workshop.room.pages import ROOM_HINT, room_copy

    pages = {p.stem: p for p in participant_pages(REPO / "notebooks")}
    for stem in ("01_welcome_and_agenda", "03_classify_data", "07_deidentify_and_aggregate"):
        copy = room_copy(pages[stem], tmp_path / "room.json")
        assert "parameters" in copy.cells[0].metadata["tags"]
        assert copy.cells[1].id == "room-parameters"
        text = "\n".join(c.source for c in copy.cells if c.cell_type == "markdown")
        assert "Run All Cells" not in text and "menu" not in text
    copy = room_copy(pages["03_classify_data"], tmp_path / "room.json")
    assert ROOM_HINT in "\n".join(c.source for c in copy.cells)


def test_practice_and_quiz_answers_are_saved_and_counted_for_the_room(tmp_path):
    from datasharing_workshop.plenary.agenda import load_welcome, practice_question
    from datasharing_workshop.plenary.tour import load_tour
    from datasharing_workshop.room.progress import room_wide

    store = str(tmp_path / "answers.sqlite")
    practice = load_welcome().practice
    for group, choice in (("Group A", practice.answer), ("Group B", None)):
        box = practice_question("ct", workshop_id="w", group=group, store_path=store)
        box.choice.value = choice
        box.check.click()
    other = next(c for c in practice.choices if c != practice.answer)
    box = practice_question("ct", workshop_id="w", group="Group C", store_path=store)
    box.choice.value = other
    box.check.click()
    quiz = load_tour("ct").who_to_ask_quiz(workshop_id="w", group="Group A", store_path=store)
    answers = [role for _q, role in load_tour("ct").quiz_questions()]
    quiz.pickers[0].value = answers[0]
    quiz.check.click()
    with AnswerStore(store, create=False) as opened:
        latest = opened.latest_answers("w")
    rows = {(r["exercise"], r["scenario"]): (r["right"], r["answered"]) for r in room_wide(latest)}
    assert rows == {("welcome_practice", "practice"): (1, 2), ("tour_quiz", "q1"): (1, 1)}
    # Without a group nothing is saved.
    box = practice_question("ct", store_path=str(tmp_path / "none.sqlite"))
    box.choice.value = practice.answer
    box.check.click()
    assert not (tmp_path / "none.sqlite").exists()
