"""The command line: a readable ranked table for people without an HTTP client."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from service.cli import EXIT_BROKEN_PIPE, main, shorten
from service.criteria import Catalog, load_catalog
from service.settings import default_criteria_dir

BASELINE = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"


def test_match_prints_a_ranked_table(capsys: pytest.CaptureFixture[str], catalog: Catalog) -> None:
    """`trialmatch match bundle.json --as-of` prints the patient, scores and one row per trial."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "Patient baseline: age 54, sex male; as of 2026-11-22" in out
    assert "child_pugh=9" in out
    rows = [line for line in out.splitlines() if line[:2].strip().isdigit() and "NCT" in line[:20]]
    assert len(rows) == len(catalog.trials)


def test_match_json_option_is_the_api_answer(capsys: pytest.CaptureFixture[str], catalog: Catalog) -> None:
    """--json prints the same camelCase document as POST /match."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["asOf"] == "2026-11-22" and len(body["results"]) == len(catalog.trials)


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
    # The catalogue version ends in a digest of the catalogue's files, which every edit to a trial
    # changes; the example shows the one it was printed with.
    digest = re.compile(r"(catalogue \S+)\+[0-9a-f]{12}")
    assert [digest.sub(r"\1+<digest>", line.rstrip()) for line in printed] == [
        digest.sub(r"\1+<digest>", line.rstrip()) for line in shown
    ]


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`trialmatch --version` prints the package version and exits 0."""
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"trialmatch {version('trialmatch')}"


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """--help lists every exit code the command uses."""
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for code in ("0", "1", "2", "3", "130", "141"):
        assert re.search(rf"^\s+{code}\s+\S", shown, re.MULTILINE), code


def test_output_piped_into_head_ends_quietly() -> None:
    """`trialmatch match ... | head -n 1` prints one line, no traceback, and exits 141 (closed pipe)."""
    reader, writer = os.pipe()
    with subprocess.Popen(
        [sys.executable, "-m", "service.cli", "match", str(BASELINE), "--as-of", "2026-11-22", "--json"],
        stdout=writer,
        stderr=subprocess.PIPE,
    ) as command:
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            first = pipe.readline()  # then the reader goes away, as head does
        _, err = command.communicate(timeout=120)
    assert first.strip() == b"{"
    assert err == b"", err.decode()
    assert command.returncode == EXIT_BROKEN_PIPE


LONG_TITLE = "Human Umbilical Cord-derived Mesenchymal Stem Cells for Decompensated Cirrhosis (MSC-DLC-1)"


@pytest.mark.parametrize(
    ("title", "width", "shown"),
    [
        ("Short title", 70, "Short title"),
        (LONG_TITLE, 70, "Human Umbilical Cord-derived Mesenchymal Stem Cells for ..."),
        (LONG_TITLE, 40, "Human Umbilical Cord-derived ..."),
    ],
)
def test_titles_are_cut_between_words(title: str, width: int, shown: str) -> None:
    """A long title is cut at a word boundary within the width and marked with '...'."""
    assert shorten(title, width) == shown
    assert len(shown) <= width


def test_table_titles_end_on_whole_words(capsys: pytest.CaptureFixture[str]) -> None:
    """Every title in the table is a prefix of whole words of the trial's title."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line[:2].strip().isdigit() and "NCT" in line]
    catalog = load_catalog(default_criteria_dir())
    for row in rows:
        trial_id, title = row.split()[1], row.split("  ")[-1].strip()
        words = catalog.trials[trial_id].title.split()
        kept = title.removesuffix(" ...").split()
        assert kept == words[: len(kept)], (trial_id, title)


def test_review_items_are_shown_with_their_words(capsys: pytest.CaptureFixture[str]) -> None:
    """Each item to review is listed with the registry's words, not its id alone."""
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert main(["match", str(BASELINE), "--as-of", "2026-11-22"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    items = [item for result in answer["results"] for item in result["toReview"]]
    assert items
    for item in items:
        assert f"- {' '.join(item.split())}" in shown, item
