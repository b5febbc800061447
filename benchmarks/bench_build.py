"""The handout build side by side with the naive route and a measured floor, interleaved.

Usage::

    .venv/bin/python benchmarks/bench_build.py [--rounds 3] [--skip-naive]

Every round runs each route once, in a rotating order (so a busy spell on the shared
machine does not fall on one route), each as a subprocess that pays its own start-up, on
the same copy of the repository's workshop (its workshop.yml, 4 groups, a store filled by
``simulate`` so group handouts show answers):

naive
    ``jupyter nbconvert --to html --execute`` once per handout (participant,
    facilitator, one per group where the notebook has group handouts), one after another.
kit cold
    ``datasharing-workshop build`` into an empty output and cache folder.
kit warm
    the same command again, nothing changed.
floor
    one Python process running the notebooks itself with nbclient's async API, two kernels
    at once, then one nbconvert HTML export per handout (:func:`floor` below, run as
    ``bench_build.py --floor DIR``): what any tool doing this work in one process must
    spend at least.

For each run: wall seconds, CPU seconds of the process and everything it waited for
(kernels included), and the 1-minute load average before it started. Printed per round,
then medians and the ratios the issue sets targets for: kit cold at most 1.0x the floor's
wall time and at most 1.1x its CPU time; warm under 1 s. A measurement script, never a
test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def workspace(root: Path) -> Path:
    """A copy of the repository's workshop with its own store, filled by ``simulate``."""
    for folder in ("exercises", "notebooks", "facilitator_guide"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".*"))
    config = (REPO / "workshop.yml").read_text() + "\nstore_path: answers.sqlite\n"
    (root / "workshop.yml").write_text(config)
    return root


def planned_handouts(root: Path) -> list[tuple[str, str, str]]:
    """(notebook stem, variant, group) for every handout the build makes."""
    import yaml

    groups = yaml.safe_load((root / "workshop.yml").read_text())["groups"]
    groups = [g if isinstance(g, str) else g["name"] for g in groups]
    out = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        settings = json.loads(path.read_text())["metadata"].get("datasharing_workshop", {})
        for variant in settings.get("handouts", ["participant", "facilitator"]):
            for group in groups if variant == "group" else [""]:
                out.append((path.stem, variant, group))
    return out


def parameters(root: Path) -> dict[str, str]:
    """What the build injects: the workshop's own names (group empty: one run per notebook)."""
    import yaml

    config = yaml.safe_load((root / "workshop.yml").read_text())
    return {
        "workshop_id": config["workshop_id"],
        "group": "",
        "scenario_set": config.get("scenario_set", "standard"),
        "store_path": str(root / "answers.sqlite"),
        "jurisdiction": config.get("jurisdiction", "ct"),
    }


# ------------------------------------------------------------------------------ the floor


async def _floor_execute(root: Path, parallel: int) -> dict[str, object]:
    import nbformat
    from nbclient import NotebookClient

    values = parameters(root)
    semaphore = asyncio.Semaphore(parallel)

    async def one(path: Path) -> tuple[str, object]:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if "parameters" in cell.metadata.get("tags", []):
                names = [line.split("=")[0].strip() for line in cell.source.splitlines()]
                chosen = {k: v for k, v in values.items() if k in names}
                source = "\n".join(f"{k} = {v!r}" for k, v in chosen.items())
                nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
                break
        async with semaphore:
            client = NotebookClient(
                nb, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            )
            await client.async_execute()
        return path.stem, nb

    paths = sorted((root / "notebooks").glob("*.ipynb"))
    return dict(await asyncio.gather(*(one(p) for p in paths)))


def floor(root: Path, out: Path, parallel: int = 2) -> None:
    """Execute every notebook once (two kernels at once), then one HTML export per handout."""
    from nbconvert import HTMLExporter

    executed = asyncio.run(_floor_execute(root, parallel))
    exporter = HTMLExporter()
    out.mkdir(parents=True, exist_ok=True)
    for n, (stem, variant, _group) in enumerate(planned_handouts(root)):
        html, _ = exporter.from_notebook_node(executed[stem])
        (out / f"{stem}-{variant}-{n}.html").write_text(html, encoding="utf-8")


