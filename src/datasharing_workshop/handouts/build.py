"""Plan and run a handout build: ``datasharing-workshop build``.

1. Check everything that can be checked without running anything: the config, the
   notebooks' tags and metadata, the content files and scenario files they read.
2. Plan: per notebook an execution key and per handout a render key (:mod:`.cache`).
   Reuse what matches; a rebuild with nothing changed stops here, having imported no
   Jupyter library.
3. Run one task per notebook that needs work, in parallel worker processes: execute it
   once (``group=""``), then render all its variants from that one execution; group
   handouts get each group's saved answers from the store without running anything.
4. Record what was built in the manifest, remove handouts of notebooks that are gone,
   and write ``index.html``.

Failures never leave a half-written handout: each file is written aside and moved into
place, and a notebook that fails keeps its previous handouts.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..content.dates import format_date
from ..content.sizes import format_size
from ..content.yaml_source import display_path
from ..errors import BuildError, InputError, NotebookError
from ..notebook.contract import VARIANTS, NotebookInfo, read_notebook
from ..ownership import OwnedFolder
from . import TEMPLATE_DIR
from .answers import (
    answers_digest,
    answers_for,
    observations_digest,
    read_latest_answers,
    url_store_digest,
)
from .cache import (
    Manifest,
    OutputRecord,
    atomic_write_bytes,
    bytes_digest,
    json_digest,
    tree_digest,
)
from .config import DEFAULT_CONFIG, GroupEntry, Workshop, load_workshop
from .guide import GUIDE_FOLDER, GuideHandout, session_pages_html, write_standalone_pages
from .reads import digest_reads, reads_are_current, relevant_reads
from .worker import NotebookResult, NotebookTask, RenderJob

DEFAULT_OUTPUT = Path("build/handouts")
#: The kit's package: its code is part of every execution key.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
KERNEL_NAME = "python3"


@dataclass
class BuildOptions:
    """What ``datasharing-workshop build`` was asked to do."""

    config: Path = DEFAULT_CONFIG
    output: Path = DEFAULT_OUTPUT
    #: Executed notebooks and the manifest; default: ``.cache`` next to ``output``.
    cache_dir: Path | None = None
    #: Worker processes; default: the number of CPUs.
    jobs: int | None = None
    #: Execute and render everything, whatever the cache says.
    force: bool = False
    #: Only these groups' handouts (names or folder names); default: all.
    groups: list[str] | None = None
    #: Jupyter kernel the notebooks run in (``jupyter kernelspec list``).
    kernel: str = KERNEL_NAME
    #: Also print every handout to PDF, with the packets and sheets (:mod:`.printing`).
    pdf: bool = False
    #: Paper for the PDFs: ``letter`` or ``a4``.
    paper: str = "letter"


@dataclass
class BuildReport:
    """What a build did, for the command line and for tests."""

    output: Path
    #: Notebooks run with papermill in this build.
    executed: list[str] = field(default_factory=list)
    #: Notebooks whose earlier execution was reused.
    reused: list[str] = field(default_factory=list)
    #: Handouts written (paths relative to ``output``).
    written: list[str] = field(default_factory=list)
    #: Handouts already up to date, left untouched.
    unchanged: list[str] = field(default_factory=list)
    #: Handouts removed because their notebook or variant is gone.
    removed: list[str] = field(default_factory=list)
    #: Size in bytes of every handout in the output (relative path -> bytes).
    sizes: dict[str, int] = field(default_factory=dict)
    index_written: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: What ``--pdf`` printed (a :class:`.printing.PrintReport`), else None.
    pdf: Any = None


class _Guide:
    """The facilitator guide's session pages, rendered only when a handout needs one.

    Render keys use :attr:`digest` (the guide folder's files and the notebooks its links
    point at), so a rebuild with nothing changed renders no Markdown at all.
    """

    def __init__(self, folder: Path, stems: list[str]):
        self.folder = folder
        self.stems = stems
        files = tree_digest(folder) if folder.is_dir() else ""
        self.digest = json_digest({"files": files, "notebooks": stems})
        self._pages: dict[str, str] | None = None
        self._lock = threading.Lock()

    def html(self, stem: str) -> str:
        with self._lock:
            if self._pages is None:
                self._pages = session_pages_html(self.folder, self.stems)
            return self._pages.get(stem, "")


@dataclass(frozen=True)
class _Target:
    """One handout a notebook makes."""

    path: Path
    variant: str
    group: str = ""
    answers: tuple[dict[str, Any], ...] = ()


@dataclass
class _Planned:
    info: NotebookInfo
    #: Digest of what is known before running: the notebook, its parameters, the kit's
    #: code, and (``uses_answers``) the saved answers. The reads come on top.
    exec_key: str
    executed_path: Path
    reuse: bool
    parameters: dict[str, Any]
    targets: list[_Target]
    renderer: str
    #: Normalized digest of the executed notebook being reused (None: it must run).
    executed_digest: str | None = None
    #: Seconds its last execution took (None: never ran here), for longest-first.
    seconds: float | None = None
    #: The Jupyter kernel it runs in.
    kernel: str = KERNEL_NAME
    #: The facilitator guide (its page ends the facilitator handout).
    guide: _Guide | None = None

    def render_key(self, executed_digest: str, target: _Target) -> str:
        return json_digest(
            {
                # What the execution showed, not how it came about: a re-execution that
                # shows the same things leaves the handouts in place.
                "executed": executed_digest,
                "variant": target.variant,
                "group": target.group,
                "answers": answers_digest(target.answers) if target.variant == "group" else "",
                "renderer": self.renderer,
                "notebook": [self.info.shown_as, self.info.title],
                # An edited guide page re-renders the facilitator handout, no execution.
                "guide": self.guide.digest
                if self.guide and target.variant == "facilitator"
                else "",
            }
        )

    def jobs(self, executed_digest: str, manifest: Manifest, force: bool) -> list[RenderJob]:
        """The handouts whose file is not what this execution would give."""
        jobs = []
        for target in self.targets:
            key = self.render_key(executed_digest, target)
            if force or not manifest.output_is_current(target.path, key):
                jobs.append(
                    RenderJob(
                        target.variant,
                        str(target.path),
                        key,
                        target.group,
                        target.answers,
                        self.guide.html(self.info.stem)
                        if self.guide and target.variant == "facilitator"
                        else "",
                        "" if force else manifest.intact_sha(target.path),
                    )
                )
        return jobs


Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_handouts(options: BuildOptions, log: Log | None = _stderr) -> BuildReport:
    """Build every handout that is out of date.

    Parameters
    ----------
    options
        Config path, output folder, jobs, force, group filter.
    log
        Where progress lines go (default: standard error); None for silence.

    Returns
    -------
    BuildReport

    Raises
    ------
    ContentError
        The workshop config or the content is malformed (exit status 2).
    InputError
        ``--group`` names a group the config does not list (exit status 2).
    BuildError
        A notebook is missing, malformed or raised (exit status 1). Handouts written
        before stay as they were.
    """
    started = time.perf_counter()
    say = log or (lambda _message: None)
    workshop = load_workshop(options.config)
    groups = workshop.select_groups(options.groups)
    output = Path(options.output).absolute()
    cache_dir = Path(options.cache_dir or output.parent / ".cache").absolute()
    report = BuildReport(output=output)
    # Only into a folder the kit made; never over an index.html it did not write.
    owned = OwnedFolder.claim(
        output, option="--output", legacy=_legacy_output(cache_dir), create=False
    )
    owned.check_writable(["index.html"])

    notebooks = _discover(workshop)
    answers = read_latest_answers(
        workshop.store_path,
        workshop.config.workshop_id,
        jurisdiction=workshop.config.jurisdiction,
        scenario_set=workshop.config.scenario_set,
    )
    report.notes += _answer_notes(workshop, answers)
    manifest = Manifest.load(cache_dir / "manifest.json")
    facts = workshop_facts(workshop)
    stems = [info.stem for info in notebooks]
    guide = _Guide(workshop.guide_folder, stems)

    renderer = json_digest(
        {
            "template": tree_digest(TEMPLATE_DIR),
            "code": tree_digest(Path(__file__).resolve().parent),
            "facts": facts,
            # Guide links point at other notebooks' handouts: adding one re-renders.
            "notebooks": stems,
        }
    )
    code = tree_digest(PACKAGE_DIR)
    url_store = (
        ""
        if isinstance(workshop.store_path, Path)
        else url_store_digest(workshop.store_path, workshop.config.workshop_id)
    )
    plans = [
        _plan(
            info,
            workshop=workshop,
            groups=groups,
            output=output,
            cache_dir=cache_dir,
            code=code,
            answers=answers,
            renderer=renderer,
            manifest=manifest,
            force=options.force,
            kernel=options.kernel,
            url_store=url_store,
            guide=guide,
        )
        for info in notebooks
    ]

    if any(not plan.reuse for plan in plans):
        _check_kernel(options.kernel)
    owned.save()  # checks passed: the folder is made and marked before anything runs
    to_execute = [plan for plan in plans if not plan.reuse]
    to_render: list[tuple[_Planned, list[RenderJob]]] = []
    for plan in plans:
        if not plan.reuse:
            continue
        assert plan.executed_digest is not None
        jobs = plan.jobs(plan.executed_digest, manifest, options.force)
        current = {job.out_path for job in jobs}
        report.unchanged += [
            _relative(t.path, output) for t in plan.targets if str(t.path) not in current
        ]
        if jobs:
            to_render.append((plan, jobs))
        else:
            report.reused.append(plan.info.stem)

    results: list[NotebookResult] = []
    if to_execute or to_render:
        if to_execute:
            _check_scenario_files(workshop, notebooks)
        say(
            f"Building handouts for {workshop.config.title!r}: "
            f"{len(to_execute) + len(to_render)} of {len(plans)} notebooks need work "
            f"({len(to_execute)} to execute), {len(report.unchanged)} handouts up to date."
        )
        results = _run(
            to_execute,
            to_render,
            workshop=workshop,
            facts=facts,
            stems=stems,
            manifest=manifest,
            output=output,
            cache_dir=cache_dir,
            force=options.force,
            jobs=options.jobs,
            say=say,
        )

    failures = _record(results, plans, manifest, report)

    if failures:
        try:
            manifest.save()  # keep what did succeed, so the next build does not redo it
        except OSError as exc:
            failures.append(f"the build cache {manifest.path}: {exc.strerror or exc}")
        count = len(failures)
        head = "1 notebook failed" if count == 1 else f"{count} notebooks failed"
        raise BuildError(
            f"{head}; handouts from earlier builds were left as they were:\n"
            + "\n".join(f"  {line}" for failure in failures for line in failure.splitlines())
        )

    planned = {str(t.path) for plan in plans for t in plan.targets}
    if options.groups is None:
        report.removed = _remove_stale(manifest, output, planned)
    guide_pages = write_standalone_pages(
        workshop.guide_folder,
        output / "facilitator" / GUIDE_FOLDER,
        facts,
        stems,
        renderer=renderer,
        keys_file=cache_dir / "guide-pages.json",
    )
    for page in guide_pages:
        (report.written if page.written else report.unchanged).append(_relative(page.path, output))
        report.sizes[_relative(page.path, output)] = page.size
    try:
        report.index_written = _write_index(manifest, output, workshop, plans, facts, guide_pages)
        owned.record(["index.html"])
        owned.save()
        manifest.save()
    except OSError as exc:
        raise BuildError(
            f"cannot finish the build: {exc.strerror or exc} ({exc.filename or output}); "
            "free some space or choose another --output / --cache"
        ) from None
    for path_text, record in manifest.outputs.items():
        path = Path(path_text)
        if _inside(path, output) and path.is_file():
            report.sizes[_relative(path, output)] = record.size
    report.written.sort()
    report.unchanged.sort()
    if options.pdf:
        from .printing import print_built_handouts

        report.pdf = print_built_handouts(
            output,
            cache_dir=cache_dir,
            outputs=manifest.outputs,
            guide_pages=guide_pages,
            stems=stems,
            workshop=workshop,
            facts=facts,
            paper=options.paper,
            log=say,
        )
    report.seconds = time.perf_counter() - started
    return report


def _legacy_output(cache_dir: Path):
    """An output folder built before the ownership marker: its handouts are in the manifest."""

    def files(folder: Path) -> list[str] | None:
        manifest = Manifest.load(cache_dir / "manifest.json")
        if any(_inside(Path(p), folder.absolute()) for p in manifest.outputs):
            return ["index.html"]
        return None

    return files


# ------------------------------------------------------------------------------ checking


def _discover(workshop: Workshop) -> list[NotebookInfo]:
    folder = workshop.notebook_folder
    if not folder.is_dir():
        raise NotebookError(f"no notebook folder at {display_path(folder)}")
    if workshop.config.notebooks is not None:
        names = [name.removesuffix(".ipynb") for name in workshop.config.notebooks]
        paths = [folder / f"{name}.ipynb" for name in names]
    else:
        paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise NotebookError(
            f"no notebooks (*.ipynb) in the folder {display_path(folder)}/: expected files such as "
            "01_open_the_workshop.ipynb"
        )
    infos, problems = [], []
    for path in paths:
        info, found = read_notebook(path, display_path(path))
        problems += found
        if info is not None:
            infos.append(info)
    if problems:
        count = len(problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        raise NotebookError(
            f"{head} in the notebooks, nothing was built:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return infos


def _check_scenario_files(workshop: Workshop, notebooks: list[NotebookInfo]) -> None:
    """The content loads and each breakout notebook's scenario file exists.

    Checked before any kernel runs, so broken content fails with file, line and field.
    What each notebook reads is recorded when it runs (:mod:`.reads`).
    """
    from ..content.catalogue import load_catalogue

    folder = load_catalogue(workshop.config.jurisdiction).folder  # ContentError when broken
    problems = []
    for info in notebooks:
        exercise = info.settings.exercise
        if exercise is None:
            continue
        path = folder / "scenarios" / workshop.config.scenario_set / f"{exercise}.yaml"
        if not path.is_file():
            problems.append(
                f"{info.shown_as}: metadata.datasharing_workshop.exercise is '{exercise}', "
                f"but there is no scenario file {display_path(path)} (jurisdiction "
                f"'{workshop.config.jurisdiction}', scenario set "
                f"'{workshop.config.scenario_set}')"
            )
    if problems:
        raise NotebookError("\n".join(problems))


def _check_kernel(name: str) -> None:
    """``--kernel`` names a Jupyter kernel that is installed (checked before anything runs)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    specs = KernelSpecManager()
    try:
        specs.get_kernel_spec(name)
    except NoSuchKernel:
        known = ", ".join(sorted(specs.find_kernel_specs())) or "none"
        raise InputError(
            f"--kernel: no Jupyter kernel named '{name}' (installed: {known}); see "
            "`jupyter kernelspec list`"
        ) from None


