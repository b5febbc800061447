"""Load and check a jurisdiction's catalogue (``exercises/<jurisdiction>/*.yaml``).

``load_catalogue("ct")`` returns a frozen :class:`Catalogue` or raises
:class:`~.errors.ContentError` listing every problem: YAML syntax, missing or misspelt
fields, duplicate ids, references to ids that do not exist, missing playbook sources.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ContentError, Problem
from . import models as m
from .bounded_regex import backtracking_problem
from .locations import CONTENT_ENV, own_or_shipped
from .message_templates import render_problem
from .situations import SITUATION_FIELDS, check_condition
from .yaml_source import YamlDocument, read_yaml, validation_problems

DEFAULT_JURISDICTION = "ct"

#: Catalogue files, the model each must match, and whether a jurisdiction must have it.
CATALOGUE_FILES: dict[str, tuple[type[BaseModel], bool]] = {
    "jurisdiction.yaml": (m.Jurisdiction, True),
    "categories.yaml": (m.CategoriesFile, True),
    "governing_rules.yaml": (m.GoverningRulesFile, True),
    "channels.yaml": (m.ChannelsFile, True),
    "agreements.yaml": (m.AgreementsFile, True),
    "roles.yaml": (m.RolesFile, True),
    "request_form.yaml": (m.RequestFormFile, True),
    # Wording of feedback; shared default in exercises/messages.yaml, overridable per state.
    "messages.yaml": (m.MessagesFile, False),
}

#: Every sentence template the rules engine fills in, with the placeholders it may use.
MESSAGE_PLACEHOLDERS: dict[str, set[str]] = {
    "field_level": {"field", "category", "level"},
    "field_quasi": {"field", "category", "definition"},
    "field_rule": {"rule", "full_name"},
    "field_no_rule": set(),
    "dataset_your_level": {"theirs", "level"},
    "dataset_level": {"level", "meaning"},
    "quasi_together": {"fields", "count", "category"},
    "channel_allowed": {"channel", "recipient", "size"},
    "channel_level_refused": {"channel", "allowed", "level", "categories"},
    "channel_recipient_refused": {"channel", "recipient"},
    "channel_size_refused": {"channel", "size", "limit", "note"},
    "channel_size_varies": {"channel", "note"},
    "channel_best": {"channel"},
    "steps_checked_for": {"channel"},
    "steps_checked_for_refused": {"channel"},
    "channel_setup_by": {"setup"},
    "channel_notify_it": {"threshold"},
    "channel_purge_days": {"days"},
    "channel_none": {"level", "size", "recipient"},
    "agreement_none_needed": set(),
    "agreement_works_together": {"agreements", "explanation"},
    "agreement_not_fit": {"agreement", "summary"},
    "agreement_not_public": {"level"},
    "agreement_counsel": set(),
    "request_missing": {"question"},
    "request_too_short": {"question", "min_words"},
    "request_vague": {"question", "phrase", "hint"},
    "request_must_mention": {"question", "label", "hint"},
    "request_complete": set(),
    "request_clear": {"question"},
    "request_help": {"help"},
    "deid_right": {"choice"},
    "deid_not_needed": {"choice"},
    "deid_needed": {"answer"},
    "deid_too_detailed": {"choice", "answer"},
    "deid_too_coarse": {"choice", "answer"},
    "deid_threshold_low": {"size", "rule"},
    "deid_threshold_ok": {"size", "rule"},
    "deid_threshold_strict": {"size", "rule"},
    "deid_hidden": {"cells", "total", "people", "everyone", "share"},
    "deid_table_too_big": {"cells", "people"},
    "deid_totals_hidden": {"count"},
    "deid_zeros": set(),
    "deid_rule": {"rule", "low", "high"},
    "steps_deidentify_first": set(),
    "steps_none": set(),
    "basis_playbook": set(),
    "basis_kit": set(),
    # Breakout 6's choices, by id: methods, blocking fields, errors (breakouts.linking).
    "linking_exact_id": set(),
    "linking_name_birth_date": set(),
    "linking_probabilistic": set(),
    "linking_none": set(),
    "linking_birth_year": set(),
    "linking_zip": set(),
    "linking_last_initial": set(),
    "linking_false_match": set(),
    "linking_missed_match": set(),
}

T = TypeVar("T")


def content_root() -> Path:
    """The folder holding one sub-folder per jurisdiction.

    ``$DATASHARING_WORKSHOP_CONTENT`` if set; otherwise the ``exercises/`` folder of the
    workshop folder in use (the first ``workshop.yml`` here or above); otherwise the
    content the kit ships (see :mod:`.locations`).
    """
    env = os.environ.get(CONTENT_ENV)
    if env:
        return Path(env).expanduser()
    return own_or_shipped("exercises")


def available_jurisdictions(root: Path | None = None) -> list[str]:
    root = root or content_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "jurisdiction.yaml").is_file())


@dataclass(frozen=True)
class Catalogue:
    """One jurisdiction's facts, checked and cross-referenced. Read-only."""

    folder: Path
    jurisdiction: m.Jurisdiction
    levels: tuple[m.Level, ...]
    categories: dict[str, m.Category]
    governing_rules: dict[str, m.GoverningRule]
    recipients: dict[str, m.Recipient]
    channels: dict[str, m.Channel]
    steps: dict[str, m.Step]
    requesters: dict[str, m.Requester]
    agreements: dict[str, m.Agreement]
    works_together: tuple[m.WorksTogether, ...]
    roles: dict[str, m.Role]
    request_questions: dict[str, m.RequestQuestion]
    messages: dict[str, str]
    #: Every file read, for the handout builder's change detection.
    files: tuple[Path, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.jurisdiction.id

    @property
    def sections(self) -> dict[str, m.Section]:
        return {s.id: s for s in self.jurisdiction.sections}

    def section(self, section_id: str) -> m.Section:
        return self.sections[section_id]

    def level(self, level_id: str) -> m.Level:
        return next(lv for lv in self.levels if lv.id == level_id)

    def level_rank(self, level_id: str) -> int:
        return [lv.id for lv in self.levels].index(level_id)

    def message(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values)

    def rules_for(self, category_id: str) -> list[m.GoverningRule]:
        return [r for r in self.governing_rules.values() if category_id in r.covers]


def load_catalogue(jurisdiction: str | os.PathLike = DEFAULT_JURISDICTION) -> Catalogue:
    """Load a catalogue by id (``"ct"``) or by folder path.

    Raises
    ------
    ContentError
        With one problem per thing wrong, each naming file, line and field.
    """
    folder = _catalogue_folder(jurisdiction)
    return _load_cached(folder.resolve(), _stamp(folder))


def _catalogue_folder(jurisdiction: str | os.PathLike) -> Path:
    given = Path(jurisdiction)
    if given.is_dir():
        return given
    text = str(jurisdiction)
    if "/" not in text and "\\" not in text:
        folder = content_root() / text
        if folder.is_dir():
            return folder
    known = ", ".join(available_jurisdictions()) or "none found"
    raise ContentError(
        [
            Problem(
                str(jurisdiction),
                "",
                f"no catalogue folder for jurisdiction '{jurisdiction}' in {content_root()}; "
                f"expected one of: {known}",
            )
        ]
    )


def _stamp(folder: Path) -> tuple:
    # Cache by file modification times so an edited YAML file is picked up in a running
    # kernel without restarting it. Every catalogue file of every jurisdiction counts, since
    # one may extend another; that is a few dozen stat calls.
    root = folder.parent
    paths = sorted([*root.glob("*/*.yaml"), *root.glob("*.yaml")])
    return tuple((str(p), _mtime(p)) for p in paths)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # a broken link or a file removed meanwhile: reported when read, if used
        return -1


@lru_cache(maxsize=8)
def _load_cached(folder: Path, _stamp: tuple) -> Catalogue:
    problems: list[Problem] = []
    docs: dict[str, YamlDocument] = {}
    parsed: dict[str, Any] = {}
    root = folder.parent
    parent = _parent_folder(folder, problems)
    for name, (model, required) in CATALOGUE_FILES.items():
        path = folder / name
        if path.is_symlink() and not path.exists():
            _parse(path, model, problems)  # names the broken link
            continue
        if not path.exists() and parent is not None and name != "jurisdiction.yaml":
            path = parent / name  # inherited unchanged from the jurisdiction it extends
        if not path.exists():
            if required:
                problems.append(
                    Problem(
                        _shown(path),
                        "",
                        f"missing: every catalogue needs {name} (copy it from exercises/ct/)",
                    )
                )
            continue
        doc, value = _parse(path, model, problems)
        if doc is not None:
            docs[name] = doc
        if value is not None:
            parsed[name] = value
    default_messages = root / "messages.yaml"
    messages: dict[str, str] = {}
    if default_messages.exists():
        doc, value = _parse(default_messages, m.MessagesFile, problems)
        if value is not None:
            messages.update(value.messages)
            docs["../messages.yaml"] = doc  # type: ignore[assignment]
    if "messages.yaml" in parsed:
        messages.update(parsed["messages.yaml"].messages)
    if problems:
        raise ContentError(problems)
    jurisdiction = _with_inherited_sections(parsed["jurisdiction.yaml"], parent, docs, problems)
    if problems:
        raise ContentError(problems)

    cat = Catalogue(
        folder=folder,
        jurisdiction=jurisdiction,
        levels=tuple(parsed["categories.yaml"].levels),
        categories=_by_id(parsed["categories.yaml"].categories),
        governing_rules=_by_id(parsed["governing_rules.yaml"].governing_rules),
        recipients=_by_id(parsed["channels.yaml"].recipients),
        channels=_by_id(parsed["channels.yaml"].channels),
        steps=_by_id(parsed["channels.yaml"].steps),
        requesters=_by_id(parsed["agreements.yaml"].requesters),
        agreements=_by_id(parsed["agreements.yaml"].agreements),
        works_together=tuple(parsed["agreements.yaml"].works_together),
        roles=_by_id(parsed["roles.yaml"].roles),
        request_questions=_by_id(parsed["request_form.yaml"].questions),
        messages=messages,
        files=tuple(
            sorted(
                {d.path.resolve() for d in docs.values()}
                | ({(parent / "jurisdiction.yaml").resolve()} if parent else set())
            )
        ),
    )
    problems = _cross_check(cat, parsed, docs)
    if problems:
        raise ContentError(problems)
    return cat


def _parent_folder(folder: Path, problems: list[Problem]) -> Path | None:
    """The folder of the jurisdiction this one ``extends``, if any (one level only)."""
    path = folder / "jurisdiction.yaml"
    try:
        data = read_yaml(path).data
    except ContentError:
        return None  # reported when the file itself is parsed
    name = data.get("extends") if isinstance(data, dict) else None
    if not name:
        return None
    parent = folder.parent / str(name)
    if (
        not isinstance(name, str)
        or "/" in name
        or "\\" in name
        or not (parent / "jurisdiction.yaml").is_file()
        or parent.resolve() == folder.resolve()
    ):
        doc = read_yaml(path)
        known = ", ".join(j for j in available_jurisdictions(folder.parent) if j != folder.name)
        problems.append(
            doc.problem(
                ("extends",), f"unknown jurisdiction '{name}'; expected one of: {known or 'none'}"
            )
        )
        return None
    # Only one level is supported: a parent that extends another (or this one) is reported.
    try:
        grand = read_yaml(parent / "jurisdiction.yaml").data
    except ContentError:
        return parent  # reported when the parent's file is parsed
    further = grand.get("extends") if isinstance(grand, dict) else None
    if further:
        doc = read_yaml(path)
        if str(further) == folder.name:
            message = (
                f"'{folder.name}' extends '{name}', which extends '{folder.name}' again: a "
                "cycle; remove `extends` from one of them"
            )
        else:
            message = (
                f"'{name}' itself extends '{further}'; `extends` goes one level only, so "
                f"extend '{further}' directly or copy what you need from '{name}'"
            )
        problems.append(doc.problem(("extends",), message))
        return None
    return parent


def _with_inherited_sections(
    own: m.Jurisdiction, parent: Path | None, docs: dict[str, YamlDocument], problems
) -> m.Jurisdiction:
    """Sections and playbook of the parent come first; the jurisdiction's own may add to them."""
    sections, playbook = list(own.sections), own.playbook
    if parent is not None:
        base_doc = read_yaml(parent / "jurisdiction.yaml")
        try:
            base = m.Jurisdiction.model_validate(base_doc.data)
        except ValidationError as exc:  # the parent's own mistakes, at its own lines
            problems += validation_problems(base_doc, exc)
            return own
        sections = [*base.sections, *sections]
        playbook = playbook or base.playbook
    doc = docs["jurisdiction.yaml"]
    if not sections:
        problems.append(
            doc.problem(
                ("sections",),
                "no playbook sections: list the sections "
                "the catalogue cites (or `extends` a jurisdiction that does)",
            )
        )
    if playbook is None:
        problems.append(doc.problem(("playbook",), "this field is required but missing"))
    return own.model_copy(update={"sections": sections, "playbook": playbook})


def _shown(path: Path) -> str:
    from .yaml_source import display_path

    return display_path(path)


def _parse(
    path: Path, model: type[BaseModel], problems: list[Problem]
) -> tuple[YamlDocument | None, Any]:
    try:
        doc = read_yaml(path)
    except ContentError as exc:
        problems += exc.problems
        return None, None
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "expected a YAML mapping (key: value lines) at the top"))
        return doc, None
    try:
        return doc, model.model_validate(doc.data)
    except ValidationError as exc:
        problems += validation_problems(doc, exc)
        return doc, None


