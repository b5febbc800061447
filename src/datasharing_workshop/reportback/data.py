"""Turn one workshop's saved answers into what the report-back shows.

An answer record is one group's latest attempt at one scenario. The report-back compares
it with the key item by item:

* ``classify_data``: one item per field of the scenario's dataset; the group's category
  (and governing rule) against the key's. The answer dict is
  ``{field: {"category": id, "rule": id or "none"}}`` (see
  :func:`datasharing_workshop.widgets.classify_data.check_classification`).
* ``transfer_channel``: one item per scenario; the group's channel against the best
  channel the rules pick. The answer dict is ``{"channel": id, "steps": [ids]}``.
* any other exercise (a breakout this module does not know yet): one item per scenario,
  the answer shown as text and judged by the stored ``correct`` flag.

Nothing here draws or formats; :mod:`.render` and :mod:`.charts` do that. Only the standard
library, the catalogue, the scenarios and the rules are imported, so the shaping is quick.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..breakouts.scenarios import (
    BREAKOUTS,
    DEFAULT_SET,
    load_scenarios,
    scenario_path,
    transfer_categories,
)
from ..content.catalogue import Catalogue, load_catalogue
from ..errors import ContentError, InputError
from ..store import AnswerRecord, AnswerStore, Observation, resolve_store_path

__all__ = [
    "ChannelCount",
    "Disagreement",
    "ExerciseInfo",
    "Item",
    "ItemAnswer",
    "Miss",
    "ReportData",
    "Score",
    "answer_summary",
    "build_report_data",
    "channel_choices",
    "confusions",
    "disagreements",
    "group_scores",
    "load_report_data",
    "most_missed",
]

Result = Literal["right", "nearly", "wrong"]

#: How each result is written: words and a symbol, so it reads in black and white. The
#: same marks as the breakout widgets' feedback.
RESULT_WORDS: dict[str, str] = {"right": "✔ Right", "nearly": "◐ Nearly", "wrong": "✘ Not yet"}

#: What the classify widget saves when a field has no governing rule.
NO_RULE = "none"


@dataclass(frozen=True)
class Item:
    """One thing a group answered that can be compared with the key."""

    exercise: str
    scenario: str
    scenario_title: str
    #: The dataset field, for items that are one field of a scenario; else None.
    field: str | None
    #: The key's answer as an id (category, channel), or None when there is no key.
    key: str | None
    key_label: str
    #: Playbook section id that explains the answer, when known.
    source: str | None
    #: The key's second part, when the exercise has one (the governing rule's id).
    key_detail: str | None = None
    #: How to show ``key_detail`` (the rule's name).
    key_detail_label: str = ""

    @property
    def label(self) -> str:
        return f"{self.scenario_title} › {self.field}" if self.field else self.scenario_title


@dataclass(frozen=True)
class ItemAnswer:
    """One group's answer to one item."""

    item: Item
    group: str
    chosen: str
    chosen_label: str
    result: Result
    #: A second part of the answer (the governing rule chosen), when there is one.
    detail: str = ""


@dataclass(frozen=True)
class ExerciseInfo:
    id: str
    title: str
    kind: Literal["classify", "transfer", "generic"]
    #: Items in the order of the scenario file (for known exercises), then as answered.
    items: tuple[Item, ...]


@dataclass
class ReportData:
    """Everything the report-back shows about one workshop, before formatting."""

    workshop: str
    catalogue: Catalogue
    groups: list[str]
    exercises: list[ExerciseInfo]
    records: list[AnswerRecord]
    answers: list[ItemAnswer]
    observations: list[Observation]
    scenario_set: str = DEFAULT_SET
    store_path: Path | None = None
    #: Problems worth telling the facilitator (a scenario file that could not be read...).
    notes: list[str] = field(default_factory=list)
    #: For transfer scenarios: channel id -> "best" / "allowed" / "refused", per scenario.
    channel_verdicts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Other workshops the store holds answers for (filled when this one has none).
    other_workshops: list[str] = field(default_factory=list)

    def exercise(self, exercise_id: str) -> ExerciseInfo | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)


# --------------------------------------------------------------------------- building