def _answer_notes(workshop: Workshop, answers: list[dict[str, Any]]) -> list[str]:
    notes = []
    if not workshop.store_path.exists():
        notes.append(
            f"no answer store at {workshop.store_path}: group handouts show no saved answers"
        )
    known = {g.name for g in workshop.groups}
    strangers = sorted({a["group"] for a in answers} - known)
    if strangers:
        notes.append(
            "answers saved under groups that "
            f"{workshop.shown_as} does not list were left out: {', '.join(strangers)}"
        )
    return notes


def workshop_facts(workshop: Workshop) -> dict[str, Any]:
    """What every handout prints about the workshop."""
    c = workshop.config
    return {
        "workshop_title": c.title,
        "date_iso": c.date.isoformat(),
        "date_text": format_date(c.date, c.date_format),
        "host_agency": c.host_agency,
        "facilitators": list(c.facilitators),
        "version": __version__,
    }


# ------------------------------------------------------------------------------ planning


def _plan(
    info: NotebookInfo,
    *,
    workshop: Workshop,
    groups: list[GroupEntry],
    output: Path,
    cache_dir: Path,
    code: str,
    answers: list[dict[str, Any]],
    renderer: str,
    manifest: Manifest,
    force: bool,
    guide: _Guide | None = None,
    kernel: str = KERNEL_NAME,
    url_store: str = "",
) -> _Planned:
    c = workshop.config
    values = {
        "workshop_id": c.workshop_id,
        "group": "",  # one execution serves every variant; groups' answers come later
        "scenario_set": c.scenario_set,
        "store_path": str(workshop.store_path),
        "jurisdiction": c.jurisdiction,
    }
    parameters = {name: values[name] for name in info.parameters}
    exec_inputs: dict[str, Any] = {
        "notebook": info.digest,
        "parameters": parameters,
        "version": __version__,
        "code": code,
        "kernel": kernel,
    }
    if info.settings.uses_answers:
        # Declared in the notebook's metadata; the store it opens is also among its reads.
        exec_inputs["answers"] = answers_digest(answers)
        # The report-back also shows the observers' notes: a new note must show up.
        exec_inputs["observations"] = observations_digest(workshop.store_path, c.workshop_id)
    if url_store and "store_path" in parameters:
        exec_inputs["store"] = url_store  # a store on a server: its reads are not seen
    exec_key = json_digest(exec_inputs)
    executed_path = cache_dir / "executed" / f"{info.stem}-{exec_key[:20]}.ipynb"
    entry = manifest.executions.get(info.stem, {})
    seconds = entry.get("seconds")
    executed_digest = None
    if not force and manifest.cached_execution(info.stem, exec_key) == executed_path:
        recorded = entry.get("reads")
        if isinstance(recorded, dict) and entry.get("digest") and reads_are_current(recorded):
            executed_digest = str(entry["digest"])

    targets: list[_Target] = []
    for variant in (v for v in VARIANTS if v in info.settings.handouts):
        if variant == "group":
            for group in groups:
                mine = tuple(answers_for(answers, group.name, info.settings.exercise))
                path = output / "groups" / group.folder / f"{info.stem}.html"
                targets.append(_Target(path, variant, group.name, mine))
        else:
            targets.append(_Target(output / variant / f"{info.stem}.html", variant))
    return _Planned(
        info,
        exec_key,
        executed_path,
        executed_digest is not None,
        parameters,
        targets,
        renderer,
        executed_digest,
        float(seconds) if isinstance(seconds, int | float) else None,
        kernel,
        guide,
    )


