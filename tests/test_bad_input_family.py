"""The whole family of bad content and bad command-line input, run as a person would.

Each case is named after a finding of the hostile test of the kit (issue 15). It breaks one
thing (a content file in a private copy of exercises/, an option, the standard output),
runs ``python -m datasharing_workshop`` in a fresh process, and asserts what the README
promises for every bad input: exit status 2, a message naming the file or the option, no
traceback, and an answer within :data:`HANG_BOUND` seconds of processor time (a hang is a
failure: the process is stopped and the test fails).

The bound is on processor time, not the clock: this machine is shared, and a refusal that
waits for a busy CPU is not slow. The runaway cases (an alias bomb, a backtracking regex)
burn processor time, so a CPU limit set on the child stops them.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
#: The issue's bound: no bad input may take longer than this to be refused.
HANG_BOUND = 5.0


#: Only for a child that waits without using the CPU (a deadlock): generous, never a speed
#: target.
WATCHDOG = 300.0


def limit_processor_time() -> None:
    """In the child: stop it (SIGXCPU, then SIGKILL) well past the bound, so a runaway ends."""
    soft = max(1, int(HANG_BOUND * 4))
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: A 324-byte "billion laughs": nine levels of nine aliases each.
ALIAS_BOMB = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [
        f"{chr(c)}: &{chr(c)} [{','.join([f'*{chr(c - 1)}'] * 9)}]"
        for c in range(ord("b"), ord("j"))
    ]
)
#: The facilitator's regex from the finding: nested quantifiers, exponential backtracking.
REDOS = r"^(\w+\s?)+$"


def replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def append(relative: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        with (root / relative).open("a", encoding="utf-8") as handle:
            handle.write("\n" + text + "\n")

    return change


def append_bytes(relative: str, data: bytes) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        with (root / relative).open("ab") as handle:
            handle.write(data)

    return change


def dangling_link(relative: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        path.unlink()
        path.symlink_to(path.with_name("nowhere.yaml"))

    return change


def nothing(_root: Path) -> None:
    return None


@dataclass
class Case:
    """One bad input: how to break things, what to run, what the message must name."""

    setup: Callable[[Path], None]
    args: list[str]
    names: str
    stdout: str = "pipe"  # "pipe", "full" (/dev/full) or "closed"
    extra: Callable[[Path], None] = field(default=nothing)


def _store(tmp: Path) -> None:
    from datasharing_workshop.store import AnswerStore

    with AnswerStore(tmp / "answers.sqlite") as store:
        store.record_answer(
            workshop="w1",
            group="Blue",
            exercise="classify_data",
            scenario="s1",
            answer={"level": "public"},
            correct=False,
        )


def _thesis(tmp: Path) -> None:
    (tmp / "mine").mkdir()
    (tmp / "mine" / "thesis.ipynb").write_text("{}", encoding="utf-8")


def _foreign_index(tmp: Path) -> None:
    (tmp / "site").mkdir()
    (tmp / "site" / "index.html").write_text("<p>my site</p>", encoding="utf-8")
    shutil.copy(REPO / "tests" / "fixtures" / "handouts" / "workshop.yml", tmp / "workshop.yml")
    shutil.copytree(REPO / "tests" / "fixtures" / "handouts" / "notebooks", tmp / "notebooks")


def _workspace(tmp: Path) -> None:
    shutil.copy(REPO / "tests" / "fixtures" / "handouts" / "workshop.yml", tmp / "workshop.yml")
    shutil.copytree(REPO / "tests" / "fixtures" / "handouts" / "notebooks", tmp / "notebooks")


def _damaged_notebook(tmp: Path) -> None:
    """A notebook cut off mid-file (a sync that stopped halfway), among good ones."""
    _workspace(tmp)
    (tmp / "notebooks" / "04_cut_off.ipynb").write_text('{"cells": [', encoding="utf-8")


def _damaged_breakout(tmp: Path) -> None:
    """A breakout the room serves, cut off mid-file, among the shipped notebooks."""
    shutil.copy(REPO / "tests" / "fixtures" / "handouts" / "workshop.yml", tmp / "workshop.yml")
    shutil.copytree(REPO / "notebooks", tmp / "notebooks")
    breakout = next(
        path
        for path in sorted((tmp / "notebooks").glob("*.ipynb"))
        if '"exercise"' in path.read_text(encoding="utf-8")
    )
    breakout.write_text('{"cells": [', encoding="utf-8")


def _misspelt_tag(tmp: Path) -> None:
    _workspace(tmp)
    fixture = REPO / "tests" / "fixtures" / "handouts" / "misspelt_tag.ipynb"
    shutil.copy(fixture, tmp / "notebooks" / "04_misspelt_tag.ipynb")


def _file_in_the_way(tmp: Path) -> None:
    (tmp / "a-file").write_text("not a folder", encoding="utf-8")


FOUR_HUNDRED_DIGITS = "1" + "0" * 400
CT = "{tmp}/exercises/ct"

CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- bad content
    "parent_jurisdiction_wrong_type": Case(
        replace("ct/jurisdiction.yaml", "example: false", "example: [1, 2]"),
        ["validate", "{tmp}/exercises/example"],
        r"ct/jurisdiction\.yaml:\d+: example:",
    ),
    "size_inf": Case(
        replace("ct/channels.yaml", "max_size: 20 MB", "max_size: .inf"),
        ["validate", CT],
        r"ct/channels\.yaml:\d+: channels\[\d+\]\.limits\[\d+\]\.max_size:",
    ),
    "size_400_digits": Case(
        replace("ct/channels.yaml", "max_size: 20 MB", f"max_size: {FOUR_HUNDRED_DIGITS} MB"),
        ["validate", CT],
        r"ct/channels\.yaml:\d+: channels\[\d+\]\.limits\[\d+\]\.max_size:",
    ),
    "size_400_digit_number": Case(
        replace("ct/channels.yaml", "max_size: 20 MB", f"max_size: {FOUR_HUNDRED_DIGITS}"),
        ["validate", CT],
        r"ct/channels\.yaml:\d+: channels\[\d+\]\.limits\[\d+\]\.max_size:",
    ),
    "dangling_yaml_symlink": Case(
        dangling_link("ct/roles.yaml"), ["validate", CT], r"ct/roles\.yaml"
    ),
    "dangling_scenario_symlink": Case(
        dangling_link("ct/scenarios/standard/classify_data.yaml"),
        ["validate", CT],
        r"scenarios/standard/classify_data\.yaml",
    ),
    "csv_not_utf8": Case(
        append_bytes("data/people.csv", b"\xff\xfe,broken\n"),
        ["validate", CT],
        r"data/people\.csv:\d+: not UTF-8",
    ),
    "message_format_spec": Case(
        replace("messages.yaml", "{channel}", "{channel:d}"),
        ["validate", CT],
        r"messages\.yaml:\d+: messages\.\w+: cannot be filled in",
    ),
    "message_conversion": Case(
        replace("messages.yaml", "{channel}", "{channel!z}"),
        ["validate", CT],
        r"messages\.yaml:\d+: messages\.\w+: cannot be filled in",
    ),
    "message_attribute": Case(
        replace("messages.yaml", "{channel}", "{channel.__class__}"),
        ["validate", CT],
        r"messages\.yaml:\d+: messages\.\w+: unknown placeholder",
    ),
    "alias_bomb": Case(
        append("ct/roles.yaml", ALIAS_BOMB), ["validate", CT], r"ct/roles\.yaml:\d+: .*alias"
    ),
    "alias_bomb_in_scenario": Case(
        append("ct/scenarios/standard/classify_data.yaml", ALIAS_BOMB),
        ["validate", CT],
        r"classify_data\.yaml:\d+: .*alias",
    ),
    "regex_catastrophic_backtracking": Case(
        replace(
            "ct/request_form.yaml",
            "          - '\\b(19|20)\\d{2}\\b'\n",
            f"          - '{REDOS}'\n",
        ),
        ["validate", CT],
        r"ct/request_form\.yaml:\d+: questions\[\d+\]\.must_mention\[\d+\]\.patterns\[\d+\]:",
    ),
    "extends_cycle": Case(
        replace("ct/jurisdiction.yaml", "example: false", "example: false\nextends: example"),
        ["validate", "{tmp}/exercises/example"],
        r"jurisdiction\.yaml:\d+: extends: .*cycle",
    ),
    "huge_int_in_yaml": Case(
        replace("ct/jurisdiction.yaml", "min_cell_size: 5", "min_cell_size: " + "9" * 5000),
        ["validate", CT],
        r"ct/jurisdiction\.yaml",
    ),
    # ------------------------------------------------------------ bad command lines
    "cli_size_inf": Case(
        nothing, ["advise", "transfer", "--data", "phi", "--to", "agency", "--size", "inf"], "size"
    ),
    "cli_size_400_digits": Case(
        nothing,
        ["advise", "transfer", "--data", "phi", "--to", "agency", "--size", FOUR_HUNDRED_DIGITS],
        "size",
    ),
    "cli_size_400_digits_gb": Case(
        nothing,
        [
            "advise",
            "transfer",
            "--data",
            "phi",
            "--to",
            "agency",
            "--size",
            FOUR_HUNDRED_DIGITS + "GB",
        ],
        "size",
    ),
    "stdout_full": Case(
        nothing,
        ["advise", "transfer", "--data", "phi", "--to", "agency", "--size", "3GB"],
        "standard output",
        stdout="full",
    ),
    "stdout_closed": Case(
        nothing,
        ["advise", "transfer", "--data", "phi", "--to", "agency", "--size", "3GB", "--json"],
        "standard output",
        stdout="closed",
    ),
    "export_over_the_store": Case(
        nothing,
        [
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            "{tmp}/answers.sqlite",
            "--output",
            "{tmp}/answers.sqlite",
        ],
        "--output",
        extra=_store,
    ),
    "export_over_the_store_wal": Case(
        nothing,
        [
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            "{tmp}/answers.sqlite",
            "--output",
            "{tmp}/answers.sqlite-wal",
        ],
        "--output",
        extra=_store,
    ),
    "export_to_a_device": Case(
        nothing,
        [
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            "{tmp}/answers.sqlite",
            "--output",
            "/dev/null",
        ],
        "--output",
        extra=_store,
    ),
    "export_to_a_folder": Case(
        nothing,
        [
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            "{tmp}/answers.sqlite",
            "--output",
            "{tmp}",
        ],
        "--output",
        extra=_store,
    ),
    "export_to_a_missing_folder": Case(
        nothing,
        [
            "answers",
            "export",
            "--format",
            "csv",
            "--store",
            "{tmp}/answers.sqlite",
            "--output",
            "{tmp}/no/such/folder/out.csv",
        ],
        "--output",
        extra=_store,
    ),
    "app_output_with_unrelated_notebook": Case(
        nothing,
        ["app", "--prepare-only", "--output", "{tmp}/mine"],
        "--output",
        extra=_thesis,
    ),
    "app_output_is_a_file": Case(
        nothing,
        ["app", "--prepare-only", "--output", "{tmp}/a-file"],
        "--output",
        extra=_file_in_the_way,
    ),
    "build_output_with_foreign_index": Case(
        nothing,
        ["build", "--config", "{tmp}/workshop.yml", "--output", "{tmp}/site", "--quiet"],
        "--output",
        extra=_foreign_index,
    ),
    "build_output_is_a_file": Case(
        nothing,
        ["build", "--config", "{tmp}/workshop.yml", "--output", "{tmp}/a-file", "--quiet"],
        "--output",
        extra=lambda tmp: (_foreign_index(tmp), _file_in_the_way(tmp)),
    ),
    # ------------------------------------------- bad notebooks and options: exit 2, not 1
    "app_damaged_notebook": Case(
        nothing,
        ["app", "--prepare-only", "--notebooks", "{tmp}/notebooks", "--output", "{tmp}/app"],
        r"notebooks/04_cut_off\.ipynb: cannot read the notebook",
        extra=_damaged_notebook,
    ),
    "serve_damaged_breakout": Case(
        nothing,
        ["serve", "--prepare-only", "--config", "{tmp}/workshop.yml", "--output", "{tmp}/room"],
        r"notebooks/03_\w+\.ipynb: cannot read the notebook",
        extra=_damaged_breakout,
    ),
    "build_damaged_notebook": Case(
        nothing,
        ["build", "--config", "{tmp}/workshop.yml", "--output", "{tmp}/out", "--quiet"],
        r"notebooks/04_cut_off\.ipynb: not a notebook",
        extra=_damaged_notebook,
    ),
    "build_misspelt_tag": Case(
        nothing,
        ["build", "--config", "{tmp}/workshop.yml", "--output", "{tmp}/out", "--quiet"],
        r"04_misspelt_tag\.ipynb: cell \d+ .*unknown tag 'answer_key'",
        extra=_misspelt_tag,
    ),
    "build_unknown_kernel": Case(
        nothing,
        [
            "build",
            "--config",
            "{tmp}/workshop.yml",
            "--output",
            "{tmp}/out",
            "--quiet",
            "--kernel",
            "no-such-kernel",
        ],
        r"--kernel: no Jupyter kernel named 'no-such-kernel'",
        extra=_workspace,
    ),
}


def run_case(case: Case, tmp: Path) -> subprocess.CompletedProcess[str]:
    root = tmp / "exercises"
    shutil.copytree(EXERCISES, root)
    case.setup(root)
    case.extra(tmp)
    env = dict(os.environ, DATASHARING_WORKSHOP_CONTENT=str(root), PYTHONUTF8="1")
    env["DATASHARING_WORKSHOP_STORE"] = str(tmp / "env-store.sqlite")
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    command = [sys.executable, "-m", "datasharing_workshop", *args]
    if case.stdout == "closed":
        command = ["sh", "-c", '"$@" >&-', "sh", *command]
    stdout: int | object = subprocess.PIPE
    handle = None
    if case.stdout == "full":
        handle = open("/dev/full", "w")  # noqa: SIM115
        stdout = handle
    before = children_cpu()
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp,
            timeout=WATCHDOG,
            preexec_fn=limit_processor_time,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {WATCHDOG:.0f} s: the kit waits forever on this input")
    finally:
        if handle is not None:
            handle.close()
    used = children_cpu() - before
    print(f"processor time to refuse: {used:.2f} s")  # seen with -s, for the tally
    assert used <= HANG_BOUND, (
        f"{used:.1f} s of processor time to refuse this input (bound {HANG_BOUND:.0f} s)"
    )
    return result


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_cleanly(name, tmp_path):
    case = CASES[name]
    result = run_case(case, tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    import re

    assert re.search(case.names, result.stderr), result.stderr
    assert result.stderr.startswith("error: "), result.stderr


def test_nothing_was_destroyed_by_the_refused_outputs(tmp_path):
    """The files the refused commands pointed at are exactly as they were."""
    for name in (
        "export_over_the_store",
        "app_output_with_unrelated_notebook",
        "build_output_with_foreign_index",
    ):
        tmp = tmp_path / name
        tmp.mkdir()
        run_case(CASES[name], tmp)
    with sqlite3.connect(tmp_path / "export_over_the_store" / "answers.sqlite") as db:
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (1,)
    thesis = tmp_path / "app_output_with_unrelated_notebook" / "mine" / "thesis.ipynb"
    assert thesis.read_text(encoding="utf-8") == "{}"
    index = tmp_path / "build_output_with_foreign_index" / "site" / "index.html"
    assert index.read_text(encoding="utf-8") == "<p>my site</p>"
