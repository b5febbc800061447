"""How fast the kit starts: `import datasharing_workshop` and `datasharing-workshop validate`.

Run by hand (not a test: timings on shared machines are noisy)::

    .venv/bin/python benchmarks/bench_startup.py [--runs 15]

Targets (issue 2): import under 300 ms by ``python -X importtime``; ``validate`` under
0.5 s as a whole process. Also reports whether nbformat, ipywidgets or jsonschema were
imported by the command (they must not be: nbformat alone costs ~1.6 s here).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def import_time_us(module: str = "datasharing_workshop") -> int:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        match = re.match(rf"import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$", line)
        if match:
            return int(match[1])
    raise RuntimeError("datasharing_workshop not in -X importtime output")


def process_seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def heavy_modules(argv: list[str]) -> list[str]:
    code = (
        f"import runpy, sys; sys.argv = {argv!r}; "
        "from datasharing_workshop.cli import main\n"
        "try:\n    main(sys.argv[1:])\nfinally:\n"
        "    heavy = ('nbformat', 'ipywidgets', 'jsonschema', 'nbconvert')\n"
        "    print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line.removeprefix("HEAVY:").split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cli = shutil.which("datasharing-workshop") or str(
        Path(sys.executable).parent / "datasharing-workshop"
    )

    imports = sorted(import_time_us() for _ in range(args.runs))
    print(
        f"import datasharing_workshop (-X importtime, cumulative): median "
        f"{statistics.median(imports) / 1000:.1f} ms, min {imports[0] / 1000:.1f} ms "
        f"(target < 300 ms)"
    )
    rules = sorted(import_time_us("datasharing_workshop.rules") for _ in range(args.runs))
    print(
        f"import datasharing_workshop.rules (catalogue, pydantic, yaml): median "
        f"{statistics.median(rules) / 1000:.1f} ms"
    )
    for argv in (
        [cli, "validate"],
        [cli, "advise", "transfer", "--data", "phi", "--size", "3GB", "--to", "agency"],
    ):
        process_seconds(argv)  # warm the file cache
        runs = sorted(process_seconds(argv) for _ in range(args.runs))
        label = " ".join(["datasharing-workshop", *argv[1:]])
        print(
            f"{label}: median {statistics.median(runs) * 1000:.0f} ms, min "
            f"{runs[0] * 1000:.0f} ms over {args.runs} runs (target < 500 ms)"
        )
        print(f"  heavy modules imported: {heavy_modules(argv) or 'none'}")


if __name__ == "__main__":
    main()
