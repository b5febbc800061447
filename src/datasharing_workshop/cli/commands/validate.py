"""``datasharing-workshop validate [PATH]``: check catalogues and their scenarios."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...errors import Problem


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a catalogue and the scenarios that use it",
        description=(
            "Check the workshop content: every YAML file of a jurisdiction's catalogue and "
            "every scenario that uses it. PATH is a jurisdiction folder (exercises/ct), a "
            "jurisdiction id (ct) or the content folder (exercises/); by default, all of them."
        ),
    )
    parser.add_argument("path", nargs="?", help="folder or jurisdiction id (default: all)")
    parser.set_defaults(run=run)


#: Environment variable naming the file where ``validate`` remembers content it found valid
#: (default: ``validate.json`` in the user's cache folder); empty turns the memory off.
CACHE_ENV = "DATASHARING_WORKSHOP_VALIDATE_CACHE"
#: ``content.catalogue.CONTENT_ENV``, spelled out so a remembered verdict loads no models.
CONTENT_ENV = "DATASHARING_WORKSHOP_CONTENT"


def run(args: argparse.Namespace) -> int:
    """Validate, or repeat the last verdict when nothing it read has changed since.

    What a validation read (every file opened, every folder listed) is noted with the
    build's audit hook (:mod:`datasharing_workshop.handouts.reads`) and remembered with the
    printed report when everything was valid. A later run with the same arguments, working
    folder, content folder and kit code whose reads all have the same digests prints that
    report again without loading a single model (a few tens of milliseconds instead of
    most of a second). Problems are never remembered: they are found again every time.
    """
    import io
    from contextlib import redirect_stdout

    from ...handouts import reads as hook

    cache_file = _cache_file()
    key = _key(args) if cache_file else ""
    remembered = _remembered(cache_file, key) if cache_file else None
    if remembered is not None and hook.reads_are_current(remembered["reads"]):
        print(remembered["output"], end="")
        return 0
    if cache_file:
        hook.start()
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            status = _validate(args)
    finally:
        printed = out.getvalue()
        print(printed, end="")
    if cache_file and status == 0:
        package = Path(__file__).resolve().parents[2]
        found = hook.relevant_reads(hook.reads(), keep_under=[package], ignore_under=[cache_file])
        entry = {"reads": hook.digest_reads(found), "output": printed}
        _remember(cache_file, key, entry)
    return status


def _cache_file() -> Path | None:
    import os

    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen).expanduser() if chosen.strip() else None
    import platformdirs

    return platformdirs.user_cache_path("datasharing-workshop") / "validate.json"


def _key(args: argparse.Namespace) -> str:
    """What decides the report besides the files read: arguments, folders, the kit's code."""
    import os

    from ... import __version__
    from ...handouts.cache import json_digest

    package = Path(__file__).resolve().parents[2]
    code = sorted(
        (p.relative_to(package).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in package.rglob("*.py")
    )
    return json_digest(
        {
            "path": args.path,
            "cwd": os.getcwd(),
            "content": os.environ.get(CONTENT_ENV, ""),  # where the content is looked for
            "version": __version__,
            "code": code,
            "python": sys.version,
        }
    )


def _remembered(cache_file: Path, key: str) -> dict | None:
    import json

    try:
        entry = json.loads(cache_file.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    if isinstance(entry, dict) and isinstance(entry.get("reads"), dict):
        return entry
    return None


def _remember(cache_file: Path, key: str, entry: dict) -> None:
    """Keep the last few verdicts; a cache that cannot be written is simply not kept."""
    import contextlib
    import json

    with contextlib.suppress(OSError, ValueError):
        try:
            known = json.loads(cache_file.read_text(encoding="utf-8"))
            if not isinstance(known, dict):
                known = {}
        except (OSError, ValueError):
            known = {}
        known.pop(key, None)
        known[key] = entry
        kept = dict(list(known.items())[-20:])
        from ...handouts.cache import atomic_write_bytes

        atomic_write_bytes(cache_file, json.dumps(kept).encode("utf-8"))


def _validate(args: argparse.Namespace) -> int:
    from ...breakouts.scenarios import validate_scenarios
    from ...content.catalogue import available_jurisdictions, content_root, load_catalogue
    from ...content.yaml_source import display_path
    from ...errors import ContentError, Problem

    targets: list[str | Path]
    given = Path(args.path) if args.path else None
    if given is None:
        targets = [content_root() / j for j in available_jurisdictions()]
    elif given.is_dir() and not (given / "jurisdiction.yaml").exists():
        targets = [given / j for j in available_jurisdictions(given)]
    else:
        targets = [args.path]
    if not targets:
        where = given or content_root()
        raise ContentError(
            [
                Problem(
                    str(where),
                    "",
                    "no jurisdiction folders found (a folder with a jurisdiction.yaml)",
                )
            ]
        )
    problems: list[Problem] = []
    for target in targets:
        try:
            cat = load_catalogue(target)
        except ContentError as exc:
            problems += exc.problems
            continue
        count, found = validate_scenarios(cat)
        problems += found
        label = "example, invented" if cat.jurisdiction.example else cat.jurisdiction.name
        status = "OK" if not found else f"{len(found)} problem(s)"
        print(
            f"{display_path(cat.folder)} ({label}): {len(cat.files)} catalogue files, "
            f"{count} scenarios: {status}"
        )
    if given is None:
        # The workshop-wide content (agenda, tour, observation form, facilitator guide) is
        # checked when validating everything; a single jurisdiction's folder skips it.
        found = validate_workshop()
        problems += found
        status = "OK" if not found else f"{len(found)} problem(s)"
        print(f"workshop content (agenda, tour, guide): {status}")
    if problems:
        raise ContentError(problems)
    print("All content is valid.")
    return 0


def validate_workshop(jurisdictions: list[str] | None = None) -> list[Problem]:
    """Check every workshop-level file, each jurisdiction's tour and the facilitator guide.

    Lives with the command, the top layer, because it asks every layer's loaders. Meant for
    ``datasharing-workshop validate``, next to the catalogue checks: the agenda,
    welcome, observation form, report-back wording, wrap-up and simulated notes under
    ``exercises/workshop/``; ``tour.yaml`` of each jurisdiction; the guide's pages.

    Parameters
    ----------
    jurisdictions
        Jurisdiction ids whose tour to check (default: every one found).

    Returns
    -------
    list of Problem
        Empty when everything is valid.
    """
    from ...content.catalogue import available_jurisdictions
    from ...content.guide import guide_pages
    from ...errors import ContentError
    from ...plenary.agenda import load_agenda, load_welcome
    from ...plenary.observations import load_form
    from ...plenary.tour import load_tour
    from ...plenary.wrap_up import load_wrap_up
    from ...reportback.prompts import load_report_back_text
    from ...reportback.simulate import load_simulated_notes

    checks: list[Callable[[], object]] = [
        load_agenda,
        load_welcome,
        load_form,
        load_report_back_text,
        load_wrap_up,
        load_simulated_notes,
        guide_pages,
    ]
    for jurisdiction in jurisdictions or available_jurisdictions():
        checks.append(lambda j=jurisdiction: load_tour(j))
    problems: list[Problem] = []
    for check in checks:
        try:
            check()
        except ContentError as exc:
            problems += [p for p in exc.problems if p not in problems]
    return problems
