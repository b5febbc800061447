"""Time the breakout exercises: one press of Check, and opening a notebook's exercises.

A press of Check evaluates the answer with the rules engine, renders the feedback and saves
one row to the answer store. The target is a median under 20 ms, so the feedback feels
instant. The save waits for the disk (``synchronous=FULL``, see bench_store.py), so the
same clicks are also timed without a group (nothing saved) to show the two costs apart.

Opening: a fresh ``python`` process imports a breakout module and builds every exercise
of the standard set, as the notebook's cells do in a new kernel. Each run is timed end to
end from outside the process, and the import alone from inside it.

Usage::

    python benchmarks/bench_widgets.py [--clicks 200] [--repeat 5] [--dir FOLDER]

Prints medians (and 95th percentiles) in milliseconds. A script, not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.rules.transfer import advise_transfer, steps_before_sending
from datasharing_workshop.widgets import classify_data, common, transfer_channel


def report(label: str, durations: list[float]) -> None:
    ms = sorted(d * 1000 for d in durations)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<66} median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   (n={len(ms)})")


def click_timings(box: common.ExerciseBox, clicks: int) -> list[float]:
    durations = []
    for _ in range(clicks):
        start = time.perf_counter()
        box.check_button.click()
        durations.append(time.perf_counter() - start)
    return durations


def classify_box(store: Path, group: str) -> common.ExerciseBox:
    # The largest dataset, with the quasi-identifier rule in play.
    scenario = max(load_scenarios("classify_data"), key=lambda s: len(s.dataset.fields))
    box = classify_data.exercise(
        scenario.id, workshop_id="bench", group=group, store_path=str(store)
    )
    for f in scenario.dataset.fields:
        box.category_dropdowns[f.name].value = f.category
        box.rule_dropdowns[f.name].value = f.rule or classify_data.NO_RULE
    box.category_dropdowns[scenario.dataset.fields[0].name].value = "public"  # one wrong
    return box


def transfer_box(store: Path, group: str) -> common.ExerciseBox:
    scenario = next(s for s in load_scenarios("transfer_channel") if s.data.dataset)
    box = transfer_channel.exercise(
        scenario.id, workshop_id="bench", group=group, store_path=str(store)
    )
    transfer = transfer_channel.scenario_transfer(box_catalogue(), scenario, "standard")
    best = advise_transfer(box_catalogue(), transfer).best.channel.id
    box.channel_choice.value = best
    for step in steps_before_sending(box_catalogue(), transfer, best)[:-1]:  # one missed
        box.step_checkboxes[step.id].value = True
    return box


def box_catalogue():
    from datasharing_workshop.content.catalogue import load_catalogue

    return load_catalogue("ct")


COLD_OPEN = """
import json, sys, time
start = time.perf_counter()
from datasharing_workshop.widgets import {module}
imported = time.perf_counter()
boxes = {module}.exercises(workshop_id="bench", group=sys.argv[1], store_path=sys.argv[2])
for box in boxes:
    box._repr_mimebundle_()  # what displaying them costs, static HTML included
built = time.perf_counter()
print(json.dumps({{"import": imported - start, "build": built - imported, "n": len(boxes)}}))
"""


def cold_open(module: str, group: str, store: Path, repeat: int) -> None:
    walls, imports, builds = [], [], []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", COLD_OPEN.format(module=module), group, str(store)],
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        inner = json.loads(result.stdout.strip().splitlines()[-1])
        imports.append(inner["import"])
        builds.append(inner["build"])
        count = inner["n"]
    who = f"group {group!r}" if group else "no group"
    report(f"cold: python + import + {count} exercises ({module}, {who})", walls)
    report(f"cold: import {module} alone", imports)
    report(f"cold: build and render {count} exercises", builds)


def baseline(repeat: int) -> None:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append(time.perf_counter() - start)
    report("cold: python -c pass (interpreter start, for scale)", walls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200, help="Check presses per case")
    parser.add_argument("--repeat", type=int, default=5, help="cold starts per case")
    parser.add_argument("--dir", type=Path, help="folder for the temporary store")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.platform()}")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        store = Path(folder) / "answers.sqlite"
        cases: list[tuple[str, Callable[[Path, str], common.ExerciseBox]]] = [
            ("classify_data", classify_box),
            ("transfer_channel", transfer_box),
        ]
        for name, make in cases:
            box = make(store, "bench")
            box.check_button.click()  # warm up: opens the store
            report(f"Check, saved to the store ({name})", click_timings(box, args.clicks))
            box = make(store, "")
            box.check_button.click()
            report(f"Check, not saved: no group ({name})", click_timings(box, args.clicks))
        common.close_stores()
        baseline(args.repeat)
        for module in ("classify_data", "transfer_channel"):
            cold_open(module, "", store, args.repeat)
        cold_open("classify_data", "bench", store, args.repeat)  # reads saved answers
    return 0


if __name__ == "__main__":
    sys.exit(main())
