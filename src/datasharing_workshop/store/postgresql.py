"""The PostgreSQL backend: one database shared by every participant's server on a hub.

Chosen by a ``postgresql://USER@HOST:PORT/DATABASE`` store URL; the password comes from
``PGPASSWORD`` or ``~/.pgpass`` (libpq's own rules), never from the URL. Each answer is
one transaction. Every record carries a unique ``uid`` and is inserted with ``ON CONFLICT
(uid) DO NOTHING``, so an answer whose commit was cut off by a lost connection can be sent
again without being saved twice.

A lost connection (the server restarted, a network blip) is reopened on the next use; if
the server stays unreachable the caller gets a :class:`~datasharing_workshop.errors.StoreError`
(a participant's widget shows it as "Not saved: ..." and keeps the answer in the page).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..errors import StoreError
from .location import ENV_VAR, StoreURL
from .schema import APPLICATION_ID, APPLICATION_NAME, SCHEMA_VERSION, migrate

_T = TypeVar("_T")

#: Seconds to wait for the server to answer a new connection.
CONNECT_TIMEOUT_SECONDS = 10

WHERE_TO_SET = f"set the store URL (workshop.yml's store_path, --store or {ENV_VAR})"

# Connections inherited through os.fork() share their socket with the parent; closing them
# in the child would end the parent's session, so they are parked here instead.
_PARKED_CONNECTIONS: list[Any] = []


class PostgreSQLBackend:
    """One PostgreSQL store; see :class:`~datasharing_workshop.store.backend.Backend`.

    Parameters
    ----------
    url
        The database, as a :class:`StoreURL`.
    create
        Create the kit's tables when the database has none yet (the database itself is
        never created: that is the server administrator's job).
    read_only
        Never write or upgrade; an older store is read as it is.
    """

    dialect = "postgresql"

    def __init__(self, url: StoreURL, *, create: bool = True, read_only: bool = False):
        self.location = url
        self._create = create and not read_only
        self._read_only = read_only
        self._lock = threading.RLock()
        self._conn: Any = None
        self._pid = os.getpid()
        self.version = SCHEMA_VERSION

    @property
    def has_uids(self) -> bool:
        with self._lock:
            self._connection()
        return self.version >= 2

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if self._pid != os.getpid():
                _PARKED_CONNECTIONS.append(conn)
                return
            # A broken connection may fail to close; it is gone anyway.
            with contextlib.suppress(Exception):
                conn.close()

    # ----------------------------------------------------------------- operations

    def insert(self, table: str, row: Mapping[str, Any], *, what: str) -> int:
        sql, params = _insert_sql(table, row)

        def work(conn: Any) -> int:
            found = conn.execute(sql, params).fetchone()
            if found is None:  # saved by an earlier try whose reply was lost
                found = conn.execute(
                    f"SELECT id FROM {table} WHERE uid = %s", (row["uid"],)
                ).fetchone()
            return int(found["id"])

        # Safe to send twice: the uid makes a repeated insert a no-op.
        return self._run(work, what=what, write=True, retry=True)

    def merge_rows(self, table: str, rows: Sequence[Mapping[str, Any]], *, what: str) -> list[bool]:
        def work(conn: Any) -> list[bool]:
            added = []
            for row in rows:
                sql, params = _insert_sql(table, row)
                added.append(conn.execute(sql, params).fetchone() is not None)
            return added

        return self._run(work, what=what, write=True, retry=True)

    def query(self, sql: str, params: Sequence[Any]) -> list[Any]:
        pg_sql = sql.replace("?", "%s")
        return self._run(
            lambda conn: conn.execute(pg_sql, params).fetchall(),
            what="read the answer store",
            write=False,
            retry=True,
        )

    # ----------------------------------------------------------------- internals

    def _run(self, work: Callable[[Any], _T], *, what: str, write: bool, retry: bool) -> _T:
        import psycopg

        if write and self._read_only:
            raise StoreError(f"cannot {what}: {self.location} was opened to be read only")
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    with conn.transaction():
                        return work(conn)
                except psycopg.OperationalError as exc:
                    if not _connection_lost(exc, conn):
                        raise StoreError(
                            f"cannot {what} in the answer store {self.location}: {_first_line(exc)}"
                        ) from None
                    # The connection broke (server restarted, network blip): drop it, and
                    # try once more on a new one before telling the caller.
                    self._drop()
                    if attempt == 2 or not retry:
                        raise self._lost_error(exc, what) from None
                except psycopg.Error as exc:
                    raise StoreError(
                        f"cannot {what} in the answer store {self.location}: {_first_line(exc)}"
                    ) from None
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _connection(self) -> Any:
        if self._conn is not None and self._pid != os.getpid():
            _PARKED_CONNECTIONS.append(self._conn)
            self._conn = None
        if self._conn is not None and self._conn.closed:
            self._conn = None
        if self._conn is None:
            self._conn = self._open()
            self._pid = os.getpid()
        return self._conn

    def _open(self) -> Any:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise StoreError(
                f"the answer store {self.location} is a PostgreSQL database, which needs the "
                "psycopg package: pip install 'psycopg[binary]'"
            ) from None
        try:
            conn = psycopg.connect(
                self.location.url,
                autocommit=True,  # transactions are begun explicitly with conn.transaction()
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                application_name="datasharing-workshop",
            )
        except psycopg.Error as exc:
            raise self._connect_error(exc) from None
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: Any) -> None:
        import psycopg

        try:
            if self._read_only:
                conn.read_only = True
            with conn.transaction():
                # Wait while another kernel creates or upgrades the tables (it holds the
                # lock exclusively), so the tables are never seen half made.
                conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (APPLICATION_ID,))
                version = self._header(conn)
            self.version = version
            if version == 0 and not self._create:
                raise StoreError(
                    f"no answer store in the database {self.location}; answers are saved "
                    "there when a group presses Check"
                )
            if version < SCHEMA_VERSION and not self._read_only:
                with conn.transaction():
                    # One kernel creates or upgrades the tables; the others wait here.
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPLICATION_ID,))
                    version = self._header(conn)
                    migrate(
                        "postgresql",
                        version,
                        lambda sql, params: conn.execute(sql.replace("?", "%s"), params),
                        lambda sql, params: conn.execute(sql.replace("?", "%s"), params).fetchall(),
                    )
                    conn.execute("DELETE FROM store_meta")
                    conn.execute(
                        "INSERT INTO store_meta (application, schema_version) VALUES (%s, %s)",
                        (APPLICATION_NAME, SCHEMA_VERSION),
                    )
                self.version = SCHEMA_VERSION
        except psycopg.OperationalError as exc:
            raise self._lost_error(exc, "open the answer store") from None
        except psycopg.Error as exc:
            if getattr(exc, "sqlstate", None) == "42501":  # insufficient privilege
                raise StoreError(
                    f"the PostgreSQL user {self.location.user or '(default)'} may not create "
                    f"or change the kit's tables in {self.location}: {_first_line(exc)}. Ask "
                    "the server's administrator to make that user the database's owner "
                    "(ALTER DATABASE ... OWNER TO ...)."
                ) from None
            raise StoreError(
                f"cannot open the answer store {self.location}: {_first_line(exc)}"
            ) from None

    def _header(self, conn: Any) -> int:
        """Return the store's version (0: no kit tables yet); refuse foreign or newer ones."""
        # A plain query of the catalog (not to_regclass(), which may answer from a cache
        # that has not yet seen another session's just-committed tables).
        tables = {
            row["name"]
            for row in conn.execute(
                "SELECT tablename AS name FROM pg_catalog.pg_tables "
                "WHERE schemaname = current_schema() "
                "AND tablename IN ('store_meta', 'answers', 'observations')"
            ).fetchall()
        }
        if "store_meta" not in tables:
            if tables:
                raise StoreError(
                    f"the database {self.location} already has tables named answers or "
                    "observations that the workshop kit did not make; use a database of "
                    f"its own for the kit, or {WHERE_TO_SET}."
                )
            return 0
        rows = conn.execute("SELECT application, schema_version FROM store_meta").fetchall()
        if len(rows) != 1 or rows[0]["application"] != APPLICATION_NAME:
            raise StoreError(
                f"the database {self.location} has a store_meta table that the workshop kit "
                f"did not make; use a database of its own for the kit, or {WHERE_TO_SET}."
            )
        version = int(rows[0]["schema_version"])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the answer store {self.location} was written by a newer version of the "
                f"workshop kit (store format {version}; this kit reads up to "
                f"{SCHEMA_VERSION}); upgrade the kit (pip install --upgrade "
                f"datasharing-workshop) or {WHERE_TO_SET}."
            )
        return version

    # ----------------------------------------------------------------- messages

    def _connect_error(self, exc: Exception) -> StoreError:
        text = str(exc)
        lowered = text.lower()
        state = getattr(exc, "sqlstate", None)
        where = self.location
        if state == "3D000" or ("database" in lowered and "does not exist" in lowered):
            return StoreError(
                f"the database {where.database!r} does not exist on the PostgreSQL server "
                f"{where.server} (store {where}); ask the server's administrator to create "
                f"it (for example: createdb {where.database or 'DATABASE'}), or {WHERE_TO_SET}."
            )
        if (
            state in ("28P01", "28000")
            or "password authentication failed" in lowered
            or "no password supplied" in lowered
            or "no pg_hba.conf entry" in lowered
            or ("role" in lowered and "does not exist" in lowered)
        ):
            return StoreError(
                f"the PostgreSQL server {where.server} refused user "
                f"{where.user or '(default)'!r} for the answer store {where}: wrong or "
                "missing password, unknown user, or no access from this machine. Put the "
                "password in the PGPASSWORD environment variable or ~/.pgpass (never in the "
                "URL) and check the user name."
            )
        return self._unreachable(exc)

    def _unreachable(self, exc: Exception) -> StoreError:
        return StoreError(
            f"cannot reach the PostgreSQL server {self.location.server} for the answer store "
            f"{self.location} ({_reason(exc)}); check that the server is running and that "
            f"the host and port are right, or {WHERE_TO_SET}."
        )

    def _lost_error(self, exc: Exception, what: str) -> StoreError:
        return StoreError(
            f"cannot {what}: the connection to the PostgreSQL server "
            f"{self.location.server} failed ({_reason(exc)}). Try again in a moment; if "
            "it keeps failing, ask the facilitator to check the database server."
        )


