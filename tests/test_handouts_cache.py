"""Tests for build keys, the manifest and atomic writes (datasharing_workshop.handouts.cache)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from datasharing_workshop.handouts.answers import answers_digest, answers_for
from datasharing_workshop.handouts.cache import (
    Manifest,
    OutputRecord,
    atomic_write_bytes,
    file_digest,
    json_digest,
    tree_digest,
)


def test_json_digest_ignores_key_order_but_not_values():
    assert json_digest({"a": 1, "b": [1, 2]}) == json_digest({"b": [1, 2], "a": 1})
    assert json_digest({"a": 1}) != json_digest({"a": 2})


def test_tree_digest_changes_when_any_file_changes(tmp_path: Path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.css").write_text("a {}")
    before = tree_digest(tmp_path)
    assert tree_digest(tmp_path) == before
    (tmp_path / "static" / "a.css").write_text("a { color: red }")
    assert tree_digest(tmp_path) != before


def test_atomic_write_leaves_no_temporary_file_and_ordinary_permissions(tmp_path: Path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "sub" / "page.html"
        atomic_write_bytes(target, b"one")
        atomic_write_bytes(target, b"two")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]
    # mkstemp would give 0600; handouts go to shared drives.
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_manifest_round_trip_and_currency(tmp_path: Path):
    page = tmp_path / "out" / "p.html"
    atomic_write_bytes(page, b"<html></html>")
    manifest = Manifest(tmp_path / "manifest.json")
    manifest.outputs[str(page)] = OutputRecord(
        key="k1", sha256=file_digest(page), size=13, notebook="n", variant="participant"
    )
    manifest.executions["n"] = {"key": "e1", "file": str(page)}
    manifest.save()
    mtime = manifest.path.stat().st_mtime_ns
    manifest.save()  # unchanged: not rewritten
    assert manifest.path.stat().st_mtime_ns == mtime

    loaded = Manifest.load(tmp_path / "manifest.json")
    assert loaded.output_is_current(page, "k1")
    assert not loaded.output_is_current(page, "k2")  # another key
    assert loaded.cached_execution("n", "e1") == page
    assert loaded.cached_execution("n", "e2") is None
    page.write_bytes(b"<html>edited by hand</html>")
    assert not loaded.output_is_current(page, "k1")  # the file is not what we wrote
    page.unlink()
    assert not loaded.output_is_current(page, "k1")


def test_a_damaged_manifest_means_build_everything(tmp_path: Path):
    (tmp_path / "manifest.json").write_text("{not json")
    manifest = Manifest.load(tmp_path / "manifest.json")
    assert manifest.outputs == {} and manifest.executions == {}


def test_group_answer_digests_are_per_group_and_exercise():
    answers = [
        {"id": 1, "group": "A", "exercise": "x", "scenario": "s1"},
        {"id": 2, "group": "B", "exercise": "x", "scenario": "s1"},
        {"id": 3, "group": "A", "exercise": "y", "scenario": "s1"},
    ]
    assert [a["id"] for a in answers_for(answers, "A")] == [1, 3]
    assert [a["id"] for a in answers_for(answers, "A", "x")] == [1]
    changed = [*answers, {"id": 4, "group": "B", "exercise": "x", "scenario": "s2"}]
    a_before = answers_digest(answers_for(answers, "A", "x"))
    assert answers_digest(answers_for(changed, "A", "x")) == a_before  # B's answer: A unchanged
    assert answers_digest(answers_for(changed, "B", "x")) != answers_digest(
        answers_for(answers, "B", "x")
    )
