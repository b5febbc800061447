"""Browser tests: Debian's Chromium driven by Playwright, with axe-core for accessibility.

What they need, and how it gets here (``tests/browser/setup.sh``, which ``.ci/run`` calls):

* Chromium at ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``$CHROMIUM`` points
  elsewhere). Playwright launches it by that path. ``playwright install`` is never run:
  it downloads a browser of its own, which this kit does not want and cannot rely on.
* Playwright for Python (the ``test`` extra).
* axe-core, pinned in ``package.json`` / ``package-lock.json``, installed by ``npm ci``
  into ``tests/browser/node_modules`` and injected into each page as a script.

When one is missing the tests skip with a reason, except when ``$CI`` is set: then they
fail, so that CI never passes by skipping them.

Every server the tests start (Voilà, JupyterLab) listens on 127.0.0.1 on a free port and is
stopped in the fixture's teardown, together with every process it started (kernels
included); a process still alive after that is an error. Waits are bounded by Playwright's
timeouts, which are generous on purpose: these tests check behaviour, not speed.

Screenshots go to ``test-artifacts/browser/`` (git-ignored): one per page or exercise, and
one of the page whenever a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.processes import stop_process_tree

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
SETUP_HINT = (
    "run tests/browser/setup.sh (as root it installs Chromium; it runs npm ci for axe-core)"
)

#: How Chromium is started. Without the background-networking flags it tries to reach
#: Google's servers at every start, which a closed network refuses, many times over.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # Chromium's sandbox refuses to run as root, which CI is
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)

#: Default for clicks, fills and waits (milliseconds).
ACTION_TIMEOUT_MS = 30_000
#: Starting Voilà or JupyterLab until it answers HTTP (seconds).
SERVER_START_S = 60
#: Stopping a server and every process it started (seconds).
SERVER_STOP_S = 20

#: The answers the app and the seeded handouts are saved under.
WORKSHOP = "browser-tests"
GROUP = "Group A"

#: axe-core impacts, worst first. Serious and critical ones fail the tests.
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = frozenset({"critical", "serious"})


def unavailable(reason: str) -> None:
    """Skip on a workstation; fail under CI, where a skipped browser suite would hide bugs."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def artifact(*parts: str) -> Path:
    """A path under test-artifacts/browser/, its folder created."""
    path = ARTIFACTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


#: Longest wait for anything on a page (see the page fixture).
PAGE_WAIT_MS = 90_000


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    # Screenshots and axe reports describe this run only: a failure screenshot left over
    # from an earlier run would send whoever reads the CI artifacts the wrong way.
    import shutil

    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@pytest.fixture(scope="session")
def artifact_path() -> Callable[..., Path]:
    """``artifact_path("voila", "x.png")``: where a test keeps a screenshot."""
    return artifact


# --------------------------------------------------------------------------- browser