def load_report_data(
    workshop_id: str,
    *,
    store_path: str | os.PathLike[str] | None = "",
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
    store: AnswerStore | None = None,
) -> ReportData:
    """Read one workshop from the answer store and compare every answer with the key.

    A store file that does not exist yet gives an empty report (it is not created: a
    typo in ``store_path`` must not leave an empty database behind).

    Raises
    ------
    StoreError
        The store exists but cannot be read.
    ContentError
        The jurisdiction's catalogue is malformed.
    """
    path = store.path if store is not None else resolve_store_path(store_path).absolute()
    if store is None and not path.exists():
        records: list[AnswerRecord] = []
        observations: list[Observation] = []
        others: list[str] = []
    else:
        own = store is None
        store = store or AnswerStore(path, create=False)
        try:
            records = store.latest_answers(workshop_id)
            observations = store.observations(workshop_id)
            others = [] if records else [w for w in store.workshops() if w != workshop_id]
        finally:
            if own:
                store.close()
    data = build_report_data(
        workshop_id,
        records,
        observations,
        catalogue=load_catalogue(jurisdiction or "ct"),
        scenario_set=scenario_set or DEFAULT_SET,
        store_path=path,
    )
    data.other_workshops = others
    return data


def build_report_data(
    workshop_id: str,
    records: Sequence[AnswerRecord],
    observations: Sequence[Observation] = (),
    *,
    catalogue: Catalogue,
    scenario_set: str = DEFAULT_SET,
    store_path: Path | None = None,
    exercise_order: Sequence[str] | None = None,
) -> ReportData:
    """Compare records (latest attempts) with the keys; see :func:`load_report_data`."""
    data = ReportData(
        workshop=workshop_id,
        catalogue=catalogue,
        groups=sorted({r.group for r in records}),
        exercises=[],
        records=list(records),
        answers=[],
        observations=list(observations),
        scenario_set=scenario_set,
        store_path=store_path,
    )
    by_exercise: dict[str, list[AnswerRecord]] = defaultdict(list)
    for record in records:
        by_exercise[record.exercise].append(record)
    for exercise_id in _exercise_order(by_exercise, exercise_order):
        info, answers = _compare(data, exercise_id, by_exercise[exercise_id])
        data.exercises.append(info)
        data.answers += answers
    return data


def _exercise_order(found: Iterable[str], order: Sequence[str] | None) -> list[str]:
    if order is None:
        order = _agenda_exercises()
    found = set(found)
    first = [e for e in order if e in found]
    return first + sorted(found - set(first))


def _agenda_exercises() -> list[str]:
    try:
        from ..plenary.agenda import load_agenda

        return [s.exercise for s in load_agenda().sessions if s.exercise]
    except ContentError:
        # The report must still show answers when the agenda file is broken; `validate`
        # and the tests report the agenda's problems.
        return list(BREAKOUTS)


# Scenario files parsed once per (file, modification time): a facilitator re-runs the
# report-back many times during the discussion.
_SCENARIO_CACHE: dict[tuple[str, str, str], tuple[int, list[Any]]] = {}


def _scenarios(cat: Catalogue, exercise_id: str, scenario_set: str) -> list[Any]:
    path = scenario_path(exercise_id, scenario_set=scenario_set, catalogue=cat)
    stamp = _stamp(path)
    key = (str(cat.folder), exercise_id, scenario_set)
    cached = _SCENARIO_CACHE.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_scenarios(exercise_id, str(cat.folder), scenario_set))
        _SCENARIO_CACHE[key] = cached
    return cached[1]


def _compare(
    data: ReportData, exercise_id: str, records: list[AnswerRecord]
) -> tuple[ExerciseInfo, list[ItemAnswer]]:
    title = _exercise_title(exercise_id)
    scenarios: list[Any] = []
    if exercise_id in ("classify_data", "transfer_channel"):
        try:
            scenarios = _scenarios(data.catalogue, exercise_id, data.scenario_set)
        except ContentError as exc:
            data.notes.append(
                f"The key for '{title}' could not be read, so its answers are shown without "
                f"it: {exc.problems[0]}"
            )
    if exercise_id == "classify_data" and scenarios:
        return _compare_classify(data, exercise_id, title, scenarios, records)
    if exercise_id == "transfer_channel" and scenarios:
        return _compare_transfer(data, exercise_id, title, scenarios, records)
    return _compare_generic(exercise_id, title, records)


