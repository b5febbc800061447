"""Re-running the report-back: what it keeps between runs (attempts read and judged, table
rows, charts) gives exactly what a first run would show."""

from __future__ import annotations

import random

import pytest

from datasharing_workshop.reportback import charts, load_report, render
from datasharing_workshop.reportback import data as report_data
from datasharing_workshop.reportback.simulate import group_names, simulate_workshop
from datasharing_workshop.store import AnswerStore

W = "rerun"


def forget() -> None:
    charts.clear_cache()
    report_data.clear_caches()
    render._ROWS.clear()
    render._CELLS.clear()


def shown(path) -> list[str]:
    """Everything the report shows, as text and HTML (chart pictures by their alt text)."""
    report = load_report(W, store_path=path)
    out = []
    for part in report.render_all():
        if isinstance(part, charts.Chart):
            out.append(part.alt)
        elif hasattr(part, "markdown"):
            out.append(part.markdown)
        else:
            out.append(part._repr_html_())
    return out


def fresh(path) -> list[str]:
    forget()
    return shown(path)


def retry(path, rng: random.Random, count: int) -> None:
    """``count`` new attempts: groups trying again with another group's answer."""
    with AnswerStore(path) as store:
        latest = store.latest_answers(W)
        for _ in range(count):
            other = rng.choice(latest)
            store.record_answer(
                workshop=W,
                group=rng.choice(group_names(4)),
                exercise=other.exercise,
                scenario=other.scenario,
                answer=other.answer,
                correct=other.correct,
                score=other.score,
                marks=other.marks,
            )


@pytest.fixture
def played(tmp_path):
    path = tmp_path / "answers.sqlite"
    simulate_workshop(path, W, groups=4, seed=3, notes_per_group=1)
    return path


def test_a_rerun_after_new_attempts_shows_what_a_first_run_shows(played):
    rng = random.Random(5)
    forget()
    before = shown(played)
    assert before == fresh(played)
    for count in (1, 3, 6):
        retry(played, rng, count)
        rerun = shown(played)  # keeps what earlier runs read and judged
        assert rerun == fresh(played)
        assert rerun != before
        before = rerun


def test_a_rerun_reads_only_the_attempts_saved_since(played, monkeypatch):
    forget()
    shown(played)
    retry(played, random.Random(1), 2)
    calls = []
    real = AnswerStore.answers

    def spy(self, *args, **kwargs):
        rows = real(self, *args, **kwargs)
        calls.append((kwargs.get("from_id"), len(rows)))
        return rows

    monkeypatch.setattr(AnswerStore, "answers", spy)
    shown(played)
    assert len(calls) == 1 and calls[0][0] is not None
    assert calls[0][1] == 3  # the last row read before, then the two new ones


def test_another_store_at_the_same_path_is_read_whole(tmp_path):
    path = tmp_path / "answers.sqlite"
    simulate_workshop(path, W, groups=3, seed=1)
    forget()
    first = shown(path)
    with AnswerStore(path) as store:
        records = store.answers(W)
    path.unlink()
    # The same number of rows with the same ids, saved by other groups.
    with AnswerStore(path) as store:
        for r in records:
            store.record_answer(
                workshop=W,
                group=r.group.replace("Group", "Team"),
                exercise=r.exercise,
                scenario=r.scenario,
                answer=r.answer,
                correct=r.correct,
                score=r.score,
                marks=r.marks,
            )
        assert [r.id for r in store.answers(W)] == [r.id for r in records]
    second = shown(path)
    assert second == fresh(path)
    assert second != first


def test_answers_from_a_row_id(played):
    with AnswerStore(played) as store:
        every = store.answers(W)
        middle = every[len(every) // 2].id
        assert store.answers(W, from_id=middle) == [r for r in every if r.id >= middle]
        assert store.answers(from_id=every[-1].id + 1) == []


def test_a_rerun_on_a_postgresql_store_reads_what_was_saved_since(postgresql_store):
    simulate_workshop(postgresql_store, W, groups=3, seed=4)
    forget()
    before = shown(postgresql_store)
    retry(postgresql_store, random.Random(2), 4)
    rerun = shown(postgresql_store)
    assert rerun == fresh(postgresql_store)
    assert rerun != before
