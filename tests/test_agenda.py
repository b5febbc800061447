"""The agenda and the welcome notebook's content (``datasharing_workshop.plenary.agenda``)."""

from __future__ import annotations

import pytest

from datasharing_workshop.breakouts.registry import BREAKOUTS
from datasharing_workshop.errors import ContentError, InputError
from datasharing_workshop.plenary import agenda


def test_agenda_adds_up_and_runs_in_notebook_order():
    a = agenda.load_agenda()
    assert sum(s.minutes for s in a.sessions) == a.length_minutes == 240
    numbers = [int(n[:2]) for n in a.notebooks]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1  # the rule: NN_ ascending
    assert a.by_notebook(a.notebooks[-2]).id == "report_back"
    assert a.by_notebook("99_nothing") is None
    # Every registered breakout has its slot, in the registry's order.
    assert [s.exercise for s in a.sessions if s.exercise] == list(BREAKOUTS)


def test_schedule_gives_clock_times_from_any_start():
    a = agenda.load_agenda()
    times = a.schedule("13:30")
    assert (times[0].start, times[0].end) == ("13:30", "13:45")
    assert times[-1].end == "17:30"
    assert times[1].offset == 15
    with pytest.raises(InputError, match="clock time such as 09:00"):
        a.schedule("half past one")


def test_agenda_table_shows_every_session_and_the_length():
    block = agenda.agenda_table()
    for session in agenda.load_agenda().sessions:
        assert session.summary.split()[0] in block.html
    assert "09:00–13:00 (4 h)" in block.html
    assert "<em>Break</em>" in block.html
    assert "09:00-09:15  Welcome and agenda" in block.text


def test_sessions_that_do_not_add_up_are_reported_at_length_minutes(content):
    path = content / "workshop" / "agenda.yaml"
    path.write_text(path.read_text().replace("length_minutes: 240", "length_minutes: 200"))
    with pytest.raises(ContentError) as error:
        agenda.load_agenda()
    assert "agenda.yaml:" in str(error.value)
    assert "length_minutes: the sessions add up to 240 minutes, not 200" in str(error.value)


def test_a_break_with_a_notebook_is_refused(content):
    path = content / "workshop" / "agenda.yaml"
    text = path.read_text().replace(
        "    kind: break\n    break: ",
        "    kind: break\n    notebook: 05_coffee\n    break: ",
        1,
    )
    path.write_text(text)
    with pytest.raises(ContentError, match=r"sessions\[4\]\.notebook: a break has no notebook"):
        agenda.load_agenda()


def test_notebooks_out_of_running_order_are_refused(content):
    path = content / "workshop" / "agenda.yaml"
    wrap_up = agenda.load_agenda().session("wrap_up").notebook
    path.write_text(path.read_text().replace(f"notebook: {wrap_up}", "notebook: 02_wrap_up"))
    with pytest.raises(ContentError, match="numbered in running order; '02_wrap_up'"):
        agenda.load_agenda()


def test_an_unknown_field_is_refused_with_its_place(content):
    path = content / "workshop" / "agenda.yaml"
    path.write_text(
        path.read_text().replace("    kind: plenary\n", "    kind: plenary\n    colour: red\n", 1)
    )
    with pytest.raises(ContentError, match=r"sessions\[0\]\.colour: unknown field"):
        agenda.load_agenda()


def test_unknown_led_by_is_refused(content):
    path = content / "workshop" / "agenda.yaml"
    path.write_text(path.read_text().replace("led_by: lead_facilitator", "led_by: mc", 1))
    with pytest.raises(ContentError, match="unknown facilitation role 'mc'"):
        agenda.load_agenda()


def test_welcome_content_renders_escaped_lists():
    assert agenda.goals().html.count("<li>") == len(agenda.load_welcome().goals)
    rules = agenda.ground_rules()
    assert "<strong>No real data today.</strong>" in rules.html
    assert "Check" in agenda.widget_tips().text
    assert "Lead facilitator" in agenda.facilitation_roles().html


def test_practice_question_gives_feedback_and_saves_nothing(tmp_path, monkeypatch):
    store = tmp_path / "answers.sqlite"
    monkeypatch.setenv("DATASHARING_WORKSHOP_STORE", str(store))
    box = agenda.practice_question("ct")
    box.check.click()
    assert "Choose an answer" in box.feedback.value
    box.choice.value = "pii"
    box.check.click()
    assert box.feedback.value.startswith("<p><strong>Not yet.</strong>")
    box.choice.value = "public"
    box.check.click()
    assert box.feedback.value.startswith("<p><strong>Right.</strong>")
    assert "open-and-public-data" in box.feedback.value  # the playbook link
    assert not store.exists()


def test_practice_question_static_html_shows_choices_not_the_answer():
    bundle = agenda.practice_question("ct")._repr_mimebundle_()
    html = bundle["text/html"]
    assert "Personally identifiable information (PII)" in html
    assert agenda.load_welcome().practice.right not in html


def test_practice_answer_must_be_a_choice(content):
    path = content / "workshop" / "welcome.yaml"
    path.write_text(path.read_text().replace("  answer: public", "  answer: pci"))
    with pytest.raises(ContentError, match="the answer 'pci' must be one of the choices"):
        agenda.load_welcome()


def test_practice_with_an_unknown_category_names_the_jurisdiction(content):
    path = content / "workshop" / "welcome.yaml"
    path.write_text(path.read_text().replace("choices: [public,", "choices: [public, gossip,"))
    with pytest.raises(ContentError, match="unknown categories gossip for jurisdiction 'ct'"):
        agenda.practice_question("ct")


def test_run_of_show_markdown_totals_the_agenda():
    table = agenda.run_of_show_markdown()
    assert table.splitlines()[-1] == "| 13:00 | **240** | End | | |"
    assert "[03_classify_data](03_classify_data.md)" in table


def test_validate_workshop_finds_nothing_wrong_in_the_shipped_content():
    from datasharing_workshop.cli.commands.validate import validate_workshop

    assert validate_workshop() == []


def test_validate_workshop_lists_problems_from_every_file(content):
    from datasharing_workshop.cli.commands.validate import validate_workshop

    for name, old, new in [
        ("workshop/agenda.yaml", "length_minutes: 240", "length_minutes: 241"),
        ("workshop/wrap_up.yaml", "closing:", "closin:"),
        ("ct/tour.yaml", "source: metadata", "source: nowhere"),
    ]:
        path = content / name
        path.write_text(path.read_text().replace(old, new, 1))
    messages = [str(p) for p in validate_workshop(["ct"])]
    assert any("agenda.yaml" in m and "not 241" in m for m in messages)
    assert any("wrap_up.yaml" in m and "closin: unknown field" in m for m in messages)
    assert any("tour.yaml" in m and "'nowhere'" in m for m in messages)
