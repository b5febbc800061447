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


#: conda-forge names that differ from PyPI's (conda-forge's own convention).
CONDA_NAMES = {"matplotlib-base": "matplotlib"}


def test_environment_matches_pyproject_runtime_dependencies():
    wanted = dict(_split(r) for r in pyproject()["project"]["dependencies"])
    listed = [d for d in conda_env()["dependencies"] if isinstance(d, str)]
    conda = {
        CONDA_NAMES.get(name, name): spec
        for name, spec in (_split(d) for d in listed)
        if name not in {"python", "pip"}
    }
    assert conda == wanted


def test_environment_is_what_repo2docker_expects():
    env = conda_env()
    assert env["channels"] == ["conda-forge", "nodefaults"]
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


def test_the_example_config_init_copies_is_the_repositorys():
    shipped = REPO / "src" / "datasharing_workshop" / "kit" / "workshop.yml"
    assert shipped.read_text() == (REPO / "workshop.yml").read_text(), (
        "copy workshop.yml to src/datasharing_workshop/kit/workshop.yml"
    )


def test_an_editable_install_reads_the_repositorys_folders():
    from datasharing_workshop.content.locations import shipped

    for name in ("exercises", "notebooks", "facilitator_guide"):
        assert shipped(name).resolve() == (REPO / name).resolve()


def test_environment_uses_conda_forge_conventions():
    names = {_split(d)[0] for d in conda_env()["dependencies"] if isinstance(d, str)}
    assert "matplotlib-base" in names and "matplotlib" not in names


def test_binder_serves_participant_copies_only(tmp_path):
    """postBuild turns every notebook into its participant copy; run its Python step."""
    import json
    import re
    import shutil
    import subprocess
    import sys

    post_build = (REPO / "postBuild").read_text()
    for needed in re.findall(r"jupyter-config/[\w/.-]+", post_build):
        assert (REPO / needed).is_file(), needed
    step = re.search(r'python -c "(.*)"', post_build)[1]
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    subprocess.run([sys.executable, "-c", step], cwd=tmp_path, check=True)
    for path in sorted((tmp_path / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        tags = {t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])}
        assert not tags & {"facilitator", "answer-key"}, path.name
    assert not (REPO / "binder").exists(), "a binder/ folder would make repo2docker ignore these"
