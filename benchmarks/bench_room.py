"""Open N simultaneous participant pages of one breakout against ``datasharing-workshop serve``
and report how the room holds up, for N = 10, 20, 30 in one run.

Two measurements per N, kept apart because in a real room the participants' browsers run
on their own laptops, not on the facilitator's:

* **Server side** (no browser): N threads request the same breakout page at once, each for
  its own group, through Voilà as a browser would. "Ready" is the moment the page has been
  fully sent: Voilà has run the notebook and the first exercise's widgets are in the page.
  Failed pages (an error status, or no widget in the page) are counted. Memory per open
  page is the resident memory of all kernels divided by the pages open, read with psutil.
* **In browsers** (Debian's Chromium via Playwright, on this machine too): N pages open at
  once; "usable" is when the first exercise's Check button is visible; then each page
  chooses an answer and presses Check, and "Check-to-feedback" runs from the click until
  "Saved for <group>" shows.

Usage::

    python benchmarks/bench_room.py [--sizes 10 20 30] [--no-browsers]

Prints p50 / p95 / max in seconds (latency in milliseconds). This is a script, not a test:
it asserts nothing. Targets (issue 12): 0 failed pages at every N; at N = 30 server-side
ready p95 <= 5 s and Check-to-feedback p95 <= 300 ms; <= 100 MB per open page.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from helpers.room_server import FACILITATOR, PARTICIPANT, running_room  # noqa: E402

NOTEBOOK = "03_classify_data.ipynb"
CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_S = 600


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


def kernels_memory_mb(room) -> tuple[int, float, float]:
    """Kernels running, and their resident and unique memory in MB (unique: what closing
    the page would give back; resident also counts shared libraries)."""
    import psutil

    kernels = [
        p
        for p in psutil.Process(room.process.pid).children(recursive=True)
        if "ipykernel" in " ".join(p.cmdline())
    ]
    rss = uss = 0
    for kernel in kernels:
        info = kernel.memory_full_info()
        rss += info.rss
        uss += info.uss
    return len(kernels), rss / 2**20, uss / 2**20


def shutdown_kernels(room) -> None:
    request = urllib.request.Request(f"{room.url}/api/kernels?token={FACILITATOR}")
    with urllib.request.urlopen(request, timeout=60) as response:
        kernels = json.loads(response.read())
    for kernel in kernels:
        delete = urllib.request.Request(
            f"{room.url}/api/kernels/{kernel['id']}?token={FACILITATOR}", method="DELETE"
        )
        urllib.request.urlopen(delete, timeout=60).close()


def server_side(room, n: int, groups: list[str]) -> dict:
    times: list[float] = []
    failed: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        slug = groups[i % len(groups)].lower().replace(" ", "-")
        url = f"{room.url}/voila/render/{NOTEBOOK}?group={slug}&token={PARTICIPANT}"
        barrier.wait()
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=PAGE_TIMEOUT_S) as response:
                body = response.read().decode("utf-8", "replace")
            ok = "application/vnd.jupyter.widget-view+json" in body and "dsw-exercise" in body
            problem = "" if ok else "no exercise widgets in the page"
        except Exception as exc:  # a refused or broken page is what is counted here
            problem = repr(exc)
        elapsed = time.perf_counter() - start
        with lock:
            if problem:
                failed.append(problem)
            else:
                times.append(elapsed)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count, rss, uss = kernels_memory_mb(room)
    shutdown_kernels(room)
    return {"ready": times, "failed": failed, "kernels": count, "rss_mb": rss, "uss_mb": uss}


def in_browsers(room, n: int, groups: list[str]) -> dict:
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
                group = groups[i % len(groups)]
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
                pages.append((group, page, time.perf_counter()))
                slug = group.lower().replace(" ", "-")
                page.goto(
                    f"{room.url}/voila/render/{NOTEBOOK}?group={slug}&token={PARTICIPANT}",
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
    shutdown_kernels(room)
    return {"usable": usable, "latency": latency, "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--no-browsers", action="store_true")
    args = parser.parse_args()
    groups = [f"Group {chr(65 + i)}" for i in range(6)]
    with tempfile.TemporaryDirectory() as home:
        extra = ["--kernel-limit", str(max(args.sizes) + 10)]
        with running_room(Path(home), groups=groups, extra=extra) as room:
            print(f"room at {room.url}; breakout page {NOTEBOOK}")
            for n in args.sizes:
                server = server_side(room, n, groups)
                pages = max(server["kernels"], 1)
                print(
                    f"N={n:2d} server side: ready {summary(server['ready'])}; "
                    f"failed {len(server['failed'])}; kernels {server['kernels']}, per open "
                    f"page {server['uss_mb'] / pages:.0f} MB unique "
                    f"({server['rss_mb'] / pages:.0f} MB resident)"
                )
                for problem in server["failed"][:3]:
                    print(f"      failure: {problem[:160]}")
                if args.no_browsers:
                    continue
                browser = in_browsers(room, n, groups)
                print(
                    f"N={n:2d} in browsers: first exercise usable {summary(browser['usable'])}; "
                    f"Check-to-feedback {summary(browser['latency'], 1000, 'ms')}; "
                    f"failed {len(browser['failed'])}"
                )
                for problem in browser["failed"][:3]:
                    print(f"      failure: {problem[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
