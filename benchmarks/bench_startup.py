"""How fast the kit starts: `import datasharing_workshop` and `datasharing-workshop validate`.

Run by hand (not a test: timings on shared machines are noisy)::

    .venv/bin/python benchmarks/bench_startup.py [--runs 15]

Targets (issues 2 and 16): import under 300 ms by ``python -X importtime``; ``validate``
under 0.5 s as a whole process, measured both when the content is unchanged since the last
validate (the kept verdict) and with the memory turned off (as right after an edit).
Also reports whether nbformat, ipywidgets or jsonschema were
imported by the command (they must not be: nbformat alone costs ~1.6 s here).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasharing_workshop.cli.commands.validate import CACHE_ENV


def import_time_us(module: str = "datasharing_workshop") -> int:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=installed_env(),
    )
    for line in result.stderr.splitlines():
        match = re.match(rf"import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$", line)
        if match:
            return int(match[1])
    raise RuntimeError("datasharing_workshop not in -X importtime output")


def installed_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with Python's bytecode cache allowed, as on an installed kit.

    With PYTHONDONTWRITEBYTECODE set (as on some CI and sandboxes), an editable install
    compiles every imported module of the kit from source in every process (~0.35 s for
    ``validate`` here), which no installed kit does (pip writes the .pyc files)."""
    out = dict(os.environ if env is None else env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


def process_seconds(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, env=installed_env(env))
    return time.perf_counter() - start


def process_cpu(argv: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) of one run of ``argv``: steadier than wall on a busy box."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, capture_output=True, check=True, env=installed_env(env))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_modules(argv: list[str]) -> list[str]:
    code = (
        f"import runpy, sys; sys.argv = {argv!r}; "
        "from datasharing_workshop.cli import main\n"
        "try:\n    main(sys.argv[1:])\nfinally:\n"
        "    heavy = ('nbformat', 'ipywidgets', 'jsonschema', 'nbconvert')\n"
        "    print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=installed_env(),
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

    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print(
            "PYTHONDONTWRITEBYTECODE is set here; the commands run without it (see installed_env)"
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
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        remembered = {**os.environ, CACHE_ENV: str(Path(tmp) / "validate.json")}
        forgetful = {**os.environ, CACHE_ENV: ""}
        advise = [cli, "advise", "transfer", "--data", "phi", "--size", "3GB", "--to", "agency"]
        for label, argv, env in (
            # The usual case: content unchanged since the last validate (a verdict is kept
            # only when everything was valid and every file it read is unchanged).
            ("validate, content unchanged", [cli, "validate"], remembered),
            # Right after an edit: the whole content is loaded and checked.
            ("validate, after an edit (no memory)", [cli, "validate"], forgetful),
            ("advise transfer", advise, None),
        ):
            process_seconds(argv, env)  # warm the file cache (and the kept verdict)
            runs = sorted(process_seconds(argv, env) for _ in range(args.runs))
            cpus = sorted(process_cpu(argv, env) for _ in range(args.runs))
            print(
                f"datasharing-workshop {label}: median {statistics.median(runs) * 1000:.0f} "
                f"ms, min {runs[0] * 1000:.0f} ms over {args.runs} runs (target < 500 ms); "
                f"cpu median {statistics.median(cpus) * 1000:.0f} ms; "
                f"load {os.getloadavg()[0]:.2f}"
            )
        print(f"  heavy modules imported by advise: {heavy_modules(advise) or 'none'}")


if __name__ == "__main__":
    main()
