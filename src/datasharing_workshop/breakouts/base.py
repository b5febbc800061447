"""The small protocol every breakout follows, and the verdict types they share.

A breakout is one module in this package that defines a :class:`Breakout` subclass:

* ``model``: the pydantic model of one scenario in its YAML file, and
  :meth:`Breakout.check_content`, the cross-references a model cannot check alone;
* :meth:`Breakout.check_pinned`: the answers a scenario file pins (``expected_best``,
  ``expected`` ...) must agree with the rules, checked by ``validate``;
* :meth:`Breakout.grade`: the verdict on one answer, an :class:`Evaluation` whose
  :attr:`~Evaluation.items` are per-item marks (:class:`ItemMark`: right, nearly, wrong,
  missed, not needed, each with the words to show and the playbook section). The widget
  shows it, the store keeps it, and the report-back reads it back: nothing grades twice;
* :meth:`Breakout.answer_rows`: how a saved answer reads in a handout, in words;
* :meth:`Breakout.simulate`: a plausible answer for a group of a given skill, for
  rehearsals (``datasharing-workshop simulate``).

:mod:`.registry` lists the breakouts; the report-back, ``simulate``, ``validate`` and the
handouts ask it and never name a breakout. Nothing here imports ipywidgets.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError

from ..content.catalogue import Catalogue
from ..content.models import Entry, Id, Source, Text
from ..content.yaml_source import YamlDocument, read_yaml, validation_problems
from ..errors import ContentError, Problem
from ..store import AnswerRecord, AnswerStore
from ..text_safety import clean_text

DEFAULT_SET = "standard"
Difficulty = Literal["easy", "medium", "tricky"]

# --------------------------------------------------------------------------- verdicts

#: The feedback kind of one line: what the widget shows next to a control.
Kind = Literal["right", "nearly", "wrong", "info"]

#: What starts each feedback line. Words and a symbol, never colour alone.
MARKS: dict[str, str] = {
    "right": "✔ Right",
    "nearly": "◐ Nearly",
    "wrong": "✘ Not yet",
    "info": "ℹ Note",
}

#: The mark of one item of an answer, as the store keeps it and the report-back counts it.
Mark = Literal["right", "nearly", "wrong", "missed", "not_needed"]

#: How each item mark is written: words and a symbol, so it reads in black and white.
MARK_WORDS: dict[str, str] = {
    "right": "✔ Right",
    "nearly": "◐ Nearly",
    "wrong": "✘ Not yet",
    "missed": "✘ Missed",
    "not_needed": "✘ Not needed here",
}

#: What Check says when nothing was chosen yet: it asks for an answer, reveals nothing.
BLANK_SUMMARY = "Choose an answer first, then press Check."


@dataclass(frozen=True)
class AnswerBlock:
    """A group's answer as its handout shows it.

    ``rows`` (what, the group's answer) are escaped by the handout and shown as a table;
    ``html`` is shown above them as it is, so the breakout escapes all it puts there.
    """

    rows: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""


def escape(text: object) -> str:
    """HTML-escape any text that comes from a file, the store or a person."""
    return html.escape(clean_text(str(text)), quote=True)


def link(title: str, url: str) -> str:
    """A playbook link that opens in a new tab, so the exercise stays open."""
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(title)}</a>'


@dataclass(frozen=True)
class ItemMark:
    """One item of one answer, judged: what was asked, what the group gave, what is right."""

    #: Stable id of the item within its scenario (a field name, ``channel``, a step id).
    item: str
    #: The item as a person reads it ("Date of birth", "Channel", "Step: encrypt the file").
    label: str
    mark: Mark
    #: The group's answer in words ("" when nothing was given).
    chosen: str
    #: The right answer in words.
    key: str
    #: Why, in one or two sentences (from the catalogue or the scenario file).
    reason: str = ""
    #: The playbook section id that explains the item.
    source: str | None = None

    @property
    def right(self) -> bool:
        return self.mark == "right"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "label": self.label,
            "mark": self.mark,
            "chosen": self.chosen,
            "key": self.key,
            "reason": self.reason,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemMark:
        mark = str(data.get("mark") or "wrong")
        return cls(
            item=str(data.get("item") or ""),
            label=str(data.get("label") or data.get("item") or ""),
            mark=mark if mark in MARK_WORDS else "wrong",  # type: ignore[arg-type]
            chosen=str(data.get("chosen") or ""),
            key=str(data.get("key") or ""),
            reason=str(data.get("reason") or ""),
            source=(str(data["source"]) if data.get("source") else None),
        )


@dataclass(frozen=True)
class Link:
    title: str
    url: str

    @classmethod
    def from_reason(cls, reason: Any) -> Link:
        return cls(reason.section_title, reason.url)


def section_link(catalogue: Catalogue, section_id: str) -> Link:
    section = catalogue.section(section_id)
    return Link(section.title, section.url)


@dataclass(frozen=True)
class FeedbackItem:
    """One line of feedback: a mark ("✔ Right"), what it is about, sentences, sources."""

    kind: Kind
    subject: str
    sentences: tuple[str, ...]
    links: tuple[Link, ...] = ()
    mark: str = ""

    @property
    def mark_text(self) -> str:
        return self.mark or MARKS[self.kind]

    def html(self) -> str:
        head = f"<strong>{escape(self.mark_text)}</strong>"
        head += f" · <strong>{escape(self.subject)}</strong>:" if self.subject else ":"
        body = " ".join(escape(s) for s in self.sentences)
        sources = ""
        if self.links:
            sources = (
                ' <span class="dsw-source">Playbook: '
                + "; ".join(link(ln.title, ln.url) for ln in unique_links(self.links))
                + "</span>"
            )
        return f'<li class="dsw-{self.kind}">{head} {body}{sources}</li>'

    def text(self) -> str:
        head = self.mark_text + (f" · {self.subject}:" if self.subject else ":")
        sources = "; ".join(ln.title for ln in unique_links(self.links))
        tail = f" (Playbook: {sources})" if sources else ""
        return f"{head} {' '.join(self.sentences)}{tail}"


@dataclass(frozen=True)
class Feedback:
    """Everything a Check says: a one-line summary, then one item per field or choice."""

    summary: str
    items: tuple[FeedbackItem, ...]

    def html(self) -> str:
        lines = "\n".join(item.html() for item in self.items)
        return (
            f'<div class="dsw-feedback" role="status">\n'
            f'<p class="dsw-summary"><strong>{escape(self.summary)}</strong></p>\n'
            f"<ul>\n{lines}\n</ul>\n</div>"
        )

    def text(self) -> str:
        """Plain text, one line per item: what the answer store keeps."""
        return "\n".join([self.summary, *(item.text() for item in self.items)])


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one attempt, ready to show and to save."""

    answer: dict[str, Any]
    correct: bool
    score: float
    feedback: Feedback
    #: Per-control verdicts a widget may show next to its controls (key -> kind).
    marks: Mapping[str, Kind] = field(default_factory=dict)
    #: Wording of a mark when it is more specific than :data:`MARKS` ("✘ Missed step").
    mark_words: Mapping[str, str] = field(default_factory=dict)
    #: The per-item marks the store keeps and the report-back reads.
    items: tuple[ItemMark, ...] = ()
    #: Nothing was chosen: Check asks for an answer, shows no key and saves nothing.
    blank: bool = False

    def mark_html(self, key: str) -> str:
        """The mark to show next to one control, or "" when there is none."""
        kind = self.marks.get(key)
        if kind is None:
            return ""
        return f"<strong>{escape(self.mark_words.get(key) or MARKS[kind])}</strong>"


def blank_evaluation(answer: dict[str, Any]) -> Evaluation:
    """The verdict on an attempt with nothing chosen: a request for an answer, no key."""
    return Evaluation(
        answer=answer,
        correct=False,
        score=0.0,
        feedback=Feedback(BLANK_SUMMARY, ()),
        blank=True,
    )


def unique_links(links: Iterable[Link]) -> list[Link]:
    return list(dict.fromkeys(links))


# --------------------------------------------------------------------------- scenarios


class ScenarioBase(Entry):
    id: Id
    title: Text
    difficulty: Difficulty
    story: Text = Field(description="what the group reads: who has the data and who wants it")
    facilitator_notes: str = Field("", description="shown only in the facilitator copy")
    source: Source


class Where:
    """Reports cross-reference problems at one scenario's lines."""

    def __init__(self, doc: YamlDocument, index: int):
        self.doc, self.index, self.problems = doc, index, []

    def add(self, loc: tuple, message: str) -> None:
        self.problems.append(self.doc.problem(("scenarios", self.index, *loc), message))

    def ref(self, loc: tuple, value: str | None, known, what: str) -> bool:
        known = list(known)
        if value is not None and value not in known:
            self.add(loc, f"unknown {what} '{value}'; expected one of: {', '.join(known)}")
            return False
        return True


class Breakout:
    """One breakout: subclass it in one module of this package and list it in the registry.

    Class attributes
    ----------------
    id
        The exercise id: the scenario file's name and what the store saves answers under.
    number
        Its place among the breakouts (1 to 6), as the agenda and the guide number them.
    title
        What people read.
    model
        The pydantic model of one scenario.
    """

    id: ClassVar[str]
    number: ClassVar[int]
    title: ClassVar[str]
    model: ClassVar[type[ScenarioBase]]
    #: What each cell of the report-back's answers table shows for this breakout.
    report_note: ClassVar[str] = "Each cell: the group's answer and its mark."
    #: The report-back's chart of this breakout, if it has one: ``"confusion"`` (what the
    #: key says against what groups chose, from :meth:`confusion_pairs`) or ``"choices"``
    #: (how often each option of the item :attr:`chart_item` was chosen, best / allowed /
    #: refused, in the order of :meth:`choice_order`).
    report_chart: ClassVar[str | None] = None
    chart_item: ClassVar[str] = ""

    # -- content ------------------------------------------------------------------------

    def check_content(self, cat: Catalogue, scenario: Any, where: Where) -> None:
        """Cross-references a model cannot check alone (ids in the catalogue ...)."""
        where.ref(("source",), scenario.source, cat.sections, "playbook section")

    def check_pinned(self, cat: Catalogue, path: Path, scenario_set: str) -> list[Problem]:
        """Answers the file pins must agree with the rules (run when everything loads)."""
        return []

    # -- grading ------------------------------------------------------------------------

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        """The verdict on a saved (or simulated) answer, with per-item marks."""
        raise NotImplementedError

    def answer_rows(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> list[tuple[str, str]]:
        """The answer in words, one (what, the group's answer) row each, for handouts."""
        evaluation = self.grade(cat, scenario, answer, scenario_set)
        return [(i.label, i.chosen or "(nothing chosen)") for i in evaluation.items]

    def confusion_pairs(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        """(what the key says, what the group chose) per item, for a ``confusion`` chart."""
        return []

    def confusion_order(self, cat: Catalogue) -> list[str]:
        """The labels of a ``confusion`` chart in the catalogue's order."""
        return []

    def choice_order(self, cat: Catalogue) -> list[tuple[str, str]]:
        """(id, label) of every option of a ``choices`` chart, in the catalogue's order."""
        return []

    def answer_block(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> AnswerBlock:
        """How a group handout shows the answer: :meth:`answer_rows` as a table, by default.

        A breakout whose answer reads better another way (a draft, a table of counts)
        returns that as :attr:`AnswerBlock.html`, escaping everything it takes from the
        answer or the scenario.
        """
        return AnswerBlock(rows=self.answer_rows(cat, scenario, answer, scenario_set))

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        """A plausible answer by a group of this skill (0 to 1), with seeded mistakes."""
        raise NotImplementedError

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        """The key, as a saved answer: what the contract test answers right."""
        raise NotImplementedError

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        """A saved answer that is not right: what the contract test answers wrong."""
        raise NotImplementedError

    def blank_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict | None:
        """A saved answer that leaves the widget with nothing chosen (None: it starts so)."""
        return None


def load_file(cat: Catalogue, breakout: Breakout, path: Path) -> tuple[list[Any], list[Problem]]:
    """Read one scenario file: (scenarios that loaded, every problem found)."""
    try:
        doc = read_yaml(path)
    except ContentError as exc:
        return [], exc.problems
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("scenarios"), list):
        return [], [doc.problem((), "expected a mapping with a `scenarios:` list")]
    extra = sorted(set(doc.data) - {"scenarios"})
    problems: list[Problem] = [
        doc.problem((k,), "unknown field; only `scenarios` is expected") for k in extra
    ]
    scenarios = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc.data["scenarios"]):
        try:
            sc = breakout.model.model_validate(raw)
        except ValidationError as exc:
            problems += validation_problems(doc, exc, prefix=("scenarios", index))
            continue
        where = Where(doc, index)
        if sc.id in seen:
            where.add(("id",), f"duplicate id '{sc.id}' (also scenarios[{seen[sc.id]}])")
        seen.setdefault(sc.id, index)
        breakout.check_content(cat, sc, where)
        problems += where.problems
        scenarios.append(sc)
    if not doc.data["scenarios"]:
        problems.append(doc.problem(("scenarios",), "no scenarios: add at least one"))
    return scenarios, problems


def pinned_problems(cat: Catalogue, breakout: Breakout, path: Path, check: Any) -> list[Problem]:
    """Run ``check(scenario, where)`` over every scenario of a file; collect problems."""
    doc = read_yaml(path)
    problems: list[Problem] = []
    for index, sc in enumerate(load_file(cat, breakout, path)[0]):
        where = Where(doc, index)
        check(sc, where)
        problems += where.problems
    return problems


def weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    values = [o for o, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights, k=1)[0]


# --------------------------------------------------------------------------- saving


def save_attempt(
    store: AnswerStore,
    *,
    workshop: str,
    group: str,
    exercise: str,
    scenario: str,
    evaluation: Evaluation,
) -> AnswerRecord:
    """Save one checked attempt with its per-item marks (a blank one is never saved)."""
    if evaluation.blank:
        raise ValueError("a blank attempt is not saved")
    return store.record_answer(
        workshop=workshop,
        group=group,
        exercise=exercise,
        scenario=scenario,
        answer=evaluation.answer,
        correct=evaluation.correct,
        score=evaluation.score,
        feedback=evaluation.feedback.text(),
        marks=[item.to_json() for item in evaluation.items],
    )
