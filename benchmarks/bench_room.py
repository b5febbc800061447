"""Open N simultaneous participant pages of one breakout against ``datasharing-workshop serve``
and report how the room holds up, for N = 10, 20, 30 in one run.

The room serves the first breakout of the agenda with a preheated pool as large as the
largest N (``--pool-size 0 --pool-size <exercise>=<N>``); before each N the script waits
until the pool is full again, as a facilitator would start the room before the session.

Two measurements per N, kept apart because in a real room the participants' browsers run
on their own laptops, not on the facilitator's:

* **Server side** (no browser; an HTTP and websocket client in one event loop): N pages are
  requested at once, each for a group. "Page ready" runs from the request until the page's
  widgets can be drawn: the page (Voilà has run the notebook in the kernel) has been
  received, its kernel websocket is open, and the kernel has sent every widget's state
  (ipywidgets' ``request_states``, what a browser asks first). A page fails on an error
  status, a page without widgets, or no Check button in the first exercise. Then all N
  pages choose an answer in their first exercise and press Check at once, and
  "Check-to-feedback" runs from the click message until the kernel sends "Saved for
  <group>". Memory per open page is the unique memory (USS) of the N pages' kernels plus
  the server's own unique memory shared among the N pages; resident memory is shown too.
* **In browsers** (Debian's Chromium via Playwright, on this same machine; ``--browsers N``):
  N pages open at once; "usable" is when the first exercise's Check button is visible; then
  each page chooses an answer and presses Check until "Saved for <group>" shows.

Usage::

    python benchmarks/bench_room.py [--sizes 10 20 30] [--browsers 10]

Prints p50 / p95 / max. This is a script, not a test: it asserts nothing. Targets (issue
12): 0 failed pages at every N; at N = 30 server-side ready p95 <= 5 s and
Check-to-feedback p95 <= 300 ms; <= 100 MB per open page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from helpers.room_server import FACILITATOR, PARTICIPANT, running_room  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_S = 600
#: ipywidgets' widget control protocol, as JupyterLab's and Voilà's widget manager speak it.
CONTROL_PROTOCOL = "1.0.0"
GROUPS = [f"Group {chr(65 + i)}" for i in range(6)]


def slug(group: str) -> str:
    return group.lower().replace(" ", "-")


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def summary(values: list[float], scale: float = 1.0, unit: str = "s") -> str:
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    return (
        f"p50 {statistics.median(v):.2f} {unit}, p95 {pct(v, 0.95):.2f} {unit}, "
        f"max {max(v):.2f} {unit}"
    )


def first_breakout():
    from datasharing_workshop.room.pages import participant_pages

    return next(p for p in participant_pages(REPO / "notebooks") if p.exercise)


# -- the room's own reports -------------------------------------------------------------------
def fetch_json(url: str):
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read())


def wait_for_pool(room, filename: str, size: int, seen: list) -> float:
    """Seconds until the page's pool holds ``size`` ready kernels (new pool failures, kept
    in ``seen``, are printed: the room replaces such kernels)."""
    start = time.perf_counter()
    while True:
        if room.process.poll() is not None:
            raise RuntimeError(room.log_tail())
        status = fetch_json(f"{room.url}/room/api/kernels?token={FACILITATOR}")
        for failure in status["failures"][len(seen) :]:
            print(f"      pool: a kernel failed to start and was replaced: {failure}")
        seen[:] = status["failures"]
        if status["pools"][filename]["ready"] >= size:
            return time.perf_counter() - start
        time.sleep(1)


def shutdown_open_pages(room) -> None:
    """Close every open page's kernel (the pool's kernels stay)."""
    status = fetch_json(f"{room.url}/room/api/kernels?token={FACILITATOR}")
    for kernel_id in status["open_page_ids"]:
        delete = urllib.request.Request(
            f"{room.url}/api/kernels/{kernel_id}?token={FACILITATOR}", method="DELETE"
        )
        urllib.request.urlopen(delete, timeout=60).close()


def memory_mb(room, kernel_ids: set[str]) -> tuple[float, float, float, float]:
    """Unique and resident memory (MB) of these kernels, and of the server process."""
    import psutil

    server = psutil.Process(room.process.pid)
    uss = rss = 0
    for process in server.children(recursive=True):
        try:
            command = " ".join(process.cmdline())
            if any(f"kernel-{kid}.json" in command for kid in kernel_ids):
                info = process.memory_full_info()
                uss += info.uss
                rss += info.rss
        except psutil.Error:
            continue
    own = server.memory_full_info()
    return uss / 2**20, rss / 2**20, own.uss / 2**20, own.rss / 2**20


def cpu_seconds(room) -> tuple[float, dict[str, float]]:
    """Processor time used so far by the server process and by each kernel (by id)."""
    import psutil

    server = psutil.Process(room.process.pid)
    times = server.cpu_times()
    kernels = {}
    for process in server.children(recursive=True):
        try:
            command = " ".join(process.cmdline())
            t = process.cpu_times()
        except psutil.Error:
            continue
        if "kernel-" in command:
            kid = command.split("kernel-", 1)[1].split(".json", 1)[0]
            kernels[kid] = t.user + t.system
    return times.user + times.system, kernels


# -- one page as a browser would use it, without drawing it ----------------------------------
#: The kernel websocket protocol browsers use with Jupyter Server 2 (raw frames, no JSON
#: re-encoding in the server).
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def _message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> bytes:
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "bench",
        "session": session,
        "date": datetime.now(timezone.utc).isoformat(),
        "version": "5.3",
    }
    parts = [header, {}, metadata or {}, content]
    return serialize_msg_to_ws_v1([json.dumps(p).encode() for p in parts], "shell")


def _decode(raw) -> dict:
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    if isinstance(raw, str):
        return json.loads(raw)
    _channel, parts = deserialize_msg_from_ws_v1(raw)
    return {"header": json.loads(parts[0]), "content": json.loads(parts[3])}


class Page:
    """A participant page: its HTML, its kernel websocket and its widgets' states."""

    def __init__(self, room, filename: str, group: str):
        self.room, self.filename, self.group = room, filename, group
        self.session = uuid.uuid4().hex
        self.kernel_id = ""
        self.states: dict[str, dict] = {}
        self.ws = None
        self.ready_s = math.nan
        self.html_s = math.nan
        self.check_ms = math.nan
        self.problem = ""

    async def open(self) -> None:
        from tornado.httpclient import AsyncHTTPClient
        from tornado.websocket import websocket_connect

        start = time.perf_counter()
        url = (
            f"{self.room.url}/voila/render/{self.filename}?group={slug(self.group)}"
            f"&token={PARTICIPANT}"
        )
        response = await AsyncHTTPClient().fetch(
            url, request_timeout=PAGE_TIMEOUT_S, raise_error=False
        )
        body = response.body.decode("utf-8", "replace") if response.body else ""
        self.html_s = time.perf_counter() - start
        if response.code != 200 or "application/vnd.jupyter.widget-view+json" not in body:
            self.problem = f"page: HTTP {response.code} {body[-200:]!r}"
            return
        config = json.loads(
            body.split('id="jupyter-config-data" type="application/json">')[1].split("</script>")[0]
        )
        self.kernel_id = config["kernelId"]
        ws_url = (
            self.room.url.replace("http", "ws")
            + f"/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
            + f"&token={PARTICIPANT}"
        )
        self.ws = await websocket_connect(
            ws_url, max_message_size=2**28, subprotocols=[WS_PROTOCOL]
        )
        control = uuid.uuid4().hex
        await self._send(
            _message(
                "comm_open",
                {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                self.session,
                {"version": CONTROL_PROTOCOL},
            )
        )
        await self._send(
            _message(
                "comm_msg",
                {"comm_id": control, "data": {"method": "request_states"}},
                self.session,
            )
        )
        while True:
            message = await self._receive()
            if message is None:
                self.problem = "the kernel websocket closed"
                return
            data = message.get("content", {}).get("data", {})
            if (
                message["header"]["msg_type"] == "comm_msg"
                and data.get("method") == "update_states"
            ):
                self.states = data["states"]
                break
        self.ready_s = time.perf_counter() - start
        if not self._check_button():
            self.problem = "no Check button in the first exercise"

    async def _send(self, message: bytes) -> None:
        await self.ws.write_message(message, binary=True)

    async def _receive(self):
        raw = await self.ws.read_message()
        return None if raw is None else _decode(raw)

    def _first_exercise(self) -> list[str]:
        box = next(
            (
                k
                for k, v in self.states.items()
                if "dsw-exercise" in v["state"].get("_dom_classes", [])
            ),
            None,
        )
        found, todo = [], [box] if box else []
        while todo:
            model = todo.pop(0)
            found.append(model)
            for child in self.states[model]["state"].get("children", []):
                todo.append(child.replace("IPY_MODEL_", ""))
        return found

    def _check_button(self) -> str | None:
        return next(
            (
                m
                for m in self._first_exercise()
                if self.states[m]["model_name"] == "ButtonModel"
                and self.states[m]["state"].get("description") == "Check"
            ),
            None,
        )

    async def choose_an_answer(self) -> None:
        for model in self._first_exercise():
            name = self.states[model]["model_name"]
            if name in ("DropdownModel", "RadioButtonsModel", "SelectModel"):
                state = {"index": 1}
            elif name == "CheckboxModel":
                state = {"value": True}
            else:
                continue
            await self._send(
                _message(
                    "comm_msg",
                    {
                        "comm_id": model,
                        "data": {"method": "update", "state": state, "buffer_paths": []},
                    },
                    self.session,
                )
            )

    async def check(self) -> None:
        button = self._check_button()
        clicked = time.perf_counter()
        await self._send(
            _message(
                "comm_msg",
                {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}},
                self.session,
            )
        )
        wanted = f"Saved for {self.group}"
        while True:
            message = await self._receive()
            if message is None:
                self.problem = "the kernel websocket closed before the feedback"
                return
            data = message.get("content", {}).get("data", {})
            if data.get("method") == "update" and wanted in json.dumps(data.get("state", {})):
                self.check_ms = (time.perf_counter() - clicked) * 1000
                return

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


