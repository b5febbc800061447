"""The answer store: every group's answers and every observer's notes, in one SQLite file.

Each press of "Check" in an exercise widget saves one :class:`AnswerRecord`; the
facilitator's report-back notebook and ``datasharing-workshop answers export`` read them
back. Several Jupyter kernels (one per group) write to the same file at once, so the store
uses SQLite's write-ahead log, takes the write lock up front (``BEGIN IMMEDIATE``) and waits
for it rather than failing, and commits one answer per transaction with ``synchronous=FULL``
so an answer whose "Check" returned survives a killed kernel or a power cut.

Only the standard library's :mod:`sqlite3` is used; ``platformdirs`` supplies the default
location, which is outside the repository on purpose (answers are workshop data, not kit
content, and must never end up in a commit).

To start afresh, use a new workshop name or a new store file. Delete a store only while no
kernel has it open, and delete its ``-wal`` and ``-shm`` companions with it: SQLite may
otherwise pair a new store with the old store's write-ahead log. (A store deleted under a
running kernel is recreated on the next answer rather than written into the void, but
replacing the file while kernels have it open is not supported.)
"""

from __future__ import annotations

import contextlib
import csv
import html
import json
import math
import numbers
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from .errors import InputError, StoreError

_T = TypeVar("_T")

__all__ = [
    "ANSWER_COLUMNS",
    "APPLICATION_ID",
    "BUSY_TIMEOUT_SECONDS",
    "ENV_VAR",
    "OBSERVATION_COLUMNS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "AnswerRecord",
    "AnswerStore",
    "Observation",
    "answers_table_html",
    "export_answers",
    "export_observations",
    "resolve_store_path",
]

#: Environment variable naming the store file when a notebook does not pass ``store_path``.
ENV_VAR = "DATASHARING_WORKSHOP_STORE"

#: Version of the tables below, kept in ``PRAGMA user_version``. Bump it (and add a step to
#: ``_MIGRATIONS``) whenever the schema changes.
SCHEMA_VERSION = 1

#: ``PRAGMA application_id`` of a kit store ("DSWS"), so that an unrelated SQLite file at the
#: store path is refused instead of having our tables added to it.
APPLICATION_ID = 0x44535753

#: How long one statement waits for another process's write lock before retrying. Eight
#: kernels each committing one small answer hold the lock for milliseconds; the margin is
#: for slow network home directories and laptops under load.
BUSY_TIMEOUT_SECONDS = 30.0

#: Total time a write keeps retrying before reporting that the store stayed locked.
_LOCK_WAIT_SECONDS = 120.0

SEVERITIES = ("low", "medium", "high")

#: Columns of ``export_answers`` CSV output, in order.
ANSWER_COLUMNS = (
    "id",
    "workshop",
    "group",
    "exercise",
    "scenario",
    "correct",
    "score",
    "answer",
    "feedback",
    "recorded_at",
)

#: Columns of ``export_observations`` CSV output, in order.
OBSERVATION_COLUMNS = (
    "id",
    "workshop",
    "group",
    "author_role",
    "playbook_section",
    "severity",
    "worked",
    "confused",
    "suggestion",
    "recorded_at",
)

