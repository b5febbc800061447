"""``datasharing-workshop app``: the breakout exercises as a web page, no code in sight.

datasharing-workshop app                       # serve on http://127.0.0.1:8866/
datasharing-workshop app --group "Group A" --workshop-id spring-2025
datasharing-workshop app --prepare-only        # only write build/app/
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "serve the breakout exercises as a code-free web app (Voilà)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "app",
        help=HELP,
        description=(
            "Copy each breakout notebook into an app folder without its facilitator and "
            "answer-key cells, then serve that folder with Voilà on this computer only "
            "(127.0.0.1). Participants see the exercises, never the code. Answers are saved "
            "only when --group is given."
        ),
    )
    parser.add_argument("--port", type=int, default=8866, help="port to serve on (8866)")
    parser.add_argument(
        "--prepare-only", action="store_true", help="write the app folder, do not serve it"
    )
    parser.add_argument(
        "--notebooks", metavar="FOLDER", help="where the breakout notebooks are (notebooks/)"
    )
    parser.add_argument(
        "--output", metavar="FOLDER", default="build/app", help="app folder (build/app)"
    )
    parser.add_argument(
        "--workshop-id", help="workshop name the answers are saved under (workshop.yml's)"
    )
    parser.add_argument("--config", metavar="FILE", help="workshop config (workshop.yml)")
    parser.add_argument("--group", help="group name; without it answers are not saved")
    parser.add_argument(
        "--store", metavar="PATH", help="answer store file (default: workshop.yml's store_path)"
    )
    parser.add_argument("--scenario-set", help="scenario set (standard)")
    parser.add_argument("--jurisdiction", help="catalogue id (ct)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...errors import InputError
    from ...ownership import OwnedFolder, participant_copies_only

    if not 1 <= args.port <= 65535:
        raise InputError(f"--port must be between 1 and 65535, got {args.port}")
    # Refuse an --output that is not the kit's at once, before the slow Jupyter imports.
    OwnedFolder.claim(
        Path(args.output), option="--output", legacy=participant_copies_only, create=False
    )
    if args.notebooks:
        _readable_notebooks(Path(args.notebooks))
    from ...room.copies import prepare_app, serve

    given = {
        "workshop_id": args.workshop_id,
        "group": args.group,
        "store_path": args.store,
        "scenario_set": args.scenario_set,
        "jurisdiction": args.jurisdiction,
    }
    if args.group and not args.workshop_id:
        # One workshop name everywhere: the one in workshop.yml (or --config).
        from ...content.workshop_name import configured_workshop_id

        given["workshop_id"] = configured_workshop_id(args.config)
    parameters = {k: v for k, v in given.items() if v is not None}
    output = Path(args.output)
    written = prepare_app(
        output,
        notebooks=Path(args.notebooks) if args.notebooks else None,
        parameters=parameters,
    )
    for path in written:
        print(f"prepared {path}")
    if not args.group:
        print("note: no --group given, so answers are checked but not saved")
    if args.prepare_only:
        return 0
    print(f"serving {output} at http://127.0.0.1:{args.port}/ (press Ctrl+C to stop)")
    return serve(output, port=args.port)


def _readable_notebooks(folder: Path) -> None:
    """Refuse a damaged notebook (not JSON) at once, before the slow Jupyter imports
    (nbformat's schema checks take seconds to import); the rest is checked when copying."""
    import json

    from ...errors import NotebookError

    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise NotebookError(f"{path}: cannot read the notebook ({exc})") from None
