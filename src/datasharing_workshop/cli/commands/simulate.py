"""``datasharing-workshop simulate``: fill the answer store with a made-up workshop.

For the test run before the day and for demonstrations: a few groups answer every breakout
and observers log invented notes, through the same functions the notebooks use. Then run
the report-back notebook with the same workshop name to rehearse the discussion.

    datasharing-workshop simulate --groups 4          # under workshop.yml's workshop_id
"""

from __future__ import annotations

import argparse
import sys

HELP = "fill the answer store with a made-up workshop, to rehearse the report-back"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command to the kit's command line."""
    parser = subparsers.add_parser(
        "simulate",
        help=HELP,
        description=(
            "Play a number of groups through every breakout (answers judged exactly as the "
            "Check button does) and have observers log invented notes, under a workshop name "
            "of your choice. The same --seed gives the same answers. The store is --store, "
            "else the store_path of --config (or workshop.yml here or above), else "
            "$DATASHARING_WORKSHOP_STORE, else answers.sqlite in your user data folder."
        ),
    )
    parser.add_argument(
        "--workshop", help="workshop name to save under (default: workshop_id in --config)"
    )
    parser.add_argument("--config", metavar="FILE", help="workshop config (default: workshop.yml)")
    parser.add_argument("--groups", type=int, default=4, help="how many groups (default: 4)")
    parser.add_argument("--seed", type=int, default=2020, help="random seed (default: 2020)")
    parser.add_argument(
        "--notes", type=int, default=2, help="observer notes per group (default: 2)"
    )
    parser.add_argument("--jurisdiction", default="ct", help="catalogue to use (default: ct)")
    parser.add_argument(
        "--scenario-set", default="standard", help="scenario set (default: standard)"
    )
    parser.add_argument(
        "--store", metavar="PATH", help="answer store file (default: workshop.yml's store_path)"
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add to a workshop that already has answers (refused otherwise, so a real "
        "workshop's answers are never mixed with made-up ones by mistake)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the simulation and print what was saved.

    Raises
    ------
    InputError
        Bad numbers, or the workshop already has answers and ``--append`` was not given.
    ContentError, StoreError
        From the content or the store.
    """
    from ...errors import InputError
    from ...reportback.simulate import simulate_workshop
    from ...store import AnswerStore, resolve_store_path

    if args.groups < 1 or args.notes < 0:
        raise InputError("--groups must be at least 1 and --notes at least 0")
    if not args.workshop:
        from ...content.workshop_name import configured_workshop_id

        args.workshop = configured_workshop_id(args.config)
    path = resolve_store_path(args.store)
    if path.exists() and not args.append:
        with AnswerStore(path, create=False) as store:
            existing = store.count_answers(args.workshop)
            # Observers' notes are real data too: a workshop with notes but no answers yet
            # is a real workshop under way, never a rehearsal to fill with invented answers.
            notes = len(store.observations(args.workshop))
        if existing or notes:
            held = " and ".join(
                text
                for count, text in ((existing, f"{existing} answers"), (notes, f"{notes} notes"))
                if count
            )
            raise InputError(
                f"workshop '{args.workshop}' already has {held} in {path}; choose "
                "another --workshop name, or pass --append to add invented ones to it"
            )
    sim = simulate_workshop(
        path,
        args.workshop,
        groups=args.groups,
        seed=args.seed,
        jurisdiction=args.jurisdiction,
        scenario_set=args.scenario_set,
        notes_per_group=args.notes,
    )
    print(
        f"saved {_count(sim.answers, 'answer')} from {_count(len(sim.groups), 'group')} "
        f"({', '.join(sim.exercises)}) and {_count(sim.observations, 'observer note')} on "
        f"{_count(len(sim.sections), 'playbook section')}, as workshop '{sim.workshop}' "
        f"in {sim.store_path}",
        file=sys.stderr,
    )
    print(
        f'next: open {report_back_notebook()} with workshop_id = "{sim.workshop}"',
        file=sys.stderr,
    )
    return 0


def report_back_notebook() -> str:
    """Where the report-back notebook is, as the agenda names it (session ``report_back``)."""
    from ...errors import ContentError, InputError
    from ...plenary.agenda import load_agenda

    try:
        stem = load_agenda().session("report_back").notebook
    except (ContentError, InputError):  # the answers are saved; only the hint is lost
        stem = None
    return f"notebooks/{stem}.ipynb" if stem else "the report-back notebook"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
