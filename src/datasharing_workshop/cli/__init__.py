"""The ``datasharing-workshop`` command line.

Each sub-command lives in ``datasharing_workshop.cli.commands.<name>`` and exposes
``register(subparsers)``; its heavy imports happen inside its ``run`` function so that
``datasharing-workshop validate`` stays quick (see benchmarks/bench_startup.py).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from .. import __version__
from ..errors import KitError

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "init",
    "validate",
    "advise",
    "answers",
    "build",
    "app",
    "serve",
    "hub_config",
    "simulate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="datasharing-workshop",
        description=(
            "Run and prepare the data sharing workshop: check the content, answer "
            "'what if' questions from the playbook's rules, export answers, build handouts."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        dest="workshop_config",
        type=Path,
        metavar="FILE",
        help="the workshop's workshop.yml, for any command (default: the first workshop.yml "
        "in this folder or above); the exercises/ and facilitator_guide/ beside it are used",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.commands.{name}")
        except ModuleNotFoundError as exc:  # a command another issue has not added yet
            if exc.name != f"{__package__}.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .command_safety import finish_stdout, guard_stdout, report_internal_error, silence_stdout

    original = guard_stdout()
    try:
        try:
            code = _main(argv)
        finally:
            finish_stdout(original)
    except KitError as error:
        print(f"error: {error}", file=sys.stderr)
        silence_stdout()
        return error.exit_status
    except BrokenPipeError:  # output piped into `head`: not an error for the person
        silence_stdout()
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except Exception as exc:  # a bug: one line and where the details are, no traceback
        print(f"error: {report_internal_error(exc)}", file=sys.stderr)
        silence_stdout()
        return 1
    return code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    with _workshop_in_use(getattr(args, "config", None) or args.workshop_config):
        return int(args.run(args) or 0)


@contextlib.contextmanager
def _workshop_in_use(config: Path | None) -> Iterator[None]:
    """Point the content and guide at ``config``'s folder while the command runs.

    The environment variables reach the kernels a build starts; they are put back
    afterwards so that calling :func:`main` twice in one process (tests) starts clean.
    """
    from ..content.locations import CONTENT_ENV, GUIDE_ENV, find_config, use_workshop
    from ..content.workshop_name import CONFIG_ENV

    saved = {name: os.environ.get(name) for name in (CONTENT_ENV, GUIDE_ENV, CONFIG_ENV)}
    named = config is not None
    config = config if named else find_config()
    if config is not None and Path(config).is_file():
        use_workshop(Path(config))
        # Kernels and this process find the same workshop.yml, with its name and store
        # (a $DATASHARING_WORKSHOP_CONFIG set on purpose wins over the folder's own file).
        if named or not os.environ.get(CONFIG_ENV):
            os.environ[CONFIG_ENV] = str(Path(config).absolute())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
