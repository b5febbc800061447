"""A real JupyterHub on 127.0.0.1 for a test: configurable-http-proxy from tests/hub (npm),
JupyterHub's SimpleLocalProcessSpawner and DummyAuthenticator with a password, and the
room's configuration exactly as ``datasharing-workshop hub-config --tljh`` prints it.

Everything the hub starts (the proxy, the idle culler, each user's server and its kernels)
is a process under the hub's own, so :func:`stop_hub` stops them all and reports any left.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpers.processes import stop_process_tree, wait_until_it_answers
from helpers.room_server import free_port

REPO = Path(__file__).resolve().parents[2]
PROXY = REPO / "tests" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "hub-test-password"
#: Starting the hub until it answers, and stopping it with everything it started (seconds).
START_S = 180
STOP_S = 60


@dataclass
class Hub:
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def write_hub_config(home: Path, snippet: str, *, facilitators: list[str]) -> tuple[Path, int]:
    """jupyterhub_config.py: the printed snippet unchanged, then only what a test hub needs."""
    (home / "hub-snippet.py").write_text(snippet, encoding="utf-8")
    port = free_port()
    lines = [
        "# The room's settings as `datasharing-workshop hub-config --tljh` printed them:",
        f"exec(compile(open({str(home / 'hub-snippet.py')!r}).read(), 'hub-snippet.py', 'exec'))",
        "# A test hub: 127.0.0.1, free ports, local processes, one shared test password.",
        "c.JupyterHub.ip = '127.0.0.1'",
        f"c.JupyterHub.port = {port}",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {free_port()}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'",
        f"c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///{home / 'jupyterhub.sqlite'}'",
        f"c.JupyterHub.cookie_secret_file = {str(home / 'jupyterhub_cookie_secret')!r}",
        "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'",
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(home / 'homes' / '{username}')!r}",
        "c.Spawner.start_timeout = 600",
        "c.Spawner.http_timeout = 600",
        "c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'",
        f"c.DummyAuthenticator.password = {PASSWORD!r}",
        "c.Authenticator.allow_all = True",
        f"c.JupyterHub.load_groups = {{'facilitators': {{'users': {facilitators!r}}}}}",
        # The single-user servers run as this (root in CI) user: allow_root is set by the room.
        "c.JupyterHub.cleanup_servers = True",
    ]
    path = home / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, port


def hub_env(store_password: str) -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PGPASSWORD"] = store_password  # the hub passes it on (see hub-config)
    env.pop("DATASHARING_WORKSHOP_STORE", None)  # only hub-config's Spawner.environment
    return env


def start_hub(home: Path, config: Path, port: int, env: dict[str, str]) -> Hub:
    log = home / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_it_answers(
            process,
            f"{hub.url}/hub/login",
            name="jupyterhub",
            log_tail=hub.log_tail,
            within=START_S,
            poll=0.5,
        )
    except RuntimeError:
        stop_process_tree(process, STOP_S)
        raise
    return hub


@contextlib.contextmanager
def running_hub(home: Path, config: Path, port: int, env: dict[str, str]) -> Iterator[Hub]:
    hub = start_hub(home, config, port, env)
    leftovers: list[str] = []
    try:
        yield hub
    finally:
        # SIGTERM: the hub stops each user's server (cleanup_servers), the proxy and the
        # culler itself; whatever it missed is killed and reported.
        leftovers = stop_process_tree(hub.process, STOP_S)
    if leftovers:
        raise AssertionError(f"still running after the hub stopped: {leftovers}")
