"""The room's preheated kernel pool, against a real ``datasharing-workshop serve``.

One pool of one kernel for the first breakout page (found through the agenda), none for the
other pages, and a limit of one open page: a page opened with the participant code is served
by the kernel that waited in the pool before the request, that kernel learns its group from
the link, the pool starts another, pooled kernels do not count as open pages, and no
notebook but a participant copy is ever run into the pool.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request

import pytest
from helpers.room_server import FACILITATOR, PARTICIPANT, running_room

GROUPS = ["Group A", "Group B"]
#: Strings only facilitator cells or answer keys hold (as in test_room_server).
SECRETS = ("Answer key", "facilitators only", "Debrief (facilitators)", "answer_key(")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
POLL_S = 0.5

pytestmark = pytest.mark.notebook


def first_breakout(folder) -> dict:
    pages = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    return next(p for p in pages if p["exercise"])


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    home = tmp_path_factory.mktemp("pool")
    # The first breakout's exercise id names its pool without knowing its notebook's name.
    extra = ["--pool-size", "0", "--pool-size", "classify_data=1", "--kernel-limit", "1"]
    with running_room(home, groups=GROUPS, extra=extra) as room:
        yield room


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def kernels(room) -> dict:
    status, body = get(f"{room.url}/room/api/kernels?token={FACILITATOR}")
    assert status == 200, body
    return json.loads(body)


def wait_for_pool(room, page: str, *, other_than: set[str] = frozenset()) -> list[str]:
    """The pool's ready kernel ids once one is ready (and not in ``other_than``); fails if
    the server stops or the pool reports a failure."""
    while True:
        assert room.process.poll() is None, room.log_tail()
        status = kernels(room)
        assert not status["failures"], status["failures"]
        ready = status["pools"][page]["kernel_ids"]
        if set(ready) - set(other_than):
            return ready
        time.sleep(POLL_S)


def test_a_page_uses_the_kernel_started_before_it_was_asked_for(room):
    page = first_breakout(room.folder)
    filename = f"{page['stem']}.ipynb"
    before = wait_for_pool(room, filename)
    assert kernels(room)["open_pages"] == 0
    status, body = get(f"{room.url}/voila/render/{filename}?group=group-b&token={PARTICIPANT}")
    assert status == 200, body[-2000:]
    served = set(UUID.findall(body)) & set(before)
    assert served, "the page was not served by a kernel from the pool"
    # The kernel learned its group from the link after it had waited in the pool.
    assert "Group B" in body and "No group chosen" not in body
    assert "application/vnd.jupyter.widget-view+json" in body
    for secret in SECRETS:
        assert secret not in body
    # The pool starts a new kernel; the one served counts as the one open page.
    after = wait_for_pool(room, filename, other_than=set(before))
    assert not served & set(after)
    assert kernels(room)["open_pages"] == 1
    # The limit (one page) counts open pages, not the kernel waiting in the pool.
    status, body = get(f"{room.url}/voila/render/{filename}?group=group-a&token={PARTICIPANT}")
    assert status == 503 and "try again in a minute" in body


def test_only_participant_copies_are_run_into_the_pool(room):
    served = sorted(p.name for p in (room.folder / "pages").iterdir())
    facilitator_only = [
        name
        for name in served
        if any(s in (room.folder / "pages" / name).read_text(encoding="utf-8") for s in SECRETS)
    ]
    assert not facilitator_only
    page = f"{first_breakout(room.folder)['stem']}.ipynb"
    wait_for_pool(room, page)
    status = kernels(room)
    assert status["pooled_notebooks"] == [page]
    assert set(status["pools"]) == set(served)
    assert {name: p["size"] for name, p in status["pools"].items() if p["size"]} == {page: 1}


def test_the_request_info_socket_is_for_pooled_kernels_only(room):
    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    page = f"{first_breakout(room.folder)['stem']}.ipynb"
    ready = wait_for_pool(room, page)
    base = room.url.replace("http", "ws") + "/voila/query/"

    async def connect(url):
        connection = await websocket_connect(url)
        connection.close()

    _, body = get(f"{room.url}/api/kernels?token={FACILITATOR}")
    opened = [k["id"] for k in json.loads(body) if k["id"] not in ready]
    unknown = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    # A kernel that is not waiting in the pool (unknown, or already opened by a visitor) is
    # refused, with or without a code.
    for kernel_id in (unknown, *opened):
        for suffix in ("", f"?token={PARTICIPANT}", f"?token={FACILITATOR}"):
            with pytest.raises(HTTPClientError) as refused:
                asyncio.run(connect(base + kernel_id + suffix))
            assert refused.value.code == 403
    # A browser on another computer may not reach even a pooled kernel's socket: the
    # socket checks the caller's address (here all callers are on loopback, so this test
    # can only show that the pooled kernel still waits, undisturbed).
    assert wait_for_pool(room, page) == ready


def test_the_console_shows_the_pools_to_the_facilitator(room):
    status, body = get(f"{room.url}/room/console?token={FACILITATOR}")
    assert status == 200 and "Pages and kernels" in body and "--pool-size" in body
    status, _ = get(f"{room.url}/room/api/kernels?token={PARTICIPANT}")
    assert status == 403