async def server_side_round(room, filename: str, n: int) -> list[Page]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=max(n, 10))
    pages = [Page(room, filename, GROUPS[i % len(GROUPS)]) for i in range(n)]

    async def opened(page: Page) -> None:
        try:
            await page.open()
        except Exception as exc:  # a refused or broken page is what is counted here
            page.problem = f"open: {exc!r}"

    await asyncio.gather(*(opened(p) for p in pages))
    usable = [p for p in pages if not p.problem]
    await asyncio.gather(*(p.choose_an_answer() for p in usable))
    await asyncio.sleep(2)  # the answers reach the kernels before anybody presses Check

    async def checked(page: Page) -> None:
        try:
            await asyncio.wait_for(page.check(), PAGE_TIMEOUT_S)
        except Exception as exc:
            page.problem = f"check: {exc!r}"

    await asyncio.gather(*(checked(p) for p in usable))
    for page in pages:
        page.close()
    return pages


def in_browsers(room, filename: str, n: int) -> dict:
    from playwright.sync_api import sync_playwright

    usable: list[float] = []
    latency: list[float] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            pages = []
            for i in range(n):
                group = GROUPS[i % len(GROUPS)]
                page = browser.new_context().new_page()
                page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
                pages.append((group, page, time.perf_counter()))
                page.goto(
                    f"{room.url}/voila/render/{filename}?group={slug(group)}&token={PARTICIPANT}",
                    wait_until="commit",
                )
            for _group, page, start in pages:
                try:
                    box = page.locator(".dsw-exercise").first
                    box.get_by_role("button", name="Check").wait_for()
                    usable.append(time.perf_counter() - start)
                except Exception as exc:
                    failed.append(repr(exc)[:200])
            for group, page, _ in pages:
                try:
                    box = page.locator(".dsw-exercise").first
                    for select in box.locator("select").all():
                        select.select_option(index=1)
                    saved = box.get_by_text(f"Saved for {group}")
                    clicked = time.perf_counter()
                    box.get_by_role("button", name="Check").click()
                    saved.wait_for()
                    latency.append(time.perf_counter() - clicked)
                except Exception as exc:
                    failed.append(repr(exc)[:200])
            for _, page, _ in pages:
                page.context.close()
        finally:
            browser.close()
    return {"usable": usable, "latency": latency, "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument(
        "--browsers", type=int, nargs="*", default=[], metavar="N", help="also in Chromium, at N"
    )
    args = parser.parse_args()
    page = first_breakout()
    pool = max(args.sizes)
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as home:
        extra = [
            "--kernel-limit",
            str(pool + 10),
            "--pool-size",
            "0",
            "--pool-size",
            f"{page.exercise}={pool}",
        ]
        with running_room(Path(home), groups=GROUPS, extra=extra) as room:
            seen: list[str] = []
            print(f"room at {room.url}; breakout page {page.filename}; pool of {pool}")
            for n in args.sizes:
                filled = wait_for_pool(room, page.filename, pool, seen)
                print(
                    f"N={n:2d} pool of {pool} ready ({filled:.0f} s of waiting); "
                    f"load average {os.getloadavg()}"
                )
                server_before, kernels_before = cpu_seconds(room)
                pages = asyncio.run(server_side_round(room, page.filename, n))
                server_after, kernels_after = cpu_seconds(room)
                good = [p for p in pages if not p.problem]
                checks = [p.check_ms for p in good if not math.isnan(p.check_ms)]
                failed = [p.problem for p in pages if p.problem]
                ids = {p.kernel_id for p in pages if p.kernel_id}
                uss, rss, server_uss, server_rss = memory_mb(room, ids)
                per = max(len(ids), 1)
                print(
                    f"N={n:2d} server side: page ready {summary([p.ready_s for p in good])}; "
                    f"(page received {summary([p.html_s for p in good])}); "
                    f"Check-to-feedback {summary(checks, 1, 'ms')}; "
                    f"failed {len(failed)}; per open page "
                    f"{(uss + server_uss / per) / per:.0f} MB unique "
                    f"({uss / per:.0f} MB kernel + {server_uss / per:.1f} MB server share; "
                    f"{(rss + server_rss / per) / per:.0f} MB resident); "
                    f"load average {os.getloadavg()}"
                )
                served = [k for k in ids if k in kernels_before and k in kernels_after]
                kernel_cpu = sum(kernels_after[k] - kernels_before[k] for k in served)
                print(
                    f"      processor time per page from request to Check done: server "
                    f"{(server_after - server_before) / max(n, 1):.2f} s (includes starting "
                    f"refills), kernel {kernel_cpu / max(len(served), 1):.2f} s "
                    f"({len(served)} pooled kernels measured)"
                )
                for problem in failed[:3]:
                    print(f"      failure: {problem[:200]}")
                shutdown_open_pages(room)
                if n not in args.browsers:
                    continue
                wait_for_pool(room, page.filename, pool, seen)
                browser = in_browsers(room, page.filename, n)
                print(
                    f"N={n:2d} in browsers: first exercise usable {summary(browser['usable'])}; "
                    f"Check-to-feedback {summary(browser['latency'], 1000, 'ms')}; "
                    f"failed {len(browser['failed'])}"
                )
                for problem in browser["failed"][:3]:
                    print(f"      failure: {problem[:160]}")
                shutdown_open_pages(room)
    return 0


if __name__ == "__main__":
    sys.exit(main())