def _by_id(items: Iterable[T]) -> dict[str, T]:
    # Duplicates are reported by _cross_check from the lists, with their lines.
    return {item.id: item for item in items}  # type: ignore[attr-defined]


class _Checker:
    """Collects problems for one file with line numbers."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, loc: Sequence[str | int], message: str) -> None:
        self.problems.append(self.doc.problem(loc, message))

    def unique(self, key: str, items: Sequence[Any]) -> None:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                self.add(
                    (key, index, "id"),
                    f"duplicate id '{item.id}' (also used by {key}[{seen[item.id]}]); "
                    "ids must be unique",
                )
            else:
                seen[item.id] = index

    def ref(self, loc: Sequence[str | int], value: str | None, known: Iterable[str], what: str):
        known = list(known)
        if value is not None and value not in known:
            self.add(loc, f"unknown {what} '{value}'; expected one of: {', '.join(known)}")


def _cross_check(cat: Catalogue, parsed: dict[str, Any], docs: dict[str, YamlDocument]):
    sections = [s.id for s in cat.jurisdiction.sections]
    levels = [lv.id for lv in cat.levels]
    out: list[Problem] = []

    j = _Checker(docs["jurisdiction.yaml"])
    j.unique("sections", cat.jurisdiction.sections)
    j.ref(
        ("settings", "min_cell_size_source"),
        cat.jurisdiction.settings.min_cell_size_source,
        sections,
        "playbook section",
    )
    out += j.problems

    c = _Checker(docs["categories.yaml"])
    cf = parsed["categories.yaml"]
    c.unique("levels", cf.levels)
    c.unique("categories", cf.categories)
    for i, lv in enumerate(cf.levels):
        c.ref(("levels", i, "source"), lv.source, sections, "playbook section")
    for i, cg in enumerate(cf.categories):
        c.ref(("categories", i, "level"), cg.level, levels, "sensitivity level")
        c.ref(("categories", i, "parent"), cg.parent, cat.categories, "category")
        c.ref(("categories", i, "source"), cg.source, sections, "playbook section")
        if cg.combination:
            c.ref(
                ("categories", i, "combination", "counts_as"),
                cg.combination.counts_as,
                cat.categories,
                "category",
            )
    out += c.problems

    r = _Checker(docs["governing_rules.yaml"])
    r.unique("governing_rules", parsed["governing_rules.yaml"].governing_rules)
    for i, rule in enumerate(parsed["governing_rules.yaml"].governing_rules):
        for k, cid in enumerate(rule.covers):
            r.ref(("governing_rules", i, "covers", k), cid, cat.categories, "category")
        r.ref(("governing_rules", i, "source"), rule.source, sections, "playbook section")
    out += r.problems

    ch = _Checker(docs["channels.yaml"])
    chf = parsed["channels.yaml"]
    ch.unique("recipients", chf.recipients)
    ch.unique("channels", chf.channels)
    ch.unique("steps", chf.steps)
    for i, rc in enumerate(chf.recipients):
        ch.ref(("recipients", i, "source"), rc.source, sections, "playbook section")
    for i, chan in enumerate(chf.channels):
        ch.ref(("channels", i, "max_level"), chan.max_level, levels, "sensitivity level")
        ch.ref(("channels", i, "source"), chan.source, sections, "playbook section")
        for k, rid in enumerate(chan.recipients):
            ch.ref(("channels", i, "recipients", k), rid, cat.recipients, "recipient")
        for k, limit in enumerate(chan.limits):
            for n, rid in enumerate(limit.recipients or []):
                ch.ref(
                    ("channels", i, "limits", k, "recipients", n), rid, cat.recipients, "recipient"
                )
    for i, step in enumerate(chf.steps):
        ch.ref(("steps", i, "source"), step.source, sections, "playbook section")
        _check_template(
            ch, ("steps", i, "text"), step.text, {"channel", "days", "threshold", "setup"}
        )
    out += ch.problems

    a = _Checker(docs["agreements.yaml"])
    af = parsed["agreements.yaml"]
    a.unique("requesters", af.requesters)
    a.unique("agreements", af.agreements)
    for i, rq in enumerate(af.requesters):
        a.ref(("requesters", i, "recipient"), rq.recipient, cat.recipients, "recipient")
        a.ref(("requesters", i, "source"), rq.source, sections, "playbook section")
    for i, ag in enumerate(af.agreements):
        a.ref(("agreements", i, "source"), ag.source, sections, "playbook section")
        for k, other in enumerate(ag.works_with):
            a.ref(("agreements", i, "works_with", k), other, cat.agreements, "agreement")
        for k, fit in enumerate(ag.fits):
            for name, cond in fit.when.items():
                loc = ("agreements", i, "fits", k, "when", name)
                if name not in SITUATION_FIELDS:
                    a.add(
                        loc,
                        f"unknown situation field '{name}'; expected one of: "
                        f"{', '.join(SITUATION_FIELDS)}",
                    )
                    continue
                error = check_condition(name, cond, requesters=list(cat.requesters), levels=levels)
                if error:
                    a.add(loc, error)
    for i, group in enumerate(af.works_together):
        a.ref(("works_together", i, "source"), group.source, sections, "playbook section")
        for k, other in enumerate(group.agreements):
            a.ref(("works_together", i, "agreements", k), other, cat.agreements, "agreement")
    out += a.problems

    ro = _Checker(docs["roles.yaml"])
    ro.unique("roles", parsed["roles.yaml"].roles)
    for i, role in enumerate(parsed["roles.yaml"].roles):
        ro.ref(("roles", i, "source"), role.source, sections, "playbook section")
    out += ro.problems

    q = _Checker(docs["request_form.yaml"])
    q.unique("questions", parsed["request_form.yaml"].questions)
    for i, question in enumerate(parsed["request_form.yaml"].questions):
        q.ref(("questions", i, "source"), question.source, sections, "playbook section")
        for k, mention in enumerate(question.must_mention):
            for n, pattern in enumerate(mention.patterns):
                problem = backtracking_problem(pattern)
                if problem:
                    q.add(("questions", i, "must_mention", k, "patterns", n), problem)
    out += q.problems

    out += _check_messages(cat, docs)
    return out


def _check_template(checker: _Checker, loc, text: str, allowed: set[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        checker.add(loc, f"broken {{placeholder}} ({exc}); write {{{{ and }}}} for braces")
        return
    unknown = sorted(n for n in names if n not in allowed)
    if unknown:
        allowed_text = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
        checker.add(
            loc,
            f"unknown placeholder {', '.join('{' + u + '}' for u in unknown)}; "
            f"this text may use: {allowed_text}",
        )
        return
    problem = render_problem(text, allowed)
    if problem:
        checker.add(loc, problem)


def _check_messages(cat: Catalogue, docs: dict[str, YamlDocument]) -> list[Problem]:
    doc = docs.get("messages.yaml") or docs.get("../messages.yaml")
    if doc is None:
        path = cat.folder.parent / "messages.yaml"
        return [Problem(_shown(path), "", "missing: the feedback sentences (messages.yaml)")]
    checker = _Checker(doc)
    for key, allowed in MESSAGE_PLACEHOLDERS.items():
        if key not in cat.messages:
            checker.add(
                ("messages",),
                f"missing message '{key}' (placeholders: {', '.join(sorted(allowed)) or 'none'})",
            )
        else:
            owner = docs.get("messages.yaml")
            if owner is not None and key in owner.data.get("messages", {}):
                checker.doc = owner
            else:
                checker.doc = docs.get("../messages.yaml", doc)
            _check_template(checker, ("messages", key), cat.messages[key], allowed)
    for key in cat.messages:
        if key not in MESSAGE_PLACEHOLDERS:
            checker.add(
                ("messages", key),
                f"unknown message '{key}'; expected one of: {', '.join(MESSAGE_PLACEHOLDERS)}",
            )
    return checker.problems
