"""``jupyter nbconvert --to datasharing-handout``: one notebook's handout, from nbconvert.

Registered as the ``nbconvert.exporters`` entry point ``datasharing-handout``, so
``jupyter nbconvert`` and JupyterLab's *File > Save and Export Notebook As* menu offer it.
It runs the same preprocessor pipeline as ``datasharing-workshop build``
(:func:`.variants.pipeline`) on the notebook as it is (nothing is executed), then the
kit's template.

Participant-safe by default: cells tagged ``facilitator`` or ``answer-key`` are removed and
a cell with a tag outside the kit's closed list stops the export (a misspelt
``answer_key`` would otherwise print the answer). The facilitator copy is asked for by
name::

    jupyter nbconvert --to datasharing-handout notebooks/03_classify_data.ipynb
    jupyter nbconvert --to datasharing-handout \\
        --DatasharingHandoutExporter.variant=facilitator notebooks/03_classify_data.ipynb

The workshop's title, date and facilitators come from the ``workshop.yml`` next to the
notebook or in a folder above it (``--DatasharingHandoutExporter.workshop_config`` names
another); without one the page prints the notebook's title only.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from traitlets import Enum, Unicode, default

from ..notebook.contract import notebook_title
from .preprocessors import RewriteGuideLinks
from .render import HandoutExporter
from .variants import VARIANT_LABELS, pipeline

#: Variants that make sense for one notebook on its own (the group variant needs a store).
EXPORT_VARIANTS = ("participant", "facilitator")
#: How far up from the notebook's folder ``workshop.yml`` is looked for.
CONFIG_SEARCH_DEPTH = 3


class DatasharingHandoutExporter(HandoutExporter):
    """The workshop handout, participant copy unless ``variant`` says otherwise."""

    export_from_notebook = "Workshop handout (participant copy)"

    variant = Enum(
        EXPORT_VARIANTS,
        default_value="participant",
        help=(
            "participant: no facilitator notes, no answer keys (the default). "
            "facilitator: everything, facilitator notes and answer keys labelled."
        ),
    ).tag(config=True)

    workshop_config = Unicode(
        "",
        help=(
            "workshop.yml whose title, date, host agency and facilitators the page prints; "
            "default: the first workshop.yml in the notebook's folder or the folders above"
        ),
    ).tag(config=True)

    @default("file_extension")
    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb = copy.deepcopy(nb)  # the pipeline removes cells; the caller's notebook stays whole
        resources = self._init_resources(resources)
        meta = resources.get("metadata", {})
        stem = meta.get("name") or "notebook"
        folder = Path(meta.get("path") or ".")
        resources["handout"] = {
            **self._facts(folder),
            "variant": self.variant,
            "variant_label": VARIANT_LABELS[self.variant],
            "group": "",
            "notebook_file": f"{stem}.ipynb",
            "notebook_title": notebook_title([dict(c) for c in nb.cells], stem),
        }
        steps = pipeline(self.variant, notebook_name=f"{stem}.ipynb")
        for step in steps:
            if isinstance(step, RewriteGuideLinks):
                # One exported page has no built guide beside it to link to.
                step.keep_links = False
            nb, resources = step(nb, resources)
        return super().from_notebook_node(nb, resources, **kw)

    def _facts(self, folder: Path) -> dict[str, Any]:
        from .. import __version__

        config = Path(self.workshop_config) if self.workshop_config else _find_config(folder)
        if config is None:
            return {
                "workshop_title": "",
                "date_iso": "",
                "date_text": "",
                "host_agency": "",
                "facilitators": [],
                "version": __version__,
            }
        from .build import workshop_facts
        from .config import load_workshop

        return workshop_facts(load_workshop(config))


def _find_config(folder: Path) -> Path | None:
    folder = folder.resolve()
    for candidate in [folder, *folder.parents][: CONFIG_SEARCH_DEPTH + 1]:
        path = candidate / "workshop.yml"
        if path.is_file():
            return path
    return None
