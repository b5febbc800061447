"""``validate`` repeats its last verdict when nothing it read has changed, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from datasharing_workshop.cli.commands.validate import CACHE_ENV, CONTENT_ENV
from datasharing_workshop.content import catalogue

PROBE = (
    "import sys\n"
    "from datasharing_workshop.cli import main\n"
    "status = main(['validate'])\n"
    "print('MODELS-LOADED' if 'pydantic' in sys.modules else 'NO-MODELS', file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def validate(tmp_path: Path, content: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, CONTENT_ENV: str(content), CACHE_ENV: str(tmp_path / "validate.json")}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_the_content_folder_variable_is_the_catalogues(tmp_path):
    assert CONTENT_ENV == catalogue.CONTENT_ENV


def test_an_unchanged_workshop_is_not_validated_twice(tmp_path, content):
    first = validate(tmp_path, content)
    assert first.returncode == 0, first.stderr
    assert "All content is valid." in first.stdout
    assert "MODELS-LOADED" in first.stderr

    again = validate(tmp_path, content)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert "NO-MODELS" in again.stderr  # the verdict was remembered

    # An edit anywhere it read: validated again, and the problem found.
    roles = content / "ct" / "roles.yaml"
    roles.write_text(roles.read_text().replace("id: data_steward", "id: data_owner"))
    broken = validate(tmp_path, content)
    assert broken.returncode == 2
    assert "duplicate id 'data_owner'" in broken.stderr
    assert "MODELS-LOADED" in broken.stderr
    # Problems are never remembered.
    assert validate(tmp_path, content).returncode == 2

    # A new file in a folder it listed counts as a change too.
    roles.write_text(roles.read_text().replace("id: data_owner", "id: data_steward", 1))
    assert validate(tmp_path, content).returncode == 0
    (content / "newstate").mkdir()
    (content / "newstate" / "jurisdiction.yaml").write_text("id: [broken\n")
    assert validate(tmp_path, content).returncode == 2


def test_an_empty_variable_turns_the_memory_off(tmp_path, content):
    env = {**os.environ, CONTENT_ENV: str(content), CACHE_ENV: ""}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert "MODELS-LOADED" in done.stderr
