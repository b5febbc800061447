"""The SQLite backend: the embedded default, one file on one machine's local disk.

Several Jupyter kernels (one per group) write to the same file at once, so the store uses
SQLite's write-ahead log, takes the write lock up front (``BEGIN IMMEDIATE``) and waits for
it rather than failing, and commits one answer per transaction with ``synchronous=FULL``
so an answer whose "Check" returned survives a killed kernel or a power cut. A file on a
network filesystem is refused (see :mod:`.location`).

To start afresh, use a new workshop name or a new store file. Delete a store only while no
kernel has it open, and delete its ``-wal`` and ``-shm`` companions with it: SQLite may
otherwise pair a new store with the old store's write-ahead log. (A store deleted under a
running kernel is recreated on the next answer rather than written into the void, but
replacing the file while kernels have it open is not supported.)
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StoreError
from .location import ENV_VAR, refuse_network_filesystem
from .schema import APPLICATION_ID, SCHEMA_VERSION, migrate

_T = TypeVar("_T")

#: How long one statement waits for another process's write lock before retrying. Eight
#: kernels each committing one small answer hold the lock for milliseconds; the margin is
#: for laptops under load.
BUSY_TIMEOUT_SECONDS = 30.0

#: Total time a write keeps retrying before reporting that the store stayed locked.
LOCK_WAIT_SECONDS = 120.0

WHERE_TO_SET = (
    f"pass store_path=... in the notebook or set {ENV_VAR} to a file in a folder you can write to"
)

# Connections inherited through os.fork() belong to the parent; closing them in the child
# could checkpoint or delete the parent's write-ahead log, so they are parked here instead.
_PARKED_CONNECTIONS: list[sqlite3.Connection] = []


class SQLiteBackend:
    """One SQLite store file; see :class:`~datasharing_workshop.store.backend.Backend`.

    Parameters
    ----------
    path
        The store file (absolute).
    create
        Create the file (and its folder) when missing.
    read_only
        Read a private copy of the file (and its write-ahead log), so that nothing in the
        file's folder changes, not even SQLite's companion files. Used for stores being
        merged into another; an older store is read as it is, never upgraded.
    """

    dialect = "sqlite"

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False):
        self.location = path
        self._create = create and not read_only
        self._read_only = read_only
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._file_id: tuple[int, int] | None = None
        self._copy: tempfile.TemporaryDirectory[str] | None = None
        self.version = SCHEMA_VERSION

    @property
    def has_uids(self) -> bool:
        self._with_connection(lambda conn: None)
        return self.version >= 2

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                if self._pid != os.getpid():
                    _PARKED_CONNECTIONS.append(conn)
                    return
                conn.close()
            if self._copy is not None:
                self._copy.cleanup()
                self._copy = None

    # ----------------------------------------------------------------- operations

    def insert(self, table: str, row: Mapping[str, Any], *, what: str) -> int:
        sql, params = _insert_sql(table, row)

        def work(conn: sqlite3.Connection) -> int:
            row_id = conn.execute(sql, params).lastrowid
            assert row_id is not None
            return row_id

        return self._write(work, what=what)

    def merge_rows(self, table: str, rows: Sequence[Mapping[str, Any]], *, what: str) -> list[bool]:
        def work(conn: sqlite3.Connection) -> list[bool]:
            added = []
            for row in rows:
                sql, params = _insert_sql(table, row, skip_known=True)
                added.append(conn.execute(sql, params).rowcount == 1)
            return added

        return self._write(work, what=what)

    def query(self, sql: str, params: Sequence[Any]) -> list[Any]:
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

    # ----------------------------------------------------------------- internals

    def _with_connection(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._lock:
            return work(self._connection())

    def _write(self, work: Callable[[sqlite3.Connection], _T], *, what: str) -> _T:
        if self._read_only:
            if getattr(self, "_media_read_only", False):
                raise StoreError(
                    f"cannot {what}: the answer store {self.location} is on read-only media "
                    "or in a folder you cannot write to; copy it somewhere writable"
                )
            raise StoreError(f"cannot {what}: {self.location} was opened to be read only")

        def attempt() -> _T:
            conn = self._connection()
            try:
                # IMMEDIATE takes the write lock now, where the busy timeout applies; a
                # deferred transaction that upgrades later can fail at once instead.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
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
            return result

        with self._lock:
            return self._retry(attempt, what=what)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid != os.getpid():
            _PARKED_CONNECTIONS.append(self._conn)
            self._conn = None
        # A kernel keeps its store open for hours; if the facilitator deletes the file
        # meanwhile, SQLite would go on writing into the unlinked file and every later
        # answer would be lost without an error. One stat() per call prevents that.
        if (
            self._conn is not None
            and not self._read_only
            and _file_identity(self.location) != self._file_id
        ):
            self._conn.close()
            self._conn = None
        if self._conn is None:
            self._conn = self._open()
            self._pid = os.getpid()
            self._file_id = _file_identity(self.location)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        path = self.location
        if path.is_dir():
            raise StoreError(
                f"the answer store path {path} is a folder, not a file; "
                f"{WHERE_TO_SET} (for example {path / 'answers.sqlite'})."
            )
        if not path.exists():
            if not self._create:
                raise StoreError(
                    f"no answer store at {path}; answers are saved there when a group "
                    f"presses Check (or set {ENV_VAR})"
                )
            refuse_network_filesystem(path.parent)
            self._make_folder(path.parent)
        else:
            refuse_network_filesystem(path)
            if not self._read_only and not _writable(path):
                # Read-only media (a CD, a locked share, a read-only mount): SQLite cannot
                # even read a WAL store in place, so read a private copy; saving is refused
                # with a message naming the file.
                self._read_only = True
                self._media_read_only = True
        target = self._private_copy() if self._read_only else path
        try:
            conn = sqlite3.connect(
                str(target),
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

    def _private_copy(self) -> Path:
        """Copy the store and its write-ahead log to a private folder, for reading."""
        if self._copy is not None:
            self._copy.cleanup()
        self._copy = tempfile.TemporaryDirectory(prefix="dsw-read-")
        copy = Path(self._copy.name) / "store.sqlite"
        try:
            shutil.copyfile(self.location, copy)
            wal = Path(f"{self.location}-wal")
            if wal.is_file():
                shutil.copyfile(wal, Path(f"{copy}-wal"))
        except OSError as exc:
            raise StoreError(
                f"cannot read the answer store {self.location}: {exc.strerror or exc}"
            ) from None
        return copy

    def _make_folder(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder {folder} for the answer store {self.location}: "
                f"{exc.strerror or exc}; {WHERE_TO_SET}."
            ) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(
                f"cannot create the answer store {self.location}: the folder {folder} is not "
                f"writable; {WHERE_TO_SET}."
            )

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        if _is_not_a_database(exc):
            return StoreError(
                f"{self.location} is not a workshop answer store (it is not an SQLite "
                f"database); move the file away or {WHERE_TO_SET}."
            )
        path = self.location
        return StoreError(
            f"cannot open the answer store {path}: {exc}. SQLite needs to write the "
            f"file and two companions ({path.name}-wal, {path.name}-shm) in "
            f"{path.parent}; check that the file and folder are writable and the disk "
            f"not full, or {WHERE_TO_SET}."
        )

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check the file is ours and current, switch it to WAL, create the tables."""
        try:
            app_id, version, tables = self._header(conn)
            self._check_header(app_id, version, tables)
            self.version = version
            if self._read_only:
                if not tables:
                    raise StoreError(
                        f"{self.location} holds no workshop answers (it is an empty file)"
                    )
                problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
                if problems != ["ok"]:
                    raise StoreError(
                        f"the answer store {self.location} is damaged ({problems[0]}); "
                        "restore it from a backup"
                    )
                return
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise StoreError(
                        f"cannot use the answer store {self.location}: its folder does not "
                        "support SQLite's write-ahead log (is it a network drive?); "
                        f"{WHERE_TO_SET} on a local disk, or use a PostgreSQL store."
                    )
            # Per connection, not stored in the file: a commit returns only once the
            # answer is on disk.
            conn.execute("PRAGMA synchronous=FULL")
            if version < SCHEMA_VERSION:
                self._migrate(conn)
                self.version = SCHEMA_VERSION
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
                f"{self.location} is an SQLite database but not a workshop answer store; "
                f"move it away or {WHERE_TO_SET}."
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the answer store {self.location} was written by a newer version of the "
                f"workshop kit (store format {version}; this kit reads up to "
                f"{SCHEMA_VERSION}); upgrade the kit (pip install --upgrade "
                f"datasharing-workshop) or {WHERE_TO_SET}."
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another kernel may have created the tables while this one waited for the lock.
            app_id, version, tables = self._header(conn)
            self._check_header(app_id, version, tables)
            migrate(
                "sqlite",
                version,
                lambda sql, params: conn.execute(sql, params),
                lambda sql, params: conn.execute(sql, params).fetchall(),
            )
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _write_error(self, exc: sqlite3.Error, what: str) -> StoreError:
        return StoreError(
            f"cannot {what} in the answer store {self.location}: {exc}. Check that the disk "
            f"is not full and that the file and its folder {self.location.parent} are "
            f"writable, or {WHERE_TO_SET}."
        )

    def _read_error(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"cannot read the answer store {self.location}: {exc}. If the file is damaged, "
            f"restore it from a backup or {WHERE_TO_SET}."
        )

    def _retry(self, attempt: Callable[[], _T], *, what: str) -> _T:
        # The busy timeout covers most waits, but SQLite returns SQLITE_BUSY without waiting
        # in a few cases (e.g. while another connection recovers the WAL or switches the
        # journal mode), so a locked store is retried here too, with jittered back-off.
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"cannot {what}: the answer store {self.location} stayed locked by "
                        f"another program for {LOCK_WAIT_SECONDS:.0f} seconds; close "
                        "programs that hold it open (e.g. a database browser) and try again."
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.1)


def _insert_sql(
    table: str, row: Mapping[str, Any], *, skip_known: bool = False
) -> tuple[str, tuple[Any, ...]]:
    # Column names come from the store's own field lists, never from callers' values.
    columns = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    tail = " ON CONFLICT (uid) DO NOTHING" if skip_known else ""
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}){tail}", tuple(row.values())


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file and its companions (-wal, -shm) beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


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
