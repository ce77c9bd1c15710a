"""The catalogue: schema export, loader errors with paths, and fidelity to the registry text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service.authoring.record import read_record
from service.cli import main as cli_main
from service.criteria import Catalog, CatalogError, load_catalog, schema_text
from tests.catalogue import criteria_dir

CRITERIA = criteria_dir()
# Each trial names its registry record (``source``), a capture kept under criteria/sources/.
SOURCES = {
    path.stem: CRITERIA / "sources" / yaml.safe_load(path.read_text(encoding="utf-8"))["source"]
    for path in sorted((CRITERIA / "trials").glob("*.yaml"))
}
TRIAL_IDS = sorted(SOURCES)


def _normal(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_committed_schema_matches_the_pydantic_schema() -> None:
    """criteria/schema.json is what the schema exports (regenerate: trialmatch export-schema)."""
    assert (CRITERIA / "schema.json").read_text(encoding="utf-8") == schema_text()


def test_every_trial_names_a_record_on_file(catalog: Catalog) -> None:
    """Each trial's source is a registry record kept under criteria/sources/."""
    assert sorted(catalog.trials) == TRIAL_IDS
    assert [trial_id for trial_id, path in SOURCES.items() if not path.is_file()] == []


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_catalogue_lines_are_the_records_lines(catalog: Catalog, trial_id: str) -> None:
    """The trial's lines are the record's inclusion then exclusion lines as new-trial splits them, in order."""
    lists = read_record(SOURCES[trial_id].read_text(encoding="utf-8"))
    assert [_normal(c.text) for c in catalog.trials[trial_id].criteria] == [*lists.inclusion, *lists.exclusion]


def test_parts_quote_their_line(catalog: Catalog) -> None:
    """A sub-criterion's words are taken from its parent line (whitespace aside)."""
    for trial in catalog.trials.values():
        for criterion in trial.criteria:
            for part in criterion.parts:
                assert _normal(part.text).rstrip(";,. ") in _normal(criterion.text), f"{trial.id} {part.id}"


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    """A copy of the catalogue to break."""
    target = tmp_path / "criteria"
    shutil.copytree(CRITERIA, target)
    return target


def _edit_trial(directory: Path, trial_id: str, edit: object) -> None:
    path = directory / "trials" / f"{trial_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_loader_lists_every_error_with_its_path(broken_dir: Path) -> None:
    """Several mistakes in different files are all reported, each with file and path."""

    def unknown_unit(data: dict) -> None:  # type: ignore[type-arg]
        data["criteria"].append(
            {
                "id": "exc-99",
                "type": "exclusion",
                "text": "x",
                "logic": {"lab": {"analyte": "sodium", "op": "<", "value": 1, "unit": "mg/furlong"}},
            }
        )

    def extra_key(data: dict) -> None:  # type: ignore[type-arg]
        data["criteria"][0]["colour"] = "blue"

    def unknown_valueset(data: dict) -> None:  # type: ignore[type-arg]
        data["criteria"].append(
            {
                "id": "exc-98",
                "type": "exclusion",
                "text": "x",
                "logic": {"any": [{"condition": {"valueset": "no-such-set"}}]},
            }
        )

    first, second, third = TRIAL_IDS[:3]
    _edit_trial(broken_dir, first, unknown_unit)
    _edit_trial(broken_dir, second, extra_key)
    _edit_trial(broken_dir, third, unknown_valueset)
    with pytest.raises(CatalogError) as caught:
        load_catalog(broken_dir)
    problems = caught.value.problems
    second_data = yaml.safe_load((broken_dir / "trials" / f"{second}.yaml").read_text(encoding="utf-8"))
    first_id = second_data["criteria"][0]["id"]
    assert f"trials/{first}.yaml: exc-99: logic.lab.unit: unknown unit 'mg/furlong' for sodium; allowed: " in "\n".join(
        problems
    )
    assert (
        f"trials/{second}.yaml: {first_id}: colour: unknown key 'colour'; "
        "allowed: id, type, text, logic, review, on_record, review_kind, parts, interpretation"
    ) in problems
    assert f"trials/{third}.yaml: exc-98: logic.any[0].condition.valueset: unknown value set 'no-such-set'; " in (
        "\n".join(problems)
    )
    assert len(problems) == 3, problems


def test_check_criteria_command_reports_errors(broken_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`trialmatch check-criteria` exits non-zero and prints the problems; on the real catalogue it passes."""
    (broken_dir / "catalog.yaml").write_text("schema_version: 2\n", encoding="utf-8")
    assert cli_main(["check-criteria", str(broken_dir)]) == 1
    assert "catalog.yaml: schema_version" in capsys.readouterr().err
    assert cli_main(["check-criteria", str(CRITERIA)]) == 0
    assert f"{len(TRIAL_IDS)} trials" in capsys.readouterr().out


def test_criterion_needs_exactly_one_form(broken_dir: Path) -> None:
    """A criterion with both logic and review, or an inclusion id on an exclusion, is rejected."""

    def both(data: dict) -> None:  # type: ignore[type-arg]
        computed = next(c for c in data["criteria"] if "logic" in c)
        computed["review"] = "also a person"
        data["criteria"][-1]["id"] = "inc-77"

    computed = next(t for t in TRIAL_IDS if "logic:" in (broken_dir / "trials" / f"{t}.yaml").read_text("utf-8"))
    _edit_trial(broken_dir, computed, both)
    with pytest.raises(CatalogError) as caught:
        load_catalog(broken_dir)
    text = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 2, text
    assert "exactly one of 'logic', 'review' or 'parts'" in text
    assert "starts with 'exc-'" in text
