"""The command line: a readable ranked table for people without an HTTP client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"


def test_match_prints_a_ranked_table(capsys: pytest.CaptureFixture[str]) -> None:
    """`trialmatch match bundle.json --as-of` prints the patient, scores and one row per trial."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "Patient baseline: age 54, sex male; as of 2026-11-22" in out
    assert "child_pugh=9" in out
    rows = [line for line in out.splitlines() if line[:2].strip().isdigit() and "NCT" in line[:20]]
    assert len(rows) == 5


def test_match_json_option_is_the_api_answer(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the same camelCase document as POST /match."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["asOf"] == "2026-11-22" and len(body["results"]) == 5


def test_match_reports_a_bad_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bundle without a Patient exits 2 with the problem on stderr."""
    path = tmp_path / "empty.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}', encoding="utf-8")
    assert main(["match", str(path), "--as-of", "2026-11-22"]) == 2
    assert "no Patient" in capsys.readouterr().err


def test_readme_worked_example_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's worked example is the command's real output, line for line."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    command = (
        "$ trialmatch match tests/cases/bundles/readme_example_bilirubin_205_umol_no_hiv_test.json --as-of 2026-11-22\n"
    )
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("```", start)].strip().splitlines()
    example = BASELINE.parent / "readme_example_bilirubin_205_umol_no_hiv_test.json"
    assert main(["match", str(example), "--as-of", "2026-11-22"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert [line.rstrip() for line in printed] == [line.rstrip() for line in shown]
