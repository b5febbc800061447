"""Render one handout variant of an executed notebook to a single self-contained HTML file.

The kit's nbconvert template (``templates/handout``, extending ``lab``) lays the page out;
:class:`HandoutExporter` adds what needs the rendered page: the table of contents, ``scope``
on table headers, page-break marks for print, and a last check that nothing would be
fetched from outside the file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets import Bool, Unicode, default

from ..errors import BuildError
from . import TEMPLATE_BASEDIR, TEMPLATE_NAME
from .offline import external_resources
from .variants import VARIANT_LABELS, pipeline


class HandoutExporter(HTMLExporter):
    """nbconvert's HTML exporter with the kit's template and a few accessibility fix-ups."""

    export_from_notebook = "Workshop handout"

    toc_levels = Unicode(
        "h1,h2,h3", help="Headings (CSS selector list) listed in the table of contents."
    ).tag(config=True)
    check_offline = Bool(
        True, help="Fail when the page would load anything from outside itself."
    ).tag(config=True)

    @default("template_name")
    def _template_name_default(self):
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self):
        # Found through nbconvert's own template search: the kit's templates folder first,
        # then the Jupyter data paths that hold "lab" and "base".
        return [str(TEMPLATE_BASEDIR)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True  # handouts show what the code produced, never the code

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("embed_images")
    def _embed_images_default(self):
        return True  # Markdown images become data: URIs: one file, nothing to fetch

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        html = self.finish(html)
        if self.check_offline:
            fetched = external_resources(html)
            if fetched:
                name = (resources or {}).get("handout", {}).get("notebook_file", "notebook")
                raise BuildError(
                    f"{name}: the handout would load {len(fetched)} resource(s) from outside "
                    f"itself, which fails in a room without internet: {'; '.join(fetched[:5])}"
                    ". Embed images (e.g. as PNG outputs) instead of linking them."
                )
        return html, resources

    def finish(self, html: str) -> str:
        """Table of contents, table header scopes, print page breaks."""
        soup = BeautifulSoup(html, features="html.parser")
        main = soup.find("main")
        if main is None:  # pragma: no cover - the template always has one
            return html
        for link in main.select("a.anchor-link"):
            # The "¶" links are read aloud by screen readers on every heading; the headings
            # keep their ids, which the table of contents links to.
            link.decompose()
        headings = main.select(self.toc_levels)
        for heading in headings:
            if not heading.get("id"):
                # Headings inside HTML outputs (an exercise's scenario title) have no id;
                # give them one so the table of contents can list them too.
                words = re.sub(r"[^\w]+", "-", heading.get_text(" ", strip=True)).strip("-")
                heading["id"] = f"section-{words[:60] or 'untitled'}"
        _unique_ids(headings)
        _mark_page_breaks(headings)
        _fill_toc(soup, headings)
        for th in soup.find_all("th"):
            if not th.get("scope"):
                th["scope"] = _scope(th)
        return str(soup)


def _unique_ids(headings: list[Any]) -> None:
    seen: dict[str, int] = {}
    for heading in headings:
        ident = heading.get("id")
        if not ident:
            continue
        if ident in seen:
            seen[ident] += 1
            heading["id"] = f"{ident}-{seen[ident]}"
        else:
            seen[ident] = 1


def _mark_page_breaks(headings: list[Any]) -> None:
    """In print, each h1 after the first starts a page, and so does each h2 that does not
    directly follow an h1 (the first section under the title stays on the title's page)."""
    previous = None
    for heading in headings:
        if (heading.name == "h1" and previous is not None) or (
            heading.name == "h2" and previous not in (None, "h1")
        ):
            heading["class"] = [*heading.get("class", []), "dsw-page-break"]
        if heading.name in ("h1", "h2"):
            previous = heading.name


def _fill_toc(soup: BeautifulSoup, headings: list[Any]) -> None:
    nav = soup.find("nav", id="dsw-toc")
    if nav is None:
        return
    if len(headings) < 2:
        nav.decompose()  # a one-heading handout needs no contents list
        return
    root = soup.new_tag("ol")
    nav.append(root)
    stack = [(0, root)]  # (heading level, <ol>) from outermost to current
    for heading in headings:
        level = int(heading.name[1])
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        parent_list = stack[-1][1]
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text(" ", strip=True)
        item.append(link)
        parent_list.append(item)
        sub = soup.new_tag("ol")
        item.append(sub)
        stack.append((level, sub))
    for empty in nav.find_all("ol"):
        if not empty.contents:
            empty.decompose()


def _scope(th: Any) -> str:
    if th.find_parent("thead") is not None:
        return "col"
    row = th.find_parent("tr")
    cells = row.find_all(["th", "td"], recursive=False) if row is not None else []
    if cells and cells[0] is th and any(c.name == "td" for c in cells):
        return "row"
    return "col"


_EXPORTER: HandoutExporter | None = None


def exporter() -> HandoutExporter:
    """One exporter per worker process: building the Jinja environment is the slow part."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = HandoutExporter()
    return _EXPORTER


def render_handout(
    nb: Any,
    *,
    variant: str,
    facts: Mapping[str, Any],
    notebook_file: str,
    notebook_title: str,
    notebook_dir: Path,
    group: str = "",
    answers: Sequence[Mapping[str, Any]] = (),
    guide_html: str = "",
    notebook_stems: Sequence[str] = (),
) -> str:
    """The HTML of one handout.

    Parameters
    ----------
    nb
        The executed notebook (not modified: each variant works on a copy).
    variant
        ``"participant"``, ``"facilitator"`` or ``"group"``.
    facts
        Workshop facts printed on the page: workshop_title, date_iso, date_text,
        host_agency, facilitators, version.
    notebook_file, notebook_title
        How the page names its source.
    notebook_dir
        Folder that relative Markdown image paths are resolved against.
    group, answers
        For ``"group"``: the group's name and its latest answers.
    guide_html
        For ``"facilitator"``: the facilitator guide's page, appended at the end.

    Raises
    ------
    BuildError
        An unknown cell tag, or the page would load something from outside itself.
    """
    nb = copy.deepcopy(nb)
    resources: dict[str, Any] = {
        "metadata": {"name": Path(notebook_file).stem, "path": str(notebook_dir)},
        "handout": {
            **facts,
            "variant": variant,
            "variant_label": VARIANT_LABELS[variant],
            "group": group,
            "notebook_file": notebook_file,
            "notebook_title": notebook_title,
        },
    }
    # The variant's pipeline runs here, in its documented order; the exporter then only
    # runs the template's own preprocessor (Pygments CSS for Markdown code blocks).
    steps = pipeline(
        variant,
        notebook_name=notebook_file,
        group=group,
        answers=answers,
        guide_html=guide_html,
        notebook_stems=notebook_stems,
    )
    for step in steps:
        nb, resources = step(nb, resources)
    html, _ = exporter().from_notebook_node(nb, resources=resources)
    return html
