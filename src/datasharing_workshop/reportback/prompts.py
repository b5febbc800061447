"""Discussion prompts for the report-back, built where the groups disagreed.

The wording is in ``exercises/workshop/report_back.yaml``; this module fills it in. A
prompt is written for every item the groups answered differently, and for every item all
groups missed even when they agreed (then the playbook may be what is unclear).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from ..content.models import Entry, Text
from ..content.workshop import load_model, workshop_file
from ..content.yaml_source import YamlDocument
from ..errors import Problem
from .data import Disagreement, ReportData, disagreements

__all__ = ["Prompt", "discussion_prompts", "load_report_back_text"]

#: Placeholders each template may use.
PLACEHOLDERS: dict[str, set[str]] = {
    "disagreement": {"item", "split", "key", "section"},
    "all_missed": {"item", "groups", "key", "section"},
    "no_key": {"item", "split"},
}


class PromptTemplates(Entry):
    disagreement: Text
    all_missed: Text
    no_key: Text


class ReportBackFile(Entry):
    prompts: PromptTemplates
    debrief_questions: list[Text] = Field(min_length=1)


def _check(doc: YamlDocument, value: ReportBackFile) -> list[Problem]:
    problems = []
    for name, allowed in PLACEHOLDERS.items():
        template = getattr(value.prompts, name)
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as exc:
            problems.append(doc.problem(("prompts", name), f"unbalanced braces: {exc}"))
            continue
        unknown = sorted(used - allowed)
        if unknown:
            problems.append(
                doc.problem(
                    ("prompts", name),
                    f"unknown placeholder {', '.join('{' + u + '}' for u in unknown)}; this text "
                    f"may use: {', '.join('{' + a + '}' for a in sorted(allowed))}",
                )
            )
    return problems


def load_report_back_text(path: str | Path | None = None) -> ReportBackFile:
    """Load and check ``exercises/workshop/report_back.yaml``."""
    return load_model(
        Path(path) if path else workshop_file("report_back.yaml"), ReportBackFile, _check
    )


@dataclass(frozen=True)
class Prompt:
    text: str
    kind: str
    disagreement: Disagreement


def _split_text(d: Disagreement) -> str:
    return "; ".join(f"{', '.join(groups)}: {label}" for label, groups in d.split)


def discussion_prompts(data: ReportData, limit: int = 8) -> list[Prompt]:
    """The most useful questions for the room, most divided items first."""
    templates = load_report_back_text().prompts
    out = []
    for d in disagreements(data)[:limit]:
        item = d.item
        section = data.catalogue.sections.get(item.source or "")
        values = {
            "item": item.label,
            "split": _split_text(d),
            "key": item.key_label,
            "section": section.title if section else (item.source or "the playbook"),
            "groups": ", ".join(g for _, groups in d.split for g in groups),
        }
        if item.key is None:
            kind, template = "no_key", templates.no_key
        elif len(d.split) == 1:
            kind, template = "all_missed", templates.all_missed
        else:
            kind, template = "disagreement", templates.disagreement
        out.append(Prompt(template.format(**values), kind, d))
    return out
