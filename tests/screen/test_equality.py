"""Screening gives, for every committed case bundle turned into an export, the verdicts of POST /match."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from service.criteria import Catalog
from service.main import create_app
from service.pipeline import match
from service.schemas import match_out
from service.screen import screen
from service.settings import Settings, default_criteria_dir
from tests.screen.conftest import AS_OF, CasePatient, read_csv, verdict_rows, write_export


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """A client of the service app on the real catalogue."""
    with TestClient(create_app(Settings(criteria_dir=default_criteria_dir()))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def screened(cases: list[CasePatient], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """verdicts.csv of one in-process run over the export of every case, grouped by patient."""
    folder = tmp_path_factory.mktemp("cases")
    export = write_export(folder / "export", cases)
    screen(export, folder / "out", AS_OF, workers=1)
    rows: dict[str, list[list[str]]] = {}
    for row in read_csv(folder / "out" / "verdicts.csv"):
        rows.setdefault(row["patient_id"], []).append(list(row.values()))
    return rows


def test_every_case_patient_is_screened(cases: list[CasePatient], screened: dict[str, list[list[str]]]) -> None:
    """Each case patient has a verdict row per trial; nothing is skipped."""
    assert set(screened) == {c.patient_id for c in cases}


def test_verdicts_equal_post_match_on_each_patients_bundle(
    cases: list[CasePatient], screened: dict[str, list[list[str]]], client: TestClient, catalog: Catalog
) -> None:
    """Each row is byte for byte what POST /match answers for a Bundle of that patient's exported resources."""
    order = list(catalog.trials)
    wrong = []
    for case in cases:
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in case.resources]}
        answer = client.post(
            f"/match?asOf={AS_OF.isoformat()}",
            content=orjson.dumps(bundle),
            headers={"content-type": "application/fhir+json"},
        )
        assert answer.status_code == 200, case.name
        expected = list(verdict_rows(answer.json(), case.patient_id, order))
        if screened[case.patient_id] != expected:
            wrong.append((case.name, screened[case.patient_id], expected))
    assert not wrong, wrong[:3]


def test_verdicts_equal_match_on_the_original_case_bundle(
    cases: list[CasePatient], screened: dict[str, list[list[str]]], catalog: Catalog
) -> None:
    """Turning a case into an export (ids, Type/id references, files by type) changes no verdict."""
    order = list(catalog.trials)
    wrong = []
    for case in cases:
        answer = orjson.loads(match_out(match(case.bundle, catalog, AS_OF)).model_dump_json(by_alias=True))
        expected = list(verdict_rows(answer, case.patient_id, order))
        if screened[case.patient_id] != expected:
            wrong.append((case.name, screened[case.patient_id], expected))
    assert not wrong, wrong[:3]
