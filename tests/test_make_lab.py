"""`make lab`: JupyterLab at the repository root with the shipped settings (no news pop-up).

Starts the real `make lab` (a real JupyterLab on a free port) and asks the server what a
browser would be given; the browser half is in tests/browser/test_jupyterlab.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: A hang guard for a server that never answers, not a speed target.
START_GUARD_S = 300
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        (home / name).mkdir(parents=True)
        env[name] = str(home / name)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(home / "settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(home / "workspaces")
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def make_lab(*args: str) -> list[str]:
    # RUN_STAMP=Makefile: the kit is already installed in this interpreter's environment.
    return ["make", "--no-print-directory", "lab", "RUN_STAMP=Makefile", f"BIN={BIN}", *args]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("make-lab")
    port, token = free_port(), "t" + os.urandom(8).hex()
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    log = home / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            make_lab("ALLOW_ROOT=1", f"LAB_ARGS={lab_args}"),
            cwd=REPO,
            env=isolated_env(home),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_GUARD_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"make lab exited with {process.returncode}:\n{log.read_text()}")
            try:
                get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab never answered:\n{log.read_text()}")
                time.sleep(0.5)
        yield base, token, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_lab_opens_at_the_repository_root(lab):
    base, token, _ = lab
    listing = json.loads(get(f"{base}/api/contents?token={token}"))
    names = {item["name"] for item in listing["content"]}
    assert {"notebooks", "facilitator_guide", "exercises", "workshop.yml"} <= names


def test_the_news_plugin_is_switched_off_in_the_page(lab):
    base, token, _ = lab
    page = get(f"{base}/lab?token={token}").decode()
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert match, page[:500]
    config = json.loads(match[1])
    assert NEWS_PLUGIN in config["disabledExtensions"]


def test_the_server_fetches_no_news_and_checks_no_update(lab):
    base, token, _ = lab
    assert json.loads(get(f"{base}/lab/api/news?token={token}"))["news"] == []
    assert json.loads(get(f"{base}/lab/api/update?token={token}"))["notification"] is None


def test_the_news_plugin_id_exists_in_this_jupyterlab():
    """If JupyterLab renames the plugin, page_config.json would silently switch off nothing."""
    static = Path(sys.prefix) / "share" / "jupyter" / "lab" / "static"
    found = any(f'"{NEWS_PLUGIN}"' in p.read_text(errors="replace") for p in static.glob("*.js"))
    assert found, f"{NEWS_PLUGIN} not found in {static}"
    shipped = json.loads((REPO / "jupyter-config" / "labconfig" / "page_config.json").read_text())
    assert shipped["disabledExtensions"] == {NEWS_PLUGIN: True}


def test_overrides_for_binder_set_the_same_choice():
    overrides = json.loads(
        (REPO / "jupyter-config" / "lab" / "settings" / "overrides.json").read_text()
    )
    assert overrides["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false",
        "checkForUpdates": False,
    }


@pytest.mark.skipif(
    getattr(os, "geteuid", lambda: 1)() != 0, reason="the hint is for root; CI runs as root"
)
def test_as_root_make_lab_says_what_to_do(tmp_path):
    result = subprocess.run(
        make_lab(), cwd=REPO, env=isolated_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Jupyter refuses to run as root" in result.stdout
    assert "make lab ALLOW_ROOT=1" in result.stdout
