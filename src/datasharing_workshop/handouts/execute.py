"""Run notebooks in kernels driven from the build process, with nbclient's async API.

One process drives every kernel: Jupyter's libraries are imported once, two notebooks run
at once (the kernels are separate processes), and the next notebook's kernel starts while
the current ones run, so its ~1 s start-up is hidden. Notebooks are started longest first
(the caller orders them), which keeps both cores busy to the end.

Parameters are injected with papermill's own function (a cell tagged
``injected-parameters`` right after the ``parameters`` cell; see
:func:`..notebook.contract.inject_parameters`), so notebooks work unchanged with papermill.
Before the first cell, each kernel starts noting what it reads (:mod:`.reads`); after the
last, it writes those reads next to the executed notebook.

A build stopped by SIGTERM or SIGHUP (a closed terminal, a CI timeout, ``kill``) first
stops its kernels and removes their connection files, then ends with
:class:`~datasharing_workshop.errors.Interrupted`; Ctrl-C (SIGINT) does the same through
asyncio. A build killed outright (SIGKILL) cannot clean up: its kernels end by themselves,
since jupyter_client tells each one its parent (``JPY_PARENT_PID``) and ipykernel exits when
that parent is gone.

Imported by the build only when something must run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BuildError, Interrupted, KitError
from ..notebook.contract import first_line, inject_parameters
from .reads import SETUP_CODE, report_code

KERNEL_NAME = "python3"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: The kernel's own log is noise here: ipykernel 7 warns on every start that local TCP is
#: unencrypted, and an interrupt before shutdown sometimes logs "KeyboardInterrupt caught
#: in kernel". Real failures still reach the build as exceptions (dead kernel, cell error).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]

#: Seconds to wait for a cell's last outputs after its reply (see _run_cells).
IOPUB_TIMEOUT = 300


@dataclass(frozen=True)
class ExecutionJob:
    """One notebook to run."""

    stem: str
    path: Path
    shown_as: str
    parameters: Mapping[str, Any]
    parameters_cell: int | None
    cwd: Path
    #: Where the kernel writes what it read (JSON, see :mod:`.reads`).
    reads_path: Path
    kernel_name: str = KERNEL_NAME
    #: Where its kernel's connection file goes (see :func:`kernel_files_folder`); None:
    #: Jupyter's runtime folder.
    connection_dir: Path | None = None


@dataclass
class Execution:
    """What running one notebook gave: the executed notebook, or a message."""

    job: ExecutionJob
    nb: Any = None
    reads: dict[str, list[str]] | None = None
    seconds: float = 0.0
    error: str | None = None


def describe_cell_error(
    shown_as: str,
    index: int,
    source: str,
    ename: str,
    evalue: str,
    parameters_cell: int | None,
    injected: bool,
) -> str:
    """``notebooks/x.ipynb: cell 4 (`load(...)`) raised ValueError: message``.

    ``index`` counts the cells as run (with the injected cell); the message counts from 1
    in the notebook as written, as a person sees it scrolling through it in JupyterLab.
    """
    if injected:
        injected_at = 0 if parameters_cell is None else parameters_cell + 1
        if index > injected_at:
            index -= 1
    evalue = _ANSI.sub("", str(evalue or "")).strip()
    if len(evalue) > 500:
        evalue = evalue[:497] + "..."
    what = f"{ename}: {evalue}" if evalue else str(ename)
    return f"{shown_as}: cell {index + 1} (`{first_line(source)}`) raised {what}"


def describe_execution_error(
    exc: Any, shown_as: str, parameters_cell: int | None, injected: bool
) -> str:
    """The same message for papermill's ``PapermillExecutionError``."""
    source = exc.source if isinstance(exc.source, str) else "".join(exc.source or [])
    return describe_cell_error(
        shown_as, int(exc.cell_index), source, exc.ename, exc.evalue, parameters_cell, injected
    )


def _could_not_run(job: ExecutionJob, exc: BaseException) -> str:
    message = _ANSI.sub("", str(exc)).strip().splitlines()
    detail = message[0] if message else ""
    return (
        f"{job.shown_as}: could not be run with the '{job.kernel_name}' kernel: "
        f"{type(exc).__name__}: {detail}"
    )


async def _hidden(client: Any, code: str, job: ExecutionJob) -> None:
    """Run build housekeeping in the kernel: no cell, no output, no history."""
    msg_id = client.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    reply = await client.async_wait_for_reply(msg_id)
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        from ..crash_log import save_details

        trace = _ANSI.sub("", "\n".join(content.get("traceback") or []))
        where = save_details(f"{job.shown_as}: build housekeeping failed in the kernel\n{trace}")
        raise BuildError(
            f"{job.shown_as}: the build could not follow what the notebook reads "
            f"(kept in {job.reads_path.parent}): {content.get('ename', 'no reply')}: "
            f"{content.get('evalue', '')} (details: {where})"
        )