# ------------------------------------------------------------------------------ measuring


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(commands: list[list[str]], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of running ``commands`` one after another."""
    cpu = children_cpu()
    started = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="kernels at once (kit and floor)")
    parser.add_argument(
        "--skip-naive", action="store_true", help="leave out the naive route (~4 min a round)"
    )
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)  # the floor's own run
    args = parser.parse_args()
    if args.floor:
        floor(args.floor, args.floor / "floor-out", args.jobs)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = workspace(Path(tmp) / "workshop")
        env = {
            **os.environ,
            "DATASHARING_WORKSHOP_CONTENT": str(root / "exercises"),
            "DATASHARING_WORKSHOP_STORE": str(root / "answers.sqlite"),
        }
        env.pop("CI", None)
        cli = str(BIN / "datasharing-workshop")
        workshop_id = parameters(root)["workshop_id"]
        subprocess.run(
            [cli, "simulate", "--workshop", workshop_id, "--store", str(root / "answers.sqlite")],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        handouts = planned_handouts(root)
        print(
            f"{len({h[0] for h in handouts})} notebooks, {len(handouts)} handouts, "
            f"{os.cpu_count()} CPUs, --jobs {args.jobs}, {args.rounds} rounds"
        )

        def naive() -> list[list[str]]:
            out = Path(tmp) / "naive"
            return [
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    "--execute",
                    str(root / "notebooks" / f"{stem}.ipynb"),
                    "--output-dir",
                    str(out / variant),
                    "--output",
                    f"{stem}-{n}",
                ]
                for n, (stem, variant, _group) in enumerate(handouts)
            ]

        def build(round_: int) -> list[list[str]]:
            return [
                [
                    cli,
                    "build",
                    "--config",
                    str(root / "workshop.yml"),
                    "--jobs",
                    str(args.jobs),
                    "--output",
                    str(Path(tmp) / f"kit-{round_}" / "handouts"),
                ]
            ]

        def floor_run() -> list[list[str]]:
            shutil.rmtree(root / "floor-out", ignore_errors=True)
            return [[sys.executable, __file__, "--floor", str(root), "--jobs", str(args.jobs)]]

        routes = ["naive", "kit cold", "kit warm", "floor"]
        if args.skip_naive:
            routes.remove("naive")
        results: dict[str, list[tuple[float, float, float]]] = {r: [] for r in routes}
        for round_ in range(args.rounds):
            # Rotate the order; "kit warm" always directly after "kit cold" of its round.
            order = [r for r in routes if r != "kit warm"]
            order = order[round_ % len(order) :] + order[: round_ % len(order)]
            order.insert(order.index("kit cold") + 1, "kit warm")
            for route in order:
                load = os.getloadavg()[0]
                if route == "naive":
                    commands = naive()
                elif route == "floor":
                    commands = floor_run()
                else:
                    commands = build(round_)
                wall, cpu = timed(commands, root, env)
                results[route].append((wall, cpu, load))
                print(
                    f"round {round_ + 1}: {route:9} wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
                    f"load before {load:5.2f}",
                    flush=True,
                )
        print("\nmedians over rounds")
        med = {}
        for route, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            loads = ", ".join(f"{r[2]:.2f}" for r in runs)
            med[route] = (wall, cpu)
            print(f"  {route:9} wall {wall:7.2f} s  cpu {cpu:7.2f} s  (loads {loads})")
        cold, flo = med["kit cold"], med["floor"]
        print(
            f"kit cold / floor: wall {cold[0] / flo[0]:.2f}x (target <= 1.0), "
            f"cpu {cold[1] / flo[1]:.2f}x (target <= 1.1); kit warm {med['kit warm'][0]:.2f} s "
            "(target < 1 s)"
        )
        per_round = [
            (c[0] / f[0], c[1] / f[1])
            for c, f in zip(results["kit cold"], results["floor"], strict=True)
        ]
        print(
            "  ratios within each round (wall, cpu): "
            + "; ".join(f"{w:.2f}x, {c:.2f}x" for w, c in per_round)
        )
        if "naive" in med:
            print(f"kit cold / naive: wall {cold[0] / med['naive'][0]:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
