"""One contract over every registered breakout (issue 11).

For each breakout the registry lists: its scenarios load; the answers its files pin agree
with the rules (``validate``); every scenario can be answered right and wrong through its
widget; Check with nothing chosen asks for an answer and saves nothing; the per-item marks
reach the store; the report-back shows every item with its key in words; the group's
handout shows its answer in words. A new breakout gets all of this by being registered.
"""

from __future__ import annotations

import importlib

import pytest

from datasharing_workshop.breakouts.base import ItemMark
from datasharing_workshop.breakouts.registry import BREAKOUTS
from datasharing_workshop.breakouts.scenarios import load_scenarios, validate_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.reportback import load_report
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets.common import close_stores

CT = load_catalogue("ct")
SET = "standard"
W = "contract"
CASES = [(b.id, sc.id) for b in BREAKOUTS.values() for sc in load_scenarios(b.id, "ct", SET)]


def scenario_of(breakout_id: str, scenario_id: str):
    return next(s for s in load_scenarios(breakout_id, "ct", SET) if s.id == scenario_id)


def widget(breakout_id: str, scenario_id: str, store_path, group: str = "Group A"):
    module = importlib.import_module(f"datasharing_workshop.widgets.{breakout_id}")
    return module.exercise(
        scenario_id, workshop_id=W, group=group, store_path=str(store_path), jurisdiction="ct"
    )


@pytest.fixture(autouse=True)
def _close():
    yield
    close_stores()


def test_every_breakout_is_registered_in_order_with_scenarios():
    assert [b.number for b in BREAKOUTS.values()] == list(range(1, len(BREAKOUTS) + 1))
    for breakout in BREAKOUTS.values():
        assert load_scenarios(breakout.id, "ct", SET), breakout.id


def test_pinned_answers_agree_with_the_rules():
    count, problems = validate_scenarios(CT)
    assert problems == [] and count == len(CASES)


@pytest.mark.parametrize(("breakout_id", "scenario_id"), CASES)
def test_the_key_is_right_and_a_mistake_is_not(breakout_id, scenario_id):
    breakout, sc = BREAKOUTS[breakout_id], scenario_of(breakout_id, scenario_id)
    right = breakout.grade(CT, sc, breakout.right_answer(CT, sc, SET), SET)
    wrong = breakout.grade(CT, sc, breakout.wrong_answer(CT, sc, SET), SET)
    assert right.correct and right.items and all(i.right for i in right.items)
    assert not wrong.correct and any(not i.right for i in wrong.items)
    for item in (*right.items, *wrong.items):
        assert item.label and item.key, item  # words to show, never a blank
        assert item.source is None or item.source in CT.sections
        assert ItemMark.from_json(item.to_json()) == item


@pytest.mark.parametrize(("breakout_id", "scenario_id"), CASES)
def test_answered_right_and_wrong_through_the_widget_and_stored(breakout_id, scenario_id, tmp_path):
    breakout, sc = BREAKOUTS[breakout_id], scenario_of(breakout_id, scenario_id)
    path = tmp_path / "answers.sqlite"
    for name, answer, expected in (
        ("right", breakout.right_answer(CT, sc, SET), True),
        ("wrong", breakout.wrong_answer(CT, sc, SET), False),
    ):
        with AnswerStore(path) as store:  # what the widget is pre-filled from
            store.record_answer(
                workshop=W,
                group=name,
                exercise=breakout_id,
                scenario=scenario_id,
                answer=answer,
                correct=expected,
            )
        box = widget(breakout_id, scenario_id, path, group=name)
        evaluation = box.check()
        assert evaluation.correct is expected, evaluation.feedback.text()
        assert "Saved for" in box.save_status.value
        with AnswerStore(path) as store:
            record = store.latest_answer(W, name, breakout_id, scenario_id)
        assert record.correct is expected
        assert [ItemMark.from_json(m) for m in record.marks] == list(evaluation.items)


