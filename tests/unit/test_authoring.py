"""Authoring tools: the registry-record reader, new-trial scaffolds and check-criteria's one-pass report."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.authoring.check import check_catalogue
from service.authoring.record import read_record, split_paragraph
from service.authoring.scaffold import scaffold, suggestions
from service.cli import main as cli_main
from service.criteria import Catalog, Trial
from tests.catalogue import cases_dir, criteria_dir

CRITERIA = criteria_dir()
TRIALS = sorted(path.stem for path in (CRITERIA / "trials").glob("*.yaml"))


def _normal(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.mark.parametrize("trial_id", TRIALS)
def test_scaffold_has_the_catalogue_lines_as_review_criteria(catalog: Catalog, trial_id: str) -> None:
    """new-trial on a trial's record gives a valid trial file whose lines, ids' kinds and order are the catalogue's."""
    trial = catalog.trials[trial_id]
    text = (CRITERIA / "sources" / trial.source).read_text(encoding="utf-8")
    scaffolded = Trial.model_validate(yaml.safe_load(scaffold(text, trial.source, catalog, trial_id)))
    assert [(c.type, c.text) for c in scaffolded.criteria] == [(c.type, _normal(c.text)) for c in trial.criteria]
    assert all(c.review and c.logic is None for c in scaffolded.criteria)


@pytest.mark.parametrize(
    ("paragraph", "lines"),
    [
        ("Aged 18 to 75 years Diagnosed with cirrhosis", ["Aged 18 to 75 years", "Diagnosed with cirrhosis"]),
        ("Guidelines for the Treatment of Chronic Hepatitis", ["Guidelines for the Treatment of Chronic Hepatitis"]),
        ("HBV DNA ≤ 1000 IU/mL (2019 edition) There is more", ["HBV DNA ≤ 1000 IU/mL (2019 edition)", "There is more"]),
        ("viral hepatitis C, or such as: Class II", ["viral hepatitis C, or such as: Class II"]),
        ("First item; Second item. Third item", ["First item;", "Second item.", "Third item"]),
    ],
)  # fmt: skip
def test_run_together_items_are_cut_at_their_starts(paragraph: str, lines: list[str]) -> None:
    """A paragraph is cut at semicolons, full stops and a capital after an item's end, not inside a name."""
    assert split_paragraph(paragraph) == lines


def test_record_without_lists_reads_as_empty() -> None:
    """A page with no inclusion header gives no lines rather than guessing."""
    assert read_record("Home\nAbout this trial\nContact us\n").inclusion == ()


def test_suggestions_name_value_sets_and_analytes_in_the_line(catalog: Catalog) -> None:
    """A line naming a value set by its title words and an analyte by its name gets both suggested."""
    valuesets, analytes = suggestions("Ascites with sodium below 130 mmol/L", catalog)
    assert "ascites" in valuesets and "sodium" in analytes


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the catalogue and of the case files."""
    criteria, cases = tmp_path / "criteria", tmp_path / "cases"
    shutil.copytree(CRITERIA, criteria)
    shutil.copytree(cases_dir(), cases, ignore=shutil.ignore_patterns("*.py", "__pycache__", "added_trial"))
    return criteria, cases


def test_new_trial_command_writes_a_file_that_checks_clean(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A record dropped under sources/ and scaffolded with new-trial passes check-criteria as it stands."""
    criteria, cases = workspace
    record = criteria / "sources" / "NCT00000007.txt"
    record.write_text(
        "A made-up study NCT00000007\nInclusion Criteria:\n- Aged 18-65 years\n- Ascites\n"
        "Exclusion Criteria:\n- Pregnant or lactating women\n\nContacts\n",
        encoding="utf-8",
    )
    output = criteria / "trials" / "NCT00000007.yaml"
    assert cli_main(["new-trial", str(record), "--criteria", str(criteria), "--output", str(output)]) == 0
    assert "# value sets named in the line: ascites" in output.read_text(encoding="utf-8")
    assert check_catalogue(criteria, cases) == []
    assert cli_main(["check-criteria", str(criteria), "--cases", str(cases)]) == 0
    assert f"{len(TRIALS) + 1} trials" in capsys.readouterr().out


def _break(data: dict[str, Any]) -> None:
    """Make one mistake of each kind in a trial's YAML."""
    data["criteria"] += [
        {"id": "exc-90", "type": "exclusion", "text": data["criteria"][0]["text"],
         "logic": {"lab": {"analyte": "sodium", "op": "<", "value": 1, "unit": "mg/furlong", "colour": 1}}},
        {"id": "exc-91", "type": "exclusion", "text": data["criteria"][0]["text"],
         "logic": {"any": [{"condition": {"valueset": "ascites-sever", "when": "sometimes"}}]}},
        {"id": "exc-92", "type": "exclusion", "text": "Words the record does not have", "review": "x"},
        {"id": "exc-93", "type": "exclusion", "text": data["criteria"][0]["text"], "review": "x",
         "parts": [{"id": "exc-93a", "text": "not in the line", "review": "y"}]},
        {"id": "exc-94", "type": "exclusion", "text": data["criteria"][0]["text"], "logic": {"labs": {}}},
    ]  # fmt: skip


def test_check_criteria_reports_every_mistake_once_in_one_pass(workspace: tuple[Path, Path]) -> None:
    """Each mistake gives exactly one line naming the file, criterion id, YAML key path and what is allowed."""
    criteria, cases = workspace
    trial = TRIALS[0]
    path = criteria / "trials" / f"{trial}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    _break(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    name = f"trials/{trial}.yaml"
    expected = [
        f"{name}: exc-90: logic.lab.colour: unknown key 'colour'; allowed: op, value, min, max, analyte, unit, ",
        f"{name}: exc-91: logic.any[0].condition.when: Input should be 'current', 'ever' or 'within', got 'sometimes'",
        f"{name}: exc-93: give exactly one of 'logic', 'review' or 'parts'",
        f"{name}: exc-94: logic: unknown logic node 'labs'; allowed: ",
        f"{name}: exc-90: logic.lab.unit: unknown unit 'mg/furlong' for sodium; allowed: ",
        f"{name}: exc-91: logic.any[0].condition.valueset: unknown value set 'ascites-sever'; did you mean 'ascites-",
        f"{name}: exc-92: text: the words are not in the record sources/",
        f"{name}: exc-93a: text: the words are not in the line exc-93",
        f"{name}: exc-90: logic: no case makes it pass; ",
        f"{name}: exc-90: logic: no case makes it fail; ",
        f"{name}: exc-91: logic: no case makes it pass; ",
        f"{name}: exc-91: logic: no case makes it fail; ",
        f"{name}: exc-94: logic: no case makes it pass; ",
        f"{name}: exc-94: logic: no case makes it fail; ",
    ]  # fmt: skip
    problems = check_catalogue(criteria, cases)
    unmatched = [line for line in expected if not any(p.startswith(line) for p in problems)]
    assert not unmatched, problems
    assert len(problems) == len(expected), problems
