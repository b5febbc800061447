"""Breakout scenarios: ``exercises/<jurisdiction>/scenarios/<set>/<breakout>.yaml``.

A facilitator adds a scenario by adding an entry to one of these files; ``datasharing-workshop
validate`` checks it against the jurisdiction's catalogue (every category, rule, channel and
recipient it names must exist, and the answer it pins must agree with the rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..content.catalogue import Catalogue, load_catalogue
from ..content.models import Entry, Id, Source, Text
from ..content.sizes import parse_size
from ..content.yaml_source import YamlDocument, display_path, read_yaml, validation_problems
from ..errors import ContentError, InputError, Problem

DEFAULT_SET = "standard"
Difficulty = Literal["easy", "medium", "tricky"]

# SSN-like values must never be real: the Social Security Administration never issues
# numbers starting with 9, 000 or 666, or with 00 in the middle or 0000 at the end.
_SSN = re.compile(r"\b(\d{3})-?(\d{2})-?(\d{4})\b")


def ssn_is_never_issued(area: str, group: str, serial: str) -> bool:
    return area.startswith("9") or area in ("000", "666") or group == "00" or serial == "0000"


class ScenarioBase(Entry):
    id: Id
    title: Text
    difficulty: Difficulty
    story: Text = Field(description="what the group reads: who has the data and who wants it")
    facilitator_notes: str = Field("", description="shown only in the facilitator copy")
    source: Source


# --- Breakout 1: classifying data ------------------------------------------------------------


class DatasetField(Entry):
    name: Text
    description: Text
    samples: list[Annotated[str, Field(min_length=1)]] = Field(min_length=2, max_length=3)
    category: Id = Field(description="answer key: the field's category id")
    also_right: list[Id] = Field(
        [], description="other category ids accepted as right (the playbook allows both)"
    )
    rule: Id | None = Field(None, description="answer key: governing rule id, or none")
    explanation: str = Field("", description="why, shown when a group gets it wrong")

    @field_validator("samples", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # A plain number such as 412 arrives as an int; samples are shown as text. (06106,
        # yes or 1:30 already arrive as written: see yaml_source.data_as_written.)
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("samples")
    @classmethod
    def _synthetic(cls, value: list[str]) -> list[str]:
        for sample in value:
            for match in _SSN.finditer(sample):
                if not ssn_is_never_issued(*match.groups()):
                    raise ValueError(
                        f"sample {sample!r} looks like a real Social Security number; use a "
                        "never-issued range (starting with 9, 000 or 666)"
                    )
        return value


class Dataset(Entry):
    name: Text
    fields: list[DatasetField] = Field(min_length=2)


class ClassifyScenario(ScenarioBase):
    dataset: Dataset


# --- Breakout 2: choosing a transfer channel -------------------------------------------------


class TransferData(Entry):
    categories: list[Id] = Field([], description="category ids in the file")
    dataset: str = Field("", description="or: the id of a classify_data scenario's dataset")


class TransferScenario(ScenarioBase):
    data: TransferData
    size: Text = Field(description="file size, for example '3 GB'")
    recipient: Id
    frequency: Literal["one_off", "recurring"] = "one_off"
    deidentified_ok: bool = Field(
        False, description="the request can be met without knowing who anyone is"
    )
    expected_best: Id | None = Field(
        None, description="the channel the scenario was written to lead to (checked by the rules)"
    )

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        try:
            parse_size(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return value


# --- Breakout 3: choosing the agreement ------------------------------------------------------


class SituationSpec(Entry):
    """A proposed share, as ``agreements.yaml``'s rules see it (see ``content/situations.py``)."""

    requester: Id = Field(description="who is asking: a requester id from agreements.yaml")
    categories: list[Id] = Field(
        min_length=1,
        description="category ids of the data; sensitivity, PII and PHI follow from them",
    )
    frequency: Literal["one_off", "ongoing"] = "one_off"
    parameters: Literal["fixed", "varying"] = Field(
        "fixed", description="for ongoing shares: the same transfer each time, or varying"
    )
    parties: int = Field(2, ge=1, description="agencies or organizations taking part, in all")
    contractor_handles_phi: bool = Field(
        False, description="a contractor will create, receive or keep health data for the owner"
    )
    needs_identities: bool = Field(
        False, description="the requester must know who each person is (counts will not do)"
    )
    basis: Literal["none", "grant", "service_contract"] = Field(
        "none", description="whether the relationship rests on a grant or a service contract"
    )

    def details(self) -> dict[str, Any]:
        """The situation fields other than the requester and the data's categories."""
        return self.model_dump(exclude={"requester", "categories"})


