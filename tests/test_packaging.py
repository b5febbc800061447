"""environment.yml (conda, Binder) and pyproject.toml must list the same runtime packages."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match[1].lower().replace("_", "-"), match[2].replace(" ", "")


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def conda_env() -> dict:
    return yaml.safe_load((REPO / "environment.yml").read_text())


def test_environment_matches_pyproject_runtime_dependencies():
    wanted = dict(_split(r) for r in pyproject()["project"]["dependencies"])
    listed = [d for d in conda_env()["dependencies"] if isinstance(d, str)]
    conda = dict(_split(d) for d in listed if _split(d)[0] not in {"python", "pip"})
    assert conda == wanted


def test_environment_is_what_repo2docker_expects():
    env = conda_env()
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    assert deps[-1] == {"pip": ["-e ."]}, "environment.yml must end with pip: [-e .]"
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert _split(python)[1] == ">=" + pyproject()["project"]["requires-python"].lstrip(">=")


def test_test_extra_has_the_fixed_tools():
    extras = {_split(r)[0] for r in pyproject()["project"]["optional-dependencies"]["test"]}
    assert {"pytest", "nbval"} <= extras


def test_make_targets_exist():
    makefile = (REPO / "Makefile").read_text()
    for target in ("handouts", "test", "lab", "app"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "make test" in (REPO / ".ci" / "run").read_text()
