"""Turn one workshop's saved answers into what the report-back shows, item by item.

Every breakout grades an answer into per-item marks (:class:`~..breakouts.base.ItemMark`:
right, nearly, wrong, missed, not needed, with the key in words and the playbook section).
The store keeps them with every attempt; an attempt saved without them (an older store) is
graded here by the same breakout function, through the registry. So this module knows no
breakout by name: each record becomes one :class:`ItemAnswer` per item, for the group's
latest attempt and, beside it, its first.

Answers to an exercise or a scenario the current files do not have are shown as saved,
judged by the stored ``correct`` flag.

Nothing here draws or formats; :mod:`.render` and :mod:`.charts` do that.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..breakouts.base import DEFAULT_SET, MARK_WORDS, ItemMark, Mark
from ..breakouts.registry import BREAKOUTS
from ..breakouts.scenarios import load_scenarios, scenario_path
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

Result = Mark

#: How each result is written: words and a symbol, so it reads in black and white. The
#: same marks as the breakout widgets' feedback.
RESULT_WORDS: dict[str, str] = MARK_WORDS


@dataclass(frozen=True)
class Item:
    """One thing a group answered that can be compared with the key."""

    exercise: str
    scenario: str
    scenario_title: str
    #: The item's id within its scenario (a field name, ``channel``); "" for a whole answer.
    item: str
    #: The item as a person reads it; "" for a whole answer.
    item_label: str
    #: The right answer in words, or None when there is no key.
    key: str | None
    #: Playbook section id that explains the answer, when known.
    source: str | None

    @property
    def key_label(self) -> str:
        return self.key if self.key is not None else ""

    @property
    def field(self) -> str:
        return self.item_label

    @property
    def label(self) -> str:
        return (
            f"{self.scenario_title} › {self.item_label}" if self.item_label else self.scenario_title
        )


@dataclass(frozen=True)
class ItemAnswer:
    """One group's answer to one item (in its latest attempt, or its first)."""

    item: Item
    group: str
    chosen_label: str
    result: Result
    reason: str = ""

    @property
    def chosen(self) -> str:
        return self.chosen_label


@dataclass(frozen=True)
class ExerciseInfo:
    id: str
    title: str
    #: Whether a breakout graded these answers item by item (False: shown as saved).
    graded: bool
    #: Items in the order of the scenario file, then as answered.
    items: tuple[Item, ...]
    #: What each cell of the answers table shows.
    note: str = ""


@dataclass
class ReportData:
    """Everything the report-back shows about one workshop, before formatting."""

    workshop: str
    catalogue: Catalogue
    groups: list[str]
    exercises: list[ExerciseInfo]
    #: Each group's latest attempt at each scenario.
    records: list[AnswerRecord]
    #: Per item, from the latest attempts.
    answers: list[ItemAnswer]
    observations: list[Observation]
    scenario_set: str = DEFAULT_SET
    store_path: Path | None = None
    #: Problems worth telling the facilitator (a scenario file that could not be read...).
    notes: list[str] = field(default_factory=list)
    #: Other workshops the store holds answers for (filled when this one has none).
    other_workshops: list[str] = field(default_factory=list)
    #: Per item, from each group's first attempt at each scenario.
    first_answers: list[ItemAnswer] = field(default_factory=list)
    #: Each group's first attempt at each scenario.
    first_records: list[AnswerRecord] = field(default_factory=list)
    #: (group, exercise, scenario) -> how many times the group pressed Check.
    attempts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: Per exercise: (latest records, first records), in the same order.
    by_exercise: dict[str, tuple[list, list]] = field(default_factory=dict)
    #: Record id -> its answers, one per item.
    judged: dict[int, tuple[ItemAnswer, ...]] = field(default_factory=dict)

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
            records = _read_answers(store, workshop_id)
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


# Each store's attempts as last read, per (store, workshop): (the last one's id and uid,
# every record). Saved attempts are never changed or removed, so a re-run reads only the
# rows saved since; the last known row is read again to make sure it is the same store.
_READ: dict[tuple[str, str], tuple[int, str, list[AnswerRecord]]] = {}