class AgreementScenario(ScenarioBase):
    situation: SituationSpec
    expected: list[Id] | None = Field(
        None,
        description="the agreement ids the scenario was written to lead to (checked by the rules)",
    )


# --- Breakout 4: preparing a data request ----------------------------------------------------

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


# --- Breakout 5: de-identifying and aggregating ------------------------------------------------


# A plain file name: no folders, so a scenario can only name files in the data folder.
_CSV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.csv$")


class DeidentifyField(Entry):
    name: Text = Field(description="a column of the data file")
    description: Text
    options: list[Id] = Field(
        min_length=2, description="ways to share it, from most to least detail, ending in drop"
    )
    answer: list[Id] = Field(min_length=1, description="answer key: the options that are right")
    explanation: str = Field("", description="why, shown when a group's choice differs")


class DeidentifyScenario(ScenarioBase):
    data: str = Field(description="the name of a CSV file in exercises/data")
    as_of: date = Field(description="the day the extract was taken; ages are worked out on it")
    question: Text = Field(description="what the recipient wants to find out")
    only: dict[str, str] = Field(
        {}, description="column -> value: count only these people (for example one program)"
    )
    columns: str = Field(description="the field across the top of the table of counts")
    fields: list[DeidentifyField] = Field(min_length=2)

    @field_validator("data")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if not _CSV_NAME.match(value):
            raise ValueError(
                f"expected the name of a CSV file in exercises/data, such as people.csv, "
                f"not {value!r}"
            )
        return value

    def field(self, name: str) -> DeidentifyField:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class Breakout:
    id: str
    title: str
    model: type[ScenarioBase]
    check: Callable[[Catalogue, Any, _Where], None]


class _Where:
    """Reports cross-reference problems at the scenario's lines."""

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


def _check_source(cat: Catalogue, sc: ScenarioBase, where: _Where) -> None:
    where.ref(("source",), sc.source, cat.sections, "playbook section")


def _check_classify(cat: Catalogue, sc: ClassifyScenario, where: _Where) -> None:
    _check_source(cat, sc, where)
    names: set[str] = set()
    for i, f in enumerate(sc.dataset.fields):
        loc = ("dataset", "fields", i)
        if f.name in names:
            where.add((*loc, "name"), f"duplicate field name '{f.name}'")
        names.add(f.name)
        ok = where.ref((*loc, "category"), f.category, cat.categories, "category")
        for k, other in enumerate(f.also_right):
            where.ref((*loc, "also_right", k), other, cat.categories, "category")
        if f.rule is not None and where.ref((*loc, "rule"), f.rule, cat.governing_rules, "rule"):
            from ..rules.sensitivity import lineage

            covered = cat.governing_rules[f.rule].covers
            if ok and not set(lineage(cat, f.category)) & set(covered):
                where.add(
                    (*loc, "rule"),
                    f"rule '{f.rule}' does not cover category "
                    f"'{f.category}' (it covers: {', '.join(covered)})",
                )


def _check_transfer(cat: Catalogue, sc: TransferScenario, where: _Where) -> None:
    _check_source(cat, sc, where)
    if bool(sc.data.categories) == bool(sc.data.dataset):
        where.add(("data",), "give either `categories` or `dataset`, not both and not neither")
        return
    for k, c in enumerate(sc.data.categories):
        where.ref(("data", "categories", k), c, cat.categories, "category")
    where.ref(("recipient",), sc.recipient, cat.recipients, "recipient")
    if sc.expected_best is not None:
        where.ref(("expected_best",), sc.expected_best, cat.channels, "channel")


def _check_agreement(cat: Catalogue, sc: AgreementScenario, where: _Where) -> None:
    _check_source(cat, sc, where)
    situation = sc.situation
    where.ref(("situation", "requester"), situation.requester, cat.requesters, "requester")
    known = True
    for k, c in enumerate(situation.categories):
        known &= where.ref(("situation", "categories", k), c, cat.categories, "category")
    if known and situation.contractor_handles_phi:
        from ..rules.sensitivity import lineage

        if not any("phi" in lineage(cat, c) for c in situation.categories):
            where.add(
                ("situation", "contractor_handles_phi"),
                "a contractor handles health information, but no category of the data is "
                "PHI; add phi to `categories` or set this to false",
            )
    for k, a in enumerate(sc.expected or []):
        where.ref(("expected", k), a, cat.agreements, "agreement")


def _check_request(cat: Catalogue, sc: RequestScenario, where: _Where) -> None:
    _check_source(cat, sc, where)
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


