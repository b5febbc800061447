"""Stopping a server the tests started, with everything it started in turn."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable


def stop_process_tree(process: subprocess.Popen, timeout: float) -> list[str]:
    """Stop ``process`` and every process it started; return those that would not stop.

    SIGTERM first, so Jupyter Server and Voilà shut their kernels down cleanly. Kernels run
    in sessions of their own, so their ids are collected before the server goes: killing
    the server's process group alone would miss them.
    """
    import psutil  # a dependency of ipykernel, so always there with the kit

    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    _, alive = psutil.wait_procs(started, timeout=timeout)
    leftovers = []
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            leftovers.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            proc.kill()
    return leftovers


def wait_until_it_answers(
    process: subprocess.Popen,
    url: str,
    *,
    name: str,
    log_tail: Callable[[], str],
    within: float,
    poll: float = 0.25,
) -> None:
    """Return once ``url`` answers 200; raise RuntimeError (with the log's tail) if the
    server exits first or has not answered ``within`` seconds (a bound, not a target)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(poll)
    raise RuntimeError(f"{name} did not answer within {within:.0f} s:\n{log_tail()}")
