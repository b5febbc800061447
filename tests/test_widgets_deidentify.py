"""Tests for datasharing_workshop.widgets.deidentify, driven like a group would: choose how
to share each field and a minimum cell size, watch the table, press Check, read the
feedback and the answer store."""

from __future__ import annotations

import base64
import html
import re
import shutil
from pathlib import Path

import ipywidgets as widgets
import pytest
from helpers.widget_tree import walk

from datasharing_workshop.breakouts import deidentify as deidentify_breakout
from datasharing_workshop.breakouts.deidentify import DeidentifyScenario
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import content_root, load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.deidentification import DROP, KEEP, TooDetailed, option_label
from datasharing_workshop.rules.suppression import fixed_hidden_cells, lone_hidden_cells, suppress
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import deidentify
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME, ExerciseBox

CT = load_catalogue("ct")
RULE = CT.jurisdiction.settings.min_cell_size
SCENARIOS: list[DeidentifyScenario] = load_scenarios("deidentify", "ct")
IDS = [s.id for s in SCENARIOS]
SCRIPT = "<script>alert(1)</script>"
WORKSHOP = "test-workshop"
GROUP = "Group A"


@pytest.fixture(scope="module")
def boxes():
    """One exercise per scenario, without a group, shared by read-mostly tests."""
    return {b.scenario_id: b for b in deidentify.exercises(workshop_id=WORKSHOP, group="")}


def make(scenario_id: str, group: str = GROUP, jurisdiction: str = "ct") -> ExerciseBox:
    return deidentify.exercise(
        scenario_id, workshop_id=WORKSHOP, group=group, jurisdiction=jurisdiction
    )


def choose(box: ExerciseBox, choices, threshold: int | None = None) -> None:
    for name, dropdown in box.field_choices.items():
        dropdown.value = choices[name]
    if threshold is not None:
        box.min_cell_size.value = threshold


def scenario(scenario_id: str) -> DeidentifyScenario:
    return next(s for s in SCENARIOS if s.id == scenario_id)


def counts_cells(table_html: str) -> list[list[str]]:
    """The data cells (not the row labels) of the counts table, row by row."""
    body = table_html.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in body.split("</tr>") if "<td>" in row]


def test_the_standard_set_covers_dropping_aggregating_and_suppressing():
    assert len(SCENARIOS) >= 3
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "tricky"}
    answers = {o for s in SCENARIOS for f in s.fields for o in f.answer}
    assert {DROP, KEEP, "county", "town", "age_band_broad"} <= answers
    for sc in SCENARIOS:
        assert {"id", "name"} <= {f.name for f in sc.fields if f.answer == [DROP]}


# Every scenario is answered right through the widget in tests/test_breakouts_contract.py;
# here one scenario checks what this widget shows and saves.
@pytest.mark.parametrize("sc", SCENARIOS[:1], ids=IDS[:1])
def test_the_answer_key_at_the_agency_rule_is_right_and_saved(sc, store_file):
    box = make(sc.id)
    choose(box, deidentify.answer_choices(sc), RULE)
    box.check_button.click()

    evaluation = box.last_evaluation
    text = evaluation.feedback.text()
    total = len(sc.fields) + 1
    assert text.splitlines()[0] == (
        f"{total} of {total} choices right. Well done: the table answers the question and "
        "points to no one."
    )
    for f in sc.fields:
        sentence = CT.message("deid_right", choice=option_label(f.answer[0]))
        assert f"✔ Right · {f.name}: {sentence}" in text
        assert "✔ Right" in box.field_marks[f.name].value
    assert (
        "✔ Right · Minimum cell size: " + CT.message("deid_threshold_ok", size=RULE, rule=RULE)
        in text
    )
    assert "✔ Right" in box.min_cell_size_mark.value

    result = suppress(deidentify.tabulator(sc).table(deidentify.answer_choices(sc)).table, RULE)
    assert lone_hidden_cells(result) == [] and fixed_hidden_cells(result) == []
    for sentence in deidentify.result_sentences(CT, result):
        assert sentence in text
    assert "✘" not in text

    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == (
        WORKSHOP,
        GROUP,
        "deidentify",
        sc.id,
    )
    assert (row.correct, row.score) == (True, 1.0)
    assert row.answer == {
        "fields": deidentify.answer_choices(sc),
        "min_cell_size": RULE,
        "hidden_cells": result.hidden_cells,
        "hidden_people": result.hidden_people,
        "cells": result.inner_cells,
    }
    assert row.feedback == text


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_keeping_everything_is_wrong_field_by_field(sc, store_file):
    box = make(sc.id)  # every field starts as "keep it as it is"
    assert {n: d.value for n, d in box.field_choices.items()} == deidentify.starting_choices(sc)
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    for f in sc.fields:
        line = next(ln for ln in text.splitlines() if f" · {f.name}: " in ln)
        if KEEP in f.answer:
            assert line.startswith(f"✔ Right · {f.name}:")
            continue
        assert line.startswith(f"✘ Not yet · {f.name}:")
        assert f.explanation in line
        if f.answer == [DROP]:
            assert CT.message("deid_not_needed", choice=option_label(KEEP)) in line
        else:
            assert (
                CT.message(
                    "deid_too_detailed",
                    choice=option_label(KEEP),
                    answer=" or ".join(option_label(o) for o in f.answer),
                )
                in line
            )
    (row,) = AnswerStore(store_file).answers()
    assert row.correct is False
    assert row.answer["fields"] == deidentify.starting_choices(sc)


