"""``datasharing-workshop serve``: the whole room from this computer, for the whole day.

datasharing-workshop serve                          # this computer only: http://127.0.0.1:8866/
datasharing-workshop serve --lan                    # the room's network, with join codes
datasharing-workshop serve --config spring.yml --participant-code tables2025
datasharing-workshop serve --hub --config /srv/workshop/workshop.yml   # started by JupyterHub
"""

from __future__ import annotations

import argparse

HELP = "serve every participant page, the console and the table cards (Jupyter Server + Voilà)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=HELP,
        description=(
            "Serve the workshop to the whole room from this computer: a start page where "
            "each participant chooses a group, every participant page (copies without "
            "facilitator or answer-key cells), a live facilitator console and printable "
            "table cards. It listens on this computer only (127.0.0.1) unless --lan or --ip "
            "is given; a join code is always required."
        ),
    )
    parser.add_argument("--config", metavar="FILE", default="workshop.yml", help="workshop.yml")
    parser.add_argument("--port", type=int, default=8866, help="port to serve on (8866)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--lan", action="store_true", help="serve on this computer's network address(es)"
    )
    where.add_argument("--ip", metavar="ADDRESS", help="serve on this address")
    where.add_argument(
        "--hub",
        action="store_true",
        help="run as one JupyterHub user's server (the hub starts it; see hub-config)",
    )
    parser.add_argument("--participant-code", help="code participants join with (random)")
    parser.add_argument("--facilitator-code", help="code for the console (random)")
    parser.add_argument(
        "--output", metavar="FOLDER", default="build/room", help="room folder (build/room)"
    )
    parser.add_argument(
        "--kernel-limit",
        type=int,
        default=None,
        help="most pages open at once; one more sees 'the room is full' (12 per group)",
    )
    parser.add_argument(
        "--cull-after",
        type=int,
        default=30,
        metavar="MINUTES",
        help="stop the kernel of a page left idle this long; answers stay saved (30)",
    )
    parser.add_argument(
        "--pool-size",
        action="append",
        default=[],
        metavar="N | PAGE=N",
        help=(
            "kernels started ahead for each page, so pages open at once (one per group, "
            "40 in all at most); "
            "PAGE=N for one page (its notebook name or exercise id), e.g. --pool-size 1 "
            "--pool-size classify_data=30 before everyone opens breakout 1; about 100 MB each"
        ),
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="write the room folder, do not serve it"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ...errors import InputError
    from ...room.serve import RoomOptions, prepare_room, serve_room

    if not 1 <= args.port <= 65535:
        raise InputError(f"--port must be between 1 and 65535, got {args.port}")
    if args.kernel_limit is not None and args.kernel_limit < 1:
        raise InputError(f"--kernel-limit must be 1 or more, got {args.kernel_limit}")
    if not 1 <= args.cull_after <= 24 * 60:
        raise InputError(f"--cull-after must be between 1 and 1440 minutes, got {args.cull_after}")
    pool_size, pool_sizes = pool_sizes_from(args.pool_size)
    if args.hub and (args.participant_code or args.facilitator_code):
        raise InputError("--hub takes no join codes: JupyterHub signs people in (see hub-config)")
    options = RoomOptions(
        config=Path(args.config),
        output=Path(args.output),
        port=args.port,
        ip="0.0.0.0" if args.lan else (args.ip or "127.0.0.1"),
        participant_code=args.participant_code,
        facilitator_code=args.facilitator_code,
        kernel_limit=args.kernel_limit,
        cull_after_minutes=args.cull_after,
        pool_size=pool_size,
        pool_sizes=pool_sizes,
        hub=args.hub,
    )
    room = prepare_room(options)
    print(room.summary(), flush=True)
    if args.prepare_only:
        return 0
    if args.hub:
        from ...room.serve import serve_hub

        return serve_hub(room)
    return serve_room(room)


#: Most kernels one page's pool may keep ready (each holds about 100 MB).
MAX_POOL = 200


def pool_sizes_from(values: list[str]) -> tuple[int | None, tuple[tuple[str, int], ...]]:
    """``--pool-size`` values: the last plain ``N`` (None when absent) and each ``PAGE=N``."""
    from ...errors import InputError

    default: int | None = None
    pages: list[tuple[str, int]] = []
    for value in values:
        name, _, number = value.rpartition("=")
        try:
            size = int(number)
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_POOL or (_ and not name):
            raise InputError(
                f"--pool-size must be a number from 0 to {MAX_POOL}, or PAGE=N such as "
                f"classify_data=30, got {value!r}"
            )
        if name:
            pages.append((name, size))
        else:
            default = size
    return default, tuple(pages)
