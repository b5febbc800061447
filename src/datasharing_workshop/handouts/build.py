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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..content.dates import format_date
from ..content.sizes import format_size
from ..content.yaml_source import display_path
from ..errors import BuildError
from . import TEMPLATE_DIR
from .answers import answers_digest, answers_for, read_latest_answers
from .cache import (
    Manifest,
    OutputRecord,
    atomic_write_bytes,
    files_digest,
    json_digest,
    tree_digest,
)
from .config import DEFAULT_CONFIG, GroupEntry, Workshop, load_workshop
from .contract import VARIANTS, NotebookInfo, read_notebook
from .guide import GUIDE_FOLDER, GuideHandout, session_pages_html, write_standalone_pages
from .worker import NotebookResult, NotebookTask, RenderJob, run_task

DEFAULT_OUTPUT = Path("build/handouts")
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


@dataclass
class _Planned:
    info: NotebookInfo
    exec_key: str
    executed_path: Path
    reuse: bool
    parameters: dict[str, Any]
    jobs: list[RenderJob]
    all_outputs: list[tuple[Path, str, str, str]]  # (path, key, variant, group)


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

    notebooks = _discover(workshop)
    catalogue_files, scenario_files = _content_files(workshop, notebooks)
    answers = read_latest_answers(workshop.store_path, workshop.config.workshop_id)
    report.notes += _answer_notes(workshop, answers)
    manifest = Manifest.load(cache_dir / "manifest.json")
    facts = workshop_facts(workshop)
    stems = [info.stem for info in notebooks]
    guide_html = session_pages_html(workshop.guide_folder, stems)

    renderer = json_digest(
        {
            "template": tree_digest(TEMPLATE_DIR),
            "code": tree_digest(Path(__file__).resolve().parent),
            "facts": facts,
            # Guide links point at other notebooks' handouts: adding one re-renders.
            "notebooks": stems,
        }
    )
    plans = [
        _plan(
            info,
            workshop=workshop,
            groups=groups,
            output=output,
            cache_dir=cache_dir,
            content=catalogue_files | scenario_files.get(info.stem, {}),
            answers=answers,
            renderer=renderer,
            manifest=manifest,
            force=options.force,
            kernel=options.kernel,
            guide_html=guide_html.get(info.stem, ""),
        )
        for info in notebooks
    ]

    tasks = []
    for plan in plans:
        current = {job.out_path for job in plan.jobs}
        for path, _key, _variant, _group in plan.all_outputs:
            if str(path) not in current:
                report.unchanged.append(_relative(path, output))
        if not plan.jobs:
            report.reused.append(plan.info.stem)
            continue
        tasks.append(_task(plan, workshop, facts, stems, options.kernel))

    if tasks:
        executing = sum(t.execute for t in tasks)
        say(
            f"Building handouts for {workshop.config.title!r}: {len(tasks)} of "
            f"{len(plans)} notebooks need work ({executing} to execute), "
            f"{len(report.unchanged)} handouts up to date."
        )
        results = _run(tasks, options.jobs, say)
    else:
        results = []

    failures = _record(results, plans, manifest, report)

    if failures:
        manifest.save()  # keep what did succeed, so the next build does not redo it
        count = len(failures)
        head = "1 notebook failed" if count == 1 else f"{count} notebooks failed"
        raise BuildError(
            f"{head}; handouts from earlier builds were left as they were:\n"
            + "\n".join(f"  {line}" for failure in failures for line in failure.splitlines())
        )

    planned = {str(path) for plan in plans for path, *_ in plan.all_outputs}
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
    report.index_written = _write_index(manifest, output, workshop, plans, facts, guide_pages)
    manifest.save()
    for path_text, record in manifest.outputs.items():
        path = Path(path_text)
        if _inside(path, output) and path.is_file():
            report.sizes[_relative(path, output)] = record.size
    report.written.sort()
    report.unchanged.sort()
    report.seconds = time.perf_counter() - started
    return report


# ------------------------------------------------------------------------------ checking