def _exercise_title(exercise_id: str) -> str:
    breakout = BREAKOUTS.get(exercise_id)
    if breakout is not None:
        return breakout.title
    words = exercise_id.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _compare_classify(
    data: ReportData, exercise_id: str, title: str, scenarios: list[Any], records
) -> tuple[ExerciseInfo, list[ItemAnswer]]:
    from ..rules.sensitivity import lineage

    cat = data.catalogue
    items: dict[tuple[str, str], Item] = {}
    for sc in scenarios:
        for f in sc.dataset.fields:
            key_cat = cat.categories[f.category]
            items[(sc.id, f.name)] = Item(
                exercise_id,
                sc.id,
                sc.title,
                f.name,
                f.category,
                key_cat.short,
                key_cat.source,
                key_detail=f.rule or NO_RULE,
                key_detail_label=_rule_label(cat, f.rule or NO_RULE),
            )
    fields_of = {sc.id: [f.name for f in sc.dataset.fields] for sc in scenarios}
    answers: list[ItemAnswer] = []
    extra: list[Item] = []
    generic: list[AnswerRecord] = []
    for record in records:
        names = fields_of.get(record.scenario)
        if names is None:
            generic.append(record)  # a scenario the current file no longer has
            continue
        for name in names:
            item = items[(record.scenario, name)]
            given = record.answer.get(name)
            given = given if isinstance(given, Mapping) else {}
            chosen = str(given.get("category") or "")
            rule = str(given.get("rule") or "")
            if chosen == item.key and rule == item.key_detail:
                result: Result = "right"
            elif chosen == item.key or (chosen and chosen in lineage(cat, item.key or "")[1:]):
                result = "nearly"  # right category with the wrong rule, or the wider category
            else:
                result = "wrong"
            answers.append(
                ItemAnswer(
                    item,
                    record.group,
                    chosen,
                    _category_label(cat, chosen),
                    result,
                    _rule_label(cat, rule),
                )
            )
    if generic:
        info, more = _compare_generic(exercise_id, title, generic)
        extra += info.items
        answers += more
    return ExerciseInfo(exercise_id, title, "classify", (*items.values(), *extra)), answers


def _category_label(cat: Catalogue, category_id: str) -> str:
    if not category_id:
        return "(none chosen)"
    found = cat.categories.get(category_id)
    return found.short if found else category_id


def _rule_label(cat: Catalogue, rule_id: str) -> str:
    if not rule_id:
        return "(no rule chosen)"
    if rule_id == NO_RULE:
        return "no special rule"
    found = cat.governing_rules.get(rule_id)
    return found.name if found else rule_id


def _compare_transfer(
    data: ReportData, exercise_id: str, title: str, scenarios: list[Any], records
) -> tuple[ExerciseInfo, list[ItemAnswer]]:
    cat = data.catalogue
    items: dict[str, Item] = {}
    datasets = scenario_path("classify_data", scenario_set=data.scenario_set, catalogue=cat)
    key = (str(cat.folder), data.scenario_set, _stamp(datasets))
    cached = _VERDICT_CACHE.get(key)
    if cached is None or cached[0] is not cat or cached[1] is not scenarios:
        # The rules' verdicts depend only on the catalogue and the scenarios, both cached
        # while their files are unchanged; working them out again (and re-reading the
        # datasets transfer scenarios refer to) would dominate a re-run of the report.
        cached = (cat, scenarios, _transfer_verdicts(cat, scenarios, data.scenario_set))
        _VERDICT_CACHE.clear()
        _VERDICT_CACHE[key] = cached
    all_verdicts, notes = cached[2]
    data.notes += notes
    for sc in scenarios:
        verdicts = all_verdicts[sc.id]
        best_id = next((c for c, v in verdicts.items() if v == "best"), None)
        data.channel_verdicts[sc.id] = verdicts
        best = cat.channels.get(best_id or "")
        items[sc.id] = Item(
            exercise_id,
            sc.id,
            sc.title,
            None,
            best_id,
            best.short if best else "(no channel fits)",
            best.source if best else sc.source,
        )
    answers: list[ItemAnswer] = []
    generic: list[AnswerRecord] = []
    for record in records:
        item = items.get(record.scenario)
        if item is None:
            generic.append(record)
            continue
        chosen = str(record.answer.get("channel") or "")
        verdict = data.channel_verdicts.get(record.scenario, {}).get(chosen)
        if record.correct:
            result: Result = "right"
        elif verdict in ("best", "allowed"):
            result = "nearly"  # the channel may carry the file; the steps were not all right
        else:
            result = "wrong"
        found = cat.channels.get(chosen)
        label = found.short if found else (chosen or "(none chosen)")
        steps = record.answer.get("steps")
        detail = ", ".join(str(s) for s in steps) if isinstance(steps, list) else ""
        answers.append(ItemAnswer(item, record.group, chosen, label, result, detail))
    extra: tuple[Item, ...] = ()
    if generic:
        info, more = _compare_generic(exercise_id, title, generic)
        extra = info.items
        answers += more
    return ExerciseInfo(exercise_id, title, "transfer", (*items.values(), *extra)), answers


