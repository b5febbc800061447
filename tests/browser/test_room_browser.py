"""The room in a real browser: ``datasharing-workshop serve`` on 127.0.0.1 with set codes,
twelve participants in four groups, and the facilitator's console.

Each participant opens the start page with the participant code, chooses a group, answers
one scenario in each of two breakouts and presses Check. The console, open the whole time
and never reloaded, must show every group's checks within 5 s of the last one (a bound on
the poll, not a speed target). The widget messages a participant's browser receives before
answering carry no answer key. Afterwards every page closes, the server stops with all its
kernels, and a handout build shows each group's answers under that group.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest
from bs4 import BeautifulSoup
from helpers.browser_answers import answer_key_strings, choose_something
from helpers.room_server import FACILITATOR, PARTICIPANT, running_room

pytestmark = pytest.mark.browser

GROUPS = ["Group A", "Group B", "Group C", "Group D"]
MEMBERS = 3  # per group: 12 participants
BREAKOUTS = [
    ("03_classify_data", "classify_data", "Breakout 1"),
    ("04_choose_a_transfer_channel", "transfer_channel", "Breakout 2"),
]
#: Starting a kernel and running a page's cells, several at once on a busy 2-core machine.
PAGE_MS = 240_000
#: The console's bound: within 5 s of the last Check.
CONSOLE_MS = 5_000
#: A page asks every 20 s whether its kernel still runs; a bound, not a speed target.
NOTICE_MS = 120_000


def scenario_index(group: int, member: int) -> int:
    """Groups A and C answer scenarios 1-3, groups B and D scenarios 4-6."""
    return member + MEMBERS * (group % 2)


def test_twelve_participants_four_groups_console_and_handouts(browser, tmp_path, artifact_path):
    home = tmp_path
    notebooks = [stem for stem, _, _ in BREAKOUTS]
    contexts: list = []
    frames: list[str] = []
    with running_room(home, groups=GROUPS, notebooks=notebooks) as room:
        try:
            _work_the_room(browser, room, contexts, frames, artifact_path)
        except BaseException:
            import shutil

            shutil.copy(room.log, artifact_path("room", "serve.log"))
            for n, context in enumerate(contexts):
                for m, page in enumerate(context.pages):
                    page.screenshot(path=artifact_path("room", f"failed-{n}-{m}.png"))
            raise
        finally:
            for context in contexts:
                context.close()
    # running_room has stopped the server and checked that no process it started is left.
    _check_handouts(home, room)


def _work_the_room(browser, room, contexts, frames, artifact_path) -> None:
    console_context = browser.new_context()
    contexts.append(console_context)
    console = console_context.new_page()
    console.set_default_timeout(PAGE_MS)
    console.goto(f"{room.url}/room/console?token={FACILITATOR}")
    console.get_by_role("heading", name="Where each group stands").wait_for()

    people = []
    elsewhere: list[str] = []

    def leaves(url: str) -> bool:
        return not url.startswith((room.url, "data:", "blob:"))

    for g, group in enumerate(GROUPS):
        for member in range(MEMBERS):
            context = browser.new_context()
            contexts.append(context)
            context.on("request", lambda r: elsewhere.append(r.url) if leaves(r.url) else None)
            page = context.new_page()
            page.set_default_timeout(PAGE_MS)
            people.append((g, group, member, page))
    # Everybody chooses a group on the start page.
    for _, group, _, page in people:
        page.goto(f"{room.url}/room/?token={PARTICIPANT}")
        page.get_by_role("heading", name="Choose your group").wait_for()
        page.get_by_role("link", name=group, exact=True).click()
        page.get_by_role("heading", name=f"{group}: today's pages").wait_for()
    group_pages = {id(page): page.url for _, _, _, page in people}

    first = people[0][3]
    first.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        ),
    )
    for _stem, _exercise, title in BREAKOUTS:
        # One table at a time opens the breakout (four pages at once), as tables do.
        for start in range(0, len(people), len(GROUPS)):
            batch = people[start : start + len(GROUPS)]
            for _, _, _, page in batch:
                page.goto(group_pages[id(page)])
                link = page.get_by_role("link", name=title)
                with page.expect_navigation(wait_until="commit"):
                    link.click()
            for g, group, member, page in batch:
                box = page.locator(".dsw-exercise").nth(scenario_index(g, member))
                check = box.get_by_role("button", name="Check")
                check.wait_for()
                assert group in page.locator(".dsw-room-group").inner_text()
                choose_something(box)
                if page is first and title == BREAKOUTS[0][2]:
                    for secret in answer_key_strings():
                        assert not any(secret in f for f in frames), secret
                    assert frames, "no widget messages were seen"
                check.click()
                box.get_by_text(f"✔ Saved for {group}").wait_for()

    # The console, never reloaded, shows all twelve: three checked scenarios per group
    # in each breakout, 24 answers in all.
    for group in GROUPS:
        row = console.locator(f'tr[data-group="{group}"]')
        for _, exercise, _ in BREAKOUTS:
            cell = row.locator(f'td[data-exercise="{exercise}"]')
            cell.filter(has_text="(3 of").wait_for(timeout=CONSOLE_MS)
    console.locator("#attempts").filter(has_text="24").wait_for(timeout=CONSOLE_MS)
    console.screenshot(path=artifact_path("room", "console.png"), full_page=True)
    # Nothing came from the internet: rooms may have none, and no third party learns who
    # is in the workshop.
    assert elsewhere == [], elsewhere


def test_a_page_whose_kernel_was_stopped_says_so_and_reloads_with_its_answer(browser, tmp_path):
    """An idle page's kernel is stopped by the culler (``--cull-after``). The page must then
    say so and offer a reload, not keep a Check button that silently does nothing. Here the
    facilitator stops the kernel through Jupyter's API, as the culler does, so the test does
    not wait a minute for the culler."""
    stem = BREAKOUTS[0][0]
    with running_room(tmp_path, groups=["Group A"], notebooks=[stem]) as room:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(PAGE_MS)
            page.goto(f"{room.url}/voila/render/{stem}.ipynb?group=group-a&token={PARTICIPANT}")
            box = page.locator(".dsw-exercise").first
            box.get_by_role("button", name="Check").wait_for()
            choose_something(box)
            box.get_by_role("button", name="Check").click()
            box.get_by_text("✔ Saved for Group A").wait_for()
            notice = page.locator("#dsw-page-closed")
            assert not notice.is_visible()

            config = json.loads(page.locator("#jupyter-config-data").text_content())
            stop = urllib.request.Request(
                f"{room.url}/api/kernels/{config['kernelId']}?token={FACILITATOR}",
                method="DELETE",
            )
            with urllib.request.urlopen(stop, timeout=120) as response:
                assert response.status == 204
            notice.wait_for(state="visible", timeout=NOTICE_MS)
            assert "This page has been closed" in notice.inner_text()

            page.get_by_role("button", name="Reload the page").click()
            box = page.locator(".dsw-exercise").first
            box.get_by_role("button", name="Check").wait_for()
            assert not page.locator("#dsw-page-closed").is_visible()
            # The checked answer came back from the store with the page.
            chosen = box.locator("select").first.evaluate("select => select.selectedIndex")
            assert chosen == 1
        finally:
            context.close()


def _check_handouts(home, room) -> None:
    output = home / "handouts"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "datasharing_workshop",
            "build",
            "--config",
            str(room.config),
            "--output",
            str(output),
            "--quiet",
        ],
        cwd=home,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for group in GROUPS:
        slug = group.lower().replace(" ", "-")
        for stem, _, _ in BREAKOUTS:
            html = (output / "groups" / slug / f"{stem}.html").read_text(encoding="utf-8")
            soup = BeautifulSoup(html, "html.parser")
            tables = soup.select(".dsw-answer-table")
            assert len(tables) == MEMBERS, (group, stem, len(tables))
            sections = " ".join(s.get_text(" ") for s in soup.select(".dsw-group-answer"))
            assert group in sections
            for other in GROUPS:
                if other != group:
                    assert other not in sections, (group, other, stem)
