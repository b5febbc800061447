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