def _task(plan: _Planned, workshop: Workshop, facts: dict[str, Any], stems: list[str]):
    return NotebookTask(
        stem=plan.info.stem,
        path=str(plan.info.path),
        shown_as=plan.info.shown_as,
        title=plan.info.title,
        notebook_dir=str(workshop.notebook_folder),
        facts=facts,
        notebook_stems=tuple(stems),
    )


# ------------------------------------------------------------------------------ running


def _longest_first(plans: list[_Planned]) -> list[_Planned]:
    """Longest last execution first; never-run notebooks first of all, in their order."""
    return sorted(plans, key=lambda p: -(p.seconds if p.seconds is not None else float("inf")))


def _run(
    to_execute: list[_Planned],
    to_render: list[tuple[_Planned, list[RenderJob]]],
    *,
    workshop: Workshop,
    facts: dict[str, Any],
    stems: list[str],
    manifest: Manifest,
    output: Path,
    cache_dir: Path,
    force: bool,
    jobs: int | None,
    say: Log,
) -> list[NotebookResult]:
    """Execute and render in this one process: kernels run beside it, renders in a thread.

    Handouts of reused executions are rendered first, while the first kernels start.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from .execute import ExecutionJob, execute_notebooks, kernel_files_folder
    from .worker import read_executed, render_task

    parallel = max(1, min(jobs or os.cpu_count() or 1, len(to_execute) or 1))
    progress = _Progress(len(to_execute) + len(to_render), say)
    results: list[NotebookResult] = []
    # The answer store may live in the user's data folder (~/.local/share), which is
    # otherwise left out with the other dot folders.
    store_file = isinstance(workshop.store_path, Path)
    keep = [PACKAGE_DIR, workshop.store_path] if store_file else [PACKAGE_DIR]
    store_existed = workshop.store_path.exists()
    ignore = [output, cache_dir]

    def render_reused(plan: _Planned, jobs: list[RenderJob]) -> NotebookResult:
        result = NotebookResult(plan.info.stem)
        nb = read_executed(plan.executed_path)
        if nb is None:  # vanished between planning and now
            result.error = (
                f"{plan.info.shown_as}: its cached execution {plan.executed_path} could not "
                "be read; build again with --force"
            )
            return result
        task = replace(_task(plan, workshop, facts, stems), renders=tuple(jobs))
        return render_task(nb, task, result)

    def finish_execution(plan: _Planned, execution: Any) -> NotebookResult:
        from .worker import normalized_json

        result = NotebookResult(plan.info.stem, execute_seconds=execution.seconds)
        if execution.error:
            result.error = execution.error
            return result
        nb = execution.nb
        try:
            atomic_write_bytes(plan.executed_path, nbformat_text(nb).encode("utf-8"))
        except OSError as exc:  # a full or read-only cache: one line, details in a file
            import traceback

            from ..crash_log import save_details

            where = save_details(traceback.format_exc())
            result.error = (
                f"{plan.info.shown_as}: cannot save its execution in the build cache "
                f"({plan.executed_path.parent}): {exc.strerror or exc}; free some space or "
                f"choose another --cache (details: {where})"
            )
            return result
        digest = bytes_digest(normalized_json(nb).encode("utf-8"))
        if execution.reads is None:
            recorded = None  # not known: run it again next time
        else:
            mine = relevant_reads(execution.reads, keep_under=keep, ignore_under=ignore)
            if "store_path" in plan.parameters and store_file and not store_existed:
                # Code that finds no store (an exists() check) opens nothing the hook can
                # see; the store appearing must still run the notebook again.
                mine["databases"] = sorted({*mine["databases"], str(workshop.store_path)})
            recorded = digest_reads(mine)
        result.executed = True
        result.execution = {
            "key": plan.exec_key,
            "file": str(plan.executed_path),
            "digest": digest,
            "reads": recorded,
            "seconds": round(execution.seconds, 3),
        }
        jobs = plan.jobs(digest, manifest, force)
        current = {job.out_path for job in jobs}
        result.unchanged = [str(t.path) for t in plan.targets if str(t.path) not in current]
        task = replace(_task(plan, workshop, facts, stems), renders=tuple(jobs))
        return render_task(nb, task, result)

    async def drive() -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dsw-render") as renderer:

            async def in_thread(function: Callable[..., NotebookResult], *args: Any) -> None:
                result = await loop.run_in_executor(renderer, function, *args)
                results.append(result)
                progress.done(result)

            pending = [
                asyncio.ensure_future(in_thread(render_reused, plan, jobs))
                for plan, jobs in to_render
            ]
            by_stem = {plan.info.stem: plan for plan in to_execute}

            async def on_done(execution: Any) -> None:
                await in_thread(finish_execution, by_stem[execution.job.stem], execution)

            reads_dir = cache_dir / "reads"
            reads_dir.mkdir(parents=True, exist_ok=True)
            with kernel_files_folder(cache_dir / "kernels") as connection_dir:
                execution_jobs = [
                    ExecutionJob(
                        stem=plan.info.stem,
                        path=plan.info.path,
                        shown_as=plan.info.shown_as,
                        parameters=plan.parameters,
                        parameters_cell=plan.info.parameters_cell,
                        cwd=workshop.notebook_folder,
                        reads_path=reads_dir / f"{plan.info.stem}.json",
                        kernel_name=plan.kernel,
                        connection_dir=connection_dir,
                    )
                    for plan in _longest_first(to_execute)
                ]
                try:
                    await execute_notebooks(execution_jobs, parallel=parallel, on_done=on_done)
                    await asyncio.gather(*pending)
                finally:
                    for future in pending:
                        future.cancel()

    try:
        asyncio.run(drive())
    finally:
        progress.close()
    return results


def nbformat_text(nb: Any) -> str:
    import nbformat

    return nbformat.writes(nb)


class _Progress:
    """A tqdm bar on a terminal; plain lines in CI or when output is redirected."""

    def __init__(self, total: int, say: Log):
        self.say = say
        self.total = total
        self.count = 0
        self.bar = None
        if say is _stderr and sys.stderr.isatty() and not os.environ.get("CI"):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="notebook", file=sys.stderr, leave=False)

    def done(self, result: NotebookResult) -> None:
        self.count += 1
        if result.error:
            line = f"{result.stem}: FAILED"
        else:
            how = (
                f"executed in {result.execute_seconds:.1f} s"
                if result.executed
                else "reused its execution"
            )
            line = f"{result.stem}: {how}, wrote {len(result.written)} handout(s)"
        if self.bar is not None:
            self.bar.set_postfix_str(result.stem)
            self.bar.update(1)
        else:
            self.say(f"[{self.count}/{self.total}] {line}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _record(
    results: list[NotebookResult], plans: list[_Planned], manifest: Manifest, report: BuildReport
) -> list[str]:
    """Note each result in the manifest and the report; return the failures' messages."""
    output = report.output
    by_stem = {plan.info.stem: plan for plan in plans}
    failures = []
    for result in sorted(results, key=lambda r: r.stem):
        plan = by_stem[result.stem]
        if result.executed and result.execution:
            # Recorded even when rendering then failed: the next build only re-renders.
            previous = manifest.executions.get(result.stem, {}).get("file")
            manifest.executions[result.stem] = result.execution
            if previous and previous != str(plan.executed_path):
                with contextlib.suppress(OSError):
                    Path(previous).unlink()
        if result.error:
            failures.append(result.error)
            continue
        (report.executed if result.executed else report.reused).append(result.stem)
        report.unchanged += [_relative(Path(p), output) for p in result.unchanged]
        variants = {str(t.path): (t.variant, t.group) for t in plan.targets}
        for out_path, key, sha, size in result.written:
            variant, group = variants[out_path]
            manifest.outputs[out_path] = OutputRecord(
                key=key,
                sha256=sha,
                size=size,
                notebook=result.stem,
                variant=variant,
                group=group,
                title=plan.info.title,
            )
            report.written.append(_relative(Path(out_path), output))
        for out_path, key, _sha, _size in result.kept:
            manifest.outputs[out_path].key = key  # same bytes, now known under the new key
    report.executed.sort()
    report.reused.sort()
    return failures


