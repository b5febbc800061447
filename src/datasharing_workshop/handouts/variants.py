"""The handout variants: one ordered preprocessor pipeline each.

Every variant comes from the same executed notebook; what differs is which cells survive
and what is added. Nothing is ever copied between notebooks: a cell's tags decide.

=============  ============================================================================
participant    every cell except ``facilitator`` and ``answer-key`` ones
facilitator    everything, facilitator notes and answer keys labelled as such
group          answer keys (labelled) and the group's own saved answers next to each
               exercise; no facilitator notes, no other group's answers
=============  ============================================================================

The order of the steps matters where commented; :func:`pipeline` is the single place that
decides it (like nbgrader's ``GenerateAssignment.preprocessors``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from ..notebook.contract import ALWAYS_REMOVED_TAGS, VARIANTS
from .preprocessors import (
    AppendGuidePage,
    CheckCellTags,
    InsertGroupAnswers,
    RemoveStreams,
    RewriteGuideLinks,
    StripWidgets,
)

VARIANT_LABELS = {
    "participant": "Participant handout",
    "facilitator": "Facilitator handout",
    "group": "Group handout",
}

#: Cells each variant removes, by tag.
REMOVED_TAGS: dict[str, frozenset[str]] = {
    "participant": ALWAYS_REMOVED_TAGS | {"facilitator", "answer-key"},
    "facilitator": ALWAYS_REMOVED_TAGS,
    "group": ALWAYS_REMOVED_TAGS | {"facilitator"},
}


def pipeline(
    variant: str,
    *,
    notebook_name: str,
    group: str = "",
    answers: Sequence[Mapping[str, Any]] = (),
    guide_html: str = "",
    notebook_stems: Sequence[str] = (),
) -> list[Preprocessor]:
    """The preprocessors that make ``variant`` from an executed notebook, in order.

    Parameters
    ----------
    variant
        ``"participant"``, ``"facilitator"`` or ``"group"``.
    notebook_name
        How error messages name the notebook.
    group, answers
        For ``"group"``: the group's name and its latest answers (dicts from the store).
    guide_html
        For ``"facilitator"``: the facilitator guide's page for this notebook.
    notebook_stems
        Every notebook of the workshop, to point guide links at the right handout.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown handout variant {variant!r}; expected one of {VARIANTS}")
    steps: list[Preprocessor] = [
        # 1. First: an unknown (misspelt) tag fails the build before step 2 decides what to
        #    keep; otherwise a cell tagged "answer_key" would be kept as an ordinary cell.
        CheckCellTags(notebook_name=notebook_name),
        # 2. Remove whole cells: papermill's parameters and injected-parameters cells in
        #    every variant, plus the variant's audience tags. Whole cells go, with their
        #    outputs and metadata, before any later step reads them.
        TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS[variant])),
        # 3. Links to the facilitator guide: to the built guide for facilitators; plain words
        #    elsewhere, since other handout sets do not include the guide.
        RewriteGuideLinks(notebook_stems=list(notebook_stems), keep_links=variant == "facilitator"),
    ]
    if variant == "group":
        # 3. Before StripWidgets: it finds exercise outputs by their marker and adds static
        #    HTML to them, so an exercise output that was only a widget is not dropped in 4.
        steps.append(InsertGroupAnswers(group=group, answers=[dict(a) for a in answers]))
    steps += [
        # 4. Widget views and widget state go from every variant (they would need the
        #    widget manager from a CDN, and the state can hold hidden values).
        StripWidgets(),
        RemoveStreams(),
    ]
    if variant == "facilitator" and guide_html:
        # 5. Last: the guide page is static HTML that no earlier step should touch.
        steps.append(AppendGuidePage(html=guide_html))
    for step in steps:
        step.enabled = True
    return steps