def _check_deidentify(cat: Catalogue, sc: DeidentifyScenario, where: _Where) -> None:
    from ..rules.deidentification import DROP, KEEP, OPTIONS, load_people, option_problem

    _check_source(cat, sc, where)
    try:
        data = load_people(sc.data)
    except ContentError as exc:
        where.add(("data",), f"{sc.data}: {exc.problems[0].message}")
        return
    names = [f.name for f in sc.fields]
    for i, f in enumerate(sc.fields):
        loc = ("fields", i)
        if names.index(f.name) != i:
            where.add((*loc, "name"), f"duplicate field name '{f.name}'")
        if not where.ref((*loc, "name"), f.name, data.fields, f"{sc.data} column"):
            continue
        usable = True
        for k, option in enumerate(f.options):
            if not where.ref((*loc, "options", k), option, OPTIONS, "option"):
                usable = False
                continue
            problem = option_problem(data, f.name, option)
            if problem:
                where.add((*loc, "options", k), problem)
        if usable and f.options[-1] != DROP:
            where.add((*loc, "options"), "list `drop` last: a group may always leave a field out")
        for k, option in enumerate(f.answer):
            if option not in f.options:
                where.add(
                    (*loc, "answer", k),
                    f"'{option}' is not one of this field's options ({', '.join(f.options)})",
                )
        if f.name == sc.columns and DROP in f.answer:
            where.add(
                (*loc, "answer"),
                f"'{f.name}' is the table's `columns` field, so the answer cannot leave it out",
            )
        if f.name == sc.columns and KEEP not in f.options:
            where.add((*loc, "options"), "the `columns` field must offer `keep`")
    where.ref(("columns",), sc.columns, names, "field (from `fields`)")
    for name, value in sc.only.items():
        if where.ref(("only", name), name, data.fields, f"{sc.data} column") and (
            value not in data.columns[name]
        ):
            where.add(("only", name), f"no one in {sc.data} has {name} '{value}'")


BREAKOUTS: dict[str, Breakout] = {
    "classify_data": Breakout(
        "classify_data", "Classifying data", ClassifyScenario, _check_classify
    ),
    "transfer_channel": Breakout(
        "transfer_channel", "Choosing a transfer channel", TransferScenario, _check_transfer
    ),
    "choose_agreement": Breakout(
        "choose_agreement", "Choosing the agreement", AgreementScenario, _check_agreement
    ),
    "data_request": Breakout(
        "data_request", "Preparing a data request", RequestScenario, _check_request
    ),
    "deidentify": Breakout(
        "deidentify", "De-identifying and aggregating", DeidentifyScenario, _check_deidentify
    ),
}


def scenario_path(
    breakout: str,
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
    catalogue: Catalogue | None = None,
) -> Path:
    cat = catalogue or load_catalogue(jurisdiction)
    return cat.folder / "scenarios" / scenario_set / f"{breakout}.yaml"


def load_scenarios(
    breakout: str,
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
) -> list[Any]:
    """The scenarios of one breakout, checked against the jurisdiction's catalogue.

    Raises
    ------
    ContentError
        Unknown breakout, missing file, or any problem in the file.
    """
    if breakout not in BREAKOUTS:
        raise ContentError(
            [Problem(breakout, "", f"unknown breakout; expected one of: {', '.join(BREAKOUTS)}")]
        )
    cat = load_catalogue(jurisdiction)
    path = scenario_path(breakout, scenario_set=scenario_set, catalogue=cat)
    if not path.exists():
        sets = sorted(p.name for p in (cat.folder / "scenarios").glob("*") if p.is_dir())
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "",
                    f"no scenario file for breakout "
                    f"'{breakout}' in set '{scenario_set}' (sets here: "
                    f"{', '.join(sets) or 'none'})",
                )
            ]
        )
    scenarios, problems = _load_file(cat, BREAKOUTS[breakout], path)
    if problems:
        raise ContentError(problems)
    return scenarios


def _load_file(cat: Catalogue, breakout: Breakout, path: Path) -> tuple[list[Any], list[Problem]]:
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
        where = _Where(doc, index)
        if sc.id in seen:
            where.add(("id",), f"duplicate id '{sc.id}' (also scenarios[{seen[sc.id]}])")
        seen.setdefault(sc.id, index)
        breakout.check(cat, sc, where)
        problems += where.problems
        scenarios.append(sc)
    if not doc.data["scenarios"]:
        problems.append(doc.problem(("scenarios",), "no scenarios: add at least one"))
    return scenarios, problems


