"""The report-back: answers against the key, charts, prompts and the feedback export."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from datasharing_workshop.errors import ContentError
from datasharing_workshop.plenary.display import HtmlBlock
from datasharing_workshop.reportback import load_report
from datasharing_workshop.reportback.charts import Chart
from datasharing_workshop.reportback.data import (
    channel_choices,
    confusions,
    disagreements,
    most_missed,
)
from datasharing_workshop.reportback.feedback import (
    GENERAL_HEADING,
    MAX_URL_LENGTH,
    feedback_markdown,
    issue_url,
)
from datasharing_workshop.reportback.prompts import discussion_prompts
from datasharing_workshop.store import AnswerStore

W = "w1"
KEY = {
    "card_holder_name": ("pii", "state_law"),
    "email_address": ("pii", "state_law"),
    "home_branch": ("public", "none"),
    "card_type": ("public", "none"),
}


def classify(store, group, scenario="library-card-holders", **changes):
    fields = {**KEY, **changes}
    answer = {name: {"category": c, "rule": r} for name, (c, r) in fields.items()}
    right = fields == KEY
    store.record_answer(
        workshop=W,
        group=group,
        exercise="classify_data",
        scenario=scenario,
        answer=answer,
        correct=right,
        score=1.0 if right else 0.5,
    )


def transfer(store, group, channel, correct):
    store.record_answer(
        workshop=W,
        group=group,
        exercise="transfer_channel",
        scenario="health-claims-3gb",
        answer={"channel": channel, "steps": ["zip_encrypt"]},
        correct=correct,
        score=1.0 if correct else 0.3,
    )


@pytest.fixture
def store(tmp_path):
    with AnswerStore(tmp_path / "answers.sqlite") as s:
        classify(s, "Group A")
        classify(s, "Group B", email_address=("public", "none"))
        classify(
            s, "Group C", email_address=("pii", "none"), card_type=("quasi_identifier", "none")
        )
        transfer(s, "Group A", "sftp_client", True)
        transfer(s, "Group B", "email", False)
        transfer(s, "Group C", "sftp_web", False)
        transfer(s, "Group D", "encrypted_drive", False)
        s.record_answer(
            workshop=W,
            group="Group A",
            exercise="future_breakout",
            scenario="case-1",
            answer={"agreements": ["dua", "nda"]},
            correct=True,
        )
        yield s


@pytest.fixture
def report(store):
    return load_report(W, store_path=store.path)


def answer_of(report, group, field):
    return next(a for a in report.data.answers if a.group == group and a.item.field == field)


# --------------------------------------------------------------------------- shaping


def test_groups_and_exercises_in_agenda_order(report):
    assert report.data.groups == ["Group A", "Group B", "Group C", "Group D"]
    assert [e.id for e in report.data.exercises] == [
        "classify_data",
        "transfer_channel",
        "future_breakout",
    ]
    assert [e.graded for e in report.data.exercises] == [True, True, False]


def test_each_field_is_compared_with_the_key(report):
    assert answer_of(report, "Group A", "email_address").result == "right"
    wrong = answer_of(report, "Group B", "email_address")
    assert (wrong.result, wrong.chosen_label) == ("wrong", "Public; no special rule")
    nearly = answer_of(report, "Group C", "email_address")
    assert (nearly.result, nearly.chosen_label) == ("nearly", "PII; no special rule")  # rule
    assert wrong.item.key == "PII; State law and agency policy"  # words, not ids


def test_the_wider_category_counts_as_nearly(store):
    answer = {
        "patient_name": {"category": "pii", "rule": "hipaa"},  # PHI is a kind of PII
        "visit_date": {"category": "phi", "rule": "hipaa"},
        "reason_for_visit": {"category": "public", "rule": "none"},
    }  # clinic_site left unanswered
    store.record_answer(
        workshop=W,
        group="Group E",
        exercise="classify_data",
        scenario="clinic-visits",
        answer=answer,
        correct=False,
    )
    report = load_report(W, store_path=store.path)
    results = {
        a.item.field: (a.result, a.chosen_label)
        for a in report.data.answers
        if a.item.scenario == "clinic-visits"
    }
    assert results == {
        "patient_name": ("nearly", "PII; HIPAA"),
        "visit_date": ("right", "PHI; HIPAA"),
        "reason_for_visit": ("wrong", "Public; no special rule"),
        "clinic_site": ("missed", "(nothing chosen)"),
    }


def test_transfer_answers_are_judged_by_the_rules(report):
    results = {
        a.group: (a.chosen_label, a.result)
        for a in report.data.answers
        if a.item.exercise == "transfer_channel" and a.item.item == "channel"
    }
    assert results["Group A"] == ("SFTP approved client", "right")
    assert results["Group B"] == ("E-mail", "wrong")  # health data by e-mail is refused
    assert results["Group C"] == ("SFTP web client", "wrong")  # 3 GB is over the web limit
    assert results["Group D"][1] == "nearly"  # allowed channel, but not the best
    steps = {
        (a.group, a.item.item): a.result
        for a in report.data.answers
        if a.item.exercise == "transfer_channel" and a.item.item != "channel"
    }
    assert "missed" in steps.values() and all(a[1] != "channel" for a in steps)


def test_confusions_count_key_against_choice(report):
    labels, counts = confusions(report.data)
    assert labels[:2] == ["Public", "PII"]
    assert counts[("PII", "PII")] == 5
    assert counts[("PII", "Public")] == 1
    assert counts[("Public", "Quasi-identifier")] == 1
    assert counts[("Public", "Public")] == 5


def test_most_missed_ranks_by_groups_that_missed(report):
    misses = most_missed(report.data, limit=50)
    counts = [len(m.missed_by) for m in misses]
    assert counts == sorted(counts, reverse=True)
    email = next(m for m in misses if m.item.field == "email_address")
    assert (email.missed_by, email.answered) == (("Group B", "Group C"), 3)
    assert all(m.missed_by for m in misses)
    assert {m.item.exercise for m in misses} == {"classify_data", "transfer_channel"}


def test_channel_choices_split_by_what_the_rules_say(report):
    choices = {c.channel: (c.best, c.allowed, c.refused) for c in channel_choices(report.data)}
    assert choices["sftp_client"] == (1, 0, 0)
    assert choices["email"] == (0, 0, 1)
    assert choices["sftp_web"] == (0, 0, 1)
    assert choices["encrypted_drive"] == (0, 1, 0)


def test_disagreements_most_divided_first_and_prompts_name_both_sides(report):
    found = disagreements(report.data)
    labels = [d.item.label for d in found]
    assert "Library card holders › home_branch" not in labels  # everyone agreed and was right
    prompts = discussion_prompts(report.data, limit=50)
    text = "\n".join(p.text for p in prompts)
    assert (
        "Library card holders › email_address: the groups did not agree (Group A: PII; State "
        "law and agency policy; Group C: PII; no special rule; Group B: Public; no special "
        "rule). The key says PII; State law and agency policy."
    ) in text
    assert '"Safeguarding Data › Document critical data elements"' in text


def test_an_item_every_group_missed_gets_its_own_prompt(tmp_path):
    with AnswerStore(tmp_path / "a.sqlite") as s:
        for group in ("Group A", "Group B"):
            classify(s, group, home_branch=("pii", "state_law"))
        report = load_report(W, store=s)
    (prompt,) = [p for p in discussion_prompts(report.data) if "home_branch" in p.text]
    assert prompt.kind == "all_missed"
    assert "every group that answered chose something other than Public" in prompt.text


def test_first_attempts_are_shown_beside_the_latest(tmp_path):
    with AnswerStore(tmp_path / "a.sqlite") as s:
        classify(s, "Group A", email_address=("public", "none"))  # first try: wrong
        classify(s, "Group A")  # then right
        classify(s, "Group B")
        report = load_report(W, store=s)
    assert len(report.data.records) == 2 and len(report.data.first_records) == 2
    first = {
        a.group: a.result for a in report.data.first_answers if a.item.field == "email_address"
    }
    assert first == {"Group A": "wrong", "Group B": "right"}
    assert answer_of(report, "Group A", "email_address").result == "right"
    html = report.answers().html
    assert "First try: Public; no special rule · ✘ Not yet" in html
    assert "(first try: 0 right" in report.overview().html


def test_one_groups_answer_is_no_disagreement(tmp_path):
    with AnswerStore(tmp_path / "a.sqlite") as s:
        classify(s, "Group A", email_address=("public", "none"), home_branch=("pii", "none"))
        report = load_report(W, store=s)
    assert disagreements(report.data) == []
    prompts = discussion_prompts(report.data)
    assert not any("did not agree" in p.text or "every group" in p.text for p in prompts)
    assert "No item was answered differently by two or more groups" in (
        report.discussion_prompts().html
    )


def test_unknown_exercises_and_retired_scenarios_are_shown_generically(store):
    classify(store, "Group A", scenario="retired-scenario")
    report = load_report(W, store_path=store.path)
    generic = [a for a in report.data.answers if a.item.scenario in ("case-1", "retired-scenario")]
    assert {a.item.key for a in generic} == {None}
    assert "agreements: dua, nda" in {a.chosen_label for a in generic}
    html = report.answers().html
    assert "<em>shown as saved</em>" in html and "Future breakout" in html
    assert "has no key" not in html


def test_a_missing_store_is_an_empty_report_and_is_not_created(tmp_path):
    path = tmp_path / "typo.sqlite"
    report = load_report(W, store_path=path)
    assert "No answers saved yet for workshop 'w1'" in report.overview().text
    assert isinstance(report.most_missed_chart(), HtmlBlock)
    assert not report.feedback_export().export.count
    assert not path.exists()


def test_unreadable_scenarios_are_noted_not_fatal(store, content):
    (content / "ct" / "scenarios" / "standard" / "classify_data.yaml").write_text(
        "scenarios: [", "utf-8"
    )
    report = load_report(W, store_path=store.path)
    assert not report.data.exercise("classify_data").graded
    assert "could not be read" in report.overview().html


# --------------------------------------------------------------------------- HTML


def test_overview_counts_right_answers_per_group_and_exercise(report):
    html = report.overview().html
    assert "4 groups, 8 answers" in html
    assert "<td>1 of 1 right · 100%</td>" in html  # Group A, classifying data
    assert "<td>—</td>" in html  # Group D did not classify


def test_answer_tables_write_results_in_words(report):
    html = report.answers().html
    for words in ("✔ Right", "◐ Nearly", "✘ Not yet"):
        assert words in html
    assert html.count("<h3>") == 3


def test_every_store_value_is_escaped(tmp_path):
    with AnswerStore(tmp_path / "a.sqlite") as s:
        classify(s, "<script>alert(1)</script>")
        s.record_answer(
            workshop=W,
            group="<b>g</b>",
            exercise="x<y",
            scenario="<i>",
            answer={"a": "<img>"},
            correct=False,
        )
        s.record_observation(
            workshop=W,
            author_role="observer",
            playbook_section="metadata",
            severity="low",
            worked="<script>x</script>",
        )
        report = load_report(W, store=s)
    html = "".join(
        part.html if hasattr(part, "html") and isinstance(part.html, str) else ""
        for part in (
            report.overview(),
            report.answers(),
            report.observations(),
            report.discussion_prompts(),
        )
    )
    assert "<script>" not in html and "<img>" not in html and "<b>g</b>" not in html
    assert "&lt;script&gt;" in html


# --------------------------------------------------------------------------- charts


def decoded(chart: Chart) -> Image.Image:
    return Image.open(io.BytesIO(chart.png))


@pytest.mark.parametrize("name", ["most_missed_chart", "confusion_chart", "channels_chart"])
def test_charts_are_greyscale_pngs_with_alt_text(report, name):
    chart = getattr(report, name)()
    assert isinstance(chart, Chart)
    image = decoded(chart)
    assert image.format == "PNG" and image.mode == "L"  # no colour at all
    assert image.size == (chart.width, chart.height)
    data, metadata = chart._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]) == chart.png
    assert f'alt="{chart.alt}"' in data["text/html"].replace("&quot;", '"').replace("&#x27;", "'")
    assert data["text/plain"] == chart.alt
    assert metadata["image/png"]["width"] == chart.width


def test_alt_texts_say_what_the_charts_show(report):
    assert "email_address: missed by 2 of 3 groups" in report.most_missed_chart().alt
    assert "PII chosen as Public 1 times" in report.confusion_chart().alt
    assert (
        "E-mail 1 times (0 first choice, 0 allowed, 1 not allowed)" in report.channels_chart().alt
    )


def test_charts_are_reused_when_nothing_changed(report, store):
    first = report.confusion_chart()
    assert load_report(W, store_path=store.path).confusion_chart() is first
    classify(store, "Group B", email_address=("pii", "state_law"))
    assert load_report(W, store_path=store.path).confusion_chart() is not first


def test_empty_charts_say_so(tmp_path):
    with AnswerStore(tmp_path / "a.sqlite") as s:
        classify(s, "Group A")
        report = load_report(W, store=s)
    assert "every group got every answer right" in report.most_missed_chart().html
    assert "No transfer channel answers yet" in report.channels_chart().html


# --------------------------------------------------------------------------- feedback


def add_notes(store):
    for section, severity, group in [
        ("non-public-channels", "low", "Group A"),
        ("data-roles", "medium", "Group B"),
        ("non-public-channels", "high", "Group C"),
        ("", "low", ""),
        ("retired-section", "medium", "Group A"),
    ]:
        store.record_observation(
            workshop=W,
            author_role="observer",
            playbook_section=section,
            severity=severity,
            group=group,
            confused="## Not a heading\nsecond line",
            suggestion=f"Fix {section or 'the room'}. Then more.",
        )


def test_feedback_has_one_section_per_playbook_section_in_playbook_order(store, ct):
    add_notes(store)
    export = load_report(W, store_path=store.path).feedback()
    headings = re.findall(r"^## (.*)$", export.markdown, flags=re.M)
    assert headings == [
        ct.sections["data-roles"].title,
        ct.sections["non-public-channels"].title,
        "retired-section",
        GENERAL_HEADING,
    ]
    assert export.sections == ("data-roles", "non-public-channels", "retired-section", "")
    assert export.count == 5


def test_each_note_is_an_issue_ready_to_paste(store):
    add_notes(store)
    md = load_report(W, store_path=store.path).feedback().markdown
    block = md.split(
        "## Transferring Data › Choose the right method for transferring data › Non-public data"
    )[1]
    titles = re.findall(r"^### (.*)$", block, flags=re.M)
    assert titles[0] == "Workshop feedback: Non-public data: Fix non-public-channels"
    assert block.index("**Severity:** high") < block.index(
        "**Severity:** low"
    )  # most serious first
    assert "> \\## Not a heading\n> second line" in block  # quoted, cannot break the file
    assert "**Noted by:** observer, watching Group C, at workshop `w1`" in block
    link = re.search(r"\[Open this note as a new issue\]\((\S+)\)", block).group(1)
    parts = urlsplit(link)
    assert link.startswith("https://github.com/CTOpenData/data-sharing-playbook/issues/new?")
    query = parse_qs(parts.query)
    assert query["title"] == [titles[0]]
    assert query["labels"] == ["workshop-feedback"]
    assert "**Suggested change**" in query["body"][0]


def test_issue_links_only_for_github_and_not_too_long():
    assert issue_url("https://gitlab.example/x", "t", "b") is None
    assert issue_url("https://github.com/o/r", "t", "b" * MAX_URL_LENGTH) is None
    assert issue_url("https://github.com/o/r/", "t", "b").startswith(
        "https://github.com/o/r/issues/new?"
    )


def test_feedback_without_a_repository_has_no_links(ct, store):
    add_notes(store)
    observations = store.observations(W)
    playbook = ct.jurisdiction.playbook.model_copy(update={"repository": ""})
    jurisdiction = ct.jurisdiction.model_copy(update={"playbook": playbook})
    from dataclasses import replace

    export = feedback_markdown(replace(ct, jurisdiction=jurisdiction), observations, W)
    assert "Open this note" not in export.markdown


def test_feedback_export_is_written_next_to_the_store_and_offered_for_download(store):
    add_notes(store)
    shown = load_report(W, store_path=store.path).feedback_export()
    assert shown.path == store.path.parent / "w1-playbook-feedback.md"
    assert shown.path.read_text("utf-8") == shown.markdown
    html = shown._repr_html_()
    assert 'download="w1-playbook-feedback.md"' in html
    assert "5 notes on 3 playbook sections" in html


def test_an_unwritable_export_folder_is_reported_not_raised(store, tmp_path):
    add_notes(store)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    shown = load_report(W, store_path=store.path).feedback_export(blocker / "f.md")
    assert shown.problem
    assert (
        "Not saved:" in shown._repr_html_() and "Download the Markdown file" in shown._repr_html_()
    )


def test_report_back_text_templates_are_checked(content):
    from datasharing_workshop.reportback.prompts import load_report_back_text

    path = content / "workshop" / "report_back.yaml"
    path.write_text(path.read_text().replace("({split})", "({splits})", 1))
    with pytest.raises(
        ContentError, match=r"prompts\.disagreement: unknown placeholder \{splits\}"
    ):
        load_report_back_text()


def test_render_all_renders_every_part_without_writing(report, store):
    add_notes(store)
    parts = load_report(W, store_path=store.path).render_all()
    assert sum(isinstance(p, Chart) for p in parts) == 3
    assert not (store.path.parent / "w1-playbook-feedback.md").exists()