def _read_answers(store: AnswerStore, workshop_id: str) -> list[AnswerRecord]:
    key = (str(store.path), workshop_id)
    cached = _READ.pop(key, None)
    records: list[AnswerRecord] | None = None
    if cached is not None:
        last_id, last_uid, known = cached
        since = store.answers(workshop_id, from_id=last_id)
        if since and since[0].id == last_id and since[0].uid == last_uid and last_uid:
            records = known + since[1:]
            if store.count_answers(workshop_id) != len(records):
                records = None  # rows were removed or rewritten: read them all again
    if records is None:
        records = store.answers(workshop_id)
    if records:
        if len(_READ) >= 8:
            _READ.pop(next(iter(_READ)))
        _READ[key] = (records[-1].id, records[-1].uid, records)
    return list(records)


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
    """Compare attempts with the keys; see :func:`load_report_data`.

    ``records`` may hold every attempt (oldest first, as :meth:`AnswerStore.answers`
    returns them) or only the latest ones; the report uses each group's first and latest
    attempt at each scenario.
    """
    first: dict[tuple[str, str, str], AnswerRecord] = {}
    latest: dict[tuple[str, str, str], AnswerRecord] = {}
    attempts: Counter[tuple[str, str, str]] = Counter()
    for record in sorted(records, key=lambda r: r.id):
        key = (record.group, record.exercise, record.scenario)
        first.setdefault(key, record)
        latest[key] = record
        attempts[key] += 1
    order = sorted(latest)
    data = ReportData(
        workshop=workshop_id,
        catalogue=catalogue,
        groups=sorted({r.group for r in records}),
        exercises=[],
        records=[latest[k] for k in order],
        answers=[],
        observations=list(observations),
        scenario_set=scenario_set,
        store_path=store_path,
        first_records=[first[k] for k in order],
        attempts=dict(attempts),
    )
    by_exercise: dict[str, list[str]] = defaultdict(list)
    for key in order:
        by_exercise[key[1]].append(key)  # type: ignore[arg-type]
    for exercise_id in _exercise_order(by_exercise, exercise_order):
        keys = by_exercise[exercise_id]
        latest_records, first_records = [latest[k] for k in keys], [first[k] for k in keys]
        info, answers, firsts = _compare(data, exercise_id, latest_records, first_records)
        data.by_exercise[exercise_id] = (latest_records, first_records)
        data.exercises.append(info)
        data.answers += answers
        data.first_answers += firsts
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
# Grades of attempts saved without marks, per (store row, scenario file stamp).
_GRADE_CACHE: dict[tuple[Any, ...], tuple[ItemMark, ...]] = {}
# Each attempt judged item by item, once: a saved attempt never changes, so its items only
# depend on its uid, its scenario file (stamp) and the catalogue. A re-run of the report-back
# judges only the attempts saved since the last run. Items are interned, so the same item is
# the same object in every run (the summaries group answers by item identity).
_JUDGED: dict[tuple[Any, ...], tuple[ItemAnswer, ...]] = {}
_ITEMS: dict[tuple[Any, ...], Item] = {}
# (key category, chosen category) pairs of one classify-data attempt, by the same key.
_PAIRS: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
_CACHE_LIMIT = 50_000
#: The catalogue the caches above were filled with; another one empties them.
_CACHED_FOR: list[Catalogue | None] = [None]


def clear_caches() -> None:
    """Forget every attempt read or judged in this process (benchmarks time a fresh start)."""
    for cache in (_READ, _JUDGED, _ITEMS, _PAIRS, _GRADE_CACHE, _SCENARIO_CACHE):
        cache.clear()
    _CACHED_FOR[0] = None


def _caches_for(catalogue: Catalogue) -> None:
    if _CACHED_FOR[0] is not catalogue:
        _JUDGED.clear()
        _ITEMS.clear()
        _PAIRS.clear()
        _CACHED_FOR[0] = catalogue
    if len(_JUDGED) > _CACHE_LIMIT or len(_PAIRS) > _CACHE_LIMIT:
        _JUDGED.clear()
        _PAIRS.clear()


