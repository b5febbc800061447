"""Breakout 4, preparing a data request: improve a draft until a data owner can say yes.

The verdict comes from the rules engine (``review_request``): for every question of the
catalogue's request form, whether the answer is missing, too short, vague ("all fields",
"as long as needed") or lacks something it must mention (a time period, how and when the
data is destroyed), each with a hint.

Scoring: each question is worth one point, half when the answer is there but vague or
incomplete. ``correct`` means the check finds nothing. Items: one per question of the form;
in a handout the group's answers read as the improved request.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..content.catalogue import Catalogue
from ..content.models import Entry, Id, RequestQuestion, Text
from ..errors import Problem
from ..rules.requests import RequestIssue, review_request
from .base import (
    AnswerBlock,
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    Link,
    ScenarioBase,
    Where,
    blank_evaluation,
    escape,
    pinned_problems,
)

IssueKind = Literal["missing", "too_short", "vague", "must_mention"]


class RequestContext(Entry):
    requester: Text = Field(description="who is asking: an invented person and organization")
    data_owner: Text = Field(description="the agency (or unit) that holds the data")
    wants: Text = Field(description="what the requester wants to find out, in their words")
    holds: list[Text] = Field([], description="what the owner's data holds, field by field")


class RequestScenario(ScenarioBase):
    context: RequestContext
    draft: dict[Id, str] = Field(
        {}, description="question id -> the draft's answer, for the group to improve"
    )
    expected_issues: dict[Id, IssueKind] | None = Field(
        None,
        description="question id -> what the check finds in the draft; every other question "
        "must pass (checked by the rules)",
    )
    model_answer: dict[Id, Text] = Field(
        {}, description="question id -> a good answer, for the answer key (must pass the check)"
    )


#: How each kind of issue is marked: a missing answer is not yet there; a vague one nearly.
ISSUE_KIND: dict[str, Kind] = {
    "missing": "wrong",
    "too_short": "wrong",
    "vague": "nearly",
    "must_mention": "nearly",
}
POINTS = {"right": 1.0, "nearly": 0.5, "wrong": 0.0}
CLEAR_MARK = "✔ Clear"
NEEDS_WORK = "Needs work"
NOT_CHECKED = "Not checked yet"


def short_label(question: RequestQuestion) -> str:
    """ "Retention" for the question id ``retention``: a short name for lists and marks."""
    return question.id.replace("_", " ").replace("-", " ").capitalize()


def _link(issue: RequestIssue) -> Link:
    return Link.from_reason(issue.reason)


# --------------------------------------------------------------------------- the verdict


def check_request(
    catalogue: Catalogue, answers: Mapping[str, str], model: Mapping[str, str] | None = None
) -> Evaluation:
    """Judge a group's request, question by question.

    Parameters
    ----------
    answers
        ``{question id: text}``; missing or empty means not answered. Unknown ids are
        ignored.

    Returns
    -------
    Evaluation
        ``answer`` is every question's text (form order, whitespace kept as typed);
        ``marks`` has every question id.
    """
    texts = {q: str(answers.get(q) or "") for q in catalogue.request_questions}
    if not any(t.strip() for t in texts.values()):
        return blank_evaluation(texts)
    review = review_request(catalogue, texts)
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    words: dict[str, str] = {}
    points = 0.0
    clear = 0
    for q in catalogue.request_questions.values():
        found = review.issues_for(q.id)
        subject = short_label(q)
        if not found:
            clear += 1
            marks[q.id], words[q.id] = "right", CLEAR_MARK
            points += POINTS["right"]
            section = catalogue.section(q.source)
            items.append(
                FeedbackItem(
                    "right",
                    subject,
                    (catalogue.message("request_clear", question=q.question),),
                    (Link(section.title, section.url),),
                    mark=CLEAR_MARK,
                )
            )
            continue
        issue = found[0]
        kind = ISSUE_KIND[issue.kind]
        marks[q.id] = kind
        points += POINTS[kind]
        sentences = [issue.text]
        if issue.kind in ("missing", "too_short"):
            # These messages say what is wrong but not what good looks like: add the form's help.
            sentences.append(catalogue.message("request_help", help=q.help))
        items.append(FeedbackItem(kind, subject, tuple(sentences), (_link(issue),)))
    if review.summary is not None:
        items.append(
            FeedbackItem("info", "", (review.summary.text,), (Link.from_reason(review.summary),))
        )
    total = len(catalogue.request_questions)
    summary = f"{clear} of {total} answers are clear."
    if review.complete:
        summary += " Well done: the request is ready for the data owner."
    item_marks = []
    for q in catalogue.request_questions.values():
        found = review.issues_for(q.id)
        kind = ISSUE_KIND[found[0].kind] if found else "right"
        item_marks.append(
            ItemMark(
                item=q.id,
                label=short_label(q),
                mark="missed" if found and found[0].kind == "missing" else kind,
                chosen=texts[q.id].strip(),
                key=(model or {}).get(q.id, "") or q.help,
                reason=found[0].text if found else "",
                source=found[0].reason.section_id if found else q.source,
            )
        )
    return Evaluation(
        items=tuple(item_marks),
        answer=texts,
        correct=review.complete,
        score=round(points / total, 4),
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
        mark_words=words,
    )


class DataRequest(Breakout):
    id = "data_request"
    number = 4
    title = "Preparing a data request"
    model = RequestScenario
    report_note = "Each cell: the group's answer to the question, and what the check found."

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        questions = cat.request_questions
        for part in ("draft", "model_answer", "expected_issues"):
            for key in getattr(sc, part) or {}:
                where.ref((part, key), key, questions, "request question")
        if sc.model_answer:
            missing = [q for q in questions if q not in sc.model_answer]
            if missing:
                where.add(
                    ("model_answer",),
                    f"a model answer must answer every question; missing: {', '.join(missing)}",
                )

    def check_pinned(self, cat: Catalogue, path: Path, scenario_set: str) -> list[Problem]:
        def check(sc: RequestScenario, where: Where) -> None:
            if sc.expected_issues is not None:
                found = {i.question_id: i.kind for i in review_request(cat, sc.draft).issues}
                if found != sc.expected_issues:
                    shown = ", ".join(f"{q}: {k}" for q, k in found.items()) or "none"
                    where.add(
                        ("expected_issues",),
                        f"the check finds these issues in the draft: {shown}; fix the draft "
                        "or `expected_issues`",
                    )
            if sc.model_answer:
                for issue in review_request(cat, sc.model_answer).issues:
                    where.add(("model_answer", issue.question_id), f"fails the check: {issue.text}")

        return pinned_problems(cat, self, path, check)

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        texts = {k: v for k, v in answer.items() if isinstance(v, str)}
        return check_request(cat, texts, scenario.model_answer)

    def answer_rows(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> list[tuple[str, str]]:
        """The improved request, question by question, as the group left it."""
        return [
            (q.question, str(answer.get(q.id) or "").strip() or "(no answer)")
            for q in cat.request_questions.values()
        ]

    def answer_block(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> AnswerBlock:
        """The improved request as a printable draft: each question, then the group's text."""
        parts = ['<div class="dsw-request-draft">']
        for question, text in self.answer_rows(cat, scenario, answer, scenario_set):
            body = escape(text).replace("\n", "<br>\n")
            parts.append(f"<h4>{escape(question)}</h4>\n<p>{body}</p>")
        parts.append("</div>")
        return AnswerBlock(html="\n".join(parts))

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        """Each question: the model answer when the group fixes it, else the draft's text."""
        out = {}
        for q in cat.request_questions:
            draft = scenario.draft.get(q, "")
            good = scenario.model_answer.get(q, "")
            out[q] = good if good and rng.random() < skill else draft
        if not any(out.values()):
            out[next(iter(cat.request_questions))] = "We would like the data."
        return out

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        return {q: scenario.model_answer.get(q, "") for q in cat.request_questions}

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        answer = self.right_answer(cat, scenario, scenario_set)
        answer[next(iter(cat.request_questions))] = "All of it."
        return answer

    def blank_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict | None:
        return {q: "" for q in cat.request_questions}


BREAKOUT = DataRequest()
