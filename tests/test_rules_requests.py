import pytest

from datasharing_workshop.errors import InputError
from datasharing_workshop.rules import review_request

GOOD = {
    "requester": "Pat Example, Office of Example Studies, pat@example.org",
    "purpose": "Find out how enrollment in the example program changed between towns over time.",
    "use": "Compare yearly enrollment counts by town to plan outreach with the partner agency.",
    "access": "Two named analysts in our research unit.",
    "data": "Enrollment counts by town and year (aggregate, no names) for fiscal years 2019 to 2023.",
    "methods": "Counts by town and year with a simple trend comparison.",
    "reporting": "A short internal report for both agencies, not published.",
    "frequency": "Once.",
    "retention": "Kept 12 months, then deleted and a destruction certificate sent to the owner.",
    # What chapter 1 asks requesters to explain (Preparing a Successful Data Request ›
    # Explain your objective and the details of your plan clearly).
    "bias": "Towns without a local office are underrepresented; we will report them apart.",
    "safeguards": "On our encrypted drive, opened only by the two analysts, with no names.",
    "timeline": "Results by June 2025.",
    "communication": "A monthly call with the data owner and a short note on how we used it.",
}


def kinds(review):
    return {i.question_id: i.kind for i in review.issues}


def test_a_complete_request_passes(ct):
    review = review_request(ct, GOOD)
    assert review.complete
    assert review.summary.text.startswith("Every question has a clear answer")


def test_missing_answers_are_flagged(ct):
    review = review_request(ct, {k: v for k, v in GOOD.items() if k != "access"})
    assert kinds(review) == {"access": "missing"}
    assert review.issues[0].text == '"Who will have access to the data?" has no answer yet.'
    assert review.issues[0].reason.section_id == "request-process"


def test_all_fields_is_too_vague(ct):
    review = review_request(ct, {**GOOD, "data": "All fields for every year please, thanks a lot"})
    assert kinds(review) == {"data": "vague"}
    assert '"all fields" is too vague' in review.issues[0].text
    assert "List the fields" in review.issues[0].text


def test_no_time_period_is_flagged(ct):
    review = review_request(
        ct, {**GOOD, "data": "Enrolment counts by town, aggregate, no names at all"}
    )
    assert kinds(review) == {"data": "must_mention"}
    assert "add a time period" in review.issues[0].text


def test_no_destruction_plan_is_flagged(ct):
    review = review_request(
        ct, {**GOOD, "retention": "We will keep it for two years on our server"}
    )
    assert kinds(review) == {"retention": "must_mention"}
    assert "how the data will be destroyed" in review.issues[0].text


def test_keeping_data_indefinitely_is_vague(ct):
    review = review_request(ct, {**GOOD, "retention": "Indefinitely"})
    assert kinds(review) == {"retention": "vague"}


def test_too_short_answer(ct):
    review = review_request(ct, {**GOOD, "purpose": "Research on enrollment"})
    assert kinds(review) == {"purpose": "too_short"}
    assert "at least 8 words" in review.issues[0].text


def test_vague_phrase_matches_whole_words_only(ct):
    text = "Enrollment counts by town for small fields of study, for school years 2019 to 2022"
    assert review_request(ct, {**GOOD, "data": text}).complete


def test_unknown_question_is_refused(ct):
    with pytest.raises(InputError, match="unknown request question"):
        review_request(ct, {**GOOD, "favourite_colour": "blue"})
