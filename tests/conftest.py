"""Shared fixtures: a private copy of the content to break, and an isolated answer store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def store_file(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own answer store (the path); nothing can reach a real one."""
    store = tmp_path_factory.mktemp("store") / "answers.sqlite"
    monkeypatch.setenv("DATASHARING_WORKSHOP_STORE", str(store))
    return store


@pytest.fixture(autouse=True)
def _close_answer_stores():
    # Exercises keep one store connection per file per kernel; a test's connection must not
    # outlive its temporary folder (or leak into the next test's store).
    yield
    from datasharing_workshop.widgets.common import close_stores

    close_stores()


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    """A writable copy of exercises/, used as the content root for this test."""
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root, ignore=shutil.ignore_patterns("data"))
    monkeypatch.setenv("DATASHARING_WORKSHOP_CONTENT", str(root))
    return root


@pytest.fixture
def ct():
    from datasharing_workshop.content.catalogue import load_catalogue

    return load_catalogue("ct")


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgresql_cluster():
    """A throwaway PostgreSQL server (Debian's package) for the whole run, stopped after it.

    In CI (``CI=true``) a missing PostgreSQL is a failure, never a skip.
    """
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
    import pg_cluster

    try:
        cluster = pg_cluster.start_cluster()
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    yield cluster
    cluster.remove()


@pytest.fixture
def postgresql_store(postgresql_cluster, monkeypatch) -> str:
    """The URL of a new, empty database on the test server (dropped afterwards); the
    password reaches libpq through PGPASSWORD, as on a hub."""
    import pg_cluster

    monkeypatch.setenv("PGPASSWORD", pg_cluster.PASSWORD)
    name = postgresql_cluster.create_database()
    yield postgresql_cluster.url(name)
    from datasharing_workshop.widgets.common import close_stores

    close_stores()
    postgresql_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path) -> str:
    """A store location on each backend in turn: an SQLite file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "any-store" / "answers.sqlite")
    return request.getfixturevalue("postgresql_store")
