"""Start ``datasharing-workshop serve`` on 127.0.0.1 for a test or a benchmark, and stop it
with every process it started (kernels included)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.processes import stop_process_tree, wait_until_it_answers

PARTICIPANT = "tables2026"
FACILITATOR = "console2026"
#: Starting the server until it answers (seconds); stopping it (seconds).
START_S = 120
STOP_S = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(
    folder: Path,
    *,
    workshop_id: str,
    groups: Sequence[str],
    store: Path,
    notebooks: Sequence[str] = (),
) -> Path:
    """A workshop.yml for the room under test (the repository's notebooks)."""
    repo = Path(__file__).resolve().parents[2]
    lines = [
        f"workshop_id: {workshop_id}",
        "title: Room test workshop",
        "date: 2026-03-14",
        "host_agency: Office of Policy and Management",
        "facilitators: [Alex Example]",
        "groups:",
        *[f"  - {g}" for g in groups],
        "jurisdiction: ct",
        "scenario_set: standard",
        f"store_path: {store}",
        f"notebook_folder: {repo / 'notebooks'}",
        f"guide_folder: {repo / 'facilitator_guide'}",
    ]
    if notebooks:
        lines.append(f"notebooks: [{', '.join(notebooks)}]")
    path = folder / "workshop.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Room:
    url: str
    process: subprocess.Popen
    log: Path
    folder: Path
    store: Path
    config: Path
    participant: str = PARTICIPANT
    facilitator: str = FACILITATOR

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def jupyter_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    return env


def start_room(
    home: Path,
    *,
    groups: Sequence[str],
    extra: Sequence[str] = (),
    notebooks: Sequence[str] = (),
) -> Room:
    """Serve a room for ``groups`` from ``home``; raise RuntimeError if it does not start."""
    store = home / "answers.sqlite"
    config = write_config(
        home, workshop_id="room-test", groups=groups, store=store, notebooks=notebooks
    )
    port = free_port()
    log = home / "serve.log"
    if not any(arg.startswith("--pool-size") for arg in extra):
        extra = ["--pool-size", "0", *extra]  # a test that wants kernels ahead says so
    command = [
        sys.executable,
        "-m",
        "datasharing_workshop",
        "serve",
        "--config",
        str(config),
        "--output",
        str(home / "room"),
        "--port",
        str(port),
        "--participant-code",
        PARTICIPANT,
        "--facilitator-code",
        FACILITATOR,
        *extra,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=home,
            env=jupyter_env(home),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    room = Room(f"http://127.0.0.1:{port}", process, log, home / "room", store, config)
    try:
        wait_until_it_answers(
            process, f"{room.url}/login", name="serve", log_tail=room.log_tail, within=START_S
        )
    except RuntimeError:
        stop_room(room)
        raise
    return room


def stop_room(room: Room) -> list[str]:
    """Stop the server and all it started; return what would not stop (then killed)."""
    return stop_process_tree(room.process, STOP_S)


@contextlib.contextmanager
def running_room(
    home: Path,
    *,
    groups: Sequence[str],
    extra: Sequence[str] = (),
    notebooks: Sequence[str] = (),
) -> Iterator[Room]:
    room = start_room(home, groups=groups, extra=extra, notebooks=notebooks)
    try:
        yield room
    finally:
        leftovers = stop_room(room)
    if leftovers:
        raise AssertionError(f"still running after the room stopped: {leftovers}")


class FakeHandler:
    """What the room's authorizers read of a request handler: its path and its log."""

    def __init__(self, path: str):
        import logging
        from types import SimpleNamespace

        self.request = SimpleNamespace(path=path)
        self.log = logging.getLogger("test")