async def _run_cells(job: ExecutionJob, km: Any, kc: Any) -> Execution:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    result = Execution(job)
    nb = nbformat.read(job.path, as_version=4)
    injected = bool(job.parameters)
    if injected:  # papermill's own cell, after the parameters cell the contract found
        nb = inject_parameters(nb, job.parameters)
    client = NotebookClient(
        nb,
        km=km,
        kernel_name=job.kernel_name,
        resources={"metadata": {"path": str(job.cwd)}},
        record_timing=False,
        startup_timeout=120,
        timeout=None,
        # After a cell's reply, nbclient waits this long for the rest of its output; the
        # default (4 s) silently drops outputs on a busy machine, leaving a handout short.
        iopub_timeout=IOPUB_TIMEOUT,
        raise_on_iopub_timeout=True,
    )
    client.reset_execution_trackers()
    client.kc = kc  # started and ready (see _start_kernel); the caller stops both
    started = time.perf_counter()
    msg_id = kc.kernel_info()
    info = await client.async_wait_for_reply(msg_id)
    if info is not None and "language_info" in info["content"]:
        nb.metadata["language_info"] = info["content"]["language_info"]
    await _hidden(client, SETUP_CODE, job)
    for index, cell in enumerate(nb.cells):
        try:
            await client.async_execute_cell(
                cell, index, execution_count=client.code_cells_executed + 1
            )
        except CellExecutionError as exc:
            source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
            raise BuildError(
                describe_cell_error(
                    job.shown_as,
                    index,
                    source,
                    exc.ename,
                    exc.evalue,
                    job.parameters_cell,
                    injected,
                )
            ) from None
    client.set_widgets_metadata()
    await _hidden(client, report_code(job.reads_path), job)
    result.seconds = time.perf_counter() - started
    try:
        result.reads = json.loads(job.reads_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result.reads = None  # the build then treats every content file as read
    result.nb = nb
    return result


#: Kernel starts tried before giving up. A start can fail for reasons that a second try
#: fixes: two kernels picking the same free port at once ("Address already in use").
KERNEL_START_TRIES = 3


async def _start_kernel(job: ExecutionJob, live: set[Any]) -> tuple[Any, Any]:
    """A started kernel and a client connected to it, ready for requests.

    Every kernel manager is added to ``live`` before its kernel starts, so a build stopped
    halfway through a start still finds the kernel to stop (see :func:`_kill_left`).
    """
    from jupyter_client.manager import AsyncKernelManager

    for attempt in range(1, KERNEL_START_TRIES + 1):
        km = AsyncKernelManager(kernel_name=job.kernel_name)
        if job.connection_dir is not None:
            km.connection_file = str(job.connection_dir / f"kernel-{uuid.uuid4()}.json")
        live.add(km)
        kc = None
        try:
            await km.start_kernel(cwd=str(job.cwd), extra_arguments=list(KERNEL_ARGUMENTS))
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            return km, kc
        except BaseException as exc:  # also a build stopped while the kernel starts
            if kc is not None:
                kc.stop_channels()
            await _stop(km)
            if attempt == KERNEL_START_TRIES or not isinstance(exc, Exception):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _stop(km: Any) -> None:
    try:
        if km.has_kernel:
            await km.shutdown_kernel(now=True)  # also removes its connection file
        else:
            await km.cleanup_resources()
    except Exception:  # already gone: nothing to stop
        pass


def _kill_left(live: set[Any]) -> None:
    """Kill, without waiting on the event loop, any kernel a stopped build still has.

    The kernels run in sessions of their own (so Ctrl-C in the terminal does not reach
    them); the whole session's process group goes, with anything the notebook started.
    """
    for km in list(live):
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(Exception):
                process.wait()
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()
        live.discard(km)


@contextlib.contextmanager
def kernel_files_folder(root: Path) -> Iterator[Path | None]:
    """A folder of this build's own, under ``root``, for its kernels' connection files.

    A build killed outright (SIGKILL) cannot remove them (a few hundred bytes each, with a
    dead kernel's key); the next build removes the folders of builds no longer running.
    Each folder is named after its build's process id, so two builds sharing a cache never
    touch each other's files. Windows has no safe "is it running" probe (``os.kill(pid,
    0)`` sends Ctrl+C there), so old folders stay. Yields None when the folder cannot be
    made or written (a full disk): the kernels then use Jupyter's runtime folder.
    """
    own = root / str(os.getpid())
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            for folder in root.iterdir():
                if folder.name.isdigit() and folder != own and not _running(int(folder.name)):
                    shutil.rmtree(folder, ignore_errors=True)
        own.mkdir(exist_ok=True)
        probe = own / "probe"  # a connection file's size: a full disk shows here
        probe.write_bytes(b" " * 512)
        probe.unlink()
    except OSError:
        shutil.rmtree(own, ignore_errors=True)
        yield None
        return
    try:
        yield own
    finally:
        shutil.rmtree(own, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


#: Signals that stop a build cleanly (SIGINT is asyncio's own: it cancels the run too).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _stop_on_signals(received: list[int]) -> Any:
    """While inside, SIGTERM/SIGHUP cancel the current task (once) instead of ending the
    process, so the kernels are stopped; the signals' handlers are put back after."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: dict[int, Any] = {}

    def stop(signum: int) -> None:
        received.append(signum)
        if len(received) == 1 and task is not None:
            task.cancel()

    for signum in STOP_SIGNALS:
        previous = signal.getsignal(signum)
        try:
            loop.add_signal_handler(signum, stop, signum)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            continue
        installed[signum] = previous
    try:
        yield
    finally:
        for signum, previous in installed.items():
            loop.remove_signal_handler(signum)
            with contextlib.suppress(ValueError, TypeError, OSError):
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)


async def _execute_one(
    job: ExecutionJob, alive: asyncio.Semaphore, running: asyncio.Semaphore, live: set[Any]
) -> Execution:
    async with alive:
        try:
            km, kc = await _start_kernel(job, live)
        except Exception as exc:  # no such kernel, cannot start it
            return Execution(job, error=_could_not_run(job, exc))
        try:
            async with running:
                try:
                    return await _run_cells(job, km, kc)
                except KitError as exc:
                    return Execution(job, error=str(exc))
                except Exception as exc:  # dead kernel, timeout, a message out of place
                    return Execution(job, error=_could_not_run(job, exc))
        finally:
            kc.stop_channels()
            await _stop(km)
            live.discard(km)


async def execute_notebooks(
    jobs: Sequence[ExecutionJob],
    *,
    parallel: int = 2,
    on_done: Callable[[Execution], Awaitable[None]] | None = None,
) -> list[Execution]:
    """Run ``jobs`` in the order given, ``parallel`` at a time, one kernel starting ahead.

    ``on_done`` is awaited with each execution as it finishes (the build renders its
    handouts then, while the other kernels keep running). Never raises for a notebook's
    failure: the execution carries the message.

    Raises
    ------
    Interrupted
        SIGTERM or SIGHUP arrived: every kernel was stopped first.
    """
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    parallel = max(1, parallel)
    alive = asyncio.Semaphore(parallel + 1)
    running = asyncio.Semaphore(parallel)

    live: set[Any] = set()
    received: list[int] = []

    async def one(job: ExecutionJob) -> Execution:
        execution = await _execute_one(job, alive, running, live)
        if on_done is not None:
            await on_done(execution)
        return execution

    with _stop_on_signals(received):
        tasks = [asyncio.ensure_future(one(job)) for job in jobs]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            _kill_left(live)
            if received:
                name = signal.Signals(received[0]).name
                raise Interrupted(
                    received[0],
                    f"interrupted by {name}: the notebooks' kernels were stopped; handouts "
                    "from earlier builds were left as they were",
                ) from None
            raise


def execute_notebook(
    path: Path,
    *,
    shown_as: str,
    parameters: Mapping[str, Any],
    parameters_cell: int | None,
    cwd: Path,
    kernel_name: str = KERNEL_NAME,
    reads_path: Path | None = None,
) -> Any:
    """Execute one notebook in a fresh kernel and return the executed notebook node.

    Raises
    ------
    BuildError
        The notebook raised (naming the cell, the error and its message), or could not be
        run at all (no such kernel, the kernel died).
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dsw-reads-") as tmp:
        job = ExecutionJob(
            stem=Path(path).stem,
            path=Path(path),
            shown_as=shown_as,
            parameters=dict(parameters),
            parameters_cell=parameters_cell,
            cwd=Path(cwd),
            reads_path=Path(reads_path or Path(tmp) / "reads.json"),
            kernel_name=kernel_name,
        )
        (execution,) = asyncio.run(execute_notebooks([job], parallel=1))
    if execution.error:
        raise BuildError(execution.error)
    return execution.nb
