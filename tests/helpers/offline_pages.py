"""What a served page would fetch from other sites: rooms may have no internet, and a
participant's browser should tell no third party who is in the workshop."""

from __future__ import annotations

import re

#: A stylesheet, script, image or frame loaded from another site. Links a participant may
#: follow (the playbook's sections) are fine: they are not fetched.
EXTERNAL = re.compile(
    r"<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//", re.I
)


def fetched_from_elsewhere(html: str) -> list[str]:
    """The tags in ``html`` that load something from another site."""
    return [html[m.start() : html.find(">", m.start()) + 1] for m in EXTERNAL.finditer(html)]
