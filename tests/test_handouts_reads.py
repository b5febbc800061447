"""Exact cache keys: each execution is keyed on what its notebook actually read.

The unit tests check the audit hook (in a subprocess: an audit hook cannot be removed) and
the build-side digests. The ``notebook`` tests build the real workshop once, then:

* edit every content file in turn (everything under exercises/, the facilitator guide,
  workshop.yml's groups) and check that exactly the handouts whose text changes are
  written and every other handout is left as it was, byte for byte;
* for each notebook, break every content file it did not record as read, run it again and
  check that its handouts come out the same: nothing it reads is missing from its key.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.notebooks import REPORT_BACK

from datasharing_workshop.content.catalogue import CONTENT_ENV
from datasharing_workshop.handouts.build import BuildOptions, BuildReport, build_handouts
from datasharing_workshop.handouts.reads import (
    database_state,
    digest_reads,
    reads_are_current,
    relevant_reads,
)

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ the hook


def test_the_hook_notes_files_read_folders_listed_and_databases(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("x\n1\n")
    out = tmp_path / "reads.json"
    code = f"""
import os, sqlite3, pathlib
import datasharing_workshop.handouts.reads as r
r.start()
root = pathlib.Path({str(tmp_path)!r})
(root / "a.yaml").read_text()
open(root / "written.txt", "w").write("not a read")
list((root / "sub").glob("*.csv"))
try:
    open(root / "missing.yaml")
except FileNotFoundError:
    pass
sqlite3.connect(str(root / "store.sqlite")).close()
import json  # an import reads code, not content
r.report({str(out)!r})
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    reads = json.loads(out.read_text())
    files = [p for p in reads["files"] if p.startswith(str(tmp_path))]
    assert files == [str(tmp_path / "a.yaml"), str(tmp_path / "missing.yaml")]
    assert str(tmp_path / "sub") in reads["dirs"]
    assert reads["databases"] == [str(tmp_path / "store.sqlite")]
    assert not any(p.endswith((".py", ".pyc")) for p in reads["files"])


def test_relevant_reads_drop_python_and_dot_folders_but_keep_the_store(tmp_path: Path):
    home_store = os.path.expanduser("~/.local/share/datasharing-workshop/answers.sqlite")
    raw = {
        "files": [
            str(tmp_path / "exercises" / "ct" / "channels.yaml"),
            os.path.join(sys.prefix, "lib", "x.json"),
            os.path.expanduser("~/.ipython/profile_default/startup/x.txt"),
            str(tmp_path / "out" / "participant" / "x.html"),
        ],
        "dirs": [str(tmp_path / "exercises")],
        "databases": [home_store],
    }
    kept = relevant_reads(raw, keep_under=[home_store], ignore_under=[tmp_path / "out"])
    assert kept == {
        "files": [str(tmp_path / "exercises" / "ct" / "channels.yaml")],
        "dirs": [str(tmp_path / "exercises")],
        "databases": [home_store],
    }


def test_digests_follow_file_bytes_folder_names_and_database_rows(tmp_path: Path):
    content = tmp_path / "c.yaml"
    content.write_text("a: 1\n")
    store = tmp_path / "s.sqlite"
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO answers (text) VALUES ('one')")
    reads = {"files": [str(content)], "dirs": [str(tmp_path)], "databases": [str(store)]}
    recorded = digest_reads(reads)
    assert reads_are_current(recorded)

    before = database_state(str(store))
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # bytes move, rows do not
    assert database_state(str(store)) == before
    with sqlite3.connect(store) as conn:
        conn.execute("INSERT INTO answers (text) VALUES ('two')")
    assert database_state(str(store)) != before
    assert not reads_are_current(recorded)

    recorded = digest_reads(reads)
    (tmp_path / "new.yaml").write_text("b: 2\n")  # a new file in a folder that was listed
    assert not reads_are_current(recorded)
    recorded = digest_reads(reads)
    content.write_text("a: 2\n")
    assert not reads_are_current(recorded)
    assert digest_reads({"files": [str(tmp_path / "gone.yaml")]})["files"] == {
        str(tmp_path / "gone.yaml"): "missing"
    }


def test_executions_that_show_the_same_widgets_normalize_the_same():
    import uuid

    import nbformat

    from datasharing_workshop.handouts.worker import normalized_json

    def executed() -> object:
        box, layout, label = (uuid.uuid4().hex for _ in range(3))
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("show()")
        cell["id"] = "show"
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={
                    "application/vnd.jupyter.widget-view+json": {"model_id": box},
                    "text/plain": "VBox()",
                },
            )
        ]
        nb.cells = [cell]
        nb.metadata["widgets"] = {
            "application/vnd.jupyter.widget-state+json": {
                "state": {
                    box: {
                        "state": {
                            "children": [f"IPY_MODEL_{label}"],
                            "layout": f"IPY_MODEL_{layout}",
                        }
                    },
                    layout: {"state": {"width": "40rem"}},
                    label: {"state": {"value": "Which level?"}},
                }
            }
        }
        return nb

    first, second = executed(), executed()
    assert nbformat.writes(first) != nbformat.writes(second)
    assert normalized_json(first) == normalized_json(second)
    assert "widget-model-1" in normalized_json(first)


