"""Security of ``datasharing-workshop serve``: a real Jupyter Server with Voilà, on 127.0.0.1.

Without a code nothing is reachable; with the participant code only the room's pages and a
page's own kernel are; no participant page carries an answer key or a facilitator note.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest
from helpers.notebooks import REPORT_BACK
from helpers.offline_pages import fetched_from_elsewhere
from helpers.room_server import FACILITATOR, PARTICIPANT, running_room

GROUPS = ["Group A", "Group B"]
#: Strings only the facilitator's cells or the answer keys hold.
SECRETS = (
    "Answer key",
    "facilitators only",
    "Debrief (facilitators)",
    "Facilitator notes",
    "answer_key(",
    "from datasharing_workshop",
)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    with running_room(tmp_path_factory.mktemp("room"), groups=GROUPS) as room:
        yield room


def get(url: str, *, opener=None) -> tuple[int, str, str]:
    """Status, final URL and body; redirects are followed."""
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=300) as response:
            return response.status, response.url, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode("utf-8", "replace")


PAGES_AND_APIS = [
    "/room/",
    "/room/group/group-a",
    "/room/console",
    "/room/api/progress",
    "/room/api/kernels",
    "/room/api/timer",
    "/room/report",
    "/room/cards",
    "/room/observe/classify_data",
    "/voila/render/03_classify_data.ipynb?group=group-a",
    "/api/contents",
    "/api/kernels",
    "/api/sessions",
    "/api/kernelspecs",
    "/files/03_classify_data.ipynb",
]


@pytest.mark.parametrize("path", PAGES_AND_APIS)
def test_without_a_code_every_page_and_api_is_refused(room, path):
    status, final, body = get(room.url + path)
    # Pages send the visitor to the join page; APIs answer 403.
    assert status == 403 or "/login" in final, (status, final)
    assert "Choose your group" not in body and "widget-view" not in body


def test_without_a_code_the_kernel_websocket_is_refused(room):
    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    async def connect(url):
        return await websocket_connect(url)

    ws_url = (
        room.url.replace("http", "ws")
        + "/api/kernels/"
        + "0" * 8
        + "-0000-0000-0000-"
        + "0" * 12
        + "/channels"
    )
    with pytest.raises((HTTPClientError, OSError)) as refused:
        asyncio.run(connect(ws_url))
    assert getattr(refused.value, "code", 403) in (403, 404)


def test_a_wrong_code_is_refused_and_the_join_page_says_so(room):
    status, final, _ = get(f"{room.url}/room/?token=not-the-code")
    assert "/login" in final
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, _, page = get(f"{room.url}/login", opener=opener)
    assert status == 200 and "Type the join code from your table card" in page
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
    data = f"_xsrf={xsrf}&password=wrong-code".encode()
    status, _, page = get_post(opener, f"{room.url}/login?next=/room/", data)
    assert status == 401 and "That code did not work" in page
    data = f"_xsrf={xsrf}&password={PARTICIPANT}".encode()
    status, final, page = get_post(opener, f"{room.url}/login?next=/room/", data)
    assert status == 200 and final.endswith("/room/") and "Choose your group" in page


def get_post(opener, url, data):
    try:
        with opener.open(url, data=data, timeout=60) as response:
            return response.status, response.url, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode()


REFUSED_TO_PARTICIPANTS = [
    "/room/console",
    "/room/api/progress",
    "/room/api/kernels",
    "/room/report",
    "/room/cards",
    "/room/observe/classify_data",
    "/api/contents",
    "/api/contents/03_classify_data.ipynb",
    "/files/03_classify_data.ipynb",
    "/tree",
    "/lab",
    "/api/kernels",
    "/api/sessions",
    "/voila",
    "/voila/tree",
    "/voila/api/contents",
    f"/voila/render/{REPORT_BACK}.ipynb?group=group-a",
    "/voila/render/../../notebooks/03_classify_data.ipynb?group=group-a",
    "/nbconvert/html/03_classify_data.ipynb",
]


@pytest.mark.parametrize("path", REFUSED_TO_PARTICIPANTS)
def test_the_participant_code_does_not_open_the_console_files_or_source(room, path):
    sep = "&" if "?" in path else "?"
    status, _, body = get(f"{room.url}{path}{sep}token={PARTICIPANT}")
    assert status in (403, 404), (path, status)
    for secret in SECRETS:
        assert secret not in body


def test_the_facilitator_code_opens_the_console(room):
    status, _, body = get(f"{room.url}/room/console?token={FACILITATOR}")
    assert status == 200 and "Where each group stands" in body
    status, _, body = get(f"{room.url}/room/api/progress?token={FACILITATOR}")
    data = json.loads(body)
    assert [row["group"] for row in data["rows"]] == GROUPS
    assert {c["state"] for row in data["rows"] for c in row["cells"]} == {"not started"}


def test_start_page_lists_groups_and_pages_in_agenda_order(room):
    status, _, body = get(f"{room.url}/room/?token={PARTICIPANT}")
    assert status == 200
    assert "Room test workshop" in body and "2026-03-14" in body
    assert "Office of Policy and Management" in body
    assert body.index("Group A") < body.index("Group B")
    titles = ["Welcome and agenda", "A tour of the playbook", "Breakout 1", "Breakout 5", "Wrap-up"]
    positions = [body.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "Report-back" not in body
    assert "Run All" not in body and "menu" not in body.lower()


def test_an_unknown_group_gets_a_clear_message(room):
    status, _, body = get(f"{room.url}/room/group/group-z?token={PARTICIPANT}")
    assert status == 404
    assert "There is no group called “group-z” in this workshop" in body
    status, _, body = get(
        f"{room.url}/voila/render/03_classify_data.ipynb?group=nope&token={PARTICIPANT}"
    )
    assert status == 404 and "There is no group called “nope”" in body
    status, _, body = get(f"{room.url}/voila/render/03_classify_data.ipynb?token={PARTICIPANT}")
    assert status == 404 and "This link does not say which group you are in" in body


def test_the_served_folder_holds_participant_copies_only(room):
    pages = sorted(p.name for p in (room.folder / "pages").iterdir())
    assert f"{REPORT_BACK}.ipynb" not in pages
    for name in pages:
        text = (room.folder / "pages" / name).read_text(encoding="utf-8")
        for secret in SECRETS[:4]:
            assert secret not in text, (name, secret)


@pytest.mark.notebook
def test_a_participant_page_renders_without_answer_keys(room):
    status, _, body = get(
        f"{room.url}/voila/render/03_classify_data.ipynb?group=group-b&token={PARTICIPANT}"
    )
    assert status == 200
    assert "Breakout 1: Classifying data" in body
    assert "application/vnd.jupyter.widget-view+json" in body
    for secret in SECRETS:
        assert secret not in body
    # The kit's page template: nothing fetched from the internet, and the notice for a
    # page whose kernel was stopped.
    assert fetched_from_elsewhere(body) == []
    assert 'id="dsw-page-closed"' in body


@pytest.mark.notebook
def test_every_room_page_loads_nothing_from_other_sites(room):
    pages = ["/room/", "/room/group/group-a", "/room/console", "/room/report", "/room/cards"]
    for path in [*pages, "/room/observe/classify_data"]:
        status, _, body = get(f"{room.url}{path}?token={FACILITATOR}")
        assert status == 200, path
        assert fetched_from_elsewhere(body) == [], path


def post(url: str, fields: dict[str, str]) -> tuple[int, str, str]:
    from urllib.parse import urlencode

    # A cookie jar, as a browser has: the redirect after saving carries no token.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        with opener.open(url, data=urlencode(fields).encode(), timeout=120) as r:
            return r.status, r.url, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode()


def test_the_facilitator_starts_the_timer_and_participants_see_it(room):
    status, _, _ = post(
        f"{room.url}/room/api/timer?token={PARTICIPANT}", {"minutes": "5", "label": "x"}
    )
    assert status == 403
    status, _, body = post(
        f"{room.url}/room/api/timer?token={FACILITATOR}",
        {"minutes": "20", "label": "Breakout 1", "json": "1"},
    )
    assert status == 200 and json.loads(body)["label"] == "Breakout 1"
    status, _, body = get(f"{room.url}/room/api/timer?token={PARTICIPANT}")
    timer = json.loads(body)
    assert status == 200 and 1100 < timer["seconds_left"] <= 1200
    saved = json.loads((room.folder / "timer.json").read_text())
    assert saved["label"] == "Breakout 1"  # what the participants' pages read
    status, _, body = post(f"{room.url}/room/api/timer?token={FACILITATOR}", {"minutes": "x"})
    assert status == 400 and "minutes must be a number" in body
    post(f"{room.url}/room/api/timer?token={FACILITATOR}", {"minutes": "0", "json": "1"})
    assert json.loads(get(f"{room.url}/room/api/timer?token={PARTICIPANT}")[2])["ends_at"] is None


def test_an_observer_note_is_saved_with_group_and_section(room):
    from datasharing_workshop.store import AnswerStore

    url = f"{room.url}/room/observe/classify_data?token={FACILITATOR}"
    status, _, page = get(url)
    assert status == 200 and "Observer notes: Breakout 1" in page
    section = re.search(r'<option value="([a-z0-9_-]+)">', page.split('id="section"')[1]).group(1)
    fields = {
        "group": "group-b",
        "section": section,
        "confused": "Rules vs categories",
        "severity": "high",
    }
    status, _, page = post(url, fields)
    assert status == 200 and "Saved." in page
    with AnswerStore(room.store, create=False) as store:
        notes = store.observations("room-test")
    assert [(n.group, n.playbook_section, n.author_role, n.severity) for n in notes][-1] == (
        "Group B",
        section,
        "observer",
        "high",
    )
    status, _, page = post(url, {**fields, "group": "nope"})
    assert status == 400 and "Choose the group you watched" in page
    status, _, page = post(url, {**fields, "confused": ""})
    assert status == 400 and "write something in at least one box" in page


def test_the_live_report_back_pages_through_its_parts(room):
    status, _, page = get(f"{room.url}/room/report?token={FACILITATOR}")
    assert status == 200 and "How the groups did" in page and "Next: Most-missed items" in page
    status, _, page = get(f"{room.url}/room/report?part=-1&token={FACILITATOR}")
    assert status == 200 and "What the observers heard" in page


def test_the_live_report_back_has_a_screen_per_breakout_answered(room):
    """Item by item for every breakout the groups answered, not only the two with charts."""
    from datasharing_workshop.reportback.simulate import simulate_workshop

    simulate_workshop(room.store, "room-test", groups=1, seed=3, notes_per_group=0)
    status, _, page = get(f"{room.url}/room/report?token={FACILITATOR}")
    assert status == 200
    for title in ("Classifying data", "Linking datasets", "De-identifying and aggregating"):
        assert f"{title}: item by item" in page, title


def test_the_table_cards_carry_the_participant_code_not_the_facilitators(room):
    status, _, page = get(f"{room.url}/room/cards?token={FACILITATOR}")
    assert status == 200 and page.count('<section class="card">') == len(GROUPS)
    assert f"token={PARTICIPANT}" in page and FACILITATOR not in page
