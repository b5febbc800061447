"""Time the answer store's hot paths on both backends: saving one answer, and the
report-back's reads of a whole room (40 groups x 60 answers).

``record_answer`` runs once per "Check" click and waits for the answer to be durable
(SQLite ``synchronous=FULL``; PostgreSQL's commit with ``fsync=on``), so its time is mostly
one disk flush and depends on the disk: run this on the kind of machine the workshop uses.
``latest_answers`` runs when a page is reopened and when the report-back summarises a
workshop; the report-back also reads every attempt (first beside latest) and the notes.

Usage::

    python benchmarks/bench_store.py [--dir FOLDER] [--calls 500] [--repeat 200]
                                     [--postgresql URL | --no-postgresql]

Without ``--postgresql`` a throwaway PostgreSQL server (Debian's package, as the tests use;
fsync on) is started in a temporary folder and stopped afterwards; ``--postgresql URL``
uses an existing, empty database instead (its tables are created, filled and left there).
Prints medians (and 95th percentiles) in milliseconds. This is a script, not a test: it
asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from datasharing_workshop.store import AnswerStore

GROUPS = 40
EXERCISES = 6
SCENARIOS = 5
ATTEMPTS = 2  # 6 exercises x 5 scenarios x 2 attempts = 60 answers per group


def timings(call: Callable[[], object], times: int) -> list[float]:
    """Return the duration of each of ``times`` calls, in seconds."""
    durations = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        durations.append(time.perf_counter() - start)
    return durations


def report(label: str, durations: list[float]) -> None:
    ms = sorted(d * 1000 for d in durations)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<46} median {statistics.median(ms):8.3f} ms   p95 {p95:8.3f} ms   (n={len(ms)})")


def answer_kwargs(group: int, exercise: int, scenario: int, attempt: int) -> dict[str, object]:
    return {
        "workshop": "bench",
        "group": f"group-{group:02d}",
        "exercise": f"exercise_{exercise}",
        "scenario": f"scenario-{scenario}",
        "answer": {"level": "restricted", "reasons": ["names", "dates of birth"]},
        "correct": attempt == ATTEMPTS - 1,
        "score": attempt / (ATTEMPTS - 1),
        "feedback": "Right: names with dates of birth identify people, so this is restricted.",
    }


def bench_record_answer(location: str, calls: int) -> None:
    with AnswerStore(location) as store:
        store.count_answers()  # create the file and tables outside the timed calls
        counter = iter(range(calls))

        def save() -> None:
            n = next(counter)
            store.record_answer(**answer_kwargs(n % GROUPS, n % EXERCISES, n % SCENARIOS, 1))

        report(f"record_answer ({calls} calls, one commit each)", timings(save, calls))


def bench_latest_answers(location: str, repeat: int) -> None:
    with AnswerStore(location) as store:
        start = time.perf_counter()
        for attempt in range(ATTEMPTS):
            for group in range(GROUPS):
                for exercise in range(EXERCISES):
                    for scenario in range(SCENARIOS):
                        store.record_answer(**answer_kwargs(group, exercise, scenario, attempt))
        filled = time.perf_counter() - start
        total = store.count_answers()
        print(f"filled a store with {total} answers ({GROUPS} groups) in {filled:.2f} s")
        latest = store.latest_answers("bench")
        assert len(latest) == GROUPS * EXERCISES * SCENARIOS, len(latest)

        report(
            f"latest_answers(workshop) -> {len(latest)} records",
            timings(lambda: store.latest_answers("bench"), repeat),
        )
        report(
            "latest_answers(workshop, group) -> 30 records",
            timings(lambda: store.latest_answers("bench", group="group-17"), repeat),
        )
        report(
            "latest_answer(workshop, group, ex, scenario)",
            timings(
                lambda: store.latest_answer("bench", "group-17", "exercise_3", "scenario-2"),
                repeat,
            ),
        )
        report(
            f"answers(workshop) -> {total} records",
            timings(lambda: store.answers("bench"), max(1, repeat // 4)),
        )

        def report_back() -> None:  # what the report-back reads for one screen
            store.latest_answers("bench")
            store.answers("bench")
            store.observations("bench")

        report(
            "report-back reads (latest + every attempt + notes)",
            timings(report_back, max(1, repeat // 4)),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="folder for the temporary stores (default: system temp)")
    parser.add_argument("--calls", type=int, default=500, help="record_answer calls to time")
    parser.add_argument("--repeat", type=int, default=200, help="times to run each query")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgresql", metavar="URL", help="an existing, empty database")
    where.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.machine()}"
    )
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-store-") as folder:
        print(f"\n== SQLite: stores in {folder}")
        bench_record_answer(str(Path(folder) / "record.sqlite"), args.calls)
        bench_latest_answers(str(Path(folder) / "latest.sqlite"), args.repeat)
    if args.no_postgresql:
        return 0
    if args.postgresql:
        print(f"\n== PostgreSQL: {args.postgresql}")
        bench_record_answer(args.postgresql, args.calls)
        bench_latest_answers(args.postgresql, args.repeat)
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
    import os

    import pg_cluster

    cluster = pg_cluster.start_cluster(durable=True)
    try:
        os.environ["PGPASSWORD"] = pg_cluster.PASSWORD
        version = subprocess.run(
            [str(cluster.bindir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout.strip()
        print(f"\n== PostgreSQL: throwaway server ({version}, fsync on) over TCP 127.0.0.1")
        bench_record_answer(cluster.url(cluster.create_database("record")), args.calls)
        bench_latest_answers(cluster.url(cluster.create_database("latest")), args.repeat)
    finally:
        cluster.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