_VERDICT_CACHE: dict[tuple[str, str, int], tuple[Catalogue, list[Any], Any]] = {}


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _transfer_verdicts(
    cat: Catalogue, scenarios: list[Any], scenario_set: str
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Per scenario: channel id -> "best" / "allowed" / "refused", and any problems."""
    from ..rules.transfer import advise_transfer, make_transfer

    out: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    for sc in scenarios:
        verdicts: dict[str, str] = {}
        best_id = sc.expected_best
        try:
            transfer = make_transfer(
                cat,
                transfer_categories(cat, sc, scenario_set),
                sc.size,
                sc.recipient,
                deidentified_ok=sc.deidentified_ok,
            )
            advice = advise_transfer(cat, transfer)
            best_id = advice.best.channel.id if advice.best else best_id
            for verdict in advice.verdicts:
                verdicts[verdict.channel.id] = "allowed" if verdict.allowed else "refused"
        except ContentError as exc:
            notes.append(f"Scenario '{sc.id}': {exc.problems[0].message}")
        except InputError as exc:
            notes.append(f"Scenario '{sc.id}': {exc}")
        if best_id:
            verdicts[best_id] = "best"
        out[sc.id] = verdicts
    return out, notes


def _compare_generic(
    exercise_id: str, title: str, records: Iterable[AnswerRecord]
) -> tuple[ExerciseInfo, list[ItemAnswer]]:
    items: dict[str, Item] = {}
    answers = []
    for record in records:
        item = items.get(record.scenario)
        if item is None:
            item = items[record.scenario] = Item(
                exercise_id, record.scenario, record.scenario, None, None, "", None
            )
        text = answer_summary(record.answer)
        answers.append(
            ItemAnswer(item, record.group, text, text, "right" if record.correct else "wrong")
        )
    return ExerciseInfo(exercise_id, title, "generic", tuple(items.values())), answers


def answer_summary(answer: Any, limit: int = 80) -> str:
    """An answer dict as short text: ``channel: sftp_web; steps: zip_encrypt, notify_it``."""

    def show(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return ", ".join(show(v) for v in value)
        if isinstance(value, Mapping):
            return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)

    text = show(answer) or "(empty)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Score:
    """One group's results in one exercise (latest attempts)."""

    answered: int
    right: int
    #: Mean of the stored scores (partial credit), or of right/wrong when none is stored.
    mean: float


def group_scores(data: ReportData) -> dict[tuple[str, str], Score]:
    """``(group, exercise) -> Score`` from the stored ``correct`` and ``score``."""
    buckets: dict[tuple[str, str], list[AnswerRecord]] = defaultdict(list)
    for record in data.records:
        buckets[(record.group, record.exercise)].append(record)
    out = {}
    for key, records in buckets.items():
        values = [r.score if r.score is not None else float(r.correct) for r in records]
        out[key] = Score(len(records), sum(r.correct for r in records), sum(values) / len(values))
    return out


@dataclass(frozen=True)
class Miss:
    item: Item
    missed_by: tuple[str, ...]
    answered: int


def most_missed(data: ReportData, limit: int = 10) -> list[Miss]:
    """Items that the most groups did not get fully right, most-missed first.

    Ties keep the order of the scenario files, so the chart is stable between re-runs.
    """
    order = {id(item): n for n, item in enumerate(i for e in data.exercises for i in e.items)}
    missed: dict[int, list[str]] = defaultdict(list)
    answered: Counter[int] = Counter()
    items: dict[int, Item] = {}
    for a in data.answers:
        key = id(a.item)
        items[key] = a.item
        answered[key] += 1
        if a.result != "right":
            missed[key].append(a.group)
    ranked = sorted(
        (k for k in missed),
        key=lambda k: (-len(missed[k]), -len(missed[k]) / answered[k], order.get(k, 0)),
    )
    return [Miss(items[k], tuple(sorted(missed[k])), answered[k]) for k in ranked[:limit]]


def confusions(data: ReportData) -> tuple[list[str], dict[tuple[str, str], int]]:
    """Which category the groups chose for fields of each category in the key.

    Returns
    -------
    (labels, counts)
        ``labels``: category short labels in catalogue order (plus "(none chosen)" and any
        unknown id, at the end, when they occur). ``counts``: ``(key label, chosen label) ->
        number of answers``; the diagonal holds the right answers.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for a in data.answers:
        if a.item.exercise == "classify_data" and a.item.field is not None:
            counts[(a.item.key_label, a.chosen_label)] += 1
    labels = [c.short for c in data.catalogue.categories.values()]
    seen = {label for pair in counts for label in pair}
    labels = [label for label in labels if label in seen] + sorted(seen - set(labels))
    return labels, dict(counts)


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    best: int
    allowed: int
    refused: int

    @property
    def total(self) -> int:
        return self.best + self.allowed + self.refused


def channel_choices(data: ReportData) -> list[ChannelCount]:
    """How often each channel was chosen, split by what the rules say of that choice.

    "best" is the channel the rules pick first for that scenario, "allowed" another channel
    that may carry the file, "refused" one that may not. Channels in catalogue order;
    channels nobody chose are left out.
    """
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for a in data.answers:
        if a.item.exercise != "transfer_channel" or a.item.field is not None:
            continue
        if a.item.scenario not in data.channel_verdicts:
            continue
        verdict = data.channel_verdicts[a.item.scenario].get(a.chosen, "refused")
        tally[a.chosen][verdict] += 1
    cat = data.catalogue
    order = [c for c in cat.channels if c in tally] + sorted(set(tally) - set(cat.channels))
    out = []
    for channel_id in order:
        found = cat.channels.get(channel_id)
        label = found.short if found else (channel_id or "(none chosen)")
        c = tally[channel_id]
        out.append(ChannelCount(channel_id, label, c["best"], c["allowed"], c["refused"]))
    return out


@dataclass(frozen=True)
class Disagreement:
    item: Item
    #: answer label -> groups that gave it, largest bloc first.
    split: tuple[tuple[str, tuple[str, ...]], ...]
    #: how many groups did not get it fully right
    missed: int

    @property
    def groups(self) -> int:
        return sum(len(g) for _, g in self.split)


def disagreements(data: ReportData) -> list[Disagreement]:
    """Items the groups answered differently (or all got wrong), most divided first.

    "Most divided" means the second-largest bloc is largest: a 2-2 split is a better
    discussion than 3-1. Items every group got wrong come next, even when they agreed.
    """
    answers_by_item: dict[int, list[ItemAnswer]] = defaultdict(list)
    for a in data.answers:
        answers_by_item[id(a.item)].append(a)
    out = []
    for answers in answers_by_item.values():
        blocs: dict[str, list[str]] = defaultdict(list)
        for a in answers:
            blocs[a.chosen_label].append(a.group)
        missed = sum(a.result != "right" for a in answers)
        if len(blocs) < 2 and missed < len(answers):
            continue
        split = tuple(
            sorted(
                ((label, tuple(sorted(groups))) for label, groups in blocs.items()),
                key=lambda pair: (-len(pair[1]), pair[0]),
            )
        )
        out.append(Disagreement(answers[0].item, split, missed))

    def rank(d: Disagreement) -> tuple:
        second = len(d.split[1][1]) if len(d.split) > 1 else 0
        return (-second, -d.missed, d.item.exercise, d.item.scenario, d.item.field or "")

    return sorted(out, key=rank)
