"""``datasharing-workshop answers``: read the answer store from the command line.

``answers export`` writes the groups' answers (or the observers' notes) as CSV or JSON;
``answers list-workshops`` lists the workshops the store holds; ``answers merge`` brings
other stores (groups' laptops) into the workshop's store. Export and list never create a store:
pointing them at a missing file is an error, so a typo in ``--store`` is noticed instead
of exporting an empty, freshly created database.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

HELP = "export the groups' saved answers and observers' notes"


def register(subparsers: Any) -> None:
    """Add the ``answers`` sub-command to the kit's command line.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    parser = subparsers.add_parser(
        "answers",
        help=HELP,
        description=(
            "Read the answer store that the exercise notebooks write to when a group "
            "presses Check. The store is --store, else the store_path of the workshop config "
            "(--config, or workshop.yml here or above), else $DATASHARING_WORKSHOP_STORE, "
            "else answers.sqlite in your user data folder."
        ),
    )
    actions = parser.add_subparsers(dest="answers_action", metavar="ACTION")

    export = actions.add_parser(
        "export",
        help="write answers (or observations) as CSV or JSON",
        description=(
            "Write every saved attempt (or, with --observations, every observer's note) "
            "as CSV or JSON, to standard output or to --output. Free text is written "
            "exactly as the groups typed it."
        ),
    )
    export.add_argument(
        "--format", dest="fmt", required=True, choices=("csv", "json"), help="output format"
    )
    export.add_argument("--workshop", help="only this workshop")
    export.add_argument("--group", help="only this group")
    _add_store_argument(export)
    export.add_argument(
        "--output",
        metavar="FILE",
        help="write to FILE (replaced in one step, never left half-written) instead of "
        "standard output",
    )
    export.add_argument(
        "--observations",
        action="store_true",
        help="export the observers' notes instead of the answers",
    )

    listing = actions.add_parser(
        "list-workshops", help="list the workshops that have saved answers or notes"
    )
    _add_store_argument(listing)

    merge = actions.add_parser(
        "merge",
        help="bring other answer stores (e.g. from groups' laptops) into this one",
        description=(
            "Add every answer and observer's note of the stores named (SQLite files or "
            "postgresql:// URLs) to the workshop's store: --store, else the store_path of "
            "--config (or of workshop.yml in this folder), else $DATASHARING_WORKSHOP_STORE, "
            "else the user data folder. Merging is idempotent: an answer already there is "
            "not added again. The stores named are only read, never changed; a file that "
            "is not an answer store, or is damaged, stops the merge before anything is added."
        ),
    )
    merge.add_argument("sources", nargs="+", metavar="STORE", help="store to merge from")
    merge.add_argument(
        "--store",
        metavar="PATH_OR_URL",
        help="store to merge into (default: the workshop config's store)",
    )
    merge.add_argument(
        "--config",
        metavar="FILE",
        help="workshop config whose store_path is merged into (default: workshop.yml here)",
    )

    parser.set_defaults(run=run, answers_parser=parser)


def _add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=(
            "answer store file (default: workshop.yml's store_path, else "
            "$DATASHARING_WORKSHOP_STORE or the user data folder)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Run ``answers export`` or ``answers list-workshops``.

    Parameters
    ----------
    args
        Parsed arguments.

    Returns
    -------
    int
        0 on success, 2 when no action was given.

    Raises
    ------
    StoreError
        The store is missing or unreadable.
    InputError
        The output file cannot be written.
    """
    if args.answers_action is None:
        args.answers_parser.print_help(sys.stderr)
        return 2

    from ...store import AnswerStore

    if args.answers_action == "merge":
        return _merge(args)
    with AnswerStore(args.store, create=False) as store:
        if args.answers_action == "list-workshops":
            names = store.workshops()
            for name in names:
                print(name)
            if not names:
                print(f"the answer store {store.path} holds no answers yet", file=sys.stderr)
            return 0
        return _export(store, args)


def _merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ...store import AnswerStore, merge_stores

    target: Any = args.store
    if target is None:
        config = args.config or ("workshop.yml" if Path("workshop.yml").is_file() else None)
        if config is not None:
            from ...handouts.config import load_workshop

            target = load_workshop(config).store_path
    with AnswerStore(target) as store:
        report = merge_stores(store, args.sources)
    for line in report.lines():
        print(line)
    return 0


def _export(store: Any, args: argparse.Namespace) -> int:
    from ...store import export_answers, export_observations

    if args.observations:
        records: list[Any] = store.observations(workshop=args.workshop, group=args.group)
        what = "observation"
        write: Any = export_observations
    else:
        records = store.answers(workshop=args.workshop, group=args.group)
        what = "answer"
        write = export_answers
    if args.workshop and not records:
        from ...content.workshop_name import other_workshops_note

        note = other_workshops_note(store.workshops(), args.workshop)
        if note:
            print(f"note: {note}", file=sys.stderr)

    if args.output is None:
        try:
            write(records, args.fmt, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            # `... | head` closed the pipe: stop quietly, and point stdout at /dev/null so
            # the interpreter's final flush does not print a traceback.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        return 0

    from ...ownership import check_export_target

    check_export_target(args.output, option="--output", protected=[store.path])
    _write_atomically(args.output, lambda stream: write(records, args.fmt, stream))
    noun = what if len(records) == 1 else f"{what}s"
    print(f"exported {len(records)} {noun} to {args.output}", file=sys.stderr)
    return 0


def _write_atomically(target: str, write: Any) -> None:
    """Call ``write(stream)`` on a temporary file next to ``target``, then rename it.

    A reader (or a spreadsheet with the file open) sees the old file or the new one, never
    half an export, and an export that fails part-way leaves the old file in place.
    """
    import contextlib
    import os
    import tempfile
    from pathlib import Path

    from ...errors import InputError

    path = Path(target).expanduser()
    folder = path.parent
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror or exc} (folder {folder}); choose another "
            "--output or leave it out to write to standard output"
        ) from None
    try:
        with open(fd, "w", encoding="utf-8", newline="") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise InputError(
                f"cannot write {path}: {exc.strerror or exc}; choose another --output"
            ) from None
        raise