# ------------------------------------------------------------------------------ finishing


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _relative(path: Path, output: Path) -> str:
    return path.relative_to(output).as_posix()


def _remove_stale(manifest: Manifest, output: Path, planned: set[str]) -> list[str]:
    """Delete handouts we wrote earlier for notebooks, variants or groups that are gone."""
    removed = []
    for path_text in list(manifest.outputs):
        path = Path(path_text)
        if path_text in planned or not _inside(path, output):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        del manifest.outputs[path_text]
        removed.append(_relative(path, output))
    return sorted(removed)


def _size(size: int) -> str:
    # The kit writes every size one way: decimal units, a space, as sizes.format_size does.
    return format_size(size)


def _write_index(
    manifest: Manifest,
    output: Path,
    workshop: Workshop,
    plans: list[_Planned],
    facts: dict[str, Any],
    guide_pages: Sequence[GuideHandout] = (),
) -> bool:
    """Write index.html if its content changed; True when written."""
    import jinja2

    order = {plan.info.stem: n for n, plan in enumerate(plans)}
    records = [
        (Path(p), r)
        for p, r in manifest.outputs.items()
        if _inside(Path(p), output) and Path(p).is_file()
    ]
    records.sort(key=lambda pr: (order.get(pr[1].notebook, len(order)), pr[1].notebook))

    def item(path: Path, record: OutputRecord) -> dict[str, str]:
        return {"href": _relative(path, output), "title": record.title, "size": _size(record.size)}

    sections = [
        {
            "id": "participant",
            "title": "Participant handouts",
            "about": "For everyone in the room: no answer keys, no facilitator notes.",
            "items": [item(p, r) for p, r in records if r.variant == "participant"],
        },
        {
            "id": "facilitator",
            "title": "Facilitator handouts",
            "about": "Everything, with facilitator notes and answer keys labelled.",
            "items": [item(p, r) for p, r in records if r.variant == "facilitator"],
        },
    ]
    if guide_pages:
        sections.append(
            {
                "id": "guide",
                "title": "Facilitator guide",
                "about": "How to prepare and run the workshop; each session's page is also at "
                "the end of its facilitator handout.",
                "items": [
                    {"href": _relative(p.path, output), "title": p.title, "size": _size(p.size)}
                    for p in guide_pages
                ],
            }
        )
    group_lists = []
    for group in workshop.groups:
        mine = [item(p, r) for p, r in records if r.variant == "group" and r.group == group.name]
        if mine:
            group_lists.append({"name": group.name, "items": mine})
    if group_lists:
        sections.append(
            {
                "id": "groups",
                "title": "Group handouts",
                "about": "Each group's saved answers beside the answer key, for the report-back.",
                "groups": group_lists,
            }
        )
    sections = [s for s in sections if s.get("items") or s.get("groups")]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    css = (TEMPLATE_DIR / "static" / "handout.css").read_text(encoding="utf-8")
    html = env.get_template("contents.html.j2").render(facts=facts, sections=sections, css=css)
    data = html.encode("utf-8")
    index = output / "index.html"
    with contextlib.suppress(OSError):
        if index.read_bytes() == data:
            return False
    atomic_write_bytes(index, data)
    return True
