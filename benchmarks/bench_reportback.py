"""Time the report-back for a big workshop: 40 groups x 60 answers each.

The report-back notebook is re-run during the discussion, so the whole report, from
reading the store to the last chart, should take under 200 ms (the issue's target). This
script fills a temporary store with 40 groups, each with 60 latest answers: every
registered breakout played by the kit's own simulation (judged by each breakout's Check,
with seeded mistakes), topped up with answers to three breakouts the report-back does not
know yet, which it shows generically. Each group also gets two observer notes.

Usage::

    python benchmarks/bench_reportback.py [--groups 40] [--answers 60] [--repeat 15]

Prints the median wall time and the median CPU time of the process over ``--repeat`` runs,
after one warm-up run (imports, font cache), for:

- ``load_report`` and the whole report-back with nothing kept from earlier runs (as in a
  fresh kernel: every row read and judged, every chart drawn);
- ``render_all`` (every table, chart, prompt and the feedback export, charts from scratch);
- the headline, "whole report-back, new answers": before each run (not timed) ``--new``
  attempts are saved, one per group, as if every group had pressed Check again since the
  facilitator's last run; the run then reads the store, compares, and renders every part,
  every chart drawn again. The report-back keeps what it read and judged in its process
  (saved attempts never change), so only the new rows are read and judged;
- a re-run with no new answers.

CPU time is the steadier figure on a busy machine; the load average is printed so a slow
run can be recognised. This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from datasharing_workshop.reportback import charts, load_report
from datasharing_workshop.reportback import data as data_module
from datasharing_workshop.reportback.simulate import group_names, simulate_workshop
from datasharing_workshop.store import AnswerStore

WORKSHOP = "bench"
#: Breakouts the report-back compares generically (no item-by-item key), as it does for
#: any breakout it does not know.
FUTURE = ("future_breakout_a", "future_breakout_b", "future_breakout_c")


def fill_store(path: Path, groups: int, answers_per_group: int, seed: int = 7) -> int:
    """Every breakout played by ``groups`` groups (the kit's own simulation, judged by the
    breakouts' Check), then each group topped up to ``answers_per_group`` latest answers
    with answers to breakouts the report-back does not know."""
    rng = random.Random(seed)
    simulate_workshop(path, WORKSHOP, groups=groups, seed=seed, notes_per_group=2)
    with AnswerStore(path) as store:
        per_group: dict[str, int] = {}
        for record in store.latest_answers(WORKSHOP):
            per_group[record.group] = per_group.get(record.group, 0) + 1
        count = sum(per_group.values())
        for name in group_names(groups):
            skill = rng.uniform(0.6, 0.95)
            left = answers_per_group - per_group.get(name, 0)
            n = 0
            while left > 0:
                exercise = FUTURE[n % len(FUTURE)]
                right = rng.random() < skill
                store.record_answer(
                    workshop=WORKSHOP,
                    group=name,
                    exercise=exercise,
                    scenario=f"case-{n // len(FUTURE) + 1:02d}",
                    answer={"choice": rng.choice(["dua", "mou", "dsa", "none"]), "notes": "ok"},
                    correct=right,
                    score=1.0 if right else rng.choice([0.0, 0.5]),
                    feedback="",
                )
                count += 1
                left -= 1
                n += 1
    return count


def add_new_answers(path: Path, groups: int, rng: random.Random) -> None:
    """One new attempt per group (``groups`` of them), as if every group pressed Check once
    more since the last run: a retry of a scenario another group answered, with that
    attempt's answer, marks and result."""
    with AnswerStore(path) as store:
        latest = store.latest_answers(WORKSHOP)
        for name in group_names(groups):
            other = rng.choice(latest)
            store.record_answer(
                workshop=WORKSHOP,
                group=name,
                exercise=other.exercise,
                scenario=other.scenario,
                answer=other.answer,
                correct=other.correct,
                score=other.score,
                feedback=other.feedback,
                marks=other.marks,
            )


def forget_everything() -> None:
    """Empty every cache the report-back keeps in its process (as in a fresh kernel)."""
    charts.clear_cache()
    data_module.clear_caches()


def measure(call, repeat: int, before=None) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        if before is not None:
            before()  # not timed
        w0, c0 = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


def show(label: str, walls: list[float], cpus: list[float]) -> None:
    wall = statistics.median(walls) * 1000
    cpu = statistics.median(cpus) * 1000
    print(f"{label:<44} wall median {wall:7.1f} ms   cpu median {cpu:7.1f} ms   (n={len(walls)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--answers", type=int, default=60, help="latest answers per group")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--new", type=int, default=40, help="attempts saved before each 'new answers' run"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.sqlite"
        t0 = time.perf_counter()
        saved = fill_store(path, args.groups, args.answers)
        load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs, load average {load_avg:.1f}; "
            f"{args.groups} groups x {args.answers} answers = {saved} answers saved "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        with AnswerStore(path) as store:
            known = sum(r.exercise not in FUTURE for r in store.latest_answers(WORKSHOP))
        print(f"  of the latest answers, {known} are to the registered breakouts")

        def load():
            return load_report(WORKSHOP, store_path=path)

        def render_cold():
            charts.clear_cache()  # draw every chart, as after new answers
            report.render_all()

        def whole_fresh():
            forget_everything()
            load().render_all()

        rng = random.Random(11)

        def new_answers():
            add_new_answers(path, args.new, rng)
            charts.clear_cache()  # and draw every chart again, whatever changed

        def whole():
            load().render_all()

        w0 = time.perf_counter()
        report = load()
        parts = report.render_all()
        print(f"first run, with imports and font cache: {(time.perf_counter() - w0) * 1000:.0f} ms")
        latest = len(report.data.records)
        drawn = sum(1 for p in parts if hasattr(p, "png"))
        print(f"report: {latest} latest answers, {len(report.data.answers)} items, {drawn} charts")
        show(
            "load_report, nothing kept (fresh kernel)",
            *measure(load, args.repeat, forget_everything),
        )
        show("render_all (tables, 3 charts, prompts, md)", *measure(render_cold, args.repeat))
        show("whole report-back, nothing kept", *measure(whole_fresh, args.repeat))
        show(
            f"whole report-back, {args.new} new answers (< 200 ms)",
            *measure(whole, args.repeat, new_answers),
        )
        show("whole report-back, re-run, no new answers", *measure(whole, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