def holds_store(url: StoreURL) -> bool:
    """Whether the database has the kit's tables; ``True`` when it cannot be asked (the
    caller's next step, opening the store, then says what is wrong)."""
    try:
        import psycopg

        with psycopg.connect(url.url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'store_meta'"
            ).fetchone()
    except Exception:
        return True
    return bool(row and row[0])


def _insert_sql(table: str, row: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
    # Column names come from the store's own field lists, never from callers' values.
    columns = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("%s" for _ in row)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
        "ON CONFLICT (uid) DO NOTHING RETURNING id",
        tuple(row.values()),
    )


def _connection_lost(exc: Exception, conn: Any) -> bool:
    return bool(getattr(conn, "closed", True) or getattr(conn, "broken", False)) or getattr(
        exc, "sqlstate", None
    ) in ("57P01", "57P02", "57P03", "08000", "08003", "08006")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: Exception) -> str:
    lowered = str(exc).lower()
    if "connection refused" in lowered:
        return "connection refused: nothing is listening there"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return "unknown host name"
    if "timeout" in lowered or "timed out" in lowered:
        return "no answer in time"
    if "no such file or directory" in lowered:
        return "no server socket there"
    if "terminating connection" in lowered or "shutting down" in lowered:
        return "the server is shutting down or restarting"
    if "server closed the connection" in lowered or "consuming input failed" in lowered:
        return "the server closed the connection"
    if "starting up" in lowered:
        return "the server is still starting up"
    return _first_line(exc).removeprefix("connection failed: ")