# ------------------------------------------------------------------------------ the workshop

#: Every content file a facilitator may edit.
CONTENT_FILES = sorted(
    [p.relative_to(REPO).as_posix() for p in (REPO / "exercises").rglob("*") if p.is_file()]
    + [p.relative_to(REPO).as_posix() for p in (REPO / "facilitator_guide").rglob("*.md")]
)
CONTENT_FILES = [
    f for f in CONTENT_FILES if not f.endswith((".py", ".pyc")) and "__pycache__" not in f
]


def make_workshop(root: Path) -> Path:
    for folder in ("exercises", "notebooks", "facilitator_guide"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".*"))
    config = (REPO / "workshop.yml").read_text() + "\nstore_path: answers.sqlite\n"
    (root / "workshop.yml").write_text(config)
    from datasharing_workshop.handouts.config import load_workshop
    from datasharing_workshop.reportback.simulate import simulate_workshop

    workshop = load_workshop(root / "workshop.yml")
    simulate_workshop(
        workshop.store_path,
        workshop.config.workshop_id,
        groups=[g.name for g in workshop.groups],
        seed=2020,
    )
    return root


def run_build(root: Path, **options) -> BuildReport:
    return build_handouts(
        BuildOptions(config=root / "workshop.yml", output=root / "out", jobs=2, **options),
        log=None,
    )


def texts(root: Path) -> dict[str, tuple[bytes, int]]:
    out = root / "out"
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*.html"))
    }


_KEYED_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z_]+:[ ]+)(.*\S.*)$")


