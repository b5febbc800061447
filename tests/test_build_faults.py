"""A build that is killed, or that runs out of disk, as a person's machine would do it.

Findings of the hostile test of the kit (issue 15), one fixture per failure, named after it:

- ``killed_build``: ``datasharing-workshop build`` started in its own process group and
  killed (SIGTERM, then SIGKILL) while its kernels run a cell. No kernel may outlive it:
  they are found by a token only the build's environment carries, which every process it
  starts inherits.
- ``full_disk``: the output folder, then the cache, on a real small filesystem (tmpfs)
  that is full. Each failed notebook is one line, no traceback, the exit status is not 0,
  the message says where the details are, and every handout already written is intact.

These run real kernels; the notebooks are the handout fixtures (tests/fixtures/handouts).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"
#: How long a dead build's kernels may take to notice (ipykernel polls its parent every
#: second) or a killed build to be reaped. A hang bound, not a speed target: a kernel left
#: running for good fails the test instead of hanging it.
GONE_WITHIN = 120.0


def make_workspace(root: Path, notebooks: tuple[str, ...]) -> Path:
    """Content, the fixture notebooks and a workshop.yml with its own store, under ``root``."""
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("data"))
    scenarios = root / "exercises" / "ct" / "scenarios" / "standard"
    scenarios.mkdir(parents=True, exist_ok=True)
    (scenarios / "fixture_exercise.yaml").write_text("scenarios: []\n", encoding="utf-8")
    (root / "notebooks").mkdir()
    for name in notebooks:
        shutil.copy(FIXTURES / "notebooks" / f"{name}.ipynb", root / "notebooks")
    config = (FIXTURES / "workshop.yml").read_text(encoding="utf-8")
    (root / "workshop.yml").write_text(config + "store_path: answers.sqlite\n", encoding="utf-8")
    return root


def build_command(root: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasharing_workshop",
        "build",
        "--config",
        str(root / "workshop.yml"),
        "--quiet",
        *extra,
    ]


def build_env(root: Path, token: str = "") -> dict[str, str]:
    env = dict(os.environ, PYTHONUTF8="1", CI="true")
    env["DATASHARING_WORKSHOP_CONTENT"] = str(root / "exercises")
    if token:
        env["DSW_TEST_BUILD_TOKEN"] = token
    return env


# ------------------------------------------------------------------ killed_build


def slow_notebook(name: str) -> dict:
    """The welcome fixture with a last cell that says it started, then sleeps for an hour."""
    nb = json.loads((FIXTURES / "notebooks" / "01_welcome.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "sleeps",
            "metadata": {"tags": []},
            "outputs": [],
            "source": (
                "import os, pathlib, time\n"
                f"pathlib.Path({name!r} + '.running').write_text(str(os.getpid()))\n"
                "time.sleep(3600)"
            ),
        }
    )
    return nb


def processes_with(token: str) -> dict[int, str]:
    """Live processes (not zombies) whose environment holds ``token``: pid -> command line."""
    found = {}
    needle = f"DSW_TEST_BUILD_TOKEN={token}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                continue  # exited, waiting to be reaped: not running
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found[int(entry.name)] = command
    return found


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + GONE_WITHIN
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {GONE_WITHIN:.0f} s for {what}")
        time.sleep(0.2)


@pytest.fixture
def killed_build(tmp_path):
    """A build of two sleeping notebooks (and one waiting its turn), with both kernels in
    their sleeping cell; yields (process, token, root). Whatever is left is killed after."""
    root = make_workspace(tmp_path, ("01_welcome",))
    for name in ("01_sleeps", "02_sleeps"):
        path = root / "notebooks" / f"{name}.ipynb"
        path.write_text(json.dumps(slow_notebook(name)), encoding="utf-8")
    token = uuid.uuid4().hex
    with build_in_background(root, token, "--jobs", "2") as process:
        running = [root / "notebooks" / f"{n}.running" for n in ("01_sleeps", "02_sleeps")]

        def both_running() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the build ended early: {stderr_of(root)}")
            return all(p.exists() for p in running)

        wait_for(both_running, "both kernels to reach their sleeping cell")
        yield process, token, root


@contextlib.contextmanager
def build_in_background(root: Path, token: str, *extra: str):
    """A build in its own process group, carrying ``token``; afterwards whatever it left
    running is killed, so a failing test leaves nothing behind."""
    # Files, not pipes: the kernels inherit the build's standard error, and reading a pipe
    # to its end would wait for them too, hiding whether the build stopped them itself.
    with (root / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(
            build_command(root, *extra),
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            env=build_env(root, token),
            cwd=root,
            start_new_session=True,  # its own process group, as a shell job would be
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for pid in processes_with(token):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def stderr_of(root: Path) -> str:
    return (root / "stderr.txt").read_text(encoding="utf-8", errors="replace")


def ended(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=GONE_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build did not end within {GONE_WITHIN:.0f} s of the signal")


def kernels_of(token: str, build_pid: int) -> dict[int, str]:
    return {pid: cmd for pid, cmd in processes_with(token).items() if pid != build_pid}


def test_killed_build_sigterm_stops_its_kernels_before_it_exits(killed_build):
    process, token, root = killed_build
    kernels = kernels_of(token, process.pid)
    assert len(kernels) >= 2, kernels  # two running, one more started ahead
    os.killpg(process.pid, signal.SIGTERM)
    status = ended(process)
    # Stopped by the build itself, before it exited: nothing to wait for.
    assert kernels_of(token, process.pid) == {}, "kernels outlived the build"
    err = stderr_of(root)
    assert status == 128 + signal.SIGTERM, err
    assert "Traceback" not in err, err
    assert "interrupted" in err, err
    # Their connection files (`-f FILE` on each kernel's command line) are removed too.
    connection_files = [cmd.split(" -f ", 1)[1].split()[0] for cmd in kernels.values()]
    assert [f for f in connection_files if Path(f).exists()] == []
    leftovers = [p for p in (root / "out").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_killed_build_sigkill_leaves_no_kernel_running(killed_build):
    process, token, _root = killed_build
    kernels = kernels_of(token, process.pid)
    assert len(kernels) >= 2, kernels
    os.killpg(process.pid, signal.SIGKILL)
    assert ended(process) == -signal.SIGKILL
    # A killed process cleans nothing up: each kernel notices its parent is gone.
    wait_for(lambda: not kernels_of(token, process.pid), "the kernels of a killed build to end")
    # Their connection files stay, in the build's own folder of the cache, which the next
    # build removes because no process with that id runs any more.
    files = [Path(cmd.split(" -f ", 1)[1].split()[0]) for cmd in kernels.values()]
    folders = {f.parent for f in files}
    assert len(folders) == 1 and folders.pop().name == str(process.pid), files
    from datasharing_workshop.handouts.execute import kernel_files_folder

    with kernel_files_folder(files[0].parent.parent) as own:
        assert own is not None and own.name == str(os.getpid())
        assert not any(f.exists() for f in files)
    assert not own.exists()


def test_kernel_files_folders_of_running_builds_are_kept(tmp_path):
    """Two builds sharing a cache: one's start never removes the other's kernel files."""
    from datasharing_workshop.handouts.execute import kernel_files_folder

    other = tmp_path / str(os.getppid())  # a process that is running: pytest's parent
    other.mkdir()
    (other / "kernel-x.json").write_text("{}", encoding="utf-8")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / gone.stdout.strip()
    dead.mkdir()
    (tmp_path / "notes").mkdir()  # not a build's folder: left alone
    with kernel_files_folder(tmp_path) as own:
        assert own == tmp_path / str(os.getpid()) and own.is_dir()
        assert (other / "kernel-x.json").exists()
        assert not dead.exists()
    assert not own.exists() and other.exists() and (tmp_path / "notes").exists()


def test_killed_pdf_build_leaves_no_browser_running(tmp_path):
    """``build --pdf`` stopped (SIGTERM, as a closed terminal or a CI timeout) while Chromium
    prints: no browser or driver process may outlive it."""
    from datasharing_workshop.handouts.pdf import chromium_path

    pytest.importorskip("playwright")
    if not chromium_path().is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {chromium_path()}: run tests/browser/setup.sh")
        pytest.skip(f"no Chromium at {chromium_path()}")
    root = make_workspace(tmp_path, ("01_welcome", "02_classify_breakout"))
    token = uuid.uuid4().hex
    with build_in_background(root, token, "--output", str(root / "out"), "--pdf") as process:

        def printing() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the build ended before it printed: {stderr_of(root)}")
            return any("chrom" in cmd for cmd in processes_with(token).values())

        wait_for(printing, "Chromium to start printing")
        os.killpg(process.pid, signal.SIGTERM)
        assert ended(process) != 0
        wait_for(lambda: not processes_with(token), "every process of the stopped build to end")
        assert "Traceback" not in stderr_of(root), stderr_of(root)


# ------------------------------------------------------------------ full_disk

NOTEBOOKS = ("01_welcome", "02_classify_breakout")


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True)
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        why = getattr(exc, "stderr", "") or exc
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and must be able to mount a tmpfs: {why}")
        pytest.skip(f"cannot mount a small filesystem here (needs root): {why}")


def fill(folder: Path) -> Path:
    """Fill the filesystem holding ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        for chunk in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError:
                continue
    return filler


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "filler.bin"
    }


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory):
    """A workshop built once onto two small filesystems: the handouts on one, the cache on
    the other. Yields (root, output, cache); the tests fill one, build again, empty it."""
    root = make_workspace(tmp_path_factory.mktemp("full-disk"), NOTEBOOKS)
    mounts = [root / "disk-out", root / "disk-cache"]
    try:
        for folder in mounts:
            mount_tmpfs(folder, "4m")
        output, cache = mounts[0] / "out", mounts[1] / "cache"
        first = run_build(root, output, cache)
        assert first.returncode == 0, first.stderr
        yield root, output, cache
    finally:
        for folder in mounts:
            subprocess.run(["umount", str(folder)], capture_output=True)


