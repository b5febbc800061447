"""The kit puts off jsonschema's IRI grammar (lazy_iri) without changing any check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

PROBE = """
import json, sys
import datasharing_workshop
import nbformat
built_at_import = "lark" in sys.modules
from jsonschema import FormatChecker
checker = FormatChecker()
print(json.dumps({
    "built_at_import": built_at_import,
    "good": checker.conforms("https://portal.ct.gov/opm/données", "iri"),
    "bad": checker.conforms("no scheme here", "iri"),
    "reference": checker.conforms("../relative/ok", "iri-reference"),
}))
"""


def probe() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_reading_a_notebook_does_not_build_the_iri_grammar():
    assert probe()["built_at_import"] is False


def test_iri_checks_still_run_on_the_real_grammar():
    result = probe()
    assert result["good"] is True
    assert result["bad"] is False
    assert result["reference"] is True
