"""The facilitator guide inside the facilitator handouts.

Each session's guide page (``facilitator_guide/03_classify_data.md``) is appended to that
notebook's facilitator handout; the other pages (index, preparation, observation
protocol...) become handouts of their own in ``facilitator/guide/``. Links between them are
rewritten so that they resolve inside the built folder.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GUIDE_FOLDER = "guide"

#: Markdown task lists ("- [ ] ...") render as disabled, unlabelled checkboxes; on a page
#: meant for print a box character serves better and reads well to a screen reader.
_CHECKBOX = re.compile(r"<input\b[^>]*\btype=\"checkbox\"[^>]*>")


def printable(html: str) -> str:
    return _CHECKBOX.sub(lambda m: "☑ " if "checked" in m.group(0) else "☐ ", html)


@dataclass(frozen=True)
class GuideHandout:
    path: Path
    title: str
    size: int
    #: Rendered by this build (False: it was already up to date).
    written: bool


def _linker(notebook_stems: set[str], *, from_guide_folder: bool):
    from ..content.guide import LinkTarget

    up = "../" if from_guide_folder else ""
    here = "" if from_guide_folder else f"{GUIDE_FOLDER}/"

    def link(target: LinkTarget) -> str | None:
        if target.kind == "file":
            return None  # a repository file: left as written
        suffix = f"#{target.fragment}" if target.fragment else ""
        if target.kind == "notebook" or target.stem in notebook_stems:
            # A session page lives inside its notebook's facilitator handout.
            return f"{up}{target.stem}.html{suffix}"
        return f"{here}{target.stem}.html{suffix}"

    return link


def session_pages_html(guide: Path, notebook_stems: Iterable[str]) -> dict[str, str]:
    """``{notebook stem: guide page HTML}`` for every notebook that has a guide page."""
    from ..content.guide import guide_pages, render_page_html

    if not guide.is_dir():
        return {}
    stems = set(notebook_stems)
    link = _linker(stems, from_guide_folder=False)
    return {
        page.stem: printable(render_page_html(page.stem, link=link, root=guide))
        for page in guide_pages(guide)
        if page.stem in stems
    }


def write_standalone_pages(
    guide: Path,
    folder: Path,
    facts: Mapping[str, Any],
    notebook_stems: Iterable[str],
    *,
    renderer: str,
    keys_file: Path,
) -> list[GuideHandout]:
    """Write the guide pages that are not session pages (index, preparation, ...).

    Each page has a key (its HTML, the workshop facts, the renderer); a page whose key and
    file are unchanged is not rendered again, so a rebuild with nothing changed renders and
    writes nothing (and never imports nbconvert).
    """
    from ..content.guide import guide_pages, render_page_html
    from .cache import json_digest

    if not guide.is_dir():
        return []
    stems = set(notebook_stems)
    link = _linker(stems, from_guide_folder=True)
    try:
        known = json.loads(keys_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    keys: dict[str, str] = {}
    pages: list[GuideHandout] = []
    for page in guide_pages(guide):
        if page.stem in stems or page.teaching is not None or page.exercises is not None:
            continue  # a session page: it belongs inside its notebook's handout
        html = printable(render_page_html(page.stem, link=link, root=guide))
        path = folder / f"{page.stem}.html"
        key = json_digest({"html": html, "facts": dict(facts), "renderer": renderer})
        keys[str(path)] = key
        fresh = known.get(str(path)) != key or not path.is_file()
        if fresh:
            _render_page(path, html, page, facts, guide)
        pages.append(GuideHandout(path, page.title, path.stat().st_size, fresh))
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    keys_file.write_text(json.dumps(keys, indent=1, sort_keys=True), encoding="utf-8")
    return pages


def _render_page(path: Path, html: str, page: Any, facts: Mapping[str, Any], guide: Path) -> None:
    import nbformat

    from .cache import atomic_write_bytes
    from .render import render_handout

    cell = nbformat.v4.new_code_cell(
        source="# Facilitator guide page",
        outputs=[nbformat.v4.new_output("display_data", data={"text/html": html})],
    )
    cell["id"] = "facilitator-guide-page"  # not random: the same page, the same bytes
    nb = nbformat.v4.new_notebook(cells=[cell])
    document = render_handout(
        nb,
        variant="facilitator",
        facts=facts,
        notebook_file=f"facilitator_guide/{page.path.name}",
        notebook_title=page.title,
        notebook_dir=guide,
    )
    data = document.encode("utf-8")
    unchanged = False
    with contextlib.suppress(OSError):
        unchanged = path.read_bytes() == data
    if not unchanged:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