def _item(*fields: Any) -> Item:
    found = _ITEMS.get(fields)
    if found is None:
        found = _ITEMS[fields] = Item(*fields)
    return found


def _scenarios(cat: Catalogue, exercise_id: str, scenario_set: str) -> list[Any]:
    path = scenario_path(exercise_id, scenario_set=scenario_set, catalogue=cat)
    stamp = _stamp(path)
    key = (str(cat.folder), exercise_id, scenario_set)
    cached = _SCENARIO_CACHE.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_scenarios(exercise_id, str(cat.folder), scenario_set))
        _SCENARIO_CACHE[key] = cached
    return cached[1]


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _compare(
    data: ReportData,
    exercise_id: str,
    latest: list[AnswerRecord],
    first: list[AnswerRecord],
) -> tuple[ExerciseInfo, list[ItemAnswer], list[ItemAnswer]]:
    _caches_for(data.catalogue)
    breakout = BREAKOUTS.get(exercise_id)
    title = breakout.title if breakout is not None else _words(exercise_id)
    scenarios: dict[str, Any] = {}
    stamp = -1
    if breakout is not None:
        try:
            scenarios = {
                sc.id: sc for sc in _scenarios(data.catalogue, exercise_id, data.scenario_set)
            }
            stamp = _SCENARIO_CACHE[(str(data.catalogue.folder), exercise_id, data.scenario_set)][0]
        except ContentError as exc:
            data.notes.append(
                f"The key for '{title}' could not be read, so its answers are shown without "
                f"it: {exc.problems[0]}"
            )
    order = {sc_id: n for n, sc_id in enumerate(scenarios)}
    scope = (exercise_id, data.scenario_set, stamp, bool(scenarios))

    def judge(record: AnswerRecord) -> tuple[ItemAnswer, ...]:
        key = (record.uid, record.scenario, *scope) if record.uid else None
        found = _JUDGED.get(key) if key is not None else None
        if found is None:
            found, sound = _judge(data, breakout, exercise_id, scenarios, record)
            if key is not None and sound:
                _JUDGED[key] = found
        return found

    data.judged.update((r.id, judge(r)) for r in latest)
    data.judged.update((r.id, judge(r)) for r in first)
    answers = [a for r in latest for a in data.judged[r.id]]
    firsts = [a for r in first for a in data.judged[r.id]]
    items = {id(a.item): a.item for a in answers}
    items.update((id(a.item), a.item) for a in firsts)
    ranked = sorted(items.values(), key=lambda i: (order.get(i.scenario, len(order)), i.scenario))
    graded = breakout is not None and bool(scenarios)
    note = (
        getattr(breakout, "report_note", "")
        if graded
        else (
            "These answers are for a breakout or scenario the current files do not have; "
            "they are shown as saved."
        )
    )
    return ExerciseInfo(exercise_id, title, graded, tuple(ranked), note), answers, firsts


def _judge(
    data: ReportData,
    breakout: Any,
    exercise_id: str,
    scenarios: Mapping[str, Any],
    record: AnswerRecord,
) -> tuple[tuple[ItemAnswer, ...], bool]:
    """One attempt as one answer per item, and whether that may be remembered (not when
    grading it failed: the note about it must be given again)."""
    sc = scenarios.get(record.scenario)
    notes = len(data.notes)
    marks = _marks(data, breakout, sc, record) if sc is not None else None
    if marks is None:  # an exercise or scenario the files do not have (any more)
        item = _item(exercise_id, record.scenario, record.scenario, "", "", None, None)
        text = answer_summary(record.answer)
        result = "right" if record.correct else "wrong"
        return (ItemAnswer(item, record.group, text, result),), len(data.notes) == notes
    out = []
    for m in marks:
        item = _item(exercise_id, sc.id, sc.title, m.item, m.label, m.key, m.source or sc.source)
        out.append(ItemAnswer(item, record.group, m.chosen or "(nothing chosen)", m.mark, m.reason))
    return tuple(out), True


