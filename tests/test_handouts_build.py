"""End-to-end tests of ``datasharing-workshop build`` (datasharing_workshop.handouts.build).

These run the fixture notebooks for real with papermill (a kernel start each), so they
share one cold build per module where they only read its output. Executions are counted
from the build report, never timed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from datasharing_workshop.cli import main
from datasharing_workshop.content.catalogue import CONTENT_ENV
from datasharing_workshop.errors import BuildError
from datasharing_workshop.handouts.answers import NO_ANSWER
from datasharing_workshop.handouts.build import BuildOptions, BuildReport, build_handouts
from datasharing_workshop.store import AnswerStore

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"
NOTEBOOKS = ("01_welcome", "02_classify_breakout", "03_report_back")
AUDIENCE_TAGS = {"facilitator", "answer-key"}
WORKSHOP = "fixture-workshop"


# ------------------------------------------------------------------------------ helpers


def make_workspace(root: Path, notebooks=NOTEBOOKS) -> Path:
    """A repository in miniature: content, notebooks, workshop.yml with its own store."""
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("data"))
    scenarios = root / "exercises" / "ct" / "scenarios" / "standard"
    scenarios.mkdir(parents=True, exist_ok=True)
    (scenarios / "fixture_exercise.yaml").write_text(
        "# Read by notebooks/02_classify_breakout.ipynb (the builder only hashes it).\n"
        "scenarios: []\n"
    )
    (root / "notebooks").mkdir()
    for name in notebooks:
        shutil.copy(FIXTURES / "notebooks" / f"{name}.ipynb", root / "notebooks")
    config = (FIXTURES / "workshop.yml").read_text() + "store_path: answers.sqlite\n"
    (root / "workshop.yml").write_text(config)
    return root


def build(root: Path, **options) -> BuildReport:
    return build_handouts(
        BuildOptions(config=root / "workshop.yml", output=root / "out", jobs=2, **options),
        log=None,
    )


def answer(root: Path, group: str, scenario: str, feedback: str, correct: bool = True) -> None:
    with AnswerStore(root / "answers.sqlite") as store:
        store.record_answer(
            workshop=WORKSHOP,
            group=group,
            exercise="fixture_exercise",
            scenario=scenario,
            answer={"level": "restricted"},
            correct=correct,
            feedback=feedback,
        )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time, to prove nothing was rewritten."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Page(HTMLParser):
    """What the tests need from a handout, read with the standard library only."""

    #: Attributes the browser fetches without a click.
    FETCHED: ClassVar[dict[str, tuple[str, ...]]] = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "embed": ("src",),
        "object": ("data",),
        "video": ("src", "poster"),
        "audio": ("src",),
        "image": ("href", "xlink:href"),
    }

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.fetched: list[str] = []
        self.lang = None
        self.title = ""
        self.mains = 0
        self.headings: list[int] = []
        self.th_without_scope = 0
        self.links: list[str] = []
        self.text: list[str] = []
        self._stack: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self._stack.append(tag)
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "main":
            self.mains += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "th" and not values.get("scope"):
            self.th_without_scope += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        for name in self.FETCHED.get(tag, ()):
            value = values.get(name)
            if value and not (value.startswith("data:") or value.startswith("#")):
                self.fetched.append(f"{tag} {name}={value}")
        style = values.get("style") or ""
        self.fetched += [f"style url({u})" for u in self._css_urls(style)]

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        current = self._stack[-1] if self._stack else ""
        if current == "title":
            self.title += data
        elif current == "style":
            self.fetched += [f"css url({u})" for u in self._css_urls(data)]
            self.fetched += [
                f"css @import {u}" for u in re.findall(r"@import\s+['\"]([^'\"]+)", data)
            ]
        else:
            self.text.append(data)

    @staticmethod
    def _css_urls(css: str) -> list[str]:
        urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", css)
        return [u for u in urls if not u.startswith(("data:", "#"))]

    @property
    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def strings_in(value) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def lines_of(text: str) -> set[str]:
    """Lines long enough to identify the text they come from."""
    out = set()
    for line in text.splitlines():
        line = re.sub(r"<[^>]+>", " ", line)  # HTML outputs: compare their text
        line = " ".join(html.unescape(line).split())
        if len(line) >= 12:
            out.add(line)
    return out


def audience_secrets(source: dict, executed: dict) -> set[str]:
    """Text of every facilitator and answer-key cell: its source, its outputs' text, the
    state of the widgets it displayed, and its metadata."""
    secrets: set[str] = set()
    secret_ids = set()
    for cell in source["cells"]:
        if AUDIENCE_TAGS & set(cell["metadata"].get("tags", [])):
            secret_ids.add(cell["id"])
            secrets |= lines_of("".join(cell["source"]))
            extra = {k: v for k, v in cell["metadata"].items() if k not in ("tags", "jupyter")}
            secrets |= {s for s in strings_in(extra) if len(s) >= 12}
    state = executed["metadata"].get("widgets", {})
    state = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for cell in executed["cells"]:
        if cell["id"] not in secret_ids:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mimetype in ("text/plain", "text/html", "text/markdown"):
                secrets |= lines_of("".join(data.get(mimetype, "")))
            secrets |= lines_of("".join(output.get("text", "")))
            view = data.get("application/vnd.jupyter.widget-view+json")
            if view:
                model = state.get(view["model_id"], {})
                secrets |= {s for s in strings_in(model.get("state", {})) if len(s) >= 12}
    return secrets


def executed_notebook(root: Path, stem: str) -> dict:
    manifest = json.loads((root / ".cache" / "manifest.json").read_text())
    return json.loads(Path(manifest["executions"][stem]["file"]).read_text())


def handouts(root: Path) -> dict[str, str]:
    out = root / "out"
    return {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*.html"))
    }


# ------------------------------------------------------------------------------ one cold build


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, BuildReport]:
    root = make_workspace(tmp_path_factory.mktemp("workshop"))
    answer(root, "Group A", "s1", "GROUP-A-OLD-ATTEMPT", correct=False)
    answer(root, "Group A", "s1", "GROUP-A-FEEDBACK it names people <script>alert('a')</script>")
    answer(root, "Group B", "s2", "GROUP-B-FEEDBACK counts above ten are public")
    answer(root, "Group Z", "s1", "GROUP-Z-NOT-IN-THE-CONFIG")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTENT_ENV, str(root / "exercises"))
        report = build(root)
    return root, report


def test_cold_build_executes_each_notebook_once_and_writes_every_variant(built):
    root, report = built
    assert sorted(report.executed) == list(NOTEBOOKS)
    assert report.reused == []
    assert report.written == [
        "facilitator/01_welcome.html",
        "facilitator/02_classify_breakout.html",
        "facilitator/03_report_back.html",
        "groups/group-a/02_classify_breakout.html",
        "groups/group-b/02_classify_breakout.html",
        "participant/01_welcome.html",
        "participant/02_classify_breakout.html",
    ]
    assert report.index_written
    assert sorted(handouts(root)) == sorted([*report.written, "index.html"])
    assert all(size < 1_000_000 for size in report.sizes.values()), report.sizes
    assert any("Group Z" in note for note in report.notes)


def test_participant_handouts_contain_no_answer_key_or_facilitator_text(built):
    root, _ = built
    pages = handouts(root)
    checked = 0
    for stem in NOTEBOOKS:
        source = json.loads((root / "notebooks" / f"{stem}.ipynb").read_text())
        secrets = audience_secrets(source, executed_notebook(root, stem))
        participant = pages.get(f"participant/{stem}.html")
        if participant is None:
            continue
        text = Page(participant).visible_text
        for secret in secrets:
            assert secret not in participant, (stem, secret)
            assert secret not in text, (stem, secret)
            checked += 1
        assert "SECRET" not in participant  # every fixture secret carries the word
    # The check above looked at something: cell text, output text, widget state, metadata.
    breakout = audience_secrets(
        json.loads((root / "notebooks" / "02_classify_breakout.ipynb").read_text()),
        executed_notebook(root, "02_classify_breakout"),
    )
    assert {
        "Facilitator SECRET-BREAKOUT-NOTE: ask each group why.",
        "SECRET-KEY-S1: the client list is Restricted.",
        "SECRET-KEY-WIDGET-STATE restricted",
        "SECRET-FACILITATOR-METADATA",
        "SECRET-FACILITATOR-OUTPUT timing: 20 minutes",
    } <= breakout
    assert checked >= 10


def test_facilitator_handouts_keep_and_label_keys_and_notes(built):
    root, _ = built
    page = handouts(root)["facilitator/02_classify_breakout.html"]
    text = Page(page).visible_text
    assert "SECRET-KEY-S1: the client list is Restricted." in text
    assert "Facilitator SECRET-BREAKOUT-NOTE: ask each group why." in text
    assert text.count("Answer key") == 2
    assert text.count("Facilitator only") == 2
    assert "SECRET-KEY-WIDGET-STATE" not in page  # widget state never reaches a handout
    assert "SECRET-REMOVED-CELL" not in page


def test_report_back_is_built_for_facilitators_only(built):
    root, _ = built
    assert (root / "out" / "facilitator" / "03_report_back.html").is_file()
    assert not (root / "out" / "participant" / "03_report_back.html").exists()


def test_no_handout_loads_anything_from_outside_itself(built):
    root, _ = built
    for name, page in handouts(root).items():
        parsed = Page(page)
        assert parsed.fetched == [], (name, parsed.fetched)
        assert "<script" not in page, name  # no require.js, MathJax, widget manager
        for href in parsed.links:
            if name == "index.html":
                assert href.startswith("#") or not re.match(r"[a-z]+:|//", href), href
    # The playbook link in the welcome notebook is a link to read, and is kept.
    assert 'href="https://portal.ct.gov/data"' in handouts(root)["participant/01_welcome.html"]


def test_every_handout_is_accessible_html_with_title_and_language(built):
    root, _ = built
    for name, page in handouts(root).items():
        parsed = Page(page)
        assert page.startswith("<!DOCTYPE html>"), name
        assert parsed.lang == "en", name
        assert parsed.title.strip(), name
        assert parsed.mains == 1, name
        assert parsed.th_without_scope == 0, name
        assert parsed.headings and parsed.headings[0] == 1, (name, parsed.headings)
        for before, after in zip(parsed.headings, parsed.headings[1:], strict=False):
            assert after <= before + 1, (name, parsed.headings)  # no skipped level
        if name != "index.html":
            assert "Fixture workshop" in parsed.visible_text
            assert "March 14, 2025" in parsed.visible_text
            assert "Office of Policy and Management" in parsed.visible_text
    title = Page(handouts(root)["participant/02_classify_breakout.html"]).title
    assert title == "Classifying data – Participant handout – Fixture workshop"


def test_group_handout_shows_its_own_latest_answers_and_no_other_groups(built):
    root, _ = built
    pages = handouts(root)
    a = pages["groups/group-a/02_classify_breakout.html"]
    b = pages["groups/group-b/02_classify_breakout.html"]
    # Escaped as text (the quote may be written as &#x27;), never run as a script.
    shown = a.replace("&#x27;", "'")
    assert "GROUP-A-FEEDBACK it names people &lt;script&gt;alert('a')&lt;/script&gt;" in shown
    assert "<script>alert" not in a
    assert "GROUP-A-OLD-ATTEMPT" not in a  # only the latest attempt
    assert "GROUP-B" not in a and "GROUP-Z" not in a
    assert a.count(NO_ANSWER) == 1  # scenario s2
    assert "GROUP-B-FEEDBACK counts above ten are public" in b
    assert "GROUP-A" not in b and "GROUP-Z" not in b
    assert b.count(NO_ANSWER) == 1  # scenario s1
    for page in (a, b):
        assert "SECRET-KEY-S1: the client list is Restricted." in page  # the answer key
        assert "SECRET-BREAKOUT-NOTE" not in page  # but no facilitator notes
    for name, page in pages.items():
        if not name.startswith("groups/"):
            assert "GROUP-" not in page, name


def test_papermill_injected_parameters_never_appear(built):
    root, _ = built
    executed = executed_notebook(root, "02_classify_breakout")
    injected = [
        c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
    ]
    assert len(injected) == 1  # papermill did inject; the handouts must not show it
    store_path = str(root / "answers.sqlite")
    assert store_path in "".join(injected[0]["source"])
    for name, page in handouts(root).items():
        assert "injected-parameters" not in page, name
        assert "celltag_parameters" not in page, name
        assert store_path not in page, name


def test_index_links_every_handout(built):
    root, _ = built
    pages = handouts(root)
    links = Page(pages["index.html"]).links
    assert sorted(link for link in links if not link.startswith("#")) == sorted(
        name for name in pages if name != "index.html"
    )
    text = Page(pages["index.html"]).visible_text
    assert "Group A" in text and "Group B" in text


def test_rebuild_through_the_command_line_reuses_everything(built, monkeypatch, capsys):
    root, _ = built
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    before = snapshot(root / "out")
    status = main(["build", "--config", str(root / "workshop.yml"), "--output", str(root / "out")])
    assert status == 0
    out = capsys.readouterr().out
    assert "Reused 3: 01_welcome, 02_classify_breakout, 03_report_back" in out
    assert "Handouts: 0 written, 7 unchanged" in out
    assert "Executed" not in out
    assert snapshot(root / "out") == before


# ------------------------------------------------------------------------------ incremental


def test_incremental_builds_redo_only_what_changed(tmp_path, monkeypatch):
    root = make_workspace(tmp_path)
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    out = root / "out"

    first = build(root)
    assert sorted(first.executed) == list(NOTEBOOKS)

    before = snapshot(out)
    second = build(root)
    assert second.executed == []
    assert sorted(second.reused) == list(NOTEBOOKS)
    assert second.written == []
    assert not second.index_written
    assert snapshot(out) == before  # not one byte or timestamp changed

    # The fixture notebooks read no content: an edited scenario file runs nothing again
    # (test_handouts_reads.py edits every file the real notebooks read).
    scenario = root / "exercises" / "ct" / "scenarios" / "standard" / "fixture_exercise.yaml"
    scenario.write_text(scenario.read_text() + "# a facilitator edited this file\n")
    assert build(root).executed == []
    notebook = root / "notebooks" / "02_classify_breakout.ipynb"
    edited = json.loads(notebook.read_text())
    edited["cells"][4]["source"] = 'show_exercise("s1", "Which level fits the client list now?")'
    notebook.write_text(json.dumps(edited))
    third = build(root)
    assert third.executed == ["02_classify_breakout"]
    assert sorted(third.reused) == ["01_welcome", "03_report_back"]
    after = snapshot(out)
    for unchanged in ("participant/01_welcome.html", "facilitator/03_report_back.html"):
        assert after[unchanged] == before[unchanged]

    answer(root, "Group A", "s1", "A new answer")
    fourth = build(root)
    # New answers: group A's handout is re-rendered; the report-back (uses_answers) runs
    # again, and so does the breakout, which was last run when there was no store yet (a
    # store that appears may be read). Both print what they printed before, so their
    # other handouts stay as they were.
    assert fourth.executed == ["02_classify_breakout", "03_report_back"]
    assert fourth.written == ["groups/group-a/02_classify_breakout.html"]
    assert "facilitator/03_report_back.html" in fourth.unchanged
    assert "participant/02_classify_breakout.html" in fourth.unchanged
    answer(root, "Group A", "s2", "Another answer")
    assert build(root).executed == ["03_report_back"]  # the breakout does not read it
    assert "A new answer" in (out / "groups/group-a/02_classify_breakout.html").read_text()

    (root / "notebooks" / "03_report_back.ipynb").unlink()
    fifth = build(root)
    assert fifth.executed == []
    assert fifth.removed == ["facilitator/03_report_back.html"]
    assert not (out / "facilitator" / "03_report_back.html").exists()
    assert "03_report_back" not in (out / "index.html").read_text()


def test_force_executes_everything_again(tmp_path, monkeypatch):
    root = make_workspace(tmp_path, notebooks=("01_welcome",))
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    assert build(root).executed == ["01_welcome"]
    lines: list[str] = []
    options = BuildOptions(config=root / "workshop.yml", output=root / "out", force=True)
    again = build_handouts(options, log=lines.append)
    assert again.executed == ["01_welcome"]
    assert any(line.startswith("[1/1] 01_welcome: executed in ") for line in lines), lines
    assert again.written == ["facilitator/01_welcome.html", "participant/01_welcome.html"]


# ------------------------------------------------------------------------------ failures


def test_a_notebook_that_raises_exits_1_and_keeps_the_previous_handouts(
    tmp_path, monkeypatch, capsys
):
    root = make_workspace(tmp_path, notebooks=("01_welcome",))
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    build(root)
    before = snapshot(root / "out")

    shutil.copy(FIXTURES / "raises.ipynb", root / "notebooks" / "01_welcome.ipynb")
    argv = ["build", "--config", str(root / "workshop.yml"), "--output", str(root / "out")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert (
        '01_welcome.ipynb: cell 4 (`raise ValueError("the scenario file names an unknown '
        'level")`) raised ValueError: the scenario file names an unknown level' in err
    )
    assert "handouts from earlier builds were left as they were" in err
    assert "Traceback" not in err
    assert snapshot(root / "out") == before  # byte-identical, no temporary files left


def test_an_unknown_tag_fails_the_build_before_anything_runs(tmp_path, monkeypatch):
    root = make_workspace(tmp_path, notebooks=("01_welcome",))
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    shutil.copy(FIXTURES / "misspelt_tag.ipynb", root / "notebooks" / "05_misspelt_tag.ipynb")
    with pytest.raises(BuildError) as caught:
        build(root)
    message = str(caught.value)
    assert (
        '05_misspelt_tag.ipynb: cell 2 (`print("SECRET-MISSPELT the answer")`): unknown tag '
        "'answer_key' (did you mean 'answer-key'?); allowed tags: answer-key, facilitator, "
        "hide-input, injected-parameters, parameters, remove-cell" in message
    )
    assert caught.value.exit_status == 2  # a bad notebook is bad input (issue 15)
    assert not (root / ".cache").exists()  # nothing was executed
    assert not (root / "out").exists()


def test_an_empty_notebook_folder_fails(tmp_path, monkeypatch):
    root = make_workspace(tmp_path, notebooks=())
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    with pytest.raises(BuildError, match=r"no notebooks \(\*\.ipynb\) in the folder .*notebooks/"):
        build(root)


def test_a_missing_scenario_file_fails_naming_the_notebook(tmp_path, monkeypatch):
    root = make_workspace(tmp_path, notebooks=("02_classify_breakout",))
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    (root / "exercises" / "ct" / "scenarios" / "standard" / "fixture_exercise.yaml").unlink()
    with pytest.raises(BuildError) as caught:
        build(root)
    message = str(caught.value)
    assert "02_classify_breakout.ipynb: metadata.datasharing_workshop.exercise is " in message
    assert "'fixture_exercise', but there is no scenario file " in message
    assert "scenarios/standard/fixture_exercise.yaml" in message


def test_kernel_option_runs_the_notebooks_in_the_named_kernel(tmp_path, monkeypatch, capsys):
    root = make_workspace(tmp_path, notebooks=("01_welcome",))
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    config, out = str(root / "workshop.yml"), str(root / "out")
    status = main(["build", "--config", config, "--output", out, "--kernel", "no-such-kernel"])
    assert status == 2  # a bad option: refused before any kernel starts (issue 15)
    assert "--kernel: no Jupyter kernel named 'no-such-kernel'" in capsys.readouterr().err
    assert main(["build", "--config", config, "--output", out, "--kernel", "python3"]) == 0


def test_a_postgresql_store_keys_the_notebooks_given_it(tmp_path, monkeypatch, postgresql_store):
    """The kernels' reads of a store on a server are not seen: what it holds for the
    workshop keys every notebook given the store."""
    root = make_workspace(tmp_path)
    monkeypatch.setenv(CONTENT_ENV, str(root / "exercises"))
    config = root / "workshop.yml"
    config.write_text(
        config.read_text().replace("store_path: answers.sqlite", f"store_path: {postgresql_store}")
    )
    assert sorted(build(root).executed) == list(NOTEBOOKS)
    assert build(root).executed == []
    with AnswerStore(postgresql_store) as store:
        store.record_answer(
            workshop=WORKSHOP,
            group="Group A",
            exercise="fixture_exercise",
            scenario="s1",
            answer={"level": "restricted"},
            correct=True,
            feedback="SAVED-ON-THE-SERVER",
        )
    again = build(root)
    # 01_welcome takes no store_path; the other two are given the store.
    assert again.executed == ["02_classify_breakout", "03_report_back"]
    assert (
        "SAVED-ON-THE-SERVER" in (root / "out/groups/group-a/02_classify_breakout.html").read_text()
    )