def test_a_needed_field_left_out_and_a_coarse_one_are_explained():
    sc = scenario("food-help-by-town-and-age")
    box = make(sc.id, group="")
    choose(box, {**deidentify.answer_choices(sc), "outcome": DROP, "zip": "county"})
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert "✘ Not yet · outcome: " + CT.message("deid_needed", answer=option_label(KEEP)) in text
    assert (
        "✘ Not yet · zip: "
        + CT.message("deid_too_coarse", choice=option_label("county"), answer=option_label("town"))
        in text
    )
    # Without the column field the table has a single "All" column.
    assert '<th scope="col">All</th>' in box.counts.value


def test_a_minimum_below_the_agency_rule_is_wrong(example_content):
    example = load_catalogue("example")
    rule = example.jurisdiction.settings.min_cell_size
    assert rule == 11
    sc = scenario("job-training-by-county")
    box = make(sc.id, jurisdiction="example")
    assert [k for _, k in box.min_cell_size.options] == list(range(5, 12))
    assert box.min_cell_size.value == 11
    choose(box, deidentify.answer_choices(sc), 5)
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert (
        "✘ Not yet · Minimum cell size: " + example.message("deid_threshold_low", size=5, rule=11)
        in text
    )
    assert box.last_evaluation.correct is False
    assert "✘ Not yet" in box.min_cell_size_mark.value
    assert (
        html.escape(example.message("deid_rule", rule=11, low=5, high=11))
        in (box._repr_mimebundle_()["text/html"])
    )


def test_a_stricter_minimum_is_right_but_costs_detail():
    sc = scenario("food-help-by-town-and-age")
    box = make(sc.id, group="")
    choose(box, deidentify.answer_choices(sc), RULE)
    at_rule = box.suppression().hidden_share
    box.min_cell_size.value = 11
    box.check_button.click()
    assert box.last_evaluation.correct is True
    assert CT.message("deid_threshold_strict", size=11, rule=RULE) in (
        box.last_evaluation.feedback.text()
    )
    assert box.suppression().hidden_share > at_rule


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_the_table_updates_after_every_change_and_never_shows_a_hidden_count(sc, boxes):
    box = boxes[sc.id]
    choose(box, deidentify.answer_choices(sc), RULE)
    box.field_choices["zip"].value = KEEP  # five-digit ZIP codes: small places, small counts
    result = box.suppression()
    assert result.primary, "ZIP codes should make small counts"
    assert lone_hidden_cells(result) == [] and fixed_hidden_cells(result) == []
    shown = counts_cells(box.counts.value)
    table = result.table
    assert len(shown) == min(table.n_rows, deidentify_breakout.SHOWN_ROWS) + 1  # + the totals row
    for i, row in enumerate(shown[:-1]):
        for j, cell in enumerate(row):
            assert cell == deidentify_breakout._cell(result, (i, j))[4:-5]
            if result.is_hidden((i, j)):
                assert cell in (
                    f"<strong>{deidentify_breakout.PRIMARY_MARK}</strong>",
                    f"<strong>{deidentify_breakout.COMPLEMENT_MARK}</strong>",
                )
            else:
                assert cell == f"{table.value((i, j)):,}"
    before = box.counts.value
    box.field_choices["zip"].value = "county"
    assert box.counts.value != before
    assert box.suppression().table.n_rows < table.n_rows


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_the_chart_is_a_png_with_the_numbers_in_words(sc, boxes):
    box = boxes[sc.id]
    choose(box, deidentify.answer_choices(sc), RULE)
    chart = box.chart.value
    data = re.search(r'src="data:image/png;base64,([^"]+)"', chart).group(1)
    assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    alt = re.search(r'alt="([^"]+)"', chart).group(1)
    share = box.suppression().hidden_share
    assert f"{RULE} (yours): {share:.0%}" in html.unescape(alt)
    assert "(yours)" in alt
    assert chart in box._repr_mimebundle_()["text/html"]


