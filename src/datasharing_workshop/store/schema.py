"""The answer store's tables, their version, and the steps that upgrade older stores.

Both backends hold the same two tables with the same columns, and the same version
number: SQLite keeps it in ``PRAGMA user_version`` (with ``PRAGMA application_id`` saying
the file is a kit store), PostgreSQL in a one-row ``store_meta`` table. A store is
upgraded step by step, in one transaction, when a kit that knows a newer version first
opens it for writing; a store from a newer kit is refused, never downgraded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from .records import legacy_uid

#: Version of the tables below. Bump it and add a step to both ``_STEPS`` entries whenever
#: the schema changes.
SCHEMA_VERSION = 2

#: ``PRAGMA application_id`` of a kit SQLite store ("DSWS"), so that an unrelated SQLite file
#: at the store path is refused instead of having our tables added to it. Also the key of
#: the PostgreSQL advisory lock taken while a store is created or upgraded.
APPLICATION_ID = 0x44535753

#: What ``store_meta.application`` says in a kit PostgreSQL store.
APPLICATION_NAME = "datasharing-workshop answer store"

Dialect = Literal["sqlite", "postgresql"]

_SQLITE_V1 = (
    """
    CREATE TABLE IF NOT EXISTS answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workshop TEXT NOT NULL,
        "group" TEXT NOT NULL,
        exercise TEXT NOT NULL,
        scenario TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
        score REAL CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
        feedback TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    # Serves both "latest attempt per (group, exercise, scenario)" and the filtered listings.
    """
    CREATE INDEX IF NOT EXISTS answers_by_attempt
        ON answers (workshop, "group", exercise, scenario, id)
    """,
    """
    CREATE TABLE IF NOT EXISTS observations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workshop TEXT NOT NULL,
        "group" TEXT NOT NULL,
        author_role TEXT NOT NULL,
        playbook_section TEXT NOT NULL,
        worked TEXT NOT NULL,
        confused TEXT NOT NULL,
        suggestion TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS observations_by_workshop ON observations (workshop, id)",
)

_POSTGRESQL_V1 = (
    """
    CREATE TABLE IF NOT EXISTS store_meta (
        application TEXT NOT NULL,
        schema_version INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS answers (
        id BIGSERIAL PRIMARY KEY,
        workshop TEXT NOT NULL,
        "group" TEXT NOT NULL,
        exercise TEXT NOT NULL,
        scenario TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
        score DOUBLE PRECISION CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
        feedback TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS answers_by_attempt
        ON answers (workshop, "group", exercise, scenario, id)
    """,
    """
    CREATE TABLE IF NOT EXISTS observations (
        id BIGSERIAL PRIMARY KEY,
        workshop TEXT NOT NULL,
        "group" TEXT NOT NULL,
        author_role TEXT NOT NULL,
        playbook_section TEXT NOT NULL,
        worked TEXT NOT NULL,
        confused TEXT NOT NULL,
        suggestion TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS observations_by_workshop ON observations (workshop, id)",
)

# Version 2: every record gets a stable unique name, so merging stores is idempotent, and
# every attempt keeps the per-item marks the exercise gave it (a JSON list).
_V2_ADD = (
    "ALTER TABLE answers ADD COLUMN uid TEXT",
    "ALTER TABLE answers ADD COLUMN marks TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE observations ADD COLUMN uid TEXT",
)
_V2_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS answers_by_uid ON answers (uid)",
    "CREATE UNIQUE INDEX IF NOT EXISTS observations_by_uid ON observations (uid)",
)

Execute = Callable[[str, Sequence[Any]], None]
FetchAll = Callable[[str, Sequence[Any]], list[Any]]


def _backfill_uids(execute: Execute, fetchall: FetchAll) -> None:
    for table in ("answers", "observations"):
        for row in fetchall(f"SELECT * FROM {table} WHERE uid IS NULL ORDER BY id", ()):
            execute(f"UPDATE {table} SET uid = ? WHERE id = ?", (legacy_uid(table, row), row["id"]))


def _v1(dialect: Dialect) -> Callable[[Execute, FetchAll], None]:
    statements = _SQLITE_V1 if dialect == "sqlite" else _POSTGRESQL_V1

    def step(execute: Execute, fetchall: FetchAll) -> None:
        for statement in statements:
            execute(statement, ())

    return step


def _v2(execute: Execute, fetchall: FetchAll) -> None:
    for statement in _V2_ADD:
        execute(statement, ())
    _backfill_uids(execute, fetchall)
    for statement in _V2_INDEX:
        execute(statement, ())


def migrate(dialect: Dialect, version: int, execute: Execute, fetchall: FetchAll) -> None:
    """Bring a store from ``version`` to :data:`SCHEMA_VERSION` (inside the caller's
    transaction, which also stamps the new version).

    Parameters
    ----------
    dialect
        ``"sqlite"`` or ``"postgresql"``.
    version
        The store's current version; 0 is a new, empty store.
    execute, fetchall
        Run one statement (``?`` placeholders) on the store's connection.
    """
    steps: dict[int, Callable[[Execute, FetchAll], None]] = {0: _v1(dialect), 1: _v2}
    while version < SCHEMA_VERSION:
        steps[version](execute, fetchall)
        version += 1
