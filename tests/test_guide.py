"""The facilitator guide: every cross-reference resolves, and the timings add up.

Notebooks, guide pages, the agenda and the handouts refer to each other by file name and
by heading. These tests fail when one side is renamed or moved without the other, and
when the run of show, the pages' front matter and the agenda disagree about minutes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from helpers.notebooks import PLENARY, REPORT_BACK

from datasharing_workshop.content.guide import (
    LinkTarget,
    github_slug,
    guide_page,
    guide_pages,
    heading_slugs,
    page_links,
    render_page_html,
)
from datasharing_workshop.errors import ContentError
from datasharing_workshop.plenary.agenda import load_agenda, run_of_show_markdown

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "facilitator_guide"
NOTEBOOKS = REPO / "notebooks"


def notebook_stems() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def notebook_markdown(path: Path) -> list[tuple[str, str]]:
    """(cell label, source) of every Markdown cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out.append((f"{path.name} cell {index + 1}", source))
    return out


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def resolve(base: Path, url: str) -> str | None:
    """None if a relative link resolves (file and, for Markdown, heading); else the problem."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    target = (base / parts.path).resolve() if parts.path else None
    if target is not None and not target.exists():
        return f"{url}: no such file {target.relative_to(REPO) if target.is_relative_to(REPO) else target}"
    if parts.fragment:
        page = target if target is not None else None
        if page is None:
            return None  # same-page anchors are checked by the caller
        if page.suffix == ".md" and parts.fragment not in heading_slugs(page.read_text("utf-8")):
            return f"{url}: no heading #{parts.fragment} in {page.name}"
    return None


# --------------------------------------------------------------------------- pages


def test_every_page_parses_and_index_comes_first():
    pages = guide_pages()
    stems = [p.stem for p in pages]
    assert stems[0] == "index"
    sessions = [p.stem for p in pages if p.is_session]
    assert sessions == sorted(sessions)
    assert stems[1 : 1 + len(sessions)] == sessions


def test_every_agenda_session_has_a_guide_page_with_the_same_stem():
    pages = {p.stem: p for p in guide_pages()}
    missing = [s.notebook for s in load_agenda().sessions if s.notebook and s.notebook not in pages]
    assert missing == []


def test_every_session_page_is_in_the_agenda():
    notebooks = load_agenda().notebooks
    strays = [p.stem for p in guide_pages() if p.is_session and p.stem not in notebooks]
    assert strays == [], "guide pages for sessions the agenda does not list"


def test_every_notebook_is_in_the_agenda_and_every_ready_session_has_its_notebook():
    agenda = load_agenda()
    assert [n for n in notebook_stems() if n not in agenda.notebooks] == []
    for session in agenda.sessions:
        if session.notebook is None:
            continue
        exists = (NOTEBOOKS / f"{session.notebook}.ipynb").exists()
        if session.planned:
            assert not exists, (
                f"{session.notebook}.ipynb exists: remove `planned: true` from session "
                f"'{session.id}' in exercises/workshop/agenda.yaml"
            )
        else:
            assert exists, f"session '{session.id}' is not planned but has no notebook"


def test_pages_for_planned_sessions_say_so_and_do_not_link_their_notebook():
    for session in load_agenda().sessions:
        if not session.planned:
            continue
        page = guide_page(session.notebook)
        assert "planned" in page.body
        assert f"../notebooks/{session.notebook}.ipynb" not in page.body


def test_every_other_page_is_linked_from_the_index():
    index = guide_page("index").body
    for page in guide_pages():
        if page.stem != "index" and not page.is_session:
            assert f"]({page.stem}.md" in index, f"{page.stem}.md is not linked from index.md"


# --------------------------------------------------------------------------- timings


def test_session_pages_carry_the_agenda_minutes():
    pages = {p.stem: p for p in guide_pages()}
    for session in load_agenda().sessions:
        if session.notebook:
            page = pages[session.notebook]
            assert (page.teaching, page.exercises) == (session.teaching, session.exercises), (
                f"{page.stem}.md front matter says teaching {page.teaching}, exercises "
                f"{page.exercises}; the agenda says {session.teaching} and {session.exercises}"
            )


def test_page_minutes_and_breaks_add_up_to_the_agenda_length():
    agenda = load_agenda()
    pages = {p.stem: p for p in guide_pages()}
    total = sum(pages[s.notebook].minutes for s in agenda.sessions if s.notebook)
    total += sum(s.break_minutes for s in agenda.sessions)
    assert total == agenda.length_minutes


def run_of_show_rows() -> list[list[str]]:
    body = guide_page("index").body
    section = body.split("## Run of show", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return cells[2:]  # skip the header and the --- line


def test_run_of_show_in_the_index_matches_the_agenda_and_adds_up():
    agenda = load_agenda()
    rows = run_of_show_rows()
    *sessions, end = rows
    schedule = agenda.schedule()
    assert len(sessions) == len(schedule)
    for row, item in zip(sessions, schedule, strict=True):
        start, minutes, title, page = row[:4]
        assert (start, int(minutes), title) == (
            item.start,
            item.session.minutes,
            item.session.title,
        )
        if item.session.notebook:
            assert f"({item.session.notebook}.md)" in page
    assert sum(int(r[1]) for r in sessions) == agenda.length_minutes
    assert end[0] == schedule[-1].end
    assert end[1].strip("*") == str(agenda.length_minutes)


def test_run_of_show_table_is_what_the_agenda_would_print():
    # The page's table is written by hand so facilitators can annotate the page around it;
    # it must still say exactly what the agenda says.
    table = "\n".join(
        line for line in guide_page("index").body.splitlines() if line.startswith("|")
    )
    assert table == run_of_show_markdown()


# --------------------------------------------------------------------------- links


def test_every_link_in_every_guide_page_resolves():
    problems = []
    for page in guide_pages():
        own = heading_slugs(page.body)
        for line, url in page_links(page):
            if url.startswith("#"):
                if url[1:] not in own:
                    problems.append(f"{page.path.name}:{line}: {url}: no such heading")
                continue
            problem = resolve(page.path.parent, url)
            if problem:
                problems.append(f"{page.path.name}:{line}: {problem}")
    assert problems == []


def test_every_link_in_every_notebook_resolves():
    problems = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for where, source in notebook_markdown(path):
            for url in _LINK.findall(source):
                problem = resolve(NOTEBOOKS, url)
                if problem:
                    problems.append(f"{where}: {problem}")
    assert problems == []


def test_each_plenary_notebook_links_its_guide_page():
    for stem in PLENARY:
        text = "\n".join(s for _, s in notebook_markdown(NOTEBOOKS / f"{stem}.ipynb"))
        assert f"../facilitator_guide/{stem}.md" in text


def test_tour_steps_name_sessions_that_have_guide_pages():
    from datasharing_workshop.plenary.tour import load_tour

    pages = {p.stem for p in guide_pages()}
    for stop in load_tour("ct").stops:
        for step in stop.steps:
            if step.practiced_in:
                assert step.practiced_in in pages


# --------------------------------------------------------------------------- handouts


def test_every_notebook_goes_into_the_facilitator_handout():
    # The facilitator handout is where the guide page of each notebook is printed.
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        meta = json.loads(path.read_text("utf-8"))["metadata"].get("datasharing_workshop", {})
        assert "facilitator" in meta.get("handouts", ["participant", "facilitator"]), path.name


def test_report_back_is_facilitator_only_and_reads_answers():
    meta = json.loads((NOTEBOOKS / f"{REPORT_BACK}.ipynb").read_text("utf-8"))["metadata"]
    assert meta["datasharing_workshop"] == {"handouts": ["facilitator"], "uses_answers": True}


def test_workshop_config_names_only_existing_notebooks():
    config = REPO / "workshop.yml"
    if not config.exists():
        pytest.skip("no workshop.yml in this checkout")
    listed = yaml.safe_load(config.read_text("utf-8")).get("notebooks") or []
    assert [n for n in listed if n not in notebook_stems()] == []


@pytest.mark.parametrize("stem", PLENARY)
def test_my_notebooks_follow_the_notebook_contract(stem):
    from datasharing_workshop.notebook.contract import read_notebook

    path = NOTEBOOKS / f"{stem}.ipynb"
    info, problems = read_notebook(path, path.name)
    assert problems == []
    assert info is not None and info.parameters_cell is not None
    nb = json.loads(path.read_text("utf-8"))
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {}).get("tags", [])) <= {
            "parameters",
            "facilitator",
            "answer-key",
        }
        if cell["cell_type"] == "code":
            assert cell["metadata"]["jupyter"] == {"source_hidden": True}
            assert cell["outputs"] == [] and cell["execution_count"] is None


# --------------------------------------------------------------------------- rendering


def test_render_page_html_has_title_timing_ids_and_rewritten_links():
    html = render_page_html("03_classify_data")
    assert html.startswith('<article class="dsw-guide-page" id="guide-03_classify_data">')
    assert "<h1>Breakout 1: What kind of data is this?</h1>" in html
    assert "<strong>Teaching:</strong> 5 min" in html and "<strong>Total:</strong> 25 min" in html
    assert '<h2 id="common-mistakes">Common mistakes</h2>' in html
    assert 'href="03_classify_data.html"' in html  # the notebook link
    assert f'href="{REPORT_BACK}.html"' in html  # a link to another guide page
    assert ".ipynb" not in html


def test_render_page_html_takes_a_link_callback_and_renders_checklists():
    seen: list[LinkTarget] = []

    def link(target: LinkTarget) -> str | None:
        seen.append(target)
        if target.kind != "guide":
            return None
        return f"guide/{target.stem}.html" + (f"#{target.fragment}" if target.fragment else "")

    html = render_page_html("preparation", link=link)
    assert 'type="checkbox"' in html
    assert 'href="guide/adapting.html#a-shorter-day"' in html
    assert LinkTarget("guide", "adapting", "a-shorter-day") in seen


def test_unknown_page_is_a_content_error():
    with pytest.raises(ContentError, match="no guide page 'nope'"):
        render_page_html("nope")


def test_a_page_without_front_matter_is_reported_with_its_file(tmp_path):
    (tmp_path / "index.md").write_text("# no front matter\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"index\.md:1: no front matter"):
        guide_pages(tmp_path)


def test_a_session_page_needs_both_timings(tmp_path):
    (tmp_path / "03_thing.md").write_text("---\ntitle: Thing\nteaching: 5\n---\nBody\n", "utf-8")
    with pytest.raises(ContentError, match="exercises: a session page gives both"):
        guide_pages(tmp_path)


def test_unknown_front_matter_field_is_reported(tmp_path):
    (tmp_path / "notes.md").write_text("---\ntitle: Notes\nteachin: 5\n---\n", "utf-8")
    with pytest.raises(ContentError, match="teachin: unknown field"):
        guide_pages(tmp_path)


def test_github_slugs():
    assert github_slug("One link per group: nbgitpuller") == "one-link-per-group-nbgitpuller"
    assert github_slug("Run of show") == "run-of-show"
    assert heading_slugs("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_every_page_renders_and_no_relative_markdown_link_survives():
    for page in guide_pages():
        html = render_page_html(page.stem)
        assert f"<h1>{page.title}</h1>" in html.replace("&quot;", '"')
        assert not re.search(r'href="[^":]*\.md(#[^"]*)?"', html), page.stem
        assert not re.search(r'href="[^":]*\.ipynb', html), page.stem


def test_front_matter_aliases_and_bad_yaml_are_reported_with_their_file(tmp_path):
    (tmp_path / "notes.md").write_text("---\ntitle: &t Notes\nsummary: *t\n---\n", "utf-8")
    with pytest.raises(ContentError, match=r"notes\.md:2: summary: YAML aliases"):
        guide_pages(tmp_path)
    (tmp_path / "notes.md").write_text("---\ntitle: [Notes\n---\n", "utf-8")
    with pytest.raises(ContentError, match=r"notes\.md:\d+: front matter is not valid YAML"):
        guide_pages(tmp_path)
