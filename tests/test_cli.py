"""The command line: clear verdicts, clear errors (exit 2), never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from datasharing_workshop.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_all_content(capsys):
    code, out, err = run(capsys, "validate")
    assert code == 0, err
    assert "exercises/ct (Connecticut)" in out
    assert "exercises/example (example, invented)" in out
    assert out.strip().endswith("All content is valid.")


def test_validate_reports_every_problem_with_exit_2(capsys, content):
    path = content / "ct" / "roles.yaml"
    path.write_text(path.read_text().replace("id: data_steward", "id: data_owner"))
    code, _, err = run(capsys, "validate", str(content / "ct"))
    assert code == 2
    assert err.startswith("error: 1 problem found in the workshop content:")
    assert "roles.yaml:" in err and "duplicate id 'data_owner'" in err


def test_validate_unknown_folder(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "no jurisdiction folders found" in err


def test_advise_transfer_text(capsys):
    code, out, _ = run(
        capsys, "advise", "transfer", "--data", "phi,pii", "--size", "6GB", "--to", "agency"
    )
    assert code == 0
    assert "The best choice here is Secure file transport (SFT) service, with an approved" in out
    assert "before uploading a file over 5 GB" in out
    assert "[REFUSED] E-mail from a ct.gov" in out


def test_advise_transfer_json(capsys):
    code, out, _ = run(
        capsys,
        "advise",
        "transfer",
        "--data",
        "public",
        "--size",
        "40MB",
        "--to",
        "agency",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert data["best"] == "onedrive"
    email = next(c for c in data["channels"] if c["id"] == "email")
    assert email["allowed"] is False
    assert email["reasons"][0]["section"] == "open-data-channels"


def test_advise_transfer_in_another_jurisdiction(capsys):
    code, out, _ = run(
        capsys,
        "advise",
        "transfer",
        "--data",
        "phi",
        "--size",
        "3GB",
        "--to",
        "agency",
        "--jurisdiction",
        "example",
        "--json",
    )
    assert code == 0 and json.loads(out)["best"] == "mft_scripted"


def test_advise_agreement(capsys):
    code, out, _ = run(
        capsys,
        "advise",
        "agreement",
        "--data",
        "phi",
        "--requester",
        "contractor",
        "--contractor-handles-phi",
        "--json",
    )
    assert code == 0
    assert "baa" in [a["id"] for a in json.loads(out)["needed"]]


def test_advise_request(capsys, tmp_path):
    answers = tmp_path / "request.yaml"
    answers.write_text("data: all fields\n")
    code, out, _ = run(capsys, "advise", "request", str(answers))
    assert code == 1
    assert '"all fields" is too vague' in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--data", "phx", "--size", "3GB", "--to", "agency"], "unknown category 'phx'"),
        (["--data", "phi", "--size", "3 parsecs", "--to", "agency"], "unknown size unit"),
        (["--data", "phi", "--size=-3GB", "--to", "agency"], "cannot be negative"),
        (["--data", "phi", "--size", "3GB", "--to", "mars"], "unknown recipient 'mars'"),
        (
            ["--data", "phi", "--size", "3GB", "--to", "agency", "--jurisdiction", "atlantis"],
            "no catalogue folder for jurisdiction 'atlantis'",
        ),
    ],
)
def test_advise_bad_input_exits_2(capsys, argv, fragment):
    code, _, err = run(capsys, "advise", "transfer", *argv)
    assert code == 2
    assert fragment in err


def test_module_entry_point_prints_no_traceback():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "datasharing_workshop",
            "advise",
            "transfer",
            "--data",
            "phx",
            "--size",
            "1GB",
            "--to",
            "agency",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown category 'phx'" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_help():
    result = subprocess.run(
        [sys.executable, "-m", "datasharing_workshop"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "validate" in result.stderr and "advise" in result.stderr
