"""Time breakout 5: recounting and suppressing the 5,000-person table after each change.

A group changes one thing at a time (how to share one field, or the minimum cell size).
The exercise then recounts the people, hides the small counts and the counts that would
give them away, and shows the new table at once; the chart, which tries every option of
every field and draws a PNG, is redrawn once the group pauses (``CHART_DELAY``). This
script replays a seeded random walk of such changes over all 5,000 people of
``exercises/data/people.csv`` (no programme filter: the largest tables the data allows)
and times:

1. **table, no cache**: count, suppress and render the table's HTML from scratch (even
   the generalised columns are worked out again). Target: median under 200 ms.
2. **widget change until the table shows**: setting the control on a real exercise
   widget inside a running event loop, as in a kernel: what a group waits for. With the
   widget's caches as a group would have them, and with every cache emptied first.
3. **chart redraw**: what runs after the pause (14 more suppressions and the PNG).

The walk starts from the answer-like choices (identifiers left out, ZIP as town); each
step changes one control at random. Keeping a name or case number is a detour a group
takes now and then and undoes at the next step.

Usage::

    python benchmarks/bench_suppression.py [--steps 200] [--seed 7]

Prints medians and 95th percentiles in milliseconds. A script, not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import time
from datetime import date

from datasharing_workshop.breakouts.deidentify import DeidentifyScenario
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.rules.deidentification import DROP, KEEP, Tabulator, TooDetailed
from datasharing_workshop.rules.suppression import suppress
from datasharing_workshop.widgets import deidentify

FIELD_OPTIONS = {
    "id": [KEEP, DROP],
    "name": [KEEP, DROP],
    "birth_date": [KEEP, "year_of_birth", "age_band_10", "age_band_broad", DROP],
    "sex": [KEEP, DROP],
    "zip": [KEEP, "town", "county", DROP],
    "programme": [KEEP, DROP],
    "outcome": [KEEP, DROP],
}
START = {
    "id": DROP,
    "name": DROP,
    "birth_date": "age_band_broad",
    "sex": DROP,
    "zip": "town",
    "programme": KEEP,
    "outcome": KEEP,
}
AS_OF = date(2024, 7, 1)


def everyone_scenario() -> DeidentifyScenario:
    """The standard set's first scenario, widened to every person and field."""
    raw = load_scenarios("deidentify")[0].model_dump()
    by_name = {f["name"]: f for f in raw["fields"]}
    fields = []
    for name, options in FIELD_OPTIONS.items():
        field = dict(by_name.get(name, {"name": name, "description": name, "explanation": ""}))
        field.update(options=options, answer=[START[name]])
        fields.append(field)
    raw.update(id="everyone", only={}, fields=fields, columns="outcome", as_of=AS_OF)
    return DeidentifyScenario.model_validate(raw)


def walk(steps: int, seed: int) -> list[tuple[str, object]]:
    """(control, new value) changes: a field's option, or ``"min_cell_size"``."""
    rng = random.Random(seed)
    choices, threshold = dict(START), 5
    changes: list[tuple[str, object]] = []
    while len(changes) < steps:
        if rng.random() < 0.25:
            threshold = rng.choice([k for k in range(5, 12) if k != threshold])
            changes.append(("min_cell_size", threshold))
            continue
        field = rng.choice(list(FIELD_OPTIONS))
        if field in ("id", "name"):
            if rng.random() < 0.8:
                continue
            changes += [(field, KEEP), (field, DROP)]  # a detour, undone at once
            continue
        value = rng.choice([o for o in FIELD_OPTIONS[field] if o != choices[field]])
        changes.append((field, value))
        choices[field] = value
    return changes[:steps]


def report(label: str, durations: list[float]) -> None:
    ms = sorted(d * 1000 for d in durations)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<52} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})")


def time_tables(scenario: DeidentifyScenario, changes) -> list[float]:
    catalogue = load_catalogue("ct")
    data = deidentify.tabulator(scenario).data
    choices, threshold = dict(START), 5
    durations = []
    for control, value in changes:
        if control == "min_cell_size":
            threshold = value
        else:
            choices[control] = value
        start = time.perf_counter()
        tab = Tabulator(data, list(FIELD_OPTIONS), FIELD_OPTIONS, "outcome", AS_OF)
        try:
            counted = tab.count(choices)
            result = suppress(counted.table, threshold)
            deidentify.counts_table(counted, result, "outcome")
        except TooDetailed as exc:
            deidentify.result_sentences(catalogue, exc)
        durations.append(time.perf_counter() - start)
    return durations


async def time_widget(scenario, changes, *, cold: bool) -> tuple[list[float], list[float]]:
    """(until the table shows, chart redraw) per change, inside a running event loop."""
    box = deidentify.build(load_catalogue("ct"), scenario)
    tables, charts = [], []
    for control, value in changes:
        widget = box.min_cell_size if control == "min_cell_size" else box.field_choices[control]
        if cold:
            box.forget()
        start = time.perf_counter()
        widget.value = value  # the observer shows the table and schedules the chart
        shown = time.perf_counter()
        box.draw_chart()  # what the pause would run (the scheduled call then finds no work)
        drawn = time.perf_counter()
        tables.append(shown - start)
        charts.append(drawn - shown)
        await asyncio.sleep(0)
    return tables, charts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="changes to replay")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random walk")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.platform()}")
    scenario = everyone_scenario()
    changes = walk(args.steps, args.seed)
    print(f"{deidentify.tabulator(scenario).people:,} people, {len(changes)} changes")
    report("table: count + suppress + HTML, no cache", time_tables(scenario, changes))
    for cold in (False, True):
        tables, charts = asyncio.run(time_widget(scenario, changes, cold=cold))
        caches = "caches emptied" if cold else "caches as used"
        report(f"widget change until the table shows, {caches}", tables)
        report(f"chart redraw after the pause, {caches}", charts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
