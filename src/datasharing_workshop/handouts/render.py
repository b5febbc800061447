"""Render one handout variant of an executed notebook to a single self-contained HTML file.

The kit's nbconvert template (``templates/handout``, extending ``lab``) lays the page out;
:class:`HandoutExporter` adds what needs the rendered page: the table of contents, ``scope``
on table headers, page-break marks for print, and a last check that nothing would be
fetched from outside the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import Bool, Unicode, default

from ..errors import BuildError
from . import TEMPLATE_BASEDIR, TEMPLATE_NAME
from .amend import amend
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
        # What HTMLExporter.from_notebook_node does before rendering, without its
        # BeautifulSoup pass over the result (image alt text; its tabindex selectors match
        # nothing in this template): amend() does that in the one pass it makes anyway.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        amended = amend(html, tuple(t.strip() for t in self.toc_levels.split(",")))
        if self.check_offline and amended.fetched:
            fetched = amended.fetched
            name = (resources or {}).get("handout", {}).get("notebook_file", "notebook")
            raise BuildError(
                f"{name}: the handout would load {len(fetched)} resource(s) from outside "
                f"itself, which fails in a room without internet: {'; '.join(fetched[:5])}"
                ". Embed images (e.g. as PNG outputs) instead of linking them."
            )
        return amended.html, resources

    def finish(self, html: str) -> str:
        """Table of contents, table header scopes, print page breaks (see :mod:`.amend`)."""
        return amend(html, tuple(t.strip() for t in self.toc_levels.split(","))).html


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
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a copy, much faster than deepcopy
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
