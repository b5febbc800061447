"""The one small interface every answer-store backend implements, and the choice of
backend from a store location.

:class:`~datasharing_workshop.store.AnswerStore` checks values, builds the records and
writes its queries once, with ``?`` placeholders and only SQL that SQLite and PostgreSQL
both understand; a backend only opens, upgrades and guards its database and runs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from .location import StoreURL


class Backend(Protocol):
    """What :class:`~datasharing_workshop.store.AnswerStore` needs from a database.

    Every method opens the database on first use (creating, checking and upgrading its
    tables) and raises :class:`~datasharing_workshop.errors.StoreError`, never a driver's
    own exception.
    """

    #: ``"sqlite"`` or ``"postgresql"``.
    dialect: str
    #: Where the store is: a file path or a PostgreSQL URL (safe to print).
    location: Path | StoreURL

    @property
    def has_uids(self) -> bool:
        """Whether the store's rows carry uids (format 2 and later; older stores are only
        ever read, as merge inputs)."""
        ...

    def insert(self, table: str, row: Mapping[str, Any], *, what: str) -> int:
        """Insert one row in its own transaction and return its id."""
        ...

    def merge_rows(self, table: str, rows: Sequence[Mapping[str, Any]], *, what: str) -> list[bool]:
        """Insert rows in one transaction, skipping those whose uid is already there;
        return, for each row, whether it was added."""
        ...

    def query(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run one read (``?`` placeholders); rows are indexed by column name."""
        ...

    def close(self) -> None:
        """Close the connection; the next use reopens it."""
        ...


def open_backend(
    location: Path | StoreURL, *, create: bool = True, read_only: bool = False
) -> Backend:
    """Return the backend for ``location`` (not yet connected).

    Parameters
    ----------
    location
        A resolved store location (see :func:`~datasharing_workshop.store.resolve_store_path`).
    create
        Create the store when it does not exist yet.
    read_only
        Only read; an older store is read as it is, never upgraded.
    """
    if isinstance(location, StoreURL):
        from .postgresql import PostgreSQLBackend

        return PostgreSQLBackend(location, create=create, read_only=read_only)
    from .sqlite import SQLiteBackend

    return SQLiteBackend(location, create=create, read_only=read_only)
