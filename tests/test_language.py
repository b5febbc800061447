"""Plain American English in everything people read, and no sentence copied from the
playbook (issue 14, point 11). Both tests walk the whole tree (see tests/reading.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.reading import texts

#: British spellings (and their forms) that must not appear, with the American word.
BRITISH = {
    r"programmes?": "program",
    r"licen[cs]e?s?|licenced": "license",  # only the British noun "licence" is matched below
    r"organis(?:e|es|ed|ing|ation|ations|ational)": "organize / organization",
    r"analys(?:e|ed|ing)": "analyze",
    r"labour(?:s|ed|ing|er|ers)?": "labor",
    r"favourites?|favourite": "favorite",
    r"colour(?:s|ed|ful|ing)?": "color",
    r"centres?|centred": "center",
    r"authoris(?:e|es|ed|ing|ation|ations)": "authorize",
    r"behaviours?|behavioural": "behavior",
    r"practis(?:e|es|ed|ing)": "practice",
    r"grey(?:s|ed|ish|scale)?": "gray",
    r"maths": "math",
    r"pupils?": "student (the playbook's word)",
    r"expiry": "expiration",
    r"enrol|enrols|enrolment|enrolments": "enroll / enrollment",
}
BRITISH[r"licences?|licenced"] = BRITISH.pop(r"licen[cs]e?s?|licenced")
PATTERN = re.compile(r"(?<![A-Za-z])(" + "|".join(BRITISH) + r")(?![A-Za-z])", re.IGNORECASE)


def test_no_british_spelling_in_what_people_read():
    found = [
        f"{file}:{line}: '{m.group(0)}'"
        for file, line, text in texts()
        for m in PATTERN.finditer(text.replace("_", " "))
    ]
    assert not found, "British spelling (use American English):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "word",
    [
        "programme",
        "Licences",
        "organisation",
        "analysed",
        "labour",
        "favourite",
        "colour",
        "centre",
        "authorised",
        "behaviour",
        "practise",
        "grey",
        "maths",
        "pupils",
        "expiry",
        "enrolment",
        "card_expiry",
    ],
)
def test_the_list_catches_each_word_and_its_forms(word):
    assert PATTERN.search(word.replace("_", " "))


@pytest.mark.parametrize("word", ["program", "license", "analyses", "analysis", "enrolled"])
def test_american_words_pass(word):
    assert not PATTERN.search(word)


# --------------------------------------------------------------------------- copied text

#: A copy of the playbook (CC0, V1.2.0) kept for this test only: it is never shown to anyone.
PLAYBOOK = Path(__file__).resolve().parent / "fixtures" / "playbook"
RUN = 8
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
#: Names that are longer than a run and may be quoted as they are.
PROPER_NAMES = [
    "Department of Administrative Services Bureau of Information Technology Solutions",
    "Connecticut Conference of Independent Colleges",
    "Enterprise Memorandum of Understanding",
    "Legal Issues in Interagency Data Sharing",
    "Health Insurance Portability and Accountability Act",
    "Family Educational Rights and Privacy Act",
    "Payment Card Industry Data Security Standard",
    "Connecticut Open Data Portal",
    "Office of Policy and Management",
    "Office of Early Childhood",
]


def words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|\(/[^)]*\)|<[^>]+>", " ", text)
    return WORD.findall(text.lower().replace("’", "'"))


def runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def playbook_runs() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for page in sorted(PLAYBOOK.glob("*.md")):
        if page.name == "LICENSE":
            continue
        body = page.read_text(encoding="utf-8")
        for paragraph in re.split(r"\n\s*\n|\n\s*[*|-]|\n\d+\.", body):
            found |= runs(words(paragraph))
    return found


def section_titles() -> list[str]:
    from datasharing_workshop.content.catalogue import load_catalogue

    titles = [s.title for s in load_catalogue("ct").jurisdiction.sections]
    return [part for t in titles for part in t.split(" › ")]


def test_no_run_of_eight_words_is_copied_from_the_playbook():
    copied = playbook_runs()
    for title in section_titles():  # a cited title may wrap onto a second line
        copied -= runs(words(title))
    allowed = [words(n) for n in (*PROPER_NAMES, *section_titles())]
    found = []
    for file, line, text in texts():
        tokens = words(text)
        for name in allowed:  # titles cited as titles and proper names may be quoted
            k = len(name)
            i = 0
            while i + k <= len(tokens):
                if tokens[i : i + k] == name:
                    tokens[i : i + k] = ["|"]
                i += 1
        hits = runs(tokens) & copied
        if hits:
            found.append(f"{file}:{line}: " + " / ".join(" ".join(h) for h in sorted(hits)[:2]))
    assert not found, "text copied from the playbook (write it in your own words):\n" + "\n".join(
        found
    )
