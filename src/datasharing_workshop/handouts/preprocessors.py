"""nbconvert preprocessors that turn one executed notebook into a handout variant.

One small class per job, configured through traitlets like nbconvert's own
``tagremove.py``. :mod:`.variants` chains them, in order, into one pipeline per variant.
Cell removal by tag is nbconvert's own ``TagRemovePreprocessor``; only what it does not do
lives here.

This module imports nbconvert at the top, so only worker processes import it (see
:mod:`datasharing_workshop.handouts`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Dict, List, Set, Unicode

from ..errors import NotebookError
from ..notebook.contract import (
    ALLOWED_TAGS,
    EXERCISE_MIMETYPE,
    WIDGET_STATE_MIMETYPE,
    WIDGET_VIEW_MIMETYPE,
    tag_problems,
)
from .answers import group_answer_html

#: Mimetypes that show something on paper; an output with none of them after the widget
#: view is removed has nothing left to print but a widget's Python repr.
RICH_MIMETYPES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml")


class CheckCellTags(Preprocessor):
    """Fail on any cell tag outside the kit's closed set.

    Runs first in every pipeline: a misspelt ``answer_key`` must stop the build, not become
    an ordinary cell that the participant handout prints.
    """

    allowed_tags = Set(
        Unicode(),
        default_value=set(ALLOWED_TAGS),
        help="Cell tags a workshop notebook may carry; any other tag fails the build.",
    ).tag(config=True)
    notebook_name = Unicode(
        "notebook", help="How to name the notebook in error messages, e.g. its path."
    ).tag(config=True)

    def preprocess(self, nb, resources):
        problems = tag_problems(nb.cells, self.notebook_name, self.allowed_tags)
        if problems:
            raise NotebookError("\n".join(problems))
        return nb, resources


class StripWidgets(Preprocessor):
    """Remove widget state and widget views; keep each widget's static rendering.

    A handout is static: the widget manager script that would render a live widget loads
    from a CDN, and the saved widget state can hold values (a hidden answer, another
    group's text) that the static rendering does not show.
    """

    drop_bare_widget_outputs = Bool(
        True,
        help=(
            "Drop an output that was only a widget (no HTML, Markdown or image besides the "
            "widget view): all that is left of it is a Python repr such as VBox(...)."
        ),
    ).tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        nb.metadata.pop(WIDGET_STATE_MIMETYPE, None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is not None and WIDGET_VIEW_MIMETYPE in data:
                del data[WIDGET_VIEW_MIMETYPE]
                if self.drop_bare_widget_outputs and not any(m in data for m in RICH_MIMETYPES):
                    continue
            kept.append(output)
        cell.outputs = kept
        return cell, resources


class RemoveStreams(Preprocessor):
    """Drop stream outputs by name (by default ``stderr``).

    Library warnings printed while the notebook ran are for whoever maintains the
    notebook (the notebook tests show them); they do not belong on a printed handout.
    """

    stream_names = Set(
        Unicode(),
        default_value={"stderr"},
        help="Names of the streams whose outputs are removed ('stdout', 'stderr').",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") in self.stream_names)
            ]
        return cell, resources


class InsertGroupAnswers(Preprocessor):
    """Put one group's saved answer into each exercise output it answers.

    The notebook ran once, without a group; each exercise output carries a marker
    (:data:`~..notebook.contract.EXERCISE_MIMETYPE`: exercise and scenario ids). For each marked
    output this appends the group's latest answer to that scenario, or "No answer saved
    for this scenario.", as static HTML after the exercise's own rendering. All store text
    is escaped (see :func:`~.answers.group_answer_html`).
    """

    group = Unicode("", help="Name of the group whose answers are shown.").tag(config=True)
    answers = List(
        Dict(),
        default_value=[],
        help=(
            "The group's latest answers: dicts with exercise, scenario, answer, correct, "
            "score, feedback and recorded_at, as read from the answer store."
        ),
    ).tag(config=True)
    marker_mimetype = Unicode(
        EXERCISE_MIMETYPE, help="Mimetype of the marker that identifies an exercise output."
    ).tag(config=True)

    def preprocess(self, nb, resources):
        self._by_scenario = {(a["exercise"], a["scenario"]): a for a in self.answers}
        self._shown: list[tuple[str, str]] = []
        nb, resources = super().preprocess(nb, resources)
        resources.setdefault("handout", {})["answers_shown"] = list(self._shown)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            marker = _marker(data.get(self.marker_mimetype))
            if marker is None:
                continue
            key = (str(marker.get("exercise", "")), str(marker.get("scenario", "")))
            block = group_answer_html(self.group, self._by_scenario.get(key))
            existing = data.get("text/html", "")
            if isinstance(existing, list):
                existing = "".join(existing)
            data["text/html"] = f"{existing}\n{block}" if existing else block
            self._shown.append(key)
        return cell, resources


def _marker(value: Any) -> dict[str, Any] | None:
    # nbformat keeps JSON mimetypes as dicts; tolerate a JSON string from a hand-made output.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


class AppendGuidePage(Preprocessor):
    """Append the facilitator guide's page for this notebook to the facilitator handout.

    The page is added as an output (not a raw cell) because the template prints outputs'
    HTML as it is and escapes raw cells; the code cell's input is never shown.
    """

    html = Unicode("", help="The guide page, an <article> fragment made by content/guide.py").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        if not self.html:
            return nb, resources
        import nbformat

        cell = nbformat.v4.new_code_cell(
            source="# Facilitator guide page, added by the handout builder",
            metadata={"jupyter": {"source_hidden": True}},
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": self.html}),
            ],
        )
        cell["id"] = "facilitator-guide-page"  # not random: the same page, the same bytes
        nb.cells.append(cell)
        return nb, resources


#: A Markdown link to a facilitator guide page, as notebooks write it for JupyterLab users.
_GUIDE_LINK = re.compile(r"\[([^\]]*)\]\((?:\.\./)?facilitator_guide/([\w.-]+)\.md(#[^)\s]*)?\)")


class RewriteGuideLinks(Preprocessor):
    """Point Markdown links to ``facilitator_guide/*.md`` at the built guide.

    A session's page is appended to its own facilitator handout (``<stem>.html``); the
    other pages are handouts in ``guide/``. Handouts without the guide keep the words only.
    """

    notebook_stems = List(Unicode(), help="Stems of the workshop's notebooks").tag(config=True)
    keep_links = Bool(True, help="False when the guide is not part of this handout set").tag(
        config=True
    )
    guide_folder = Unicode("guide", help="Folder of the other guide pages, relative").tag(
        config=True
    )

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = _GUIDE_LINK.sub(self._replace, cell.source)
        return cell, resources

    def _replace(self, match: re.Match) -> str:
        text, stem, fragment = match.group(1), match.group(2), match.group(3) or ""
        if not self.keep_links:
            return text
        if stem in self.notebook_stems:
            href = f"{stem}.html{fragment or '#guide-' + stem}"
        else:
            href = f"{self.guide_folder}/{stem}.html{fragment}"
        return f"[{text}]({href})"
