"""``datasharing-workshop init FOLDER``: a workshop folder that the facilitator owns.

Like ``nbgrader quickstart`` or ``jupyter-book create``: it copies what the kit ships
(the example ``workshop.yml``, the notebooks, the content under ``exercises/`` and the
facilitator guide) into a new folder, to be edited there. Every command then works inside
that folder, or from anywhere with ``--config FOLDER/workshop.yml``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "create a workshop folder to edit: workshop.yml, notebooks, content, guide"

#: Never copied: the markers that let the package read these folders, and caches.
IGNORED = ("__init__.py", "__pycache__", ".ipynb_checkpoints", "*.pyc")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help=HELP,
        description=(
            "Create FOLDER with the kit's example workshop.yml, the notebooks (notebooks/), "
            "the workshop content (exercises/) and the facilitator guide "
            "(facilitator_guide/), all yours to edit. FOLDER must not exist yet, or be "
            "empty: nothing already there is replaced."
        ),
    )
    parser.add_argument("folder", type=Path, metavar="FOLDER", help="the new workshop folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import shutil

    from ...content.locations import CONFIG_NAME, FOLDERS, shipped, shipped_config
    from ...errors import InputError

    folder: Path = args.folder
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; name a new folder for the workshop")
    if folder.is_dir() and any(folder.iterdir()):
        raise InputError(
            f"{folder} already exists and is not empty; nothing was changed. Name a new "
            "folder (or an empty one) for the workshop"
        )
    sources = {name: shipped(name) for name in FOLDERS}
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped_config(), folder / CONFIG_NAME)
    ignore = shutil.ignore_patterns(*IGNORED)
    for name, source in sources.items():
        shutil.copytree(source, folder / name, ignore=ignore)
    notebooks = sorted(p.name for p in (folder / "notebooks").glob("*.ipynb"))
    print(f"Created the workshop folder {folder}:")
    for name, what in (
        (CONFIG_NAME, "title, date, host agency, facilitators, groups"),
        ("notebooks/", f"the workshop, {len(notebooks)} notebooks in running order"),
        ("exercises/", "the content: catalogues, scenarios, wording"),
        ("facilitator_guide/", "how to run the workshop; start at index.md"),
    ):
        print(f"  {name:<20} {what}")
    print("Next:")
    print(f"  cd {folder}")
    print(f"  edit {CONFIG_NAME}, then: datasharing-workshop validate")
    print("  datasharing-workshop build      (the handouts, into build/handouts/)")
    return 0
