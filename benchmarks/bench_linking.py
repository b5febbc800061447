"""Time breakout 6: Check on a scenario, and linking the 5,000-person extracts.

1. **Check**: ``check_linking`` on the first ``linking`` scenario (100 x 100 records), with
   the right answer and with a wrong one (no blocking: all 10,000 pairs scored), as the
   Check button runs it.
2. **Matching on 5,000 people**: two extracts of 5,000 records each (seed 6) linked with
   each method; the probabilistic score with each blocking field, and without blocking
   only counted (25 million pairs would be scored).

Usage::

    python benchmarks/bench_linking.py [--repeat 5]

Prints medians in milliseconds and the link's counts. A script, not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from datasharing_workshop.breakouts.linking import BREAKOUT, _people
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.rules.deidentification import data_folder
from datasharing_workshop.rules.linking import BLOCKING, comparisons, link, make_extracts


def timed(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cat = load_catalogue("ct")
    sc = load_scenarios("linking", "ct")[0]
    BREAKOUT.grade(cat, sc, BREAKOUT.right_answer(cat, sc, "standard"), "standard")  # warm
    for name, answer in (
        ("right answer", BREAKOUT.right_answer(cat, sc, "standard")),
        ("wrong answer (no blocking)", BREAKOUT.wrong_answer(cat, sc, "standard")),
    ):
        ms, _ = timed(args.repeat, lambda a=answer: BREAKOUT.grade(cat, sc, a, "standard"))
        print(f"Check, {name}: median {ms:.1f} ms")

    people = _people(str(data_folder() / "people.csv"))
    ms, big = timed(1, lambda: make_extracts(people, 5000, 6))
    print(f"5,000-record extracts made in {ms:.0f} ms ({len(big.true_pairs):,} true pairs)")
    for method in ("exact_id", "name_birth_date"):
        ms, r = timed(args.repeat, lambda m=method: link(big, m, "none"))
        print(
            f"{method}: {ms:.0f} ms; links {r.linked:,}, false {r.false_matches}, "
            f"missed {r.missed_matches}"
        )
    for blocking in BLOCKING:
        if blocking == "none":
            print(f"probabilistic, no blocking: {comparisons(big, 'none'):,} pairs (not scored)")
            continue
        ms, r = timed(1, lambda b=blocking: link(big, "probabilistic", b, 10))
        print(
            f"probabilistic, blocking {blocking}: {ms:.0f} ms for {r.comparisons:,} pairs; "
            f"links {r.linked:,}, false {r.false_matches}, missed {r.missed_matches}"
        )


if __name__ == "__main__":
    main()