def _marks(data: ReportData, breakout: Any, scenario: Any, record: AnswerRecord):
    stored = record.marks  # empty for attempts saved before the store kept marks
    if stored:
        return tuple(ItemMark.from_json(m) for m in stored if isinstance(m, Mapping))
    path = scenario_path(breakout.id, scenario_set=data.scenario_set, catalogue=data.catalogue)
    key = (str(data.store_path), record.id, record.exercise, record.scenario, _stamp(path))
    found = _GRADE_CACHE.get(key)
    if found is None:
        try:
            found = breakout.grade(data.catalogue, scenario, record.answer, data.scenario_set).items
        except (ContentError, InputError) as exc:
            data.notes.append(f"Scenario '{record.scenario}': {exc}")
            return None
        if len(_GRADE_CACHE) > 20_000:
            _GRADE_CACHE.clear()
        _GRADE_CACHE[key] = found
    return found or None


def _words(exercise_id: str) -> str:
    words = exercise_id.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


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


def group_scores(data: ReportData, *, first: bool = False) -> dict[tuple[str, str], Score]:
    """``(group, exercise) -> Score`` from the stored ``correct`` and ``score``.

    Latest attempts by default; ``first=True`` scores each group's first attempts.
    """
    buckets: dict[tuple[str, str], list[AnswerRecord]] = defaultdict(list)
    for record in data.first_records if first else data.records:
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


def _charted(kind: str) -> Any:
    """The first registered breakout whose report-back chart is ``kind``, or None."""
    return next((b for b in BREAKOUTS.values() if b.report_chart == kind), None)


def confusions(data: ReportData) -> tuple[list[str], dict[tuple[str, str], int]]:
    """Which category the groups chose for fields of each category in the key.

    Returns
    -------
    (labels, counts)
        ``labels``: category short labels in catalogue order (plus "(none chosen)" and any
        unknown id, at the end, when they occur). ``counts``: ``(key label, chosen label) ->
        number of answers``; the diagonal holds the right answers.
    """
    _caches_for(data.catalogue)
    counts: Counter[tuple[str, str]] = Counter()
    breakout = _charted("confusion")
    labels: list[str] = []
    if breakout is not None:
        labels = breakout.confusion_order(data.catalogue)
        records = [r for r in data.records if r.exercise == breakout.id]
        if records:
            try:
                scenarios = {
                    s.id: s for s in _scenarios(data.catalogue, breakout.id, data.scenario_set)
                }
            except ContentError:
                scenarios = {}
            stamp = _stamp_of(data, breakout.id)
            for record in records:
                sc = scenarios.get(record.scenario)
                if sc is None:
                    continue
                key = (breakout.id, record.uid, record.scenario, data.scenario_set, stamp)
                pairs = _PAIRS.get(key) if record.uid else None
                if pairs is None:
                    pairs = breakout.confusion_pairs(data.catalogue, sc, record.answer)
                    if record.uid:
                        _PAIRS[key] = pairs
                counts.update(pairs)
    seen = {label for pair in counts for label in pair}
    labels = [label for label in labels if label in seen] + sorted(seen - set(labels))
    return labels, dict(counts)


def _stamp_of(data: ReportData, exercise_id: str) -> int:
    cached = _SCENARIO_CACHE.get((str(data.catalogue.folder), exercise_id, data.scenario_set))
    return cached[0] if cached is not None else -1


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
    verdict_of = {"right": "best", "nearly": "allowed"}
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    breakout = _charted("choices")
    if breakout is None:
        return []
    for a in data.answers:
        if a.item.exercise != breakout.id or a.item.item != breakout.chart_item:
            continue
        tally[a.chosen_label][verdict_of.get(a.result, "refused")] += 1
    options = breakout.choice_order(data.catalogue)
    by_label = {label: option_id for option_id, label in options}
    order = [label for _, label in options if label in tally]
    order += sorted(set(tally) - set(order))
    return [
        ChannelCount(
            by_label.get(label, label),
            label,
            tally[label]["best"],
            tally[label]["allowed"],
            tally[label]["refused"],
        )
        for label in order
    ]


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
    """Items two or more groups answered differently (or all got wrong), most divided first.

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
        if len({a.group for a in answers}) < 2:
            continue  # one group's answer is no disagreement, and "all missed" needs two
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
