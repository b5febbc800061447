"""Findings of the hostile test of the kit (issue 15) that are not a command's exit status.

One test per finding, named after it: files the kit must not destroy, answers that must not
be lost silently, text that must be cleaned, results that must be right. The command-line
family (exit 2, message, no traceback, no hang) is in test_bad_input_family.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from datasharing_workshop.cli import main
from datasharing_workshop.content.bounded_regex import MAX_SEARCH_CHARS, backtracking_problem
from datasharing_workshop.content.message_templates import render_problem
from datasharing_workshop.content.sizes import parse_size
from datasharing_workshop.errors import ContentError, InputError, Problem
from datasharing_workshop.ownership import (
    MARKER,
    OwnedFolder,
    beside,
    check_export_target,
    edited_since_written,
    stamp_text,
)
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.text_safety import MAX_ANSWER_CHARS, clean_text

WORKSHOP = "hardening"
HALF_EMOJI = "we need \ud83d the data"  # a paste that cut an emoji in half
RLO = "\u202e"


def breakout_notebook() -> nbformat.NotebookNode:
    params = new_code_cell('group = ""')
    params.metadata["tags"] = ["parameters"]
    key = new_code_cell("answer_key()")
    key.metadata["tags"] = ["answer-key"]
    nb = new_notebook(cells=[new_markdown_cell("# Breakout"), params, key])
    nb.metadata["datasharing_workshop"] = {"exercise": "demo"}
    return nb


# ------------------------------------------------------------------ never destroy


def test_app_output_dot_keeps_an_unrelated_thesis(tmp_path):
    from datasharing_workshop.room.copies import prepare_app

    sources = tmp_path / "notebooks"
    sources.mkdir()
    nbformat.write(breakout_notebook(), sources / "05_demo.ipynb")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"mine already holds files the kit did not write.*--output"
    ):
        prepare_app(mine, notebooks=sources)
    assert (mine / "thesis.ipynb").read_text(encoding="utf-8") == "{}"
    assert not (mine / "05_demo.ipynb").exists()


def test_app_output_pointed_at_notebooks_keeps_them_and_their_answer_keys(tmp_path):
    from datasharing_workshop.room.copies import prepare_app

    sources = tmp_path / "notebooks"
    sources.mkdir()
    nbformat.write(breakout_notebook(), sources / "05_demo.ipynb")
    before = (sources / "05_demo.ipynb").read_bytes()
    with pytest.raises(InputError, match="--output"):
        prepare_app(sources, notebooks=sources)
    assert (sources / "05_demo.ipynb").read_bytes() == before


def test_app_rebuild_replaces_only_its_own_copies(tmp_path):
    from datasharing_workshop.room.copies import prepare_app

    sources = tmp_path / "notebooks"
    sources.mkdir()
    nbformat.write(breakout_notebook(), sources / "05_demo.ipynb")
    app = tmp_path / "app"
    prepare_app(app, notebooks=sources)
    assert (app / MARKER).is_file()
    (app / "my_notes.ipynb").write_text("{}", encoding="utf-8")
    prepare_app(app, notebooks=sources)  # a second run is fine
    assert (app / "my_notes.ipynb").read_text(encoding="utf-8") == "{}"


def test_app_folder_from_an_older_kit_is_still_accepted(tmp_path):
    from datasharing_workshop.room.copies import participant_copy, prepare_app

    sources = tmp_path / "notebooks"
    sources.mkdir()
    nbformat.write(breakout_notebook(), sources / "05_demo.ipynb")
    app = tmp_path / "app"
    app.mkdir()
    nbformat.write(participant_copy(breakout_notebook()), app / "05_demo.ipynb")
    assert [p.name for p in prepare_app(app, notebooks=sources)] == ["05_demo.ipynb"]


def test_export_output_refuses_the_store_itself(tmp_path, capsys):
    store = tmp_path / "answers.sqlite"
    with AnswerStore(store) as s:
        s.record_answer(
            workshop=WORKSHOP, group="A", exercise="e", scenario="s", answer={}, correct=True
        )
    for target in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        code = main(
            ["answers", "export", "--format", "csv", "--store", str(store), "--output", str(target)]
        )
        assert code == 2
        assert "--output" in capsys.readouterr().err
    link = tmp_path / "link.csv"
    link.symlink_to(store)
    assert (
        main(
            ["answers", "export", "--format", "json", "--store", str(store), "--output", str(link)]
        )
        == 2
    )
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (1,)


def test_export_output_refuses_a_device_and_any_database(tmp_path):
    with pytest.raises(InputError, match="not an ordinary file"):
        check_export_target("/dev/null", option="--output")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InputError, match="is a database"):
        check_export_target(other, option="--output")
    plain = tmp_path / "old.csv"
    plain.write_text("a,b\n")
    assert check_export_target(plain, option="--output") == plain  # an export may replace it


def test_owned_folder_refuses_a_file_and_a_damaged_marker(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"is not a folder; .*--where"):
        OwnedFolder.claim(tmp_path / "file", option="--where")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / MARKER).write_text("not json")
    with pytest.raises(InputError, match="damaged"):
        OwnedFolder.claim(folder, option="--where")


def test_feedback_stamp_recognises_an_edit(tmp_path):
    path = tmp_path / "w-playbook-feedback.md"
    path.write_text(stamp_text("# Feedback\n"), encoding="utf-8")
    assert not edited_since_written(path)
    path.write_text(path.read_text(encoding="utf-8").replace("Feedback", "Edited"), "utf-8")
    assert edited_since_written(path)
    assert beside(path).name == "w-playbook-feedback.new.md"


# ------------------------------------------------------------- never silently unsaved


def test_lone_surrogate_in_free_text_is_saved_and_said(tmp_path, store_file):
    from datasharing_workshop.widgets import data_request

    box = data_request.exercise(1, workshop_id=WORKSHOP, group="Group A")
    first = next(iter(box.answer_boxes.values()))
    first.value = HALF_EMOJI
    box.check()
    assert "Saved for Group A" in box.save_status.value, box.save_status.value
    with AnswerStore(store_file) as store:
        (record,) = store.answers(WORKSHOP)
    assert "\ufffd" in json.dumps(record.answer, ensure_ascii=False)
    assert first.value == HALF_EMOJI  # the answer stays in the page


def test_a_failing_save_says_not_saved(monkeypatch):
    from datasharing_workshop.store import AnswerStore as Store
    from datasharing_workshop.widgets import data_request

    def broken(*_args, **_kwargs):
        raise UnicodeEncodeError("utf-8", "x", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(Store, "record_answer", broken)
    box = data_request.exercise(1, workshop_id=WORKSHOP, group="Group A")
    next(iter(box.answer_boxes.values())).value = "some text"
    box.check()
    assert "Not saved" in box.save_status.value


def test_answer_size_is_bounded(store_file):
    with AnswerStore(store_file) as store, pytest.raises(InputError, match="too long"):
        store.record_answer(
            workshop=WORKSHOP,
            group="A",
            exercise="data_request",
            scenario="s",
            answer={"data": "x" * (MAX_ANSWER_CHARS + 1)},
            correct=False,
        )


def test_rtl_override_and_controls_are_neutralised_before_storing(store_file):
    with AnswerStore(store_file) as store:
        record = store.record_answer(
            workshop=WORKSHOP,
            group=f"Group {RLO}A",
            exercise="e",
            scenario="s",
            answer={"data": f"a{RLO}b\x00c\x1b[31m"},
            correct=False,
        )
        note = store.record_observation(
            workshop=WORKSHOP,
            author_role="observer",
            playbook_section="",
            severity="low",
            worked=f"fine{RLO}enif",
        )
    assert record.group == "Group A"
    assert record.answer == {"data": "abc[31m"}
    assert note.worked == "fineenif"


def test_clean_text_keeps_emoji_pairs_new_lines_and_tabs():
    assert clean_text("a\ud83d\ude00b") == "a\U0001f600b"
    assert clean_text("line\r\nnext\tcol") == "line\nnext\tcol"
    assert clean_text(HALF_EMOJI) == "we need \ufffd the data"


def test_rtl_override_in_workshop_yml_names_is_gone_from_the_group_handout(tmp_path):
    """A right-to-left override typed (or pasted) into workshop.yml printed names reversed
    in every handout; the names are cleaned as the file is read."""
    from datasharing_workshop.handouts.build import workshop_facts
    from datasharing_workshop.handouts.config import load_workshop
    from datasharing_workshop.handouts.render import render_handout

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "workshop.yml").write_text(
        "workshop_id: rtl\n"
        f'title: "Spring {RLO}workshop"\n'
        "date: 2025-03-14\n"
        f'host_agency: "Office of {RLO}Policy\\u0007"\n'
        f'facilitators: ["Alex {RLO}Example"]\n'
        f'groups: ["Group {RLO}A", {{name: "Team\\u202eB", slug: team-b}}]\n'
        "jurisdiction: ct\n",
        encoding="utf-8",
    )
    workshop = load_workshop(tmp_path / "workshop.yml")
    c = workshop.config
    assert (c.title, c.host_agency, c.facilitators) == (
        "Spring workshop",
        "Office of Policy",
        ["Alex Example"],
    )
    assert [g.name for g in workshop.groups] == ["Group A", "TeamB"]
    assert workshop.groups[0].folder == "group-a"
    nb = new_notebook(cells=[new_markdown_cell("# Breakout")])
    html = render_handout(
        nb,
        variant="group",
        facts=workshop_facts(workshop),
        notebook_file="notebooks/05_demo.ipynb",
        notebook_title="Breakout",
        notebook_dir=tmp_path / "notebooks",
        group=workshop.groups[0].name,
    )
    assert RLO not in html and "&#8238;" not in html.lower() and "&#x202e;" not in html.lower()
    for shown in ("Spring workshop", "Office of Policy", "Alex Example", "Group A"):
        assert shown in html


# ------------------------------------------------------------------ no tracebacks


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 10**400, "1" + "0" * 400 + " MB"])
def test_size_overflow_is_an_input_error(value):
    with pytest.raises(InputError):
        parse_size(value)


def test_message_template_with_a_format_spec_fails_validate():
    assert render_problem("{channel:d} is fine", {"channel"})
    assert render_problem("{channel!r}", {"channel"}) is None
    assert render_problem("after {days} days", {"days"}) is None


def test_problems_are_reported_once():
    problem = Problem("ct/channels.yaml", "channels[1]", "bad", 39)
    assert ContentError([problem, problem, problem]).problems == [problem]


def test_internal_error_prints_one_line_and_where_the_details_are(monkeypatch, capsys):
    import datasharing_workshop.cli.commands.validate as validate

    def boom(_args):
        raise RuntimeError("something the kit did not expect")

    monkeypatch.setattr(validate, "run", boom)
    code = main(["validate"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    log = err.rsplit("Details: ", 1)[1].strip()
    assert "RuntimeError" in Path(log).read_text(encoding="utf-8")
    os.unlink(log)


# ------------------------------------------------------------------------ no hangs


def test_regex_with_nested_quantifiers_is_refused():
    assert backtracking_problem(r"^(\w+\s?)+$")
    assert backtracking_problem(r"(a|ab)+")
    assert backtracking_problem(r"\b(19|20)\d{2}\b") is None


def test_request_review_searches_a_bounded_text():
    from datasharing_workshop.content.bounded_regex import bounded_search

    assert bounded_search("x", "a" * MAX_SEARCH_CHARS + "x") is None


# ------------------------------------------------------------------- wrong results


def test_markdown_export_quotes_free_text_so_it_adds_no_structure_links_or_mentions(store_file):
    from datasharing_workshop.reportback.report import load_report

    with AnswerStore(store_file) as store:
        store.record_observation(
            workshop=WORKSHOP,
            author_role="observer",
            playbook_section="data-roles",
            severity="high",
            group="Group [A](https://evil.example)",
            suggestion="# Title\n![img](https://evil.example/x.png) ping @octocat <b>bold</b>",
            confused="- a list\n1. numbered\n```\nfence",
        )
    md = load_report(WORKSHOP, store_path=store_file).feedback().markdown
    body = md.split("### ", 1)[1]
    assert "\n# Title" not in md and "> \\# Title" in body
    assert "![img](" not in md and "!\\[img\\](" in body
    assert "@octocat" not in md and "@\u200boctocat" in body
    assert "<b>" not in body and "[A](" not in body
    assert "> \\- a list" in body and "> 1\\. numbered" in body
    assert "```" not in body


def test_facilitator_edited_playbook_feedback_markdown_is_kept(store_file):
    from datasharing_workshop.reportback.report import load_report

    with AnswerStore(store_file) as store:
        store.record_observation(
            workshop=WORKSHOP,
            author_role="observer",
            playbook_section="",
            severity="low",
            suggestion="More time for breakout 2.",
        )
    first = load_report(WORKSHOP, store_path=store_file).feedback_export()
    first.path.write_text(first.markdown + "\nMy own edits.\n", encoding="utf-8")
    edited = first.path.read_text(encoding="utf-8")
    again = load_report(WORKSHOP, store_path=store_file).feedback_export()
    assert first.path.read_text(encoding="utf-8") == edited
    assert again.kept == first.path and again.path != first.path
    assert again.path.read_text(encoding="utf-8") == again.markdown
    assert "was kept" in again._repr_html_()
    # An unedited export is simply replaced.
    third = load_report(WORKSHOP, store_path=store_file).feedback_export()
    assert third.path == again.path and third.kept == first.path


def test_simulate_refuses_a_workshop_with_notes_but_no_answers_yet(store_file, capsys):
    with AnswerStore(store_file) as store:
        store.record_observation(
            workshop="spring",
            author_role="observer",
            playbook_section="",
            severity="low",
            worked="A real note from the room.",
        )
    code = main(["simulate", "--workshop", "spring", "--store", str(store_file)])
    assert code == 2
    assert "1 notes" in capsys.readouterr().err
    with AnswerStore(store_file) as store:
        assert store.count_answers("spring") == 0


def test_read_only_store_opens_read_only_for_reading(store_file, monkeypatch):
    import datasharing_workshop.store.sqlite as sqlite_backend
    from datasharing_workshop.errors import StoreError

    with AnswerStore(store_file) as store:
        store.record_answer(
            workshop=WORKSHOP, group="A", exercise="e", scenario="s", answer={}, correct=True
        )
    monkeypatch.setattr(sqlite_backend, "_writable", lambda _path: False)
    with AnswerStore(store_file, create=False) as store:
        assert store.count_answers(WORKSHOP) == 1
        with pytest.raises(StoreError, match="read-only media"):
            store.record_answer(
                workshop=WORKSHOP, group="A", exercise="e", scenario="s", answer={}, correct=True
            )


def test_report_back_cache_key_covers_observations(tmp_path):
    """A new observer's note must make the report-back notebook run again."""
    import shutil

    from datasharing_workshop.handouts.build import _plan
    from datasharing_workshop.handouts.cache import Manifest
    from datasharing_workshop.handouts.config import load_workshop
    from datasharing_workshop.notebook.contract import read_notebook

    fixtures = Path(__file__).resolve().parent / "fixtures" / "handouts"
    (tmp_path / "notebooks").mkdir()
    shutil.copy(fixtures / "notebooks" / "03_report_back.ipynb", tmp_path / "notebooks")
    config = (fixtures / "workshop.yml").read_text() + "store_path: answers.sqlite\n"
    (tmp_path / "workshop.yml").write_text(config)
    workshop = load_workshop(tmp_path / "workshop.yml")
    info, problems = read_notebook(tmp_path / "notebooks" / "03_report_back.ipynb", "03")
    assert info is not None and not problems and info.settings.uses_answers

    def key() -> str:
        return _plan(
            info,
            workshop=workshop,
            groups=workshop.groups,
            output=tmp_path / "out",
            cache_dir=tmp_path / ".cache",
            code="c",
            answers=[],
            renderer="r",
            manifest=Manifest(tmp_path / ".cache" / "manifest.json"),
            force=False,
        ).exec_key

    with AnswerStore(workshop.store_path) as store:
        store.record_answer(
            workshop=workshop.config.workshop_id,
            group="Group A",
            exercise="e",
            scenario="s",
            answer={},
            correct=True,
        )
    before = key()
    with AnswerStore(workshop.store_path) as store:
        store.record_observation(
            workshop=workshop.config.workshop_id,
            author_role="observer",
            playbook_section="",
            severity="low",
            worked="New note after the first build.",
        )
    assert key() != before