def test_in_a_kernel_the_chart_waits_until_the_group_pauses(monkeypatch):
    # In a kernel, widget callbacks run inside its event loop: the table follows each change
    # at once, and the chart is drawn once, after the last of several quick changes.
    import asyncio

    sc = scenario("food-help-by-town-and-age")
    box = make(sc.id, group="")
    drawn = []
    real_png = deidentify.chart_png
    monkeypatch.setattr(deidentify, "chart_png", lambda *a: drawn.append(a) or real_png(*a))
    monkeypatch.setattr(deidentify, "CHART_DELAY", 0.01)

    async def group_changes_three_things() -> None:
        before = box.counts.value
        box.field_choices["zip"].value = "town"
        assert box.counts.value != before  # the table at once
        assert deidentify.REDRAWING in box.chart.value  # the old chart, marked as updating
        box.field_choices["birth_date"].value = "age_band_broad"
        box.min_cell_size.value = 6
        assert drawn == []
        await asyncio.sleep(0.2)  # the pause: the one remaining timer fires first

    asyncio.run(group_changes_three_things())
    assert len(drawn) == 1
    assert deidentify.REDRAWING not in box.chart.value
    assert "6 (yours): " in html.unescape(re.search(r'alt="([^"]+)"', box.chart.value).group(1))


def test_each_threshold_and_each_option_is_costed():
    sc = scenario("food-help-by-town-and-age")
    tab = deidentify.tabulator(sc)
    choices = deidentify.answer_choices(sc)
    from datasharing_workshop.rules.deidentification import costs_by_choice, costs_by_threshold

    by_threshold = costs_by_threshold(tab, choices, range(5, 12), RULE)
    assert [c.threshold for c in by_threshold] == list(range(5, 12))
    assert [c.current for c in by_threshold] == [k == RULE for k in range(5, 12)]
    shares = [c.hidden_share for c in by_threshold]
    assert shares[0] < shares[-1]  # a stricter minimum hides more people
    by_choice = costs_by_choice(tab, choices, RULE)
    labels = [c.label for c in by_choice]
    assert labels == [
        "birth_date: as it is",
        "birth_date: year of birth",
        "birth_date: 10-year bands",
        "birth_date: broad bands",
        "zip: as it is",
        "zip: town",
        "zip: county",
    ]
    cost = {c.label: c.hidden_share for c in by_choice}
    assert cost["birth_date: 10-year bands"] > cost["birth_date: broad bands"]
    assert cost["zip: county"] < cost["zip: town"]
    assert [c.current for c in by_choice] == [False, False, False, True, False, True, False]


def test_what_the_facilitator_notes_say_about_the_data_holds():
    def hidden(sc, k=11, **changes):
        return deidentify.tabulator(sc).suppressed({**deidentify.answer_choices(sc), **changes}, k)

    jobs = scenario("job-training-by-county")
    assert hidden(jobs, 5).hidden_cells == hidden(jobs, 11).hidden_cells == 0
    assert hidden(jobs, zip=KEEP).hidden_cells > 0
    food = scenario("food-help-by-town-and-age")
    ratio = hidden(food, birth_date="age_band_10").hidden_share / hidden(food).hidden_share
    assert 2.5 < ratio < 3.5  # "about three times as many"
    heat = scenario("heating-help-for-the-press")
    assert (
        hidden(heat, sex=KEEP).hidden_share > 2 * hidden(heat).hidden_share
    )  # "more than doubles"


def test_a_table_too_detailed_to_count_says_so():
    sc = scenario("heating-help-for-the-press")  # birth dates across the top
    box = make(sc.id, group="")
    assert isinstance(box.suppression(), TooDetailed)
    message = CT.message(
        "deid_table_too_big",
        cells=f"{box.suppression().cells:,}",
        people=f"{box.suppression().people:,}",
    )
    assert html.escape(message) in box.counts.value
    assert "too detailed to count" in box.chart.value
    box.check_button.click()
    assert f"ℹ Note · Your table: {message}" in box.last_evaluation.feedback.text()
    assert box.last_evaluation.answer["hidden_cells"] is None


