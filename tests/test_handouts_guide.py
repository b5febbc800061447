"""The facilitator guide is built into the facilitator handouts, and its links resolve.

The builder reads ``facilitator_guide/`` beside ``workshop.yml`` (like ``notebooks/``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_handouts_build import build, handouts, make_workspace

from datasharing_workshop.content.catalogue import CONTENT_ENV

SESSION_PAGE = """---
title: Classifying together
teaching: 5
exercises: 20
---

GUIDE-SESSION-TEXT for the breakout. Before it, read the [checklist](preparation.md#before).
"""

INDEX_PAGE = """---
title: How the day works
---

GUIDE-INDEX-TEXT. The breakout's page: [classifying](02_classify_breakout.md).
"""

PREPARATION_PAGE = """---
title: Preparation checklist
---

## Before

GUIDE-PREPARATION-TEXT. Back to the [overview](index.md).
"""


@pytest.fixture(scope="module")
def built_with_guide(tmp_path_factory):
    root = make_workspace(tmp_path_factory.mktemp("workshop"))
    guide = root / "facilitator_guide"
    guide.mkdir()
    (guide / "02_classify_breakout.md").write_text(SESSION_PAGE)
    (guide / "index.md").write_text(INDEX_PAGE)
    (guide / "preparation.md").write_text(PREPARATION_PAGE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTENT_ENV, str(root / "exercises"))
        report = build(root)
    return root, report


def test_session_page_is_in_the_facilitator_handout_only(built_with_guide):
    root, _ = built_with_guide
    pages = handouts(root)
    assert "GUIDE-SESSION-TEXT" in pages["facilitator/02_classify_breakout.html"]
    assert "GUIDE-SESSION-TEXT" not in pages["participant/02_classify_breakout.html"]
    for name, page in pages.items():
        if name.startswith("groups/"):
            assert "GUIDE-SESSION-TEXT" not in page, name


def test_other_pages_are_handouts_of_their_own_listed_on_the_index(built_with_guide):
    root, _ = built_with_guide
    pages = handouts(root)
    assert "GUIDE-INDEX-TEXT" in pages["facilitator/guide/index.html"]
    assert "GUIDE-PREPARATION-TEXT" in pages["facilitator/guide/preparation.html"]
    assert "<title>" in pages["facilitator/guide/preparation.html"]
    assert 'href="facilitator/guide/preparation.html"' in pages["index.html"]
    assert "Facilitator guide" in pages["index.html"]


def test_links_between_guide_pages_and_handouts_resolve(built_with_guide):
    root, _ = built_with_guide
    out = root / "out"
    checked = 0
    for name, page in handouts(root).items():
        for href in re.findall(r'href="([^"#:]+\.html)(?:#[^"]*)?"', page):
            target = (out / name).parent / href
            assert target.resolve().is_file(), f"{name}: {href}"
            checked += 1
    assert checked >= 4  # session -> preparation, index -> session, preparation -> index, ...


def test_editing_a_guide_page_rerenders_without_executing(built_with_guide, monkeypatch):
    root, _ = built_with_guide
    guide = root / "facilitator_guide"
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    page = guide / "02_classify_breakout.md"
    page.write_text(page.read_text().replace("GUIDE-SESSION-TEXT", "GUIDE-SESSION-EDITED"))
    report = build(root)
    assert report.executed == []
    assert "facilitator/02_classify_breakout.html" in report.written
    assert (
        "GUIDE-SESSION-EDITED" in (root / "out/facilitator/02_classify_breakout.html").read_text()
    )
    assert Path(root / "out/participant/02_classify_breakout.html").is_file()


def test_guide_links_in_notebooks_point_at_the_built_guide():
    import nbformat

    from datasharing_workshop.handouts.preprocessors import RewriteGuideLinks

    source = (
        "See [the session page](../facilitator_guide/02_classify_breakout.md) and "
        "[the checklist](../facilitator_guide/preparation.md#before)."
    )

    def rewrite(keep: bool) -> str:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
        step = RewriteGuideLinks(notebook_stems=["02_classify_breakout"], keep_links=keep)
        step.enabled = True  # as pipeline() does for every step
        nb, _ = step(nb, {})
        return nb.cells[0].source

    assert rewrite(True) == (
        "See [the session page](02_classify_breakout.html#guide-02_classify_breakout) and "
        "[the checklist](guide/preparation.html#before)."
    )
    assert rewrite(False) == "See the session page and the checklist."


def test_task_list_checkboxes_become_printable_boxes():
    from datasharing_workshop.handouts.guide import printable

    html = '<li><input class="task-list-item-checkbox" type="checkbox" disabled/>Book rooms</li>'
    assert printable(html) == "<li>☐ Book rooms</li>"
    assert printable('<input type="checkbox" checked disabled/>x') == "☑ x"