def _discover(workshop: Workshop) -> list[NotebookInfo]:
    folder = workshop.notebook_folder
    if not folder.is_dir():
        raise BuildError(f"no notebook folder at {display_path(folder)}")
    if workshop.config.notebooks is not None:
        names = [name.removesuffix(".ipynb") for name in workshop.config.notebooks]
        paths = [folder / f"{name}.ipynb" for name in names]
    else:
        paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise BuildError(
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
        raise BuildError(
            f"{head} in the notebooks, nothing was built:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return infos


def _content_files(
    workshop: Workshop, notebooks: list[NotebookInfo]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Digests of the catalogue files (all notebooks) and of each notebook's scenario file."""
    from ..content.catalogue import load_catalogue

    catalogue = load_catalogue(workshop.config.jurisdiction)  # ContentError when broken
    scenario_files: dict[str, dict[str, str]] = {}
    problems = []
    for info in notebooks:
        exercise = info.settings.exercise
        if exercise is None:
            continue
        path = catalogue.folder / "scenarios" / workshop.config.scenario_set / f"{exercise}.yaml"
        if not path.is_file():
            problems.append(
                f"{info.shown_as}: metadata.datasharing_workshop.exercise is '{exercise}', "
                f"but there is no scenario file {display_path(path)} (jurisdiction "
                f"'{workshop.config.jurisdiction}', scenario set "
                f"'{workshop.config.scenario_set}')"
            )
            continue
        scenario_files[info.stem] = files_digest([path])
    if problems:
        raise BuildError("\n".join(problems))
    return files_digest(catalogue.files), scenario_files


def _answer_notes(workshop: Workshop, answers: list[dict[str, Any]]) -> list[str]:
    notes = []
    if not workshop.store_path.is_file():
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
    content: dict[str, str],
    answers: list[dict[str, Any]],
    renderer: str,
    manifest: Manifest,
    force: bool,
    guide_html: str = "",
    kernel: str = KERNEL_NAME,
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
        "content": content,
        "version": __version__,
        "kernel": kernel,
    }
    if info.settings.uses_answers:
        exec_inputs["answers"] = answers_digest(answers)
    exec_key = json_digest(exec_inputs)
    executed_path = cache_dir / "executed" / f"{info.stem}-{exec_key[:20]}.ipynb"
    reuse = not force and manifest.cached_execution(info.stem, exec_key) == executed_path

    jobs: list[RenderJob] = []
    all_outputs: list[tuple[Path, str, str, str]] = []
    for variant in (v for v in VARIANTS if v in info.settings.handouts):
        targets: list[tuple[Path, str, tuple[dict[str, Any], ...]]] = []
        if variant == "group":
            for group in groups:
                mine = tuple(answers_for(answers, group.name, info.settings.exercise))
                path = output / "groups" / group.folder / f"{info.stem}.html"
                targets.append((path, group.name, mine))
        else:
            targets.append((output / variant / f"{info.stem}.html", "", ()))
        for path, group_name, mine in targets:
            key = json_digest(
                {
                    "execution": exec_key,
                    "variant": variant,
                    "group": group_name,
                    "answers": answers_digest(mine) if variant == "group" else "",
                    "renderer": renderer,
                    "notebook": [info.shown_as, info.title],
                    # An edited guide page re-renders the facilitator handout, no execution.
                    "guide": guide_html if variant == "facilitator" else "",
                }
            )
            all_outputs.append((path, key, variant, group_name))
            if force or not manifest.output_is_current(path, key):
                page = guide_html if variant == "facilitator" else ""
                jobs.append(RenderJob(variant, str(path), key, group_name, mine, page))
    return _Planned(info, exec_key, executed_path, reuse, parameters, jobs, all_outputs)


def _task(
    plan: _Planned,
    workshop: Workshop,
    facts: dict[str, Any],
    stems: list[str],
    kernel: str = KERNEL_NAME,
) -> NotebookTask:
    return NotebookTask(
        stem=plan.info.stem,
        path=str(plan.info.path),
        shown_as=plan.info.shown_as,
        title=plan.info.title,
        notebook_dir=str(workshop.notebook_folder),
        execute=not plan.reuse,
        executed_path=str(plan.executed_path),
        parameters=plan.parameters,
        parameters_cell=plan.info.parameters_cell,
        kernel_name=kernel,
        facts=facts,
        renders=tuple(plan.jobs),
        notebook_stems=tuple(stems),
    )


# ------------------------------------------------------------------------------ running


def _run(tasks: list[NotebookTask], jobs: int | None, say: Log) -> list[NotebookResult]:
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    progress = _Progress(len(tasks), say)
    results: list[NotebookResult] = []
    # Tasks that execute first: they are the long ones.
    ordered = sorted(tasks, key=lambda t: not t.execute)
    if workers == 1:
        # One worker: run here, sparing a process start and a second round of imports.
        for task in ordered:
            results.append(run_task(task))
            progress.done(results[-1])
        progress.close()
        return results

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # "spawn" everywhere: the same behaviour as on macOS and Windows, and no inherited
    # SQLite connection or thread in the workers.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(run_task, task) for task in ordered]
        try:
            for future in as_completed(futures):
                results.append(future.result())
                progress.done(results[-1])
        except BrokenProcessPool:
            raise BuildError(
                "a worker process stopped unexpectedly (out of memory?); try again with "
                "--jobs 1 to build one notebook at a time"
            ) from None
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            progress.close()
    return results


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
    for result in results:
        plan = by_stem[result.stem]
        if result.executed:
            # Recorded even when rendering then failed: the next build only re-renders.
            previous = manifest.executions.get(result.stem, {}).get("file")
            manifest.executions[result.stem] = {
                "key": plan.exec_key,
                "file": str(plan.executed_path),
            }
            if previous and previous != str(plan.executed_path):
                with contextlib.suppress(OSError):
                    Path(previous).unlink()
        if result.error:
            failures.append(result.error)
            continue
        (report.executed if result.executed else report.reused).append(result.stem)
        variants = {str(p): (v, g) for p, _k, v, g in plan.all_outputs}
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
