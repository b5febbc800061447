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
