"""``datasharing-workshop validate [PATH]``: check catalogues and their scenarios."""

from __future__ import annotations

import argparse
from pathlib import Path


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


def run(args: argparse.Namespace) -> int:
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
        from ...content.workshop import validate_workshop

        found = validate_workshop()
        problems += found
        status = "OK" if not found else f"{len(found)} problem(s)"
        print(f"workshop content (agenda, tour, guide): {status}")
    if problems:
        raise ContentError(problems)
    print("All content is valid.")
    return 0