_SCHEMA_V1 = (
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

#: Steps that bring a store from version ``n`` to ``n + 1``, keyed by ``n``. Version 0 is a
#: new, empty file.
_MIGRATIONS: dict[int, tuple[str, ...]] = {0: _SCHEMA_V1}

_ANSWER_SELECT = (
    'SELECT id, workshop, "group", exercise, scenario, answer, correct, score, feedback, '
    "recorded_at FROM answers"
)
_OBSERVATION_SELECT = (
    'SELECT id, workshop, "group", author_role, playbook_section, worked, confused, '
    "suggestion, severity, recorded_at FROM observations"
)

_WHERE_TO_SET = (
    f"pass store_path=... in the notebook or set {ENV_VAR} to a file in a folder you can write to"
)

# Connections inherited through os.fork() belong to the parent; closing them in the child
# could checkpoint or delete the parent's write-ahead log, so they are parked here instead.
_PARKED_CONNECTIONS: list[sqlite3.Connection] = []


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class AnswerRecord:
    """One attempt at one scenario of one exercise by one group.

    Attributes
    ----------
    id
        Row id; increases with every saved answer, so it orders attempts.
    workshop, group, exercise, scenario
        Who answered what (``exercise`` is e.g. ``"classify_data"``, ``scenario`` a
        scenario id from the exercise file).
    answer
        What the group chose, as saved (tuples come back as lists, keys as strings).
    correct
        Whether the answer was right.
    score
        Fraction right, 0 to 1, for exercises with partial credit; ``None`` otherwise.
    feedback
        The plain-language feedback the group was shown, as plain text.
    recorded_at
        When it was saved: ISO 8601, UTC, with microseconds.
    """

    id: int
    workshop: str
    group: str
    exercise: str
    scenario: str
    answer: dict[str, Any] = field(hash=False)
    correct: bool
    score: float | None
    feedback: str
    recorded_at: str


@dataclass(frozen=True)
class Observation:
    """One "fly on the wall" note by an observer (or a participant) about the workshop.

    Attributes
    ----------
    id
        Row id, increasing.
    workshop
        Workshop the note is about.
    group
        Group watched; ``""`` for a note about the whole room.
    author_role
        Who wrote it, e.g. ``"observer"`` or ``"participant"``.
    playbook_section
        Playbook section the note concerns.
    worked, confused, suggestion
        Free text: what worked, what confused people, what to change.
    severity
        ``"low"``, ``"medium"`` or ``"high"``.
    recorded_at
        When it was saved: ISO 8601, UTC, with microseconds.
    """

    id: int
    workshop: str
    group: str
    author_role: str
    playbook_section: str
    worked: str
    confused: str
    suggestion: str
    severity: str
    recorded_at: str


# --------------------------------------------------------------------------- paths


def resolve_store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the answer store file to use.

    Parameters
    ----------
    explicit
        A path chosen by the caller, usually the notebook parameter ``store_path``. Used
        when given and not blank.

    Returns
    -------
    pathlib.Path
        ``explicit`` if given, else the ``DATASHARING_WORKSHOP_STORE`` environment
        variable if set and not blank, else ``answers.sqlite`` in the user data folder
        (``platformdirs.user_data_path("datasharing-workshop")``). ``~`` is expanded.
    """
    # Papermill passes "" for an unset parameter, so blank means "not given".
    if explicit is not None and os.fspath(explicit).strip():
        return Path(os.fspath(explicit)).expanduser()
    from_env = os.environ.get(ENV_VAR, "")
    if from_env.strip():
        return Path(from_env).expanduser()
    import platformdirs  # only needed for the default; keeps `import store` light

    return platformdirs.user_data_path("datasharing-workshop") / "answers.sqlite"


# --------------------------------------------------------------------------- the store


class AnswerStore:
    """Answers and observations of every workshop, in one SQLite file.

    Safe to use from several processes (one per Jupyter kernel) and several threads at
    once. Each instance keeps one connection, opened on first use; :meth:`close` releases
    it (or use the store as a context manager).

    Parameters
    ----------
    path
        The store file; ``None`` resolves it with :func:`resolve_store_path`. The file and
        its folder are created on first use.
    create
        When ``False``, a missing file raises :class:`~datasharing_workshop.errors.StoreError`
        instead of being created (for readers such as the export command).

    Raises
    ------
    StoreError
        On first use, when the file cannot be created or opened, is not a kit store, or was
        written by a newer version of the kit.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True):
        self.path = resolve_store_path(path).absolute()
        self._create = create
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._file_id: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"AnswerStore({str(self.path)!r})"

    def __enter__(self) -> AnswerStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Best effort only: interpreter shutdown may have torn down what close() needs.
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        """Close the connection; the store reopens it if used again."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if self._pid != os.getpid():
                _PARKED_CONNECTIONS.append(conn)
                return
            conn.close()

    # ----------------------------------------------------------------- writing

    def record_answer(
        self,
        *,
        workshop: str,
        group: str,
        exercise: str,
        scenario: str,
        answer: Mapping[str, Any],
        correct: bool,
        score: float | None = None,
        feedback: str = "",
    ) -> AnswerRecord:
        """Save one attempt, in its own transaction, and return it as saved.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Non-empty names.
        answer
            What the group chose; must be JSON-serialisable.
        correct
            Whether it was right.
        score
            Fraction right (0 to 1) for partial credit, or ``None``.
        feedback
            The plain-language feedback shown to the group, as plain text.

        Returns
        -------
        AnswerRecord
            The saved record, with its ``id`` and ``recorded_at``.

        Raises
        ------
        InputError
            A name is empty or not a string, ``answer`` is not a JSON-serialisable mapping,
            ``correct`` is not a boolean or ``score`` is outside 0 to 1.
        StoreError
            The store cannot be opened or written.
        """
        names = {
            "workshop": workshop,
            "group": group,
            "exercise": exercise,
            "scenario": scenario,
        }
        for name, value in names.items():
            _require_name(name, value)
        answer_json = _answer_to_json(answer)
        correct_flag = _require_bool("correct", correct)
        score_value = _require_score(score)
        _require_text("feedback", feedback)
        recorded_at = _now()
        row_id = self._insert(
            'INSERT INTO answers (workshop, "group", exercise, scenario, answer, correct, '
            "score, feedback, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                workshop,
                group,
                exercise,
                scenario,
                answer_json,
                int(correct_flag),
                score_value,
                feedback,
                recorded_at,
            ),
            what="save the answer",
        )
        return AnswerRecord(
            id=row_id,
            workshop=workshop,
            group=group,
            exercise=exercise,
            scenario=scenario,
            answer=json.loads(answer_json),
            correct=correct_flag,
            score=score_value,
            feedback=feedback,
            recorded_at=recorded_at,
        )

    def record_observation(
        self,
        *,
        workshop: str,
        author_role: str,
        playbook_section: str,
        severity: str,
        group: str = "",
        worked: str = "",
        confused: str = "",
        suggestion: str = "",
    ) -> Observation:
        """Save one observer's note, in its own transaction, and return it as saved.

        Parameters
        ----------
        workshop
            Non-empty workshop name.
        author_role
            Non-empty role, e.g. ``"observer"`` or ``"participant"``.
        playbook_section
            Playbook section the note is about (may be empty).
        severity
            ``"low"``, ``"medium"`` or ``"high"`` (any letter case; saved in lower case).
        group
            Group watched, or ``""`` for the whole room.
        worked, confused, suggestion
            Free text.

        Returns
        -------
        Observation
            The saved note, with its ``id`` and ``recorded_at``.

        Raises
        ------
        InputError
            A required name is empty, a text field is not a string, or ``severity`` is not
            one of the three levels.
        StoreError
            The store cannot be opened or written.
        """
        _require_name("workshop", workshop)
        _require_name("author_role", author_role)
        texts = {
            "group": group,
            "playbook_section": playbook_section,
            "worked": worked,
            "confused": confused,
            "suggestion": suggestion,
        }
        for name, value in texts.items():
            _require_text(name, value)
        level = _require_severity(severity)
        recorded_at = _now()
        row_id = self._insert(
            'INSERT INTO observations (workshop, "group", author_role, playbook_section, '
            "worked, confused, suggestion, severity, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                workshop,
                group,
                author_role,
                playbook_section,
                worked,
                confused,
                suggestion,
                level,
                recorded_at,
            ),
            what="save the observation",
        )
        return Observation(
            id=row_id,
            workshop=workshop,
            group=group,
            author_role=author_role,
            playbook_section=playbook_section,
            worked=worked,
            confused=confused,
            suggestion=suggestion,
            severity=level,
            recorded_at=recorded_at,
        )

    # ----------------------------------------------------------------- reading

    def answers(
        self,
        workshop: str | None = None,
        group: str | None = None,
        exercise: str | None = None,
        scenario: str | None = None,
    ) -> list[AnswerRecord]:
        """Return every saved attempt matching the filters, oldest first.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Keep only records with this value; ``None`` keeps all.

        Returns
        -------
        list of AnswerRecord
            In the order they were saved.
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise, scenario=scenario)
        rows = self._select(f"{_ANSWER_SELECT}{where} ORDER BY id", params)
        return [self._answer_from_row(row) for row in rows]

    def latest_answers(
        self,
        workshop: str,
        group: str | None = None,
        exercise: str | None = None,
    ) -> list[AnswerRecord]:
        """Return the latest attempt of each (group, exercise, scenario) in a workshop.

        This is what a re-run notebook shows as the group's saved answers, and what the
        report-back counts.

        Parameters
        ----------
        workshop
            The workshop.
        group, exercise
            Keep only this group / exercise; ``None`` keeps all.

        Returns
        -------
        list of AnswerRecord
            Sorted by group, exercise, then scenario.
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise)
        rows = self._select(
            f"{_ANSWER_SELECT} WHERE id IN (SELECT MAX(id) FROM answers{where} "
            'GROUP BY "group", exercise, scenario) ORDER BY "group", exercise, scenario',
            params,
        )
        return [self._answer_from_row(row) for row in rows]

    def latest_answer(
        self, workshop: str, group: str, exercise: str, scenario: str
    ) -> AnswerRecord | None:
        """Return the group's latest attempt at one scenario, or ``None`` if there is none.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Which attempt.

        Returns
        -------
        AnswerRecord or None
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise, scenario=scenario)
        rows = self._select(f"{_ANSWER_SELECT}{where} ORDER BY id DESC LIMIT 1", params)
        return self._answer_from_row(rows[0]) if rows else None

    def count_answers(self, workshop: str | None = None) -> int:
        """Return how many attempts are saved (in ``workshop``, or in all workshops).

        Parameters
        ----------
        workshop
            The workshop to count, or ``None`` for all.

        Returns
        -------
        int
        """
        where, params = _where(workshop=workshop)
        return int(self._select(f"SELECT COUNT(*) FROM answers{where}", params)[0][0])

    def groups(self, workshop: str) -> list[str]:
        """Return the names of the groups that saved answers in ``workshop``, sorted.

        Parameters
        ----------
        workshop
            The workshop.

        Returns
        -------
        list of str
        """
        rows = self._select(
            'SELECT DISTINCT "group" FROM answers WHERE workshop = ? ORDER BY "group"',
            (workshop,),
        )
        return [row[0] for row in rows]

    def workshops(self) -> list[str]:
        """Return the names of the workshops with answers or observations, sorted.

        Returns
        -------
        list of str
        """
        rows = self._select(
            "SELECT workshop FROM answers UNION SELECT workshop FROM observations "
            "ORDER BY workshop",
            (),
        )
        return [row[0] for row in rows]

    def observations(
        self, workshop: str | None = None, group: str | None = None
    ) -> list[Observation]:
        """Return the saved observations, oldest first.

        Parameters
        ----------
        workshop, group
            Keep only notes with this value (``group=""`` selects whole-room notes);
            ``None`` keeps all.

        Returns
        -------
        list of Observation
        """
        where, params = _where(workshop=workshop, group=group)
        rows = self._select(f"{_OBSERVATION_SELECT}{where} ORDER BY id", params)
        return [
            Observation(
                id=row["id"],
                workshop=row["workshop"],
                group=row["group"],
                author_role=row["author_role"],
                playbook_section=row["playbook_section"],
                worked=row["worked"],
                confused=row["confused"],
                suggestion=row["suggestion"],
                severity=row["severity"],
                recorded_at=row["recorded_at"],
            )
            for row in rows
        ]

    # ----------------------------------------------------------------- internals

    def _answer_from_row(self, row: sqlite3.Row) -> AnswerRecord:
        try:
            answer = json.loads(row["answer"])
        except ValueError as exc:
            raise StoreError(
                f"the answer store at {self.path} holds an unreadable answer (row id "
                f"{row['id']}): {exc}. The file was changed outside the workshop kit; "
                "restore it from a backup or delete that row."
            ) from None
        return AnswerRecord(
            id=row["id"],
            workshop=row["workshop"],
            group=row["group"],
            exercise=row["exercise"],
            scenario=row["scenario"],
            answer=answer,
            correct=bool(row["correct"]),
            score=row["score"],
            feedback=row["feedback"],
            recorded_at=row["recorded_at"],
        )

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid != os.getpid():
            _PARKED_CONNECTIONS.append(self._conn)
            self._conn = None
        # A kernel keeps its store open for hours; if the facilitator deletes the file
        # meanwhile, SQLite would go on writing into the unlinked file and every later
        # answer would be lost without an error. One stat() per call prevents that.
        if self._conn is not None and _file_identity(self.path) != self._file_id:
            self._conn.close()
            self._conn = None
        if self._conn is None:
            self._conn = self._open()
            self._pid = os.getpid()
            self._file_id = _file_identity(self.path)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise StoreError(
                f"the answer store path {path} is a folder, not a file; "
                f"{_WHERE_TO_SET} (for example {path / 'answers.sqlite'})."
            )
        if not path.exists():
            if not self._create:
                raise StoreError(
                    f"no answer store at {path}; answers are saved there when a group "
                    f"presses Check (or set {ENV_VAR})"
                )
            self._make_folder(path.parent)
        try:
            conn = sqlite3.connect(
                str(path),
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # transactions are begun explicitly below
                check_same_thread=False,  # guarded by self._lock instead
            )
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        conn.row_factory = sqlite3.Row
        try:
            self._retry(lambda: self._prepare(conn), what="open the answer store")
        except BaseException:
            conn.close()
            raise
        return conn

    def _make_folder(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder {folder} for the answer store {self.path}: "
                f"{exc.strerror or exc}; {_WHERE_TO_SET}."
            ) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(
                f"cannot create the answer store {self.path}: the folder {folder} is not "
                f"writable; {_WHERE_TO_SET}."
            )

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        if _is_not_a_database(exc):
            return StoreError(
                f"{self.path} is not a workshop answer store (it is not an SQLite database); "
                f"move the file away or {_WHERE_TO_SET}."
            )
        return StoreError(
            f"cannot open the answer store {self.path}: {exc}. SQLite needs to write the "
            f"file and two companions ({self.path.name}-wal, {self.path.name}-shm) in "
            f"{self.path.parent}; check that the file and folder are writable and the disk "
            f"not full, or {_WHERE_TO_SET}."
        )

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check the file is ours and current, switch it to WAL, create the tables."""
        try:
            app_id, version, tables = self._header(conn)
            self._check_header(app_id, version, tables)
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise StoreError(
                        f"cannot use the answer store {self.path}: its folder does not "
                        "support SQLite's write-ahead log (is it a network drive?); "
                        f"{_WHERE_TO_SET} on a local disk."
                    )
            # Per connection, not stored in the file: a commit returns only once the
            # answer is on disk.
            conn.execute("PRAGMA synchronous=FULL")
            if version < SCHEMA_VERSION:
                self._migrate(conn)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise  # _retry tries again
            raise self._open_error(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self._open_error(exc) from None

    @staticmethod
    def _header(conn: sqlite3.Connection) -> tuple[int, int, int]:
        """Return (application_id, user_version, number of tables), read atomically."""
        # One read transaction: read one by one, the values could straddle another kernel's
        # commit that creates the store (stamp 0 but tables present), which looks foreign.
        own_transaction = not conn.in_transaction
        if own_transaction:
            conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
        finally:
            if own_transaction and conn.in_transaction:
                conn.execute("COMMIT")
        return app_id, version, tables

    def _check_header(self, app_id: int, version: int, tables: int) -> None:
        # A new store is stamped in the same transaction that creates its tables, so an
        # unstamped file with a version or tables belongs to some other program.
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and (version or tables)):
            raise StoreError(
                f"{self.path} is an SQLite database but not a workshop answer store; "
                f"move it away or {_WHERE_TO_SET}."
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the answer store {self.path} was written by a newer version of the "
                f"workshop kit (store format {version}; this kit reads up to "
                f"{SCHEMA_VERSION}); upgrade the kit (pip install --upgrade "
                f"datasharing-workshop) or {_WHERE_TO_SET}."
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another kernel may have created the tables while this one waited for the lock.
            app_id, version, tables = self._header(conn)
            self._check_header(app_id, version, tables)
            while version < SCHEMA_VERSION:
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                version += 1
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _insert(self, sql: str, params: Sequence[Any], *, what: str) -> int:
        def attempt() -> int:
            conn = self._connection()
            try:
                # IMMEDIATE takes the write lock now, where the busy timeout applies; a
                # deferred transaction that upgrades later can fail at once instead.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row_id = conn.execute(sql, params).lastrowid
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise
                raise self._write_error(exc, what) from None
            except sqlite3.DatabaseError as exc:
                raise self._write_error(exc, what) from None
            assert row_id is not None
            return row_id

        with self._lock:
            return self._retry(attempt, what=what)

    def _select(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        def attempt() -> list[sqlite3.Row]:
            conn = self._connection()
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise
                raise self._read_error(exc) from None
            except sqlite3.DatabaseError as exc:
                raise self._read_error(exc) from None

        with self._lock:
            return self._retry(attempt, what="read the answer store")

    def _write_error(self, exc: sqlite3.Error, what: str) -> StoreError:
        return StoreError(
            f"cannot {what} in the answer store {self.path}: {exc}. Check that the disk is "
            f"not full and that the file and its folder {self.path.parent} are writable, "
            f"or {_WHERE_TO_SET}."
        )

    def _read_error(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"cannot read the answer store {self.path}: {exc}. If the file is damaged, "
            f"restore it from a backup or {_WHERE_TO_SET}."
        )

    def _retry(self, attempt: Callable[[], _T], *, what: str) -> _T:
        # The busy timeout covers most waits, but SQLite returns SQLITE_BUSY without waiting
        # in a few cases (e.g. while another connection recovers the WAL or switches the
        # journal mode), so a locked store is retried here too, with jittered back-off.
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        delay = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"cannot {what}: the answer store {self.path} stayed locked by "
                        f"another program for {_LOCK_WAIT_SECONDS:.0f} seconds; close "
                        "programs that hold it open (e.g. a database browser) and try again."
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.1)


# --------------------------------------------------------------------------- export


def export_answers(
    records: Iterable[AnswerRecord], fmt: Literal["csv", "json"], stream: TextIO
) -> int:
    """Write answer records to ``stream`` as CSV or JSON.

    Free text is written exactly as saved; escaping it is the job of whatever renders it.

    Parameters
    ----------
    records
        The records, e.g. from :meth:`AnswerStore.answers`.
    fmt
        ``"csv"``: a header row then one row per record, columns :data:`ANSWER_COLUMNS`,
        ``correct`` as ``true``/``false``, ``score`` empty when absent and ``answer`` as
        JSON text. ``"json"``: a list of objects with the same keys, ``answer`` nested.
    stream
        A text stream; open files with ``newline=""`` so CSV line endings stay intact.

    Returns
    -------
    int
        Number of records written.

    Raises
    ------
    InputError
        ``fmt`` is neither ``"csv"`` nor ``"json"``.
    """
    rows = [
        {
            "id": r.id,
            "workshop": r.workshop,
            "group": r.group,
            "exercise": r.exercise,
            "scenario": r.scenario,
            "correct": r.correct,
            "score": r.score,
            "answer": r.answer,
            "feedback": r.feedback,
            "recorded_at": r.recorded_at,
        }
        for r in records
    ]
    return _export(rows, ANSWER_COLUMNS, fmt, stream)


def export_observations(
    records: Iterable[Observation], fmt: Literal["csv", "json"], stream: TextIO
) -> int:
    """Write observations to ``stream`` as CSV or JSON.

    Parameters
    ----------
    records
        The notes, e.g. from :meth:`AnswerStore.observations`.
    fmt
        ``"csv"`` (columns :data:`OBSERVATION_COLUMNS`) or ``"json"`` (a list of objects).
    stream
        A text stream; open files with ``newline=""``.

    Returns
    -------
    int
        Number of notes written.

    Raises
    ------
    InputError
        ``fmt`` is neither ``"csv"`` nor ``"json"``.
    """
    rows = [{name: getattr(r, name) for name in OBSERVATION_COLUMNS} for r in records]
    return _export(rows, OBSERVATION_COLUMNS, fmt, stream)


def _export(rows: list[dict[str, Any]], columns: Sequence[str], fmt: str, stream: TextIO) -> int:
    if fmt == "json":
        json.dump(rows, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row[name]) for name in columns])
    else:
        raise InputError(f"unknown export format {fmt!r}; use 'csv' or 'json'")
    return len(rows)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --------------------------------------------------------------------------- HTML


def answers_table_html(records: Iterable[AnswerRecord], *, caption: str = "Saved answers") -> str:
    """Render answer records as a simple, accessible HTML table.

    Every free-text value (names, answers, feedback, the caption) is escaped. Whether an
    answer was right is written as "Right" or "Not yet", never shown by colour alone.

    Parameters
    ----------
    records
        The records to show, e.g. from :meth:`AnswerStore.latest_answers`.
    caption
        Text of the table's ``<caption>``.

    Returns
    -------
    str
        A ``<table>`` element.
    """
    headings = ("Group", "Exercise", "Scenario", "Result", "Score", "Answer", "Feedback", "Saved")
    parts = [
        '<table class="dsw-answers">',
        f"<caption>{html.escape(caption)}</caption>",
        "<thead><tr>",
        *(f'<th scope="col">{heading}</th>' for heading in headings),
        "</tr></thead>",
        "<tbody>",
    ]
    count = 0
    for record in records:
        count += 1
        score = "" if record.score is None else f"{record.score:.0%}"
        cells = (
            record.group,
            record.exercise,
            record.scenario,
            "Right" if record.correct else "Not yet",
            score,
            _answer_text(record.answer),
            record.feedback,
            record.recorded_at,
        )
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    if not count:
        parts.append(f'<tr><td colspan="{len(headings)}">No answers saved yet.</td></tr>')
    parts += ["</tbody>", "</table>"]
    return "\n".join(parts)


def _answer_text(answer: Mapping[str, Any]) -> str:
    """Show an answer as "key: value; key: a, b" rather than as JSON punctuation."""

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(item) for item in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)

    return "; ".join(f"{key}: {show(value)}" for key, value in answer.items())


# --------------------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _where(**filters: str | None) -> tuple[str, tuple[str, ...]]:
    # Column names come from our own keyword names, never from callers' values.
    used = {name: value for name, value in filters.items() if value is not None}
    if not used:
        return "", ()
    clause = " AND ".join(f'"{name}" = ?' for name in used)
    return f" WHERE {clause}", tuple(used.values())


def _require_name(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__} ({value!r})")
    if not value.strip():
        raise InputError(f"{name} is empty: each saved record needs a non-empty {name}")


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__} ({value!r})")


def _require_bool(name: str, value: object) -> bool:
    # Accepts numpy.bool_ (widgets and pandas produce it) but not strings such as "no".
    if isinstance(value, str) or value not in (True, False):
        raise InputError(f"{name} must be True or False, not {value!r}")
    return bool(value)


def _require_score(score: object) -> float | None:
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise InputError(f"score must be a number from 0 to 1 or None, not {score!r}")
    value = float(score)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise InputError(f"score must be a fraction from 0 to 1 (got {score!r})")
    return value


def _require_severity(severity: object) -> str:
    level = severity.strip().lower() if isinstance(severity, str) else severity
    if level not in SEVERITIES:
        raise InputError(f"severity must be one of low, medium, high (got {severity!r})")
    return str(level)


def _answer_to_json(answer: object) -> str:
    if not isinstance(answer, Mapping):
        raise InputError(f"answer must be a mapping such as a dict, not {type(answer).__name__}")
    try:
        return json.dumps(dict(answer), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"answer cannot be saved as JSON: {exc}") from None


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _is_not_a_database(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_NOTADB
    return "not a database" in str(exc).lower()
