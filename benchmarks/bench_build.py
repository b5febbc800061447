"""How much faster is ``datasharing-workshop build`` than running nbconvert per handout?

Usage::

    .venv/bin/python benchmarks/bench_build.py            # the repository's notebooks
    .venv/bin/python benchmarks/bench_build.py --fixtures # the handout tests' notebooks

In one run, on the same notebooks and producing the same handouts, it measures:

(a) naive: ``jupyter nbconvert --to html --execute`` once per notebook per handout
    (participant, facilitator, one per group where the notebook has group handouts), one
    after another (no tag filtering: nbconvert removes tagged cells *before* executing,
    which breaks notebooks whose later cells use them, so the naive way cannot even
    produce a correct participant handout);
(b) cold: ``datasharing-workshop build`` into an empty folder (one execution per notebook,
    in parallel, every variant rendered from it);
(c) rebuild: the same command again with nothing changed.

Everything runs as a subprocess, so each side pays its own start-up. The workshop is the
repository's workshop.yml (4 groups); answers go to a temporary store. Targets: cold at
most 0.25 of naive; rebuild under 1 second. A measurement script, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "handouts"
BIN = Path(sys.executable).parent


def workspace(root: Path, fixtures: bool) -> Path:
    """A copy of the repository's workshop (or the fixture notebooks) to build from."""
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("data"))
    source = FIXTURES / "notebooks" if fixtures else REPO / "notebooks"
    shutil.copytree(source, root / "notebooks", ignore=shutil.ignore_patterns(".*"))
    if fixtures:
        scenarios = root / "exercises" / "ct" / "scenarios" / "standard"
        scenarios.mkdir(parents=True, exist_ok=True)
        (scenarios / "fixture_exercise.yaml").write_text("scenarios: []\n")
    config = (REPO / "workshop.yml").read_text() + "\nstore_path: answers.sqlite\n"
    (root / "workshop.yml").write_text(config)
    return root


def planned_handouts(notebooks: Path, groups: int) -> list[tuple[Path, str]]:
    """(notebook, variant) for every handout the build makes, group variants once per group."""
    out = []
    for path in sorted(notebooks.glob("*.ipynb")):
        settings = json.loads(path.read_text())["metadata"].get("datasharing_workshop", {})
        for variant in settings.get("handouts", ["participant", "facilitator"]):
            out += [(path, variant)] * (groups if variant == "group" else 1)
    return out


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fixtures",
        action="store_true",
        help="use tests/fixtures/handouts/notebooks (the default when notebooks/ is empty)",
    )
    args = parser.parse_args()
    fixtures = args.fixtures or not any((REPO / "notebooks").glob("*.ipynb"))

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = workspace(Path(tmp) / "workshop", fixtures)
        env = {
            **os.environ,
            "DATASHARING_WORKSHOP_CONTENT": str(root / "exercises"),
            "DATASHARING_WORKSHOP_STORE": str(root / "answers.sqlite"),
        }
        env.pop("CI", None)
        import yaml

        groups = len(yaml.safe_load((root / "workshop.yml").read_text())["groups"])
        handouts = planned_handouts(root / "notebooks", groups)
        notebooks = len({path for path, _ in handouts})
        print(
            f"{notebooks} notebooks ({'fixtures' if fixtures else 'notebooks/'}), {groups} "
            f"groups, {len(handouts)} handouts, {os.cpu_count()} CPUs"
        )

        naive_dir = Path(tmp) / "naive"
        naive = 0.0
        for n, (path, variant) in enumerate(handouts):
            command = [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--execute",
                str(path),
                "--output-dir",
                str(naive_dir / variant),
                "--output",
                f"{path.stem}-{n}",
            ]
            naive += timed(command, root / "notebooks", env)
        print(f"(a) naive nbconvert --execute, one by one: {naive:6.2f} s")

        build = [
            str(BIN / "datasharing-workshop"),
            "build",
            "--config",
            str(root / "workshop.yml"),
            "--output",
            str(Path(tmp) / "cold" / "handouts"),
        ]
        cold = timed(build, root, env)
        print(f"(b) datasharing-workshop build, cold:      {cold:6.2f} s")
        rebuild = timed(build, root, env)
        print(f"(c) rebuild, nothing changed:              {rebuild:6.2f} s")

        written = sorted((Path(tmp) / "cold" / "handouts").rglob("*.html"))
        sizes = [p.stat().st_size for p in written if p.name != "index.html"]
        print(
            f"cold / naive = {cold / naive:.3f} (target <= 0.25); rebuild {rebuild:.2f} s "
            f"(target < 1 s); {len(sizes)} handouts, largest {max(sizes) / 1024:.0f} KB"
        )
        ok = cold <= 0.25 * naive and rebuild < 1.0
        print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