def validate_scenarios(cat: Catalogue) -> tuple[int, list[Problem]]:
    """Check every scenario file of a catalogue: (number of scenarios, problems)."""
    folder = cat.folder / "scenarios"
    count, problems = 0, []
    if not folder.is_dir():
        return 0, []
    for path in sorted(folder.glob("*/*.yaml")):
        breakout = BREAKOUTS.get(path.stem)
        if breakout is None:
            problems.append(
                Problem(
                    display_path(path),
                    "",
                    f"unknown breakout '{path.stem}' "
                    f"(file name); expected one of: {', '.join(BREAKOUTS)}",
                )
            )
            continue
        scenarios, found = _load_file(cat, breakout, path)
        count += len(scenarios)
        problems += found
    # Cross-scenario references and pinned answers need the rules engine.
    if not problems:
        problems += _check_answers(cat)
    return count, problems


def _check_answers(cat: Catalogue) -> list[Problem]:
    """Pinned answers must agree with the rules as the catalogue says.

    ``expected_best`` (transfer channel), ``expected`` (agreements), ``expected_issues`` and
    ``model_answer`` (data request).
    """
    from ..rules.transfer import advise_transfer, make_transfer

    problems = _check_agreement_answers(cat) + _check_request_answers(cat)
    for path in sorted((cat.folder / "scenarios").glob("*/transfer_channel.yaml")):
        doc = read_yaml(path)
        for index, sc in enumerate(_load_file(cat, BREAKOUTS["transfer_channel"], path)[0]):
            where = _Where(doc, index)
            try:
                categories = transfer_categories(cat, sc, path.parent.name)
            except ContentError as exc:
                where.add(("data", "dataset"), exc.problems[0].message)
                problems += where.problems
                continue
            advice = advise_transfer(
                cat,
                make_transfer(
                    cat, categories, sc.size, sc.recipient, deidentified_ok=sc.deidentified_ok
                ),
            )
            best = advice.best.channel.id if advice.best else None
            if sc.expected_best is not None and best != sc.expected_best:
                where.add(
                    ("expected_best",),
                    f"the rules pick '{best}' for this scenario, not "
                    f"'{sc.expected_best}'; fix the scenario or the catalogue",
                )
            problems += where.problems
    return problems


def transfer_categories(cat: Catalogue, sc: TransferScenario, scenario_set: str) -> list[str]:
    """The categories a transfer scenario's file holds (its own, or its dataset's fields)."""
    if sc.data.categories:
        return list(sc.data.categories)
    path = cat.folder / "scenarios" / scenario_set / "classify_data.yaml"
    scenarios, _ = _load_file(cat, BREAKOUTS["classify_data"], path) if path.exists() else ([], [])
    for other in scenarios:
        if other.id == sc.data.dataset:
            return [f.category for f in other.dataset.fields]
    known = ", ".join(s.id for s in scenarios) or "none"
    raise ContentError(
        [
            Problem(
                display_path(path),
                "",
                f"no classify_data scenario '{sc.data.dataset}'; expected one of: {known}",
            )
        ]
    )


def _check_agreement_answers(cat: Catalogue) -> list[Problem]:
    from ..rules.agreements import advise_agreements

    problems = []
    for path in sorted((cat.folder / "scenarios").glob("*/choose_agreement.yaml")):
        doc = read_yaml(path)
        for index, sc in enumerate(_load_file(cat, BREAKOUTS["choose_agreement"], path)[0]):
            if sc.expected is None:
                continue
            ids = advise_agreements(cat, agreement_situation(cat, sc)).ids
            if set(ids) != set(sc.expected):
                where = _Where(doc, index)
                where.add(
                    ("expected",),
                    f"the rules pick [{', '.join(ids) or 'nothing'}] for this scenario, not "
                    f"[{', '.join(sc.expected)}]; fix the scenario or agreements.yaml",
                )
                problems += where.problems
    return problems


def _check_request_answers(cat: Catalogue) -> list[Problem]:
    from ..rules.requests import review_request

    problems = []
    for path in sorted((cat.folder / "scenarios").glob("*/data_request.yaml")):
        doc = read_yaml(path)
        for index, sc in enumerate(_load_file(cat, BREAKOUTS["data_request"], path)[0]):
            where = _Where(doc, index)
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
            problems += where.problems
    return problems


def agreement_situation(cat: Catalogue, sc: AgreementScenario):
    """The :class:`~.situations.Situation` an agreement scenario describes."""
    from ..rules.agreements import situation_from_data

    spec = sc.situation
    return situation_from_data(cat, spec.categories, spec.requester, **spec.details())