@pytest.mark.parametrize("breakout_id", [b for b in BREAKOUTS if b != "deidentify"])
def test_check_with_nothing_chosen_asks_for_an_answer(breakout_id, tmp_path):
    # Breakout 5 starts from a complete answer (every field kept), so it is never blank.
    sc = load_scenarios(breakout_id, "ct", SET)[0]
    path = tmp_path / "answers.sqlite"
    box = widget(breakout_id, sc.id, path)
    blank = BREAKOUTS[breakout_id].blank_answer(CT, sc, SET)
    if blank is not None:  # the widget starts pre-filled: clear it through a saved answer
        with AnswerStore(path) as store:
            store.record_answer(
                workshop=W,
                group="Group A",
                exercise=breakout_id,
                scenario=sc.id,
                answer=blank,
                correct=False,
            )
        box = widget(breakout_id, sc.id, path)
        with AnswerStore(path) as store:
            before = store.count_answers(W)
    else:
        before = 0
    evaluation = box.check()
    assert evaluation.blank
    assert "Choose an answer first" in box.feedback.value
    assert "✔" not in box.feedback.value and "Playbook:" not in box.feedback.value
    if path.exists():
        with AnswerStore(path) as store:
            assert store.count_answers(W) == before


def test_the_report_back_and_handouts_show_every_breakout_in_words(tmp_path):
    from datasharing_workshop.handouts.answers import group_answer_html, read_latest_answers

    path = tmp_path / "answers.sqlite"
    with AnswerStore(path) as store:
        for breakout_id, scenario_id in CASES:
            breakout, sc = BREAKOUTS[breakout_id], scenario_of(breakout_id, scenario_id)
            for group, answer in (
                ("Group A", breakout.right_answer(CT, sc, SET)),
                ("Group B", breakout.wrong_answer(CT, sc, SET)),
            ):
                evaluation = breakout.grade(CT, sc, answer, SET)
                store.record_answer(
                    workshop=W,
                    group=group,
                    exercise=breakout_id,
                    scenario=scenario_id,
                    answer=evaluation.answer,
                    correct=evaluation.correct,
                    score=evaluation.score,
                )
    report = load_report(W, store_path=path)
    assert [e.id for e in report.data.exercises] == list(BREAKOUTS)
    assert all(e.graded and e.items for e in report.data.exercises)
    html = report.answers().html
    assert "has no key" not in html
    for exercise in report.data.exercises:
        assert exercise.title in html
    records = read_latest_answers(path, W, jurisdiction="ct", scenario_set=SET)
    for record in records:
        shown = group_answer_html(record["group"], record)
        for label, words in record["rows"]:
            assert label and words
        assert "{" not in shown  # words, not raw JSON


def test_group_handouts_show_breakout_4s_draft_and_breakout_5s_own_table(tmp_path):
    from datasharing_workshop.handouts.answers import group_answer_html, read_latest_answers

    path = tmp_path / "answers.sqlite"
    scenarios = {b: load_scenarios(b, "ct", SET)[0] for b in ("data_request", "deidentify")}
    with AnswerStore(path) as store:
        for breakout_id, sc in scenarios.items():
            answer = BREAKOUTS[breakout_id].wrong_answer(CT, sc, SET)
            if breakout_id == "data_request":
                answer = {**answer, "purpose": "Our <b>own</b> purpose\non two lines"}
            store.record_answer(
                workshop=W,
                group="Group A",
                exercise=breakout_id,
                scenario=sc.id,
                answer=answer,
                correct=False,
            )
    shown = {
        r["exercise"]: group_answer_html("Group A", r)
        for r in read_latest_answers(path, W, jurisdiction="ct", scenario_set=SET)
    }
    draft = shown["data_request"]
    assert '<div class="dsw-request-draft">' in draft
    assert "Our &lt;b&gt;own&lt;/b&gt; purpose<br>\non two lines" in draft  # escaped, kept
    table = shown["deidentify"]
    assert '<table class="dsw-table dsw-counts">' in table  # the group's own counts
    assert "dsw-legend" in table and "<b>" not in table
