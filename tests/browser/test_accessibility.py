"""axe-core on every handout and on each page of the Voilà app: no serious or critical
violations.

axe-core is the pinned copy in tests/browser/node_modules (see setup.sh), injected into the
page; all its default rules run (WCAG 2.x A and AA, and best practices). Moderate and minor
findings do not fail the tests, but every page's counts are printed at the end of the run
and kept, with the elements concerned, in test-artifacts/browser/axe/.

The Voilà pages are checked after a Check, so the feedback and the marks beside each
control are part of what axe sees.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from helpers.browser_answers import choose_something

from datasharing_workshop.room.copies import breakout_notebooks

pytestmark = pytest.mark.browser

#: Starting a kernel and running a notebook's cells, on a busy two-core CI machine.
KERNEL_MS = 60_000
BREAKOUTS = breakout_notebooks()


def test_every_handout_has_no_serious_or_critical_violations(page, handouts, axe):
    # The handouts must work offline; axe is injected as inline script, so cutting the
    # network changes nothing for it and keeps the pages as participants see them.
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    found = []
    for path in handouts.pages:
        page.goto(path.as_uri())
        verdict = axe(page, "handout " + path.relative_to(handouts.root).as_posix())
        if verdict.blocking:
            found.append(verdict.describe_blocking())
    assert found == [], "\n".join(found)


def test_the_app_start_page_has_no_serious_or_critical_violations(page, voila_app, axe):
    page.goto(voila_app.url + "/")
    for path in voila_app.notebooks:  # the file list is drawn by script: wait for it
        page.get_by_role("listitem").get_by_text(path.name, exact=True).wait_for()
    verdict = axe(
        page,
        "voila start page",
        # Voilà 0.5's own start page template (voila/templates/base/page.html) writes
        # <html> without lang; none of that page is the kit's. Fixing it means shipping a
        # Voilà template with the kit (or a fix upstream): see the closing note of issue 7.
        disable=["html-has-lang"],
    )
    assert verdict.blocking == [], verdict.describe_blocking()


@pytest.mark.parametrize("source", BREAKOUTS, ids=[p.stem for p in BREAKOUTS])
def test_each_breakout_in_the_app_has_no_serious_or_critical_violations(
    page, voila_app, axe, source
):
    page.goto(f"{voila_app.url}/voila/render/{quote(source.name)}")
    box = page.locator(".dsw-exercise").first
    check = box.get_by_role("button", name="Check")
    check.wait_for(timeout=KERNEL_MS)
    choose_something(box)  # a Check with nothing chosen saves nothing
    check.click()
    box.get_by_text(f"Saved for {voila_app.group}").wait_for(timeout=KERNEL_MS)
    verdict = axe(page, f"voila {source.stem}")
    assert verdict.blocking == [], verdict.describe_blocking()

    # What axe misses: its link-in-text-block rule looks for links told apart by colour
    # alone, but JupyterLab's stylesheet gave links in widgets the text's own colour and no
    # underline, so they could not be told apart at all (fixed in widgets/common.py).
    plain = page.locator(".dsw-exercise a, .dsw-guide a").evaluate_all(
        """links => links.filter(a => {
            const style = getComputedStyle(a);
            return !style.textDecorationLine.includes('underline')
                || style.color === getComputedStyle(a.parentElement).color;
        }).map(a => a.outerHTML.slice(0, 160))"""
    )
    assert plain == [], "links that look like plain text"
