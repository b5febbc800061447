"""Is a data request complete? Flags questions left empty or answered too vaguely."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..content.bounded_regex import bounded_search
from ..content.catalogue import Catalogue
from ..errors import InputError
from .reasons import Reason, reason

IssueKind = Literal["missing", "too_short", "vague", "must_mention"]


@dataclass(frozen=True)
class RequestIssue:
    question_id: str
    kind: IssueKind
    reason: Reason

    @property
    def text(self) -> str:
        return self.reason.text


@dataclass(frozen=True)
class RequestReview:
    issues: tuple[RequestIssue, ...]
    summary: Reason | None

    @property
    def complete(self) -> bool:
        return not self.issues

    def issues_for(self, question_id: str) -> tuple[RequestIssue, ...]:
        return tuple(i for i in self.issues if i.question_id == question_id)


def review_request(catalogue: Catalogue, answers: Mapping[str, str]) -> RequestReview:
    """Check answers (``{question id: text}``) against the catalogue's request form.

    Every question gets at most one issue: the most basic one (missing, then too short,
    then vague, then something it must mention).
    """
    unknown = sorted(set(answers) - set(catalogue.request_questions))
    if unknown:
        raise InputError(
            f"unknown request question(s) {', '.join(unknown)}; expected: "
            f"{', '.join(catalogue.request_questions)}"
        )
    issues: list[RequestIssue] = []
    for q in catalogue.request_questions.values():
        text = " ".join(str(answers.get(q.id) or "").split())
        issue = _first_issue(catalogue, q, text)
        if issue:
            issues.append(issue)
    summary = None
    if not issues:
        summary = reason(
            catalogue,
            catalogue.message("request_complete"),
            next(iter(catalogue.request_questions.values())).source,
        )
    return RequestReview(tuple(issues), summary)


def _first_issue(catalogue: Catalogue, q, text: str) -> RequestIssue | None:
    def issue(kind: IssueKind, key: str, **values: object) -> RequestIssue:
        message = catalogue.message(key, question=q.question, **values)
        return RequestIssue(q.id, kind, reason(catalogue, message, q.source))

    if not text:
        return issue("missing", "request_missing")
    lowered = text.lower()
    for vague in q.vague_phrases:
        # A whole-word match, so "all fields" flags "all fields please" but not "small fields".
        if re.search(rf"(?<!\w){re.escape(vague.phrase.lower())}(?!\w)", lowered):
            return issue("vague", "request_vague", phrase=vague.phrase, hint=vague.hint)
    if len(text.split()) < q.min_words:
        return issue("too_short", "request_too_short", min_words=q.min_words)
    for mention in q.must_mention:
        if not any(bounded_search(p, text, re.IGNORECASE) for p in mention.patterns):
            return issue(
                "must_mention", "request_must_mention", label=mention.label, hint=mention.hint
            )
    return None
