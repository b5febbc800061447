"""Subprocess target for the answer store's concurrency and crash tests.

Usage: ``python store_writer.py STORE WRITER COUNT [--wait]``

Prints ``ready`` once imported and (with ``--wait``) blocks until a line arrives on
standard input, so that the test can release several writers at the same moment: they then
race to open (and, for a new file, create) the store. Then it saves COUNT answers (forever when COUNT is 0) for group ``writer-WRITER``, each in its own
transaction, and after each commit prints ``<id> <n>`` and flushes: a line on standard
output means that answer was committed.
"""

from __future__ import annotations

import sys

from datasharing_workshop.store import AnswerStore


def main(argv: list[str]) -> int:
    store_path, writer, count = argv[0], int(argv[1]), int(argv[2])
    wait = "--wait" in argv[3:]
    print("ready", flush=True)
    if wait and not sys.stdin.readline():
        return 1  # the test went away before starting us
    store = AnswerStore(store_path)
    n = 0
    while count == 0 or n < count:
        record = store.record_answer(
            workshop="stress",
            group=f"writer-{writer}",
            exercise="concurrency",
            scenario=f"n{n}",
            answer={"writer": writer, "n": n, "padding": "x" * 200},
            correct=n % 2 == 0,
            score=(n % 5) / 4,
            feedback=f"writer {writer} answer {n}",
        )
        print(record.id, n, flush=True)
        n += 1
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