def test_re_running_shows_saved_choices_and_feedback(store_file):
    sc = scenario("job-training-by-county")
    box = make(sc.id)
    choose(box, {**deidentify.answer_choices(sc), "zip": "town"}, 7)
    box.check_button.click()
    saved_text = box.last_evaluation.feedback.text()

    again = make(sc.id)
    assert again.saved is not None and again.saved.feedback == saved_text
    assert again.field_choices["zip"].value == "town"
    assert again.min_cell_size.value == 7
    assert html.escape(saved_text.splitlines()[0]) in again.feedback.value
    static = again._repr_mimebundle_()["text/html"]
    assert "<td>Share the town only</td>" in static
    assert "<p><strong>Minimum cell size:</strong> 7.</p>" in static


def test_empty_group_shows_the_exercise_and_writes_nothing(store_file):
    sc = SCENARIOS[0]
    box = make(sc.id, group="")
    choose(box, deidentify.answer_choices(sc), RULE)
    box.check_button.click()
    assert box.last_evaluation.correct is True
    assert "Not saved: this copy has no group name" in box.save_status.value
    assert not store_file.exists()


def test_saved_nonsense_falls_back_and_is_displayed_escaped(store_file):
    AnswerStore(store_file).record_answer(
        workshop=WORKSHOP,
        group=GROUP,
        exercise="deidentify",
        scenario=IDS[0],
        answer={"fields": {"zip": SCRIPT, "name": DROP}, "min_cell_size": 99},
        correct=False,
        score=0.0,
        feedback=SCRIPT,
    )
    box = make(IDS[0])
    assert box.field_choices["zip"].value == KEEP
    assert box.field_choices["name"].value == DROP
    assert box.min_cell_size.value == RULE
    for shown in (box.feedback.value, box._repr_mimebundle_()["text/html"]):
        assert SCRIPT not in shown


def test_scenario_text_is_escaped():
    raw = SCENARIOS[0].model_dump()
    raw.update(id="hostile", title=SCRIPT, story=SCRIPT, question=SCRIPT)
    raw["fields"][0]["description"] = SCRIPT
    hostile = DeidentifyScenario.model_validate(raw)
    box = deidentify.build(CT, hostile)
    box.check_button.click()
    shown = [w.value for w in walk(box) if isinstance(w, widgets.HTML)]
    shown.append(box._repr_mimebundle_()["text/html"])
    assert any("&lt;script&gt;" in value for value in shown)
    assert not any(SCRIPT in value for value in shown)


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_mimebundle_has_widget_static_html_and_marker(sc, boxes):
    box = boxes[sc.id]
    bundle = box._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == box.model_id
    assert bundle[MARKER_MIME] == {"exercise": "deidentify", "scenario": sc.id, "title": sc.title}
    static = bundle["text/html"]
    assert html.escape(sc.question) in static
    assert "every person is invented" in static
    for f in sc.fields:
        assert f"<code>{html.escape(f.name)}</code>" in static
    assert "<script" not in static


def test_every_control_has_a_visible_label(boxes):
    box = boxes[IDS[0]]
    controls = [w for w in walk(box) if isinstance(w, widgets.Dropdown | widgets.Button)]
    assert len(controls) == len(SCENARIOS[0].fields) + 2
    for control in controls:
        assert control.description.strip(), control


def test_exercises_returns_one_box_per_scenario_in_file_order(boxes):
    assert list(boxes) == IDS
    with pytest.raises(InputError, match="out of range"):
        deidentify.exercise(len(IDS) + 1, group="")


def test_answer_key_shows_the_right_choices_and_their_table():
    key = deidentify.answer_key().data
    for sc in SCENARIOS:
        assert html.escape(sc.title) in key
        assert html.escape(sc.facilitator_notes) in key
        for f in sc.fields:
            assert html.escape(f.explanation) in key
    assert f"With these choices and a minimum of {RULE}:" in key


def test_guide_gives_the_rule_and_the_zero_policy():
    guide = deidentify.guide().data
    assert html.escape(CT.message("deid_rule", rule=RULE, low=5, high=11)) in guide
    assert html.escape(CT.message("deid_zeros")) in guide


@pytest.fixture
def example_content(tmp_path, monkeypatch) -> Path:
    """A copy of the content where the invented Example State (minimum 11) reuses CT's
    de-identification scenarios. Its copy has no data/ folder: the kit's own is used."""
    root = tmp_path / "exercises"
    shutil.copytree(content_root(), root, ignore=shutil.ignore_patterns("data"))
    scenarios = root / "example" / "scenarios" / "standard"
    scenarios.mkdir(parents=True)
    shutil.copy(root / "ct" / "scenarios" / "standard" / "deidentify.yaml", scenarios)
    monkeypatch.setenv("DATASHARING_WORKSHOP_CONTENT", str(root))
    return root