def edit(path: Path, marker: str) -> None:
    """A small edit a facilitator might make, visible wherever the file's text is shown."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        path.write_text(text + f"\n\nA facilitator added this line: {marker}.\n")
        return
    if path.suffix == ".csv":
        lines = text.splitlines(keepends=True)
        cells = lines[1].split(",")
        cells[1] = cells[1] + " " + marker  # the second column: a name or a town
        lines[1] = ",".join(cells)
        path.write_text("".join(lines), encoding="utf-8")
        return
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        match = _KEYED_LINE.match(line.rstrip("\n"))
        if not match or line.lstrip().startswith("#"):
            continue
        value = match.group(2)
        if value in (">-", ">", "|", "|-") and number + 1 < len(lines):
            lines[number + 1] = lines[number + 1].rstrip("\n") + f" {marker}.\n"
            break
        if " " not in value or value.startswith(("[", "{", "&", "*", "!")) or " #" in value:
            continue
        if value[0] in "\"'" and value.endswith(value[0]) and len(value) > 1:
            value = value[:-1] + f" {marker}" + value[-1]
        else:
            value = f"{value} {marker}"
        lines[number] = match.group(1) + value + "\n"
        break
    else:
        lines.append(f"# {marker}\n")  # nothing to reword: a comment still changes the bytes
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    root = make_workshop(tmp_path_factory.mktemp("workshop"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTENT_ENV, str(root / "exercises"))
        report = run_build(root)
    assert report.executed, "the first build runs every notebook"
    saved = root.parent / f"{root.name}-saved"
    shutil.copytree(root, saved, symlinks=True)
    yield root, saved


def restore(root: Path, saved: Path) -> None:
    """Put the workspace back as the first build left it (same paths: the manifest's)."""
    shutil.rmtree(root)
    shutil.copytree(saved, root, symlinks=True)


def _check_edit(root: Path, saved: Path, change) -> tuple[BuildReport, set[str]]:
    before = texts(root)
    change()
    report = run_build(root)
    after = texts(root)
    assert set(after) >= set(before) - {p for p in before if p not in after}
    changed = {name for name in after if name not in before or after[name][0] != before[name][0]}
    written = {name for name in report.written if name.endswith(".html")}
    if report.index_written:
        written.add("index.html")
    # Every handout whose text changed was written; every other one was left alone.
    assert written == changed, (sorted(written - changed), sorted(changed - written))
    for name in set(before) & set(after):
        if name not in changed:
            assert after[name] == before[name], name  # not rewritten: same bytes and time
    return report, changed


@pytest.mark.notebook
@pytest.mark.parametrize("relative", CONTENT_FILES)
def test_an_edited_content_file_rebuilds_exactly_the_handouts_it_changes(
    workshop, relative, monkeypatch
):
    root, saved = workshop
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    restore(root, saved)
    path = root / relative
    manifest = json.loads((root / ".cache" / "manifest.json").read_text())
    readers = sorted(
        stem
        for stem, entry in manifest["executions"].items()
        if str(path) in entry["reads"]["files"]
    )
    report, _changed = _check_edit(root, saved, lambda: edit(path, "EDITED-BY-THE-TEST"))
    # The notebooks that read the file ran again, and no other.
    assert report.executed == readers


@pytest.mark.notebook
def test_known_stale_cases_are_rebuilt(workshop, monkeypatch):
    """A transfer scenario's title reaches the report-back; breakout 2 reads breakout 1."""
    root, saved = workshop
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    restore(root, saved)
    transfer = root / "exercises" / "ct" / "scenarios" / "standard" / "transfer_channel.yaml"
    old = "title: A trail map for a tourism charity"
    assert old in transfer.read_text()
    report, changed = _check_edit(
        root,
        saved,
        lambda: transfer.write_text(
            transfer.read_text().replace(old, "title: A trail map for a hiking club")
        ),
    )
    assert REPORT_BACK in report.executed
    assert f"facilitator/{REPORT_BACK}.html" in changed
    assert "A trail map for a hiking club" in (
        root / "out" / "facilitator" / f"{REPORT_BACK}.html"
    ).read_text(encoding="utf-8")

    restore(root, saved)
    classify = root / "exercises" / "ct" / "scenarios" / "standard" / "classify_data.yaml"
    report, _ = _check_edit(root, saved, lambda: edit(classify, "EDITED-DATASET"))
    assert "04_choose_a_transfer_channel" in report.executed


@pytest.mark.notebook
def test_groups_in_workshop_yml_rebuild_only_group_handouts(workshop, monkeypatch):
    root, saved = workshop
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    restore(root, saved)
    config = root / "workshop.yml"
    report, changed = _check_edit(
        root,
        saved,
        lambda: config.write_text(config.read_text().replace("  - Group D\n", "  - Group E\n")),
    )
    assert report.executed == []
    assert any(name.startswith("groups/group-e/") for name in changed)
    assert not list((root / "out" / "groups" / "group-d").glob("*.html"))
    assert all(n.startswith("groups/") or n == "index.html" for n in report.written)


@pytest.mark.notebook
def test_new_answers_rerun_only_what_reads_the_store(workshop, monkeypatch):
    root, saved = workshop
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    restore(root, saved)
    from datasharing_workshop.store import AnswerStore

    manifest = json.loads((root / ".cache" / "manifest.json").read_text())
    store = str((root / "answers.sqlite").resolve())
    readers = sorted(
        stem
        for stem, entry in manifest["executions"].items()
        if store in entry["reads"]["databases"]
    )
    assert REPORT_BACK in readers

    def answer() -> None:
        with AnswerStore(root / "answers.sqlite") as db:
            db.record_observation(
                workshop="example-2025-03",
                author_role="note_taker",
                playbook_section="roles",
                severity="low",
                worked="A NOTE ADDED BY THE TEST",
            )

    report, changed = _check_edit(root, saved, answer)
    assert report.executed == readers
    assert f"facilitator/{REPORT_BACK}.html" in changed


def executed_text(root: Path, stem: str) -> str:
    """The notebook as executed by the last build, without what differs between copies of
    the workshop: the injected parameters (the store's path) and the widgets' random ids."""
    import nbformat

    from datasharing_workshop.handouts.worker import normalized_json

    manifest = json.loads((root / ".cache" / "manifest.json").read_text())
    nb = nbformat.read(manifest["executions"][stem]["file"], as_version=4)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    return normalized_json(nb).replace(str(root), "<workshop>")


@pytest.mark.notebook
def test_nothing_a_notebook_reads_is_missing_from_its_key(workshop, monkeypatch, tmp_path):
    """Break every content file a notebook did not record; it still runs the same."""
    root, saved = workshop
    restore(root, saved)
    manifest = json.loads((root / ".cache" / "manifest.json").read_text())
    config = (root / "workshop.yml").read_text()
    for stem, entry in sorted(manifest["executions"].items()):
        copy = tmp_path / stem
        shutil.copytree(saved, copy, symlinks=True, ignore=shutil.ignore_patterns("out", ".cache"))
        monkeypatch.setenv(CONTENT_ENV, str(copy / "exercises"))
        read = {Path(p).relative_to(root).as_posix() for p in entry["reads"]["files"]}
        broken = 0
        for relative in CONTENT_FILES:
            if relative not in read and relative.startswith("exercises/"):
                (copy / relative).write_text("{broken: [not read by this notebook\n")
                broken += 1
        assert broken, stem
        (copy / "workshop.yml").write_text(config + f"notebooks: [{stem}]\n")
        assert run_build(copy).executed == [stem]
        assert executed_text(copy, stem) == executed_text(root, stem), stem