def run_build(root: Path, output: Path, cache: Path, *extra: str):
    return subprocess.run(
        [*build_command(root), "--output", str(output), "--cache", str(cache), *extra],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=build_env(root),
        cwd=root,
        timeout=GONE_WITHIN * 5,
    )


def assert_one_clean_line_per_notebook(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("error: "), stderr
    for stem in NOTEBOOKS:
        lines = [line for line in stderr.splitlines() if f"{stem}.ipynb" in line]
        assert len(lines) == 1, stderr
    assert "details" in stderr.lower(), stderr


@pytest.mark.parametrize("where", ["output", "cache"])
def test_full_disk_during_build_one_line_per_notebook_nothing_lost(full_disk, where):
    root, output, cache = full_disk
    before = snapshot(output), snapshot(cache)
    filler = fill((output if where == "output" else cache).parent)
    try:
        result = run_build(root, output, cache, "--force")
    finally:
        filler.unlink()
    assert result.returncode == 1, result.stderr
    assert_one_clean_line_per_notebook(result.stderr)
    assert snapshot(output) == before[0]  # every handout and index.html as it was
    json.loads(snapshot(cache)["manifest.json"])  # the cache's index is whole
    if where == "cache":
        assert snapshot(cache) == before[1]  # the executions it held are all there
    else:  # the executions were saved; with space again, the next build works
        again = run_build(root, output, cache)
        assert again.returncode == 0, again.stderr
