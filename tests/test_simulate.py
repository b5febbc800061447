"""The workshop simulator: seeded, and going through the same functions as the widgets."""

from __future__ import annotations

import pytest

from datasharing_workshop.breakouts.registry import BREAKOUTS
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.errors import ContentError
from datasharing_workshop.plenary import observations as observations_module
from datasharing_workshop.reportback import simulate as simulate_module
from datasharing_workshop.reportback.simulate import (
    group_names,
    load_simulated_notes,
    simulate_workshop,
)
from datasharing_workshop.store import AnswerStore


def saved(path, workshop="rehearsal"):
    with AnswerStore(path) as store:
        answers = [
            (r.group, r.exercise, r.scenario, r.answer, r.correct, r.score, r.feedback)
            for r in store.answers(workshop)
        ]
        notes = [
            (o.group, o.author_role, o.playbook_section, o.severity, o.confused)
            for o in store.observations(workshop)
        ]
    return answers, notes


def test_four_groups_answer_every_scenario_and_observers_log_notes(tmp_path):
    path = tmp_path / "a.sqlite"
    sim = simulate_workshop(path, "rehearsal", groups=4, seed=3)
    assert sim.groups == ("Group A", "Group B", "Group C", "Group D")
    assert sim.exercises == tuple(BREAKOUTS)  # every registered breakout
    scenarios = sum(len(load_scenarios(e, "ct")) for e in sim.exercises)
    with AnswerStore(path) as store:
        latest = store.latest_answers("rehearsal")
        assert len(latest) == 4 * scenarios
        assert store.count_answers("rehearsal") == sim.answers >= len(latest)
        notes = store.observations("rehearsal")
    assert len(notes) == sim.observations == 8
    assert {n.group for n in notes} == set(sim.groups)
    assert set(sim.sections) == {n.playbook_section for n in notes}


def test_the_same_seed_gives_the_same_workshop(tmp_path):
    simulate_workshop(tmp_path / "a.sqlite", "rehearsal", seed=11)
    simulate_workshop(tmp_path / "b.sqlite", "rehearsal", seed=11)
    simulate_workshop(tmp_path / "c.sqlite", "rehearsal", seed=12)
    assert saved(tmp_path / "a.sqlite") == saved(tmp_path / "b.sqlite")
    assert saved(tmp_path / "a.sqlite") != saved(tmp_path / "c.sqlite")


def test_answers_and_notes_go_through_the_check_buttons_functions(tmp_path, monkeypatch):
    calls = {"answers": 0, "notes": 0}
    real_save = simulate_module.save_attempt
    real_save_observation = observations_module.save_observation

    def counting_save(*args, **kwargs):
        calls["answers"] += 1
        return real_save(*args, **kwargs)

    def counting_save_observation(*args, **kwargs):
        calls["notes"] += 1
        return real_save_observation(*args, **kwargs)

    monkeypatch.setattr(simulate_module, "save_attempt", counting_save)
    monkeypatch.setattr(observations_module, "save_observation", counting_save_observation)
    sim = simulate_workshop(tmp_path / "a.sqlite", "rehearsal", groups=2, seed=5, notes_per_group=3)
    assert calls == {"answers": sim.answers, "notes": 6}


def test_answers_are_judged_like_a_check_press(tmp_path, ct):
    # Every stored verdict is what the breakout's own grading says of the stored answer.
    simulate_workshop(tmp_path / "a.sqlite", "rehearsal", groups=2, seed=1)
    answers, _ = saved(tmp_path / "a.sqlite")
    scenarios = {e: {s.id: s for s in load_scenarios(e, "ct")} for e in BREAKOUTS}
    assert {a[1] for a in answers} == set(BREAKOUTS)
    for _group, exercise, scenario, answer, correct, score, feedback in answers:
        again = BREAKOUTS[exercise].grade(ct, scenarios[exercise][scenario], answer, "standard")
        assert (correct, score, feedback) == (again.correct, again.score, again.feedback.text())
        assert not again.blank and again.items


def test_a_simulation_loads_no_widgets(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from datasharing_workshop.reportback.simulate import simulate_workshop\n"
        f"simulate_workshop({str(tmp_path / 'a.sqlite')!r}, 'rehearsal', groups=1, seed=1)\n"
        "print('ipywidgets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_notes_use_the_invented_examples_only(tmp_path, ct):
    simulate_workshop(tmp_path / "a.sqlite", "rehearsal", groups=3, seed=2)
    _, notes = saved(tmp_path / "a.sqlite")
    examples = {n.confused for n in load_simulated_notes()}
    assert {n[4] for n in notes} <= examples
    assert all(n[2] in ct.sections for n in notes)


def test_named_groups_and_many_groups():
    assert group_names(28)[-2:] == ["Group 27", "Group 28"]


def test_custom_group_names_and_exercises(tmp_path):
    sim = simulate_workshop(
        tmp_path / "a.sqlite", groups=["Équipe 1"], exercises=["transfer_channel"], seed=1
    )
    assert sim.groups == ("Équipe 1",)
    assert sim.exercises == ("transfer_channel",)


def test_asking_for_a_breakout_without_scenarios_is_an_error(tmp_path):
    with pytest.raises(ContentError):
        simulate_workshop(
            tmp_path / "a.sqlite", "rehearsal", exercises=["classify_data"], scenario_set="none"
        )


def run_command(argv):
    import argparse

    from datasharing_workshop.cli.commands import simulate as command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    args = parser.parse_args(["simulate", *argv])
    return args.run(args)


def test_the_command_fills_a_store_and_says_what_next(tmp_path, capsys):
    path = tmp_path / "a.sqlite"
    assert run_command(["--store", str(path), "--groups", "2", "--workshop", "demo"]) == 0
    err = capsys.readouterr().err
    assert "from 2 groups" in err and 'workshop_id = "demo"' in err
    with AnswerStore(path) as store:
        assert store.groups("demo") == ["Group A", "Group B"]


def test_the_command_never_adds_to_an_existing_workshop_by_mistake(tmp_path):
    from datasharing_workshop.errors import InputError

    path = tmp_path / "a.sqlite"
    run_command(["--store", str(path), "--groups", "1"])
    with pytest.raises(InputError, match=r"already has .* answers .* --append"):
        run_command(["--store", str(path), "--groups", "1"])
    assert run_command(["--store", str(path), "--groups", "1", "--append", "--seed", "9"]) == 0


def test_after_simulate_the_report_back_covers_all_six_breakouts_item_by_item(tmp_path):
    from datasharing_workshop.reportback import load_report

    path = tmp_path / "a.sqlite"
    simulate_workshop(path, "rehearsal", groups=2, seed=5)
    report = load_report("rehearsal", store_path=path)
    exercises = report.data.exercises
    assert [e.id for e in exercises] == list(BREAKOUTS) and len(exercises) == 6
    assert all(e.graded and e.items for e in exercises)
    html = report.answers().html
    assert "has no key" not in html
    for exercise in exercises:
        assert exercise.title in html
