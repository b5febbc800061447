"""A breakout in JupyterLab, as a facilitator or a participant without the app would use it:
open the notebook, Run › Run All Cells, answer with one widget, Check, read the feedback.
The test then shuts the kernel down through the REST API and checks none is left.
"""

from __future__ import annotations

import re

import pytest

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.widgets import classify_data

pytestmark = pytest.mark.browser

NOTEBOOK = "03_classify_data.ipynb"
#: Starting a kernel and running a notebook's cells, on a busy two-core CI machine.
KERNEL_MS = 60_000


@pytest.fixture
def api(playwright, jupyterlab):
    """The server's REST API, with the token."""
    ctx = playwright.request.new_context(
        base_url=jupyterlab.url,
        extra_http_headers={"Authorization": f"token {jupyterlab.token}"},
    )
    yield ctx
    ctx.dispose()


def test_run_all_then_check_one_answer_then_no_kernel_is_left(page, jupyterlab, api, artifact_path):
    ct = load_catalogue("ct")
    scenario = load_scenarios("classify_data", "ct")[0]
    first = scenario.dataset.fields[0]

    page.goto(f"{jupyterlab.url}/lab/tree/{NOTEBOOK}?token={jupyterlab.token}")
    page.locator(".jp-NotebookPanel").wait_for(timeout=KERNEL_MS)
    # Run All before the kernel is connected runs nothing, so wait for the status bar's
    # "<kernel name> | Idle" (its "No Kernel" and "Initializing" come first).
    kernel = page.get_by_title(f"Change kernel for {NOTEBOOK}")
    kernel.filter(has_text=re.compile(r"^(?!No Kernel).* \| Idle$")).wait_for(timeout=KERNEL_MS)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    box = page.locator(".dsw-exercise").filter(has_text=scenario.title).first
    check = box.get_by_role("button", name="Check")
    check.wait_for(timeout=KERNEL_MS)  # the kernel started and ran every cell
    row = box.locator(".widget-hbox").filter(has=page.get_by_label(first.name, exact=True))
    row.locator("select").nth(0).select_option(label=ct.categories[first.category].name)
    rule = ct.governing_rules[first.rule].name if first.rule else classify_data.NO_RULE_LABEL
    row.locator("select").nth(1).select_option(label=rule)
    check.click()

    feedback = box.locator(".dsw-feedback")
    feedback.get_by_text(f"✔ Right · {first.name}").wait_for(timeout=KERNEL_MS)
    # The notebook's group is empty: answers are checked, not saved, and it says so.
    box.get_by_text("Not saved").wait_for()
    assert row.get_by_text("✔ Right").is_visible()
    feedback.scroll_into_view_if_needed()
    page.screenshot(path=artifact_path("jupyterlab", "03_classify_data.checked.png"))
    assert page.js_errors == []

    page.close()  # so that nothing reconnects to, or restarts, the kernel
    assert len(api.get("/api/kernels").json()) == 1  # the notebook's, still running
    for session in api.get("/api/sessions").json():
        assert api.delete(f"/api/sessions/{session['id']}").ok
    for kernel in api.get("/api/kernels").json():
        assert api.delete(f"/api/kernels/{kernel['id']}").ok
    assert api.get("/api/kernels").json() == []
    assert api.get("/api/sessions").json() == []
