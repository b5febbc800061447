"""The playbook tour (``datasharing_workshop.plenary.tour``) and the wrap-up (``wrap_up``)."""

from __future__ import annotations

import pytest

from datasharing_workshop.errors import ContentError, InputError
from datasharing_workshop.plenary import wrap_up
from datasharing_workshop.plenary.tour import load_tour

STOPS = ("roles", "documentation", "bias", "path", "who_to_ask")


def test_the_tour_has_the_stops_the_notebook_shows():
    tour = load_tour("ct")
    assert tuple(s.id for s in tour.stops) == STOPS
    for stop_id in STOPS:
        block = tour.stop(stop_id)
        assert block.html.startswith(f'<section class="dsw-tour-stop" id="tour-{stop_id}">')
        assert "Talk about it:" in block.html


def test_every_point_cites_a_section_of_the_playbook(ct):
    tour = load_tour("ct")
    assert set(tour.sections()) <= set(ct.sections)
    assert {"data-roles", "data-dictionary", "metadata", "implicit-bias"} <= set(tour.sections())


def test_roles_come_from_roles_yaml(ct):
    html = load_tour("ct").stop("roles").html
    for role in ct.roles.values():
        assert role.name in html
        assert role.ask_them_about[0] in html


def test_the_path_names_the_breakout_that_practises_each_step():
    html = load_tour("ct").stop("path").html
    assert "Practiced in: Breakout 1: What kind of data is this?</em>" in html
    assert "<h3>" not in html
    assert (
        "<h3>From a request to a transfer</h3>"
        in load_tour("ct").stop("path", with_title=True).html
    )
    assert html.count("<li>") == 8


def test_unknown_stop_lists_the_known_ones():
    with pytest.raises(InputError, match=r"no tour stop 'lunch'.*expected one of: roles"):
        load_tour("ct").stop("lunch")


def test_quiz_checks_every_question(ct):
    tour = load_tour("ct")
    quiz = tour.who_to_ask_quiz()
    answers = dict(tour.quiz_questions())
    for picker, (question, role) in zip(quiz.pickers, tour.quiz_questions(), strict=True):
        picker.value = role if "field" not in question else "legal_counsel"
    quiz.check.click()
    assert f"{len(answers) - 1} of {len(answers)} right" in quiz.summary.value
    assert "Who would you ask?" in quiz._repr_mimebundle_()["text/html"]


def test_a_jurisdiction_that_extends_ct_reuses_its_tour():
    assert load_tour("example").path.parent.name == "ct"


def test_a_tour_citing_an_unknown_section_is_refused_with_its_line(content):
    path = content / "ct" / "tour.yaml"
    path.write_text(path.read_text().replace("source: metadata", "source: metadata-x", 1))
    with pytest.raises(ContentError) as error:
        load_tour("ct")
    assert "tour.yaml:" in str(error.value)
    assert "unknown playbook section 'metadata-x'" in str(error.value)


def test_a_tour_naming_a_missing_notebook_is_refused(content):
    path = content / "ct" / "tour.yaml"
    path.write_text(
        path.read_text().replace("practiced_in: 03_classify_data", "practiced_in: 03_sorting")
    )
    with pytest.raises(ContentError, match="unknown notebook '03_sorting'"):
        load_tour("ct")


def test_wrap_up_content():
    assert "this workshop's rule of thumb" in wrap_up.takeaways("ct").text
    steps = wrap_up.next_steps("ct").html
    assert "https://github.com/CTOpenData/data-sharing-playbook/issues" in steps
    assert "Find your agency data officer" in steps
    assert wrap_up.reflection().html.count("<li>") == 3
    assert "Thank you" in wrap_up.closing().text


def test_the_glossary_defines_every_newcomer_term_and_says_whose_words():
    glossary = load_tour("ct").glossary()
    terms = {t.term.split(" (")[0] for t in load_tour("ct").glossary_items}
    for needed in (
        "SFT liaison",
        "Delegated admin",
        "Governing rule",
        "Minimum cell size",
        "Parameters",
        "PII",
        "Quasi-identifier",
        "E-MOU",
    ):
        assert needed in terms, needed
    assert "The workshop's own explanation" in glossary.html
    assert "Playbook: " in glossary.html
    assert "- Minimum cell size: " in glossary.text