# Module scope, not session: between its calls, Playwright's sync API leaves its own asyncio
# loop marked as running in the main thread. Kept alive for the whole session, that loop
# would still be "running" in the kit's other test modules, and code there that looks for
# a running loop (the de-identification chart's debounce does) would schedule on a loop
# that never turns. Starting Playwright and Chromium again per module costs about a second.
@pytest.fixture(scope="module")
def playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(
            "Playwright for Python is not installed: pip install -e '.[test]' "
            "(never `playwright install`: the tests use Debian's Chromium)"
        )
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def browser(playwright):
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM}: {SETUP_HINT}")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile per test: no cookies, storage or service workers shared."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request):
    """A page that records its JavaScript errors; screenshotted when the test fails."""
    page = context.new_page()
    # A bound on waits, not a speed assertion: a Voilà or JupyterLab server that has just
    # started on a busy two-core CI machine can take longer than Playwright's 30 s default
    # to draw its first page (seen once in CI for Voilà's file list).
    page.set_default_timeout(PAGE_WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # read by tests that expect none
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        # The page as it was, to see why; neither may hide the real failure. Voilà and
        # JupyterLab scroll inside an element, so the screenshot shows the top only and
        # the HTML has the rest.
        name = slug(request.node.nodeid)
        with contextlib.suppress(Exception):
            page.screenshot(path=artifact("failures", f"{name}.png"))
        with contextlib.suppress(Exception):
            artifact("failures", f"{name}.html").write_text(page.content(), encoding="utf-8")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets the page fixture see whether the test itself failed (pytest's documented recipe).
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --------------------------------------------------------------------------- axe-core


@dataclass
class AxePage:
    """One page's axe-core verdict: violations counted by impact, with their rule ids."""

    page: str
    counts: dict[str, int]
    rules: dict[str, list[str]]
    violations: list[dict[str, Any]] = field(repr=False)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["impact"] in BLOCKING]

    def describe_blocking(self) -> str:
        lines = []
        for v in self.blocking:
            lines.append(f"{self.page}: {v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}: {node['html'][:160]}")
        return "\n".join(lines)


#: Every page axe looked at in this session, for the summary at the end of the run.
AXE_RESULTS: dict[str, AxePage] = {}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        unavailable(f"axe-core is not installed in {AXE_JS.parent}: {SETUP_HINT}")
    pinned = json.loads((HERE / "package.json").read_text())["devDependencies"]["axe-core"]
    installed = json.loads((AXE_JS.parent / "package.json").read_text())["version"]
    if installed != pinned:
        unavailable(
            f"axe-core {installed} is installed but package.json pins {pinned}: {SETUP_HINT}"
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe(axe_source) -> Callable[..., AxePage]:
    """``axe(page, name)`` runs axe-core on the page as it is now and returns its verdict.

    All of axe's default rules run (WCAG 2.x A and AA, and best practices); which impacts
    fail is the test's decision. ``disable`` turns rules off: each needs a reason at the
    call site. The result is kept for the end-of-run summary and written to
    ``test-artifacts/browser/axe/<name>.json``.
    """

    def run(page, name: str, *, disable: Sequence[str] = ()) -> AxePage:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        options = {
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": False} for rule in disable},
        }
        result = page.evaluate("options => window.axe.run(document, options)", options)
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "helpUrl": v["helpUrl"],
                "nodes": [
                    {"target": n["target"], "html": n["html"], "summary": n["failureSummary"]}
                    for n in v["nodes"]
                ],
            }
            for v in result["violations"]
        ]
        counts = {impact: 0 for impact in IMPACTS}
        rules: dict[str, list[str]] = {impact: [] for impact in IMPACTS}
        for v in violations:
            impact = v["impact"] or "minor"
            counts[impact] += len(v["nodes"])
            rules[impact].append(f"{v['id']}×{len(v['nodes'])}")
        verdict = AxePage(name, counts, rules, violations)
        AXE_RESULTS[name] = verdict
        artifact("axe", f"{slug(name)}.json").write_text(
            json.dumps(
                {"page": name, "axe": result["testEngine"]["version"], "violations": violations},
                indent=1,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        return verdict

    return run


def pytest_terminal_summary(terminalreporter):
    """Print what axe found on each page (violations are counted per element)."""
    if not AXE_RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("axe-core: violations per page (elements, by impact)")
    width = max(len(name) for name in AXE_RESULTS)
    write(f"{'page':<{width}}  " + "  ".join(f"{i:>8}" for i in IMPACTS) + "  rules")
    for name in sorted(AXE_RESULTS):
        verdict = AXE_RESULTS[name]
        counts = "  ".join(f"{verdict.counts[i]:>8}" for i in IMPACTS)
        rules = ", ".join(r for i in IMPACTS for r in verdict.rules[i]) or "-"
        write(f"{name:<{width}}  {counts}  {rules}")
    write(f"(details: {ARTIFACTS / 'axe'})")


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """A port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a Jupyter server: the user's own config, data and IPython
    profile are kept out (a kernelspec or setting there would change what is tested)."""
    env = dict(os.environ)
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start_server(
    name: str,
    command: Sequence[str],
    *,
    url: str,
    ready_path: str,
    log: Path,
    env: Mapping[str, str],
    cwd: Path,
) -> Server:
    """Start a server and wait until ``url + ready_path`` answers 200.

    Raises
    ------
    pytest.fail.Exception
        It exited or did not answer in time; the message ends with its log.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group, so that a stuck server can be killed as a whole.
            start_new_session=True,
        )
    server = Server(name, process, url, log)
    deadline = time.monotonic() + SERVER_START_S
    problem = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            problem = f"it exited with status {process.returncode}"
            break
        try:
            with urllib.request.urlopen(url + ready_path, timeout=5) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            problem = str(exc)
        time.sleep(0.25)
    leftovers = stop_server(server)
    pytest.fail(
        f"{name} did not start at {url} within {SERVER_START_S} s ({problem}); "
        f"left running: {leftovers or 'nothing'}\n--- {log} ---\n{server.log_tail()}",
        pytrace=False,
    )


def stop_server(server: Server) -> list[str]:
    """Stop the server and every process it started; return those that would not stop.

    SIGTERM first, so that Voilà and Jupyter Server shut their kernels down cleanly. Kernels
    run in sessions of their own (jupyter_client starts them so), which is why their ids are
    collected before the server goes: killing the server's process group alone would miss
    them.
    """
    return stop_process_tree(server.process, SERVER_STOP_S)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Yield the server; stop it afterwards, and fail if anything it started lives on."""
    try:
        yield server
    finally:
        leftovers = stop_server(server)
    if leftovers:
        pytest.fail(
            f"{server.name}: processes still running after shutdown (now killed): "
            + "; ".join(leftovers),
            pytrace=False,
        )


# --------------------------------------------------------------------------- Voilà


@dataclass(frozen=True)
class VoilaApp:
    url: str
    store: Path
    folder: Path
    notebooks: tuple[Path, ...]
    workshop: str = WORKSHOP
    group: str = GROUP


@pytest.fixture(scope="session")
def voila_app(tmp_path_factory) -> Iterator[VoilaApp]:
    """``datasharing-workshop app`` as a facilitator runs it for one group, on a free port.

    The participant copies come from :func:`prepare_app` with the group, workshop and
    store set, exactly as ``--group/--workshop-id/--store`` do; Voilà is started with
    :func:`voila_command`, so the tests serve what the CLI serves.
    """
    from datasharing_workshop.room.copies import prepare_app, voila_command

    home = tmp_path_factory.mktemp("voila")
    store = home / "answers.sqlite"
    folder = home / "app"
    written = prepare_app(
        folder,
        parameters={"workshop_id": WORKSHOP, "group": GROUP, "store_path": str(store)},
    )
    port = free_port()
    server = start_server(
        "Voilà",
        voila_command(folder, port=port),
        url=f"http://127.0.0.1:{port}",
        ready_path="/",
        log=home / "voila.log",
        env=jupyter_env(home, DATASHARING_WORKSHOP_STORE=str(store)),
        cwd=home,
    )
    with running(server):
        yield VoilaApp(server.url, store, folder, tuple(written))


# --------------------------------------------------------------------------- JupyterLab

#: User settings for the tests' JupyterLab. The news question ("Would you like to get
#: notified about official Jupyter news?") would cover the page, and both settings make
#: JupyterLab contact jupyter.org, which a closed network refuses.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 with a token, serving a copy of notebooks/."""
    import secrets
    import shutil

    home = tmp_path_factory.mktemp("jupyterlab")
    root = home / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = home / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    token = secrets.token_hex(16)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        # CI runs as root, and Jupyter refuses to without this.
        "--allow-root",
        # The server half of the update check (LAB_SETTINGS holds the browser half).
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    env = jupyter_env(
        home,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        DATASHARING_WORKSHOP_STORE=str(home / "answers.sqlite"),
    )
    server = start_server(
        "JupyterLab",
        command,
        url=f"http://127.0.0.1:{port}",
        ready_path=f"/api/status?token={token}",
        log=home / "jupyterlab.log",
        env=env,
        cwd=home,
    )
    with running(server):
        yield Lab(server.url, token, root)


# --------------------------------------------------------------------------- handouts


@dataclass(frozen=True)
class Handouts:
    root: Path
    pages: tuple[Path, ...]
    #: The group whose answers were saved before the build, its folder, what it saved
    #: (exercise -> scenario title) and the notebooks (stems) those exercises are in.
    group: str
    group_folder: str
    answered: Mapping[str, str]
    answered_notebooks: frozenset[str]


def _seed_answers(store: Path, workshop: str, group: str) -> dict[str, str]:
    """Save one right answer per breakout, through the widgets as a group would.

    Returns ``{exercise: scenario title}``.
    """
    from datasharing_workshop.breakouts.scenarios import load_scenarios
    from datasharing_workshop.content.catalogue import load_catalogue
    from datasharing_workshop.rules.transfer import advise_transfer, steps_before_sending
    from datasharing_workshop.widgets import classify_data, common, transfer_channel

    settings = {"workshop_id": workshop, "group": group, "store_path": str(store)}
    ct = load_catalogue("ct")
    box = classify_data.exercise(1, **settings)
    scenario = load_scenarios("classify_data", "ct")[0]
    for f in scenario.dataset.fields:
        box.category_dropdowns[f.name].value = f.category
        box.rule_dropdowns[f.name].value = f.rule or classify_data.NO_RULE
    assert box.check().correct, "seeding: the classify_data key answer was not right"
    answered = {"classify_data": box.title}

    box = transfer_channel.exercise(1, **settings)
    scenario = load_scenarios("transfer_channel", "ct")[0]
    transfer = transfer_channel.scenario_transfer(ct, scenario, "standard")
    best = advise_transfer(ct, transfer).best.channel.id
    box.channel_choice.value = best
    needed = {s.id for s in steps_before_sending(ct, transfer, best)}
    for step_id, checkbox in box.step_checkboxes.items():
        checkbox.value = step_id in needed
    assert box.check().correct, "seeding: the transfer_channel best answer was not right"
    answered["transfer_channel"] = box.title
    common.close_stores()
    return answered


@pytest.fixture(scope="session")
def handouts(tmp_path_factory) -> Handouts:
    """Every handout, freshly built into a temporary folder from the kit's workshop.yml.

    A fresh build (not whatever lies in build/handouts) so the tests see what the current
    code produces. The first group of the config gets saved answers first, so its group
    handouts show answer tables; the other groups show "no answer saved".
    """
    import nbformat
    import yaml

    try:
        import datasharing_workshop.cli.commands.build  # noqa: F401
    except ImportError:
        pytest.skip("`datasharing-workshop build` does not exist yet in this version of the kit")

    home = tmp_path_factory.mktemp("handouts")
    store = home / "answers.sqlite"
    config = yaml.safe_load((REPO / "workshop.yml").read_text(encoding="utf-8"))
    first = config["groups"][0]
    group = first if isinstance(first, str) else first["name"]
    answered = _seed_answers(store, config["workshop_id"], group)
    config["store_path"] = str(store)
    # The config's folders are relative to its own file, which now lives in a tmp folder.
    config["notebook_folder"] = str(REPO / config.get("notebook_folder", "notebooks"))
    config["guide_folder"] = str(REPO / config.get("guide_folder", "facilitator_guide"))
    config_file = home / "workshop.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    output = home / "handouts"
    command = [
        sys.executable,
        "-m",
        "datasharing_workshop",
        "build",
        "--config",
        str(config_file),
        "--output",
        str(output),
        "--quiet",
    ]
    done = subprocess.run(
        command,
        cwd=home,
        env=jupyter_env(home, DATASHARING_WORKSHOP_STORE=str(store)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"the handout build failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    pages = tuple(sorted(output.rglob("*.html")))
    folders = [p.parent.name for p in pages if p.parent.parent.name == "groups"]
    group_folder = next(
        (f for f in folders if f == slug(group).lower()), folders[0] if folders else ""
    )
    from datasharing_workshop.room.copies import breakout_notebooks, kit_metadata

    answered_notebooks = frozenset(
        path.stem
        for path in breakout_notebooks(REPO / "notebooks")
        if kit_metadata(nbformat.read(path, as_version=4)).get("exercise") in answered
    )
    return Handouts(output, pages, group, group_folder, answered, answered_notebooks)
