"""The code-free app in a real browser: Voilà serves each breakout, a participant works one
scenario (picks answers, presses Check), reads the feedback, and the answer is in the store.

The app is the ``voila_app`` fixture: the participant copies ``datasharing-workshop app
--group "Group A"`` would write, served by the command it would run, on 127.0.0.1.
Every breakout notebook is tested: the two whose scenarios this module knows are answered
right from their answer keys; any other (a breakout added later) gets a generic pass that
still checks that Check gives feedback and saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from helpers.browser_answers import choose_something

from datasharing_workshop.breakouts.base import MARKS, Evaluation
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.room.copies import breakout_notebooks, kit_metadata
from datasharing_workshop.rules.transfer import advise_transfer, steps_before_sending
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import classify_data, transfer_channel

pytestmark = pytest.mark.browser

#: Starting a kernel and running a notebook's cells, on a busy two-core CI machine.
KERNEL_MS = 60_000
CT = load_catalogue("ct")

#: The one stylesheet Voilà 0.5's file list (base/page.html, not a block the kit's template
#: can change) links from a CDN; the fonts it names are bundled, so the list works without
#: it. Breakout pages use the kit's template (room/voila_template.py) and fetch nothing.
VOILA_TREE_CDN = frozenset(
    {"https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/css/font-awesome.min.css"}
)


def exercise_of(path) -> str:
    return kit_metadata(nbformat.read(path, as_version=4))["exercise"]


BREAKOUTS = breakout_notebooks()


@pytest.fixture
def outside(context, voila_app):
    """Block, and record, every request that leaves this computer."""
    attempted: list[str] = []

    def route(route):
        if route.request.url.startswith(voila_app.url + "/"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    return attempted


def open_breakout(page, voila_app, notebook: str):
    """Open a breakout in the app and wait for its first exercise's Check button."""
    page.goto(f"{voila_app.url}/voila/render/{quote(notebook)}")
    boxes = page.locator(".dsw-exercise")
    # Voilà starts a kernel and runs the notebook before the widgets appear.
    boxes.first.get_by_role("button", name="Check").wait_for(timeout=KERNEL_MS)
    return boxes


# --------------------------------------------------------------------------- answering


@dataclass(frozen=True)
class Attempt:
    """What a participant chose, and what the kit's own verdict on it is.

    The expected feedback comes from the pure verdict functions (``check_classification``,
    ``check_transfer``), so this test follows wording changes instead of hard-coding them.
    """

    scenario: str | None  # None when the test does not know the breakout's scenarios
    expected: Evaluation | None


def answer_classify_data(page, box) -> Attempt:
    """Classify every field of the first scenario as its answer key says."""
    scenario = load_scenarios("classify_data", "ct")[0]
    for f in scenario.dataset.fields:
        row = box.locator(".widget-hbox").filter(has=page.get_by_label(f.name, exact=True))
        selects = row.locator("select")
        selects.nth(0).select_option(label=CT.categories[f.category].name)
        rule = CT.governing_rules[f.rule].name if f.rule else classify_data.NO_RULE_LABEL
        selects.nth(1).select_option(label=rule)
    answers = {
        f.name: {"category": f.category, "rule": f.rule or classify_data.NO_RULE}
        for f in scenario.dataset.fields
    }
    return Attempt(scenario.id, classify_data.check_classification(CT, scenario, answers))


def answer_transfer_channel(page, box) -> Attempt:
    """Choose the best channel for the first scenario and tick exactly the steps it needs."""
    scenario = load_scenarios("transfer_channel", "ct")[0]
    transfer = transfer_channel.scenario_transfer(CT, scenario, "standard")
    best = advise_transfer(CT, transfer).best.channel.id
    needed = [s.id for s in steps_before_sending(CT, transfer, best)]
    label = {value: text for text, value in transfer_channel.channel_options(CT)}[best]
    box.get_by_role("radio", name=label, exact=True).check()
    for step_id in CT.steps:
        # Step wording follows the chosen channel; the kernel relabels them after the
        # click, and the locator waits until the new wording is there.
        text = transfer_channel.step_label(CT, step_id, best)
        box.get_by_role("checkbox", name=text, exact=True).set_checked(step_id in needed)
    return Attempt(scenario.id, transfer_channel.check_transfer(CT, transfer, best, needed))


def answer_anything(page, box) -> Attempt:
    """A breakout this module does not know: choose the first option of every control."""
    choose_something(box)
    return Attempt(None, None)


ANSWERERS: dict[str, Callable[[Any, Any], Attempt]] = {
    "classify_data": answer_classify_data,
    "transfer_channel": answer_transfer_channel,
}


def saved(voila_app, exercise: str) -> list:
    if not voila_app.store.exists():
        return []
    with AnswerStore(voila_app.store, create=False) as store:
        return store.answers(voila_app.workshop, voila_app.group, exercise)


# --------------------------------------------------------------------------- tests


def test_the_start_page_lists_every_breakout(page, outside, voila_app):
    page.goto(voila_app.url + "/")
    # Voilà 0.5's start page is a JupyterLab file browser: list items, not links.
    for path in voila_app.notebooks:
        page.get_by_role("listitem").get_by_text(path.name, exact=True).wait_for()
    assert set(outside) <= VOILA_TREE_CDN, outside


@pytest.mark.parametrize("source", BREAKOUTS, ids=[p.stem for p in BREAKOUTS])
def test_a_participant_works_a_scenario_end_to_end(page, outside, voila_app, source, artifact_path):
    exercise = exercise_of(source)
    boxes = open_breakout(page, voila_app, source.name)
    box = boxes.first
    # The app shows the exercises and never the code behind them.
    assert page.locator(".jp-InputArea-editor").count() == 0
    before = len(saved(voila_app, exercise))

    attempt = ANSWERERS.get(exercise, answer_anything)(page, box)
    box.get_by_role("button", name="Check").click()

    # Saving is the last thing Check does, so once this line shows, the row is committed.
    status = box.get_by_text(f"✔ Saved for {voila_app.group}")
    status.wait_for(timeout=KERNEL_MS)
    feedback = box.locator(".dsw-feedback")
    text = feedback.inner_text()
    if attempt.expected is not None:
        assert attempt.expected.correct, "the test's answer should be the key's"
        assert attempt.expected.feedback.summary in text, text
    # Each verdict is said with a symbol and words, never colour alone (common.MARKS; a
    # breakout may use its own words, such as "✔ Allowed").
    assert any(mark[0] in text for mark in MARKS.values()), text
    assert feedback.get_attribute("role") == "status"
    # The page around the Check button and its feedback (Voilà scrolls inside an element,
    # so a full-page screenshot would show the top only).
    feedback.scroll_into_view_if_needed()
    page.screenshot(path=artifact_path("voila", f"{source.stem}.checked.png"))

    new = saved(voila_app, exercise)[before:]
    assert len(new) == 1, f"expected one new saved answer, found {len(new)}"
    record = new[0]
    assert record.feedback.splitlines()[0] in text  # the summary the group read
    if attempt.expected is not None:
        assert record.scenario == attempt.scenario
        assert record.answer == attempt.expected.answer
        assert record.correct is True
        assert record.score == attempt.expected.score
        assert record.feedback == attempt.expected.feedback.text()
    assert outside == [], outside
    assert page.js_errors == []
