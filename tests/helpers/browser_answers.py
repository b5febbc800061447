"""Answering an exercise in a real page as a participant would, for the browser tests.

A Check with nothing chosen asks for an answer and saves nothing (issue 11), so a test that
needs a saved attempt must choose something first.
"""

from __future__ import annotations


def choose_something(box) -> None:
    """Choose the first real option of every dropdown, the first radio button and the first
    checkbox in ``box``."""
    for select in box.locator("select").all():
        if select.locator("option").count() > 1:
            select.select_option(index=1)
    radios = box.get_by_role("radio")
    if radios.count():
        radios.first.check()
    boxes = box.get_by_role("checkbox")
    if boxes.count():
        boxes.first.check()


def answer_key_strings() -> list[str]:
    """Text only breakout 1's key holds (explanations and facilitator notes), to look for in
    what a participant's browser receives."""
    from datasharing_workshop.breakouts.scenarios import load_scenarios

    found = []
    for scenario in load_scenarios("classify_data", "ct"):
        if scenario.facilitator_notes:
            found.append(scenario.facilitator_notes.strip()[:60])
        found += [f.explanation.strip()[:60] for f in scenario.dataset.fields if f.explanation]
    assert found, "the test needs key-only text to look for"
    return found
