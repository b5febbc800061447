"""``datasharing-workshop hub-config``: ready JupyterHub settings for the whole room.

datasharing-workshop hub-config --store postgresql://workshop@db.example.gov/workshop
datasharing-workshop hub-config --z2jh --config spring.yml --facilitator-group trainers
"""

from __future__ import annotations

import argparse

HELP = "print JupyterHub settings (TLJH or Zero to JupyterHub) that serve the room to everyone"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "hub-config",
        help=HELP,
        description=(
            "Print configuration for a JupyterHub that serves the workshop: every user's "
            "server is the room (start page, participant pages without answer keys), "
            "answers go to one PostgreSQL store, JupyterHub admins and one named group are "
            "facilitators (console, report-back, full notebooks), and idle servers are "
            "stopped by jupyterhub-idle-culler. The workshop's name and groups come from "
            "workshop.yml (or --config)."
        ),
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--tljh",
        dest="kind",
        action="store_const",
        const="tljh",
        help="a jupyterhub_config.d file for The Littlest JupyterHub (the default)",
    )
    kind.add_argument(
        "--z2jh",
        dest="kind",
        action="store_const",
        const="z2jh",
        help="a Helm values file for Zero to JupyterHub on Kubernetes",
    )
    parser.set_defaults(kind="tljh")
    parser.add_argument("--config", metavar="FILE", default="workshop.yml", help="workshop.yml")
    parser.add_argument(
        "--store",
        metavar="URL",
        help="postgresql://USER@HOST:PORT/DATABASE (default: store_path in workshop.yml, "
        "else $DATASHARING_WORKSHOP_STORE)",
    )
    parser.add_argument(
        "--facilitator-group",
        metavar="NAME",
        default="facilitators",
        help="JupyterHub group whose members are facilitators, besides admins (facilitators)",
    )
    parser.add_argument(
        "--cull-after",
        type=int,
        default=30,
        metavar="MINUTES",
        help="stop a server left idle this long; answers stay saved (30)",
    )
    parser.add_argument(
        "--workshop-path",
        metavar="PATH",
        help="where workshop.yml is on the users' servers (default: --config's full path)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ...room.hub_config import hub_config_text, hub_settings

    settings = hub_settings(
        Path(args.config),
        store=args.store,
        facilitator_group=args.facilitator_group,
        cull_minutes=args.cull_after,
        workshop_file=args.workshop_path,
    )
    print(hub_config_text(args.kind, settings), end="")
    return 0
