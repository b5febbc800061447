"""The kit as a new user installs it: a wheel in a fresh virtual environment.

Builds the wheel from this checkout, installs it (not editable) into a new venv, writes a
workshop folder with `datasharing-workshop init` in a temporary folder, and from there runs
`validate`, `build` (and `build --pdf` when the command has it) and one notebook through
papermill. Nothing may come from the checkout: the environment has no PYTHONPATH, the
commands run outside it, and the installed package must not name it.

The kit's dependencies (JupyterLab, Voila, ... about 250 MB) are not downloaded again: the
new venv reads them from this test run's environment through a plain path line in a
``.pth`` file, which adds that folder to ``sys.path`` without running the ``.pth`` files
in it (so this checkout's editable install stays out). ``DSW_WHEEL_FULL_INSTALL=1``
installs the wheel with all its dependencies from PyPI instead, as a user would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = {
    "exercises": "exercises",
    "notebooks": "notebooks",
    "facilitator_guide": "facilitator_guide",
}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, venv bin folder, environment, a scratch folder outside the checkout)."""
    root = tmp_path_factory.mktemp("wheel")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATASHARING_WORKSHOP_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(root / "dist"),
            str(REPO),
        ],
        root,
        env,
    )
    (wheel,) = (root / "dist").glob("datasharing_workshop-*.whl")
    run([sys.executable, "-m", "venv", str(root / "venv")], root, env)
    bin_dir = root / "venv" / ("Scripts" if os.name == "nt" else "bin")
    venv_python = str(bin_dir / "python")
    started = time.perf_counter()
    if os.environ.get("DSW_WHEEL_FULL_INSTALL"):
        run([venv_python, "-m", "pip", "install", "-q", str(wheel)], root, env)
    else:
        purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
        site = Path(run([venv_python, "-c", purelib], root, env).stdout.strip())
        # This environment's packages as a plain path: its own .pth files are not run.
        (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
        run([venv_python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], root, env)
        # ... and their Jupyter data (nbconvert's lab template, kernelspecs) the same way.
        env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    seconds = time.perf_counter() - started
    print(
        f"\nwheel {wheel.name}: {wheel.stat().st_size / 1e3:.0f} kB; installed in {seconds:.0f} s"
    )
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["DATASHARING_WORKSHOP_STORE"] = str(root / "answers.sqlite")
    env["JUPYTER_CONFIG_DIR"] = str(root / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(root / "jupyter-data")
    env["IPYTHONDIR"] = str(root / "ipython")
    return wheel, bin_dir, env, root


@pytest.fixture(scope="module")
def workshop(installed):
    _, bin_dir, env, root = installed
    result = run([str(bin_dir / "datasharing-workshop"), "init", "my-workshop"], root, env)
    assert "Created the workshop folder my-workshop" in result.stdout
    return root / "my-workshop"


def test_the_wheel_carries_the_content_notebooks_guide_and_template(installed):
    wheel = installed[0]
    names = set(zipfile.ZipFile(wheel).namelist())
    for name, folder in SHIPPED.items():
        expected = {
            f"datasharing_workshop/kit/{name}/{p.relative_to(REPO / folder).as_posix()}"
            for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
        }
        assert expected, folder
        assert expected <= names, sorted(expected - names)[:5]
    assert "datasharing_workshop/kit/workshop.yml" in names
    # Every file of the package (code, templates, room pages, ...) is in the wheel too.
    package = REPO / "src" / "datasharing_workshop"
    own = {
        f"datasharing_workshop/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert own <= names, sorted(own - names)[:5]
    assert "datasharing_workshop/templates/handout/index.html.j2" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith("/LICENSE") for n in names)


def test_no_path_in_the_package_points_into_a_checkout(installed):
    """``Path(__file__).parents[n]`` may reach the package's own folder, never above it."""
    wheel = installed[0]
    archive = zipfile.ZipFile(wheel)
    anchor = r"__file__\)(?:\.resolve\(\))?"
    indexed = re.compile(anchor + r"\.parents\[(\d+)\]")
    chained = re.compile(anchor + r"((?:\.parent\b)+)")
    for name in archive.namelist():
        if not name.endswith(".py") or not name.startswith("datasharing_workshop/"):
            continue
        text = archive.read(name).decode("utf-8")
        # parents[0] is the module's folder; parents[depth] is datasharing_workshop/.
        depth = len(name.split("/")) - 2
        for match in indexed.finditer(text):
            assert int(match[1]) <= depth, f"{name}: {match[0]} leaves the package"
        for match in chained.finditer(text):
            assert match[1].count(".parent") - 1 <= depth, f"{name}: {match[0]} leaves the package"
        assert str(REPO) not in text, name


def test_the_installed_kit_reads_its_own_files(installed):
    _, bin_dir, env, root = installed
    code = (
        "import json, datasharing_workshop as d\n"
        "from datasharing_workshop.content.locations import shipped\n"
        "from datasharing_workshop.handouts import TEMPLATE_DIR\n"
        "print(json.dumps([d.__file__, str(shipped('exercises')), str(shipped('notebooks')),"
        " str(shipped('facilitator_guide')), str(TEMPLATE_DIR)]))"
    )
    paths = json.loads(run([str(bin_dir / "python"), "-c", code], root, env).stdout)
    venv = (root / "venv").resolve()
    for path in paths:
        assert Path(path).resolve().is_relative_to(venv), path
        assert not Path(path).resolve().is_relative_to(REPO), path


def test_init_writes_a_folder_the_facilitator_owns(workshop):
    assert (workshop / "workshop.yml").read_text() == (REPO / "workshop.yml").read_text()
    for folder in SHIPPED.values():
        assert (workshop / folder).is_dir()
        assert not list((workshop / folder).rglob("__init__.py"))
    assert len(list((workshop / "notebooks").glob("*.ipynb"))) == len(
        list((REPO / "notebooks").glob("*.ipynb"))
    )


def test_init_refuses_a_folder_that_is_not_empty(installed, workshop):
    _, bin_dir, env, root = installed
    before = (workshop / "workshop.yml").read_bytes()
    result = subprocess.run(
        [str(bin_dir / "datasharing-workshop"), "init", str(workshop)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "already exists and is not empty; nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert (workshop / "workshop.yml").read_bytes() == before


def test_validate_inside_the_workshop_folder(installed, workshop):
    _, bin_dir, env, _ = installed
    result = run([str(bin_dir / "datasharing-workshop"), "validate"], workshop, env)
    assert "exercises/ct (Connecticut)" in result.stdout
    assert "All content is valid." in result.stdout


def test_validate_from_anywhere_with_config(installed, workshop):
    _, bin_dir, env, root = installed
    (workshop / "exercises" / "ct" / "channels.yaml").write_text("channels: [\n")
    try:
        result = subprocess.run(
            [
                str(bin_dir / "datasharing-workshop"),
                "--config",
                str(workshop / "workshop.yml"),
                "validate",
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        shipped = run(
            [
                str(bin_dir / "python"),
                "-c",
                "from datasharing_workshop.content.locations import shipped; print(shipped('exercises'))",
            ],
            root,
            env,
        ).stdout.strip()
        (workshop / "exercises" / "ct" / "channels.yaml").write_bytes(
            (Path(shipped) / "ct" / "channels.yaml").read_bytes()
        )
    # The workshop's own (broken) copy was read, not the kit's.
    assert result.returncode == 2
    assert "channels.yaml" in result.stderr and "YAML syntax error" in result.stderr


def test_build_inside_the_workshop_folder(installed, workshop):
    _, bin_dir, env, _ = installed
    run([str(bin_dir / "datasharing-workshop"), "build", "-q"], workshop, env)
    out = workshop / "build" / "handouts"
    assert (out / "index.html").is_file()
    participant = (out / "participant" / "03_classify_data.html").read_text(encoding="utf-8")
    assert "Breakout 1: Classifying data" in participant
    assert "Answer key (facilitators only)" not in participant
    assert (out / "facilitator" / "03_classify_data.html").is_file()
    help_text = run(
        [str(bin_dir / "datasharing-workshop"), "build", "--help"], workshop, env
    ).stdout
    if "--pdf" in help_text:
        run([str(bin_dir / "datasharing-workshop"), "build", "-q", "--pdf"], workshop, env)
        assert list(out.rglob("*.pdf"))


def test_one_notebook_runs_through_papermill_in_the_workshop_folder(installed, workshop):
    _, bin_dir, env, _ = installed
    notebooks = workshop / "notebooks"
    run(
        [
            str(bin_dir / "python"),
            "-m",
            "papermill",
            "--cwd",
            str(notebooks),
            "03_classify_data.ipynb",
            str(workshop / "ran.ipynb"),
            "-p",
            "group",
            "Group A",
        ],
        notebooks,
        env,
    )
    ran = json.loads((workshop / "ran.ipynb").read_text(encoding="utf-8"))
    errors = [
        o for c in ran["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
