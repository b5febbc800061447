"""``datasharing-workshop build``: participant, facilitator and group handouts as HTML.

Runs every notebook once with papermill, then renders each handout variant from that one
run (see :mod:`datasharing_workshop.handouts`). Only what changed since the last build is
run or rewritten; ``--force`` does everything again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HELP = "build the HTML handouts (participant, facilitator, per group) from the notebooks"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``build`` sub-command to the kit's command line.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    parser = subparsers.add_parser(
        "build",
        help=HELP,
        description=(
            "Run each workshop notebook once with the workshop's parameters and turn it into "
            "self-contained HTML handouts: participant/ (no answer keys, no facilitator "
            "notes), facilitator/ (everything, labelled) and groups/<group>/ (each group's "
            "saved answers beside the answer key). Only notebooks whose inputs changed are "
            "run again. Handouts load nothing from the internet."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="workshop config (default: the first workshop.yml in this folder or above)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the handouts go (default: build/handouts beside workshop.yml)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="executed notebooks and the build manifest (default: .cache next to --output)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        default=None,
        metavar="N",
        help="notebooks to run at the same time (default: number of CPUs)",
    )
    parser.add_argument(
        "--group",
        action="append",
        dest="groups",
        metavar="NAME",
        help="only this group's handouts (repeatable; name or folder name from the config)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="run and render everything again, ignoring the cache",
    )
    parser.add_argument(
        "--kernel",
        default=None,
        metavar="NAME",
        help="Jupyter kernel to run the notebooks in (default: python3; see "
        "`jupyter kernelspec list`)",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print every handout to PDF with Chromium, plus a participant packet, a "
        "facilitator binder, a cheat sheet and observers' sheets, into DIR/pdf/ (needs "
        "Debian's chromium package and pip install 'datasharing-workshop[pdf]')",
    )
    parser.add_argument(
        "--paper",
        choices=("letter", "a4"),
        default="letter",
        type=str.lower,
        help="paper size of the PDFs (default: letter, US Letter)",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print only errors and the summary line"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the handouts and print what was done.

    Returns
    -------
    int
        0 on success. Errors are raised as KitError (ContentError and InputError: exit 2;
        BuildError: exit 1) and printed by the command line.
    """
    from ...content.locations import find_config
    from ...handouts.build import BuildOptions, build_handouts
    from ...handouts.config import DEFAULT_CONFIG

    config = args.config or getattr(args, "workshop_config", None) or find_config()
    config = config or DEFAULT_CONFIG
    options = BuildOptions(
        config=config,
        output=args.output or Path(config).parent / "build" / "handouts",
        cache_dir=args.cache,
        jobs=args.jobs,
        force=args.force,
        groups=args.groups,
        **({"kernel": args.kernel} if args.kernel else {}),
        pdf=args.pdf,
        paper=args.paper,
    )
    if args.pdf:
        # Refuse before the HTML build starts, not after minutes of it.
        from ...handouts.pdf import check_ready

        check_ready()
    # Progress goes to standard error (a tqdm bar on a terminal, lines otherwise); the
    # summary below goes to standard output.
    report = build_handouts(options, log=None) if args.quiet else build_handouts(options)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(summary(report))
    return 0


def summary(report: Any) -> str:
    """A few lines: what ran, what was reused, what was written, sizes."""
    from ...content.sizes import format_size

    lines = []
    if report.executed:
        lines.append(f"Executed {len(report.executed)}: {', '.join(sorted(report.executed))}")
    if report.reused:
        lines.append(f"Reused {len(report.reused)}: {', '.join(sorted(report.reused))}")
    lines.append(
        f"Handouts: {len(report.written)} written, {len(report.unchanged)} unchanged"
        + (f", {len(report.removed)} removed" if report.removed else "")
        + f" ({len(report.sizes)} in total)"
    )
    if report.sizes:
        largest = max(report.sizes, key=report.sizes.__getitem__)
        total = sum(report.sizes.values())
        lines.append(
            f"Sizes: largest {format_size(report.sizes[largest])} ({largest}), "
            f"all {format_size(total)}"
        )
        big = [name for name, size in report.sizes.items() if size > 10**6]
        if big:
            lines.append(f"warning: over 1 MB: {', '.join(sorted(big))}")
    printed = getattr(report, "pdf", None)
    if printed is not None:
        packet = printed.pages.get("pdf/participant-packet.pdf")
        lines.append(
            f"PDFs ({printed.paper}): {len(printed.printed)} printed, "
            f"{len(printed.unchanged)} unchanged"
            + (f", {len(printed.removed)} removed" if printed.removed else "")
            + (f"; participant packet {packet} pages" if packet else "")
            + f", in {report.output / 'pdf'} ({printed.seconds:.1f} s)"
        )
    index = report.output / "index.html"
    lines.append(f"Index: {index}{'' if report.index_written else ' (unchanged)'}")
    lines.append(f"Done in {report.seconds:.1f} s.")
    return "\n".join(lines)
