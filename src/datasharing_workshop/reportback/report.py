"""The report-back notebook's one object: :class:`ReportBack`.

In the report-back notebook (the agenda's session ``report_back``)::

    from datasharing_workshop.reportback import load_report
    report = load_report(workshop_id, store_path=store_path, jurisdiction=jurisdiction,
                         scenario_set=scenario_set)
    report.overview()
    report.answers()
    report.most_missed_chart()
    ...

Each method returns something Jupyter displays as static HTML (or a PNG chart with alt
text), so the facilitator handout built from the notebook shows the same thing offline.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..breakouts.base import DEFAULT_SET
from ..ownership import beside, edited_since_written
from ..plenary.display import HtmlBlock, escape
from ..store import AnswerStore
from . import charts, render
from .data import (
    ReportData,
    channel_choices,
    confusions,
    load_report_data,
    most_missed,
)
from .feedback import FeedbackExport, feedback_markdown, feedback_path, write_feedback
from .prompts import discussion_prompts, load_report_back_text

__all__ = ["FeedbackFile", "ReportBack", "load_report"]


@dataclass(frozen=True)
class FeedbackFile:
    """The feedback export as the notebook shows it: where it went and how to get it."""

    export: FeedbackExport
    path: Path | None
    problem: str = ""
    #: A file the facilitator edited, kept as it was (the export went to ``path`` beside it).
    kept: Path | None = None

    @property
    def markdown(self) -> str:
        return self.export.markdown

    def _repr_html_(self) -> str:
        if not self.export.count:
            return "<p>No observer notes yet: nothing to export.</p>"
        b64 = base64.b64encode(self.export.markdown.encode("utf-8")).decode("ascii")
        name = self.path.name if self.path else "playbook-feedback.md"
        parts = [
            f"<p>{self.export.count} notes on {len([s for s in self.export.sections if s])} "
            "playbook sections, grouped by section, each ready to paste as an issue.</p>",
        ]
        if self.path is not None:
            parts.append(f"<p>Saved as <code>{escape(self.path)}</code>.</p>")
        if self.kept is not None:
            parts.append(
                f"<p>Your edited <code>{escape(self.kept)}</code> was kept as it was; the new "
                "export is the file above.</p>"
            )
        if self.problem:
            parts.append(f"<p><strong>Not saved:</strong> {escape(self.problem)}</p>")
        parts.append(
            f'<p><a download="{escape(name)}" href="data:text/markdown;charset=utf-8;base64,'
            f'{b64}">Download the Markdown file</a></p>'
            "<details><summary>Show the Markdown</summary>"
            f'<pre class="dsw-feedback-markdown">{escape(self.export.markdown)}</pre></details>'
        )
        return "".join(parts)


# The feedback export by (catalogue, notes, workshop, form): (catalogue, export).
_FEEDBACK: dict[tuple[Any, ...], tuple[Any, FeedbackExport]] = {}


class ReportBack:
    """Everything the facilitator shows at the report-back, for one workshop."""

    def __init__(self, data: ReportData):
        self.data = data

    def overview(self) -> HtmlBlock:
        """Per group and exercise: how many scenarios were fully right, and the mean score."""
        return render.overview_table(self.data)

    def answers(self, exercise: str | None = None) -> HtmlBlock:
        """Per exercise, every group's answer to every item next to the key."""
        chosen = [e for e in self.data.exercises if exercise in (None, e.id)]
        if not chosen:
            return HtmlBlock("<p>No answers to show yet.</p>", "No answers to show yet.")
        block = render.answers_table(self.data, chosen[0])
        for e in chosen[1:]:
            block = block + render.answers_table(self.data, e)
        return block

    def most_missed_chart(self, limit: int = 10) -> charts.Chart | HtmlBlock:
        """Bar chart of the items most groups missed."""
        return charts.most_missed_chart(most_missed(self.data, limit), limit)

    def confusion_chart(self) -> charts.Chart | HtmlBlock:
        """Grid of which categories were mistaken for which (classifying data)."""
        labels, counts = confusions(self.data)
        return charts.confusion_chart(labels, counts)

    def channels_chart(self) -> charts.Chart | HtmlBlock:
        """Bar chart of the transfer channels chosen, and whether the rules allow them."""
        return charts.channels_chart(channel_choices(self.data))

    def discussion_prompts(self, limit: int = 8) -> HtmlBlock:
        """Questions for the room where the groups disagreed, then general questions."""
        text = load_report_back_text()
        return render.prompts_list(discussion_prompts(self.data, limit), text.debrief_questions)

    def observations(self) -> HtmlBlock:
        """Every observer's note, in playbook order."""
        return render.observations_table(self.data)

    def feedback(self) -> FeedbackExport:
        """The notes as Markdown grouped by playbook section (nothing written)."""
        from ..plenary.observations import load_form

        form = load_form()
        meanings = {s.id: s.meaning for s in form.severities}
        # Notes never change once saved: the same notes and files give the same Markdown.
        key = (
            id(self.data.catalogue),
            tuple(self.data.observations),
            self.data.workshop,
            form.issue.title_prefix,
            tuple(form.issue.labels),
            tuple(meanings.items()),
        )
        found = _FEEDBACK.get(key)
        if found is None or found[0] is not self.data.catalogue:
            export = feedback_markdown(
                self.data.catalogue,
                self.data.observations,
                self.data.workshop,
                title_prefix=form.issue.title_prefix,
                labels=form.issue.labels,
                severity_meanings=meanings,
            )
            if len(_FEEDBACK) >= 8:
                _FEEDBACK.pop(next(iter(_FEEDBACK)))
            found = _FEEDBACK[key] = (self.data.catalogue, export)
        return found[1]

    def feedback_export(self, path: str | os.PathLike[str] | None = None) -> FeedbackFile:
        """Write the feedback Markdown (default: next to the answer store) and offer it.

        A folder that cannot be written is reported in the output, not raised: the
        download link still works.
        """
        export = self.feedback()
        if not export.count:
            return FeedbackFile(export, None)
        target = Path(path) if path else None
        if target is None and self.data.store_path is not None:
            target = feedback_path(self.data.store_path, self.data.workshop)
        if target is None:
            return FeedbackFile(export, None)
        kept = None
        if edited_since_written(target):  # a facilitator's edits are never overwritten
            kept, target = target, beside(target)
        try:
            write_feedback(export, target)
        except OSError as exc:
            return FeedbackFile(export, target, f"{exc.strerror or exc} ({target})", kept)
        return FeedbackFile(export, target, kept=kept)

    def render_all(self) -> list[Any]:
        """Every part of the report, rendered (what the benchmark times); writes nothing."""
        parts: list[Any] = [
            self.overview(),
            self.answers(),
            self.most_missed_chart(),
            self.confusion_chart(),
            self.channels_chart(),
            self.discussion_prompts(),
            self.observations(),
            self.feedback(),
        ]
        return parts


def load_report(
    workshop_id: str,
    *,
    store_path: str | os.PathLike[str] | None = "",
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
    store: AnswerStore | None = None,
) -> ReportBack:
    """Read one workshop from the answer store; see :func:`.data.load_report_data`.

    An empty ``workshop_id`` means the one in workshop.yml."""
    if not workshop_id:
        from ..content.workshop_name import configured_workshop_id

        workshop_id = configured_workshop_id()
    return ReportBack(
        load_report_data(
            workshop_id,
            store_path=store_path,
            jurisdiction=jurisdiction,
            scenario_set=scenario_set,
            store=store,
        )
    )
