"""Every built handout, opened from file:// in Chromium with the network cut off, as on a
training-room laptop without internet: nothing may be requested, and the headings, the
exercises and the answer tables must be there.

The handouts are built afresh into a temporary folder (conftest's ``handouts`` fixture),
after one group saved an answer to the first scenario of each breakout.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def offline(context):
    """Abort every request that is not for a local file, and record it."""
    attempted: list[str] = []

    def route(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(f"{route.request.resource_type} {route.request.url}")
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.on("websocket", lambda ws: attempted.append(f"websocket {ws.url}"))
    return attempted


def name(handouts, path) -> str:
    return path.relative_to(handouts.root).as_posix()


def open_handout(page, path) -> None:
    page.goto(path.as_uri(), wait_until="load")


def test_the_build_wrote_every_kind_of_handout(handouts):
    kinds = {p.relative_to(handouts.root).parts[0] for p in handouts.pages}
    assert {"participant", "facilitator", "groups", "index.html"} <= kinds
    assert handouts.group_folder, "no group handouts were built"


def test_no_handout_requests_anything_from_the_network(page, offline, handouts, artifact_path):
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    for path in handouts.pages:
        open_handout(page, path)
        # JPEG: the pages are long, and encoding them as PNG took most of this test's time.
        shot = artifact_path("handouts", name(handouts, path) + ".jpeg")
        page.screenshot(path=shot, full_page=True, type="jpeg", quality=80)
    assert offline == [], "handouts tried to reach the network:\n" + "\n".join(offline)
    # Each handout is one file: it loads itself and nothing else, not even a local file.
    assert sorted(loaded) == sorted(p.as_uri() for p in handouts.pages)
    assert page.js_errors == []


def test_every_handout_opens_with_a_title_and_has_a_working_table_of_contents(
    page, offline, handouts
):
    problems = []
    for path in handouts.pages:
        open_handout(page, path)
        here = name(handouts, path)
        # The first heading is the handout's title. (A facilitator handout has a second
        # h1 where its page of the facilitator guide starts.)
        first = page.locator("h1, h2, h3, h4, h5, h6").first
        tag = first.evaluate("h => h.tagName") if first.count() else None
        if tag != "H1" or not first.is_visible() or not first.inner_text().strip():
            problems.append(f"{here}: the first heading is {tag}, not a visible titled h1")
        empty = page.evaluate(
            """() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
                     .filter(h => !h.innerText.trim()).map(h => h.outerHTML)"""
        )
        if empty:
            problems.append(f"{here}: empty headings {empty}")
        dangling = page.evaluate(
            """() => [...document.querySelectorAll('a[href^="#"]')]
                     .map(a => a.getAttribute('href'))
                     .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))"""
        )
        if dangling:
            problems.append(f"{here}: links to nothing on the page: {dangling}")
        # Links to other handouts (the facilitator guide's, the index's) must resolve in
        # the built folder, since that folder is all a training room may have.
        files = page.locator("a[href]").evaluate_all(
            "links => links.map(a => a.href).filter(h => h.startsWith('file:'))"
        )
        missing = sorted({h for h in files if not Path(url2pathname(urlsplit(h).path)).is_file()})
        if missing:
            problems.append(f"{here}: links to files that are not there: {missing}")
        if "Traceback" in page.locator("body").inner_text():
            problems.append(f"{here}: shows a Python traceback")
    assert problems == [], "\n".join(problems)
    assert offline == []


def test_breakout_handouts_show_each_scenario_with_its_tables(page, offline, handouts):
    breakouts = 0
    problems = []
    for path in handouts.pages:
        open_handout(page, path)
        exercises = page.locator(".dsw-exercise")
        if exercises.count() == 0:
            continue
        breakouts += 1
        here = name(handouts, path)
        for i in range(exercises.count()):
            box = exercises.nth(i)
            heading = box.locator("h2").first
            if not (heading.is_visible() and heading.inner_text().startswith("Scenario ")):
                problems.append(f"{here}: exercise {i + 1} has no visible 'Scenario …' heading")
            tables = box.locator("table")
            if tables.count() == 0 or not tables.first.is_visible():
                problems.append(f"{here}: exercise {i + 1} shows no table")
            elif tables.first.locator("tbody tr").count() == 0:
                problems.append(f"{here}: exercise {i + 1}: its table has no rows")
    assert breakouts >= 2 * 3, "expected the two breakouts in participant, facilitator, groups"
    assert problems == [], "\n".join(problems)


def test_answer_keys_appear_in_facilitator_handouts_only(page, offline, handouts):
    for path in handouts.pages:
        open_handout(page, path)
        keys = page.locator(".dsw-answer-key table")
        variant = path.relative_to(handouts.root).parts[0]
        if variant == "participant":
            assert keys.count() == 0, f"{name(handouts, path)} shows an answer key"
        elif variant == "facilitator" and page.locator(".dsw-exercise").count():
            assert keys.count() > 0, f"{name(handouts, path)} has no answer key table"
            assert keys.first.is_visible()
            assert keys.first.locator("tbody tr").count() > 0


def test_group_handouts_show_the_saved_answer_in_an_answer_table(
    page, offline, handouts, artifact_path
):
    groups = handouts.root / "groups"
    answered = groups / handouts.group_folder
    seen = 0
    for path in sorted(groups.rglob("*.html")):
        open_handout(page, path)
        tables = page.locator(".dsw-answer-table")
        here = name(handouts, path)
        if path.parent != answered or path.stem not in handouts.answered_notebooks:
            assert tables.count() == 0, f"{here} shows an answer nobody saved"
            assert page.locator(".dsw-no-answer").first.is_visible(), here
            continue
        # The group saved one right answer in this breakout: to its first scenario.
        seen += 1
        assert tables.count() == 1, f"{here}: expected 1 answer table, found {tables.count()}"
        table = tables.first
        assert table.is_visible()
        rows = dict(
            zip(
                table.locator("th").all_inner_texts(),
                table.locator("td").all_inner_texts(),
                strict=True,
            )
        )
        assert rows["Result"] == "Right", rows
        # The answer reads in words, one row per item (a field's category, a channel...).
        answer_rows = {
            k: v for k, v in rows.items() if k not in {"Result", "Score", "Feedback", "Saved"}
        }
        assert answer_rows and all(v.strip() for v in answer_rows.values()), rows
        assert rows["Feedback"].strip(), rows
        section = page.locator(".dsw-group-answer").filter(has=table)
        assert handouts.group in section.inner_text()
        table.screenshot(path=artifact_path("handouts", here + ".answer-table.png"))
    assert seen == len(handouts.answered_notebooks) == len(handouts.answered)


def test_the_index_links_to_every_handout(page, offline, handouts):
    index = handouts.root / "index.html"
    open_handout(page, index)
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    linked = {href for href in hrefs if href.startswith("file:")}
    assert linked == {p.as_uri() for p in handouts.pages if p != index}
