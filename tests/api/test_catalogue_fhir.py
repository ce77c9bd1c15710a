"""The catalogue as FHIR R5: ResearchStudy with its eligibility, ValueSet with sources, served and written to files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.bundle import Bundle
from fhir.resources.researchstudy import ResearchStudy
from fhir.resources.valueset import ValueSet

from service.cli import main as cli_main
from service.criteria import Catalog
from tests.catalogue import criteria_dir

FHIR_JSON = "application/fhir+json"
TRIALS = sorted(path.stem for path in (criteria_dir() / "trials").glob("*.yaml"))


def _read(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    return body


def test_research_studies_are_a_valid_searchset_of_every_trial(client: TestClient, catalog: Catalog) -> None:
    """GET /ResearchStudy is an R5 searchset Bundle with one ResearchStudy per trial, named by the catalogue version."""
    body = _read(client, "/ResearchStudy")
    Bundle.model_validate(body)
    studies = [entry["resource"] for entry in body["entry"]]
    assert [s["id"] for s in studies] == sorted(catalog.trials)
    assert {s["version"] for s in studies} == {catalog.version}


@pytest.mark.parametrize("trial_id", TRIALS)
def test_each_study_carries_every_line_as_a_characteristic(client: TestClient, catalog: Catalog, trial_id: str) -> None:
    """A trial's ResearchStudy validates, and its eligibility has a characteristic per registry line in its words."""
    study = _read(client, f"/ResearchStudy/{trial_id}")
    ResearchStudy.model_validate(study)
    (eligibility,) = study["contained"]
    assert study["recruitment"]["eligibility"]["reference"] == f"#{eligibility['id']}"
    trial = catalog.trials[trial_id]
    lines = [(c["linkId"], c["description"], c["exclude"]) for c in eligibility["characteristic"]]
    assert lines == [(c.id, c.text, c.type == "exclusion") for c in trial.criteria]
    for line, criterion in zip(eligibility["characteristic"], trial.criteria, strict=True):
        if criterion.parts:
            members = line["definitionByCombination"]["characteristic"]
            assert [m["linkId"] for m in members] == [p.id for p in criterion.parts]
        elif criterion.logic is not None:
            assert line["definitionExpression"]["expression"]
        else:
            assert line["definitionCodeableConcept"]["coding"][0]["code"] in ("judgement", "not_computable")


def test_value_set_lists_codes_with_their_sources(client: TestClient, catalog: Catalog) -> None:
    """GET /ValueSet/{id} is a valid R5 ValueSet whose every code names the source it was checked against."""
    valueset_id = sorted(catalog.valuesets)[0]
    body = _read(client, f"/ValueSet/{valueset_id}")
    ValueSet.model_validate(body)
    concepts = [c for include in body["compose"]["include"] for c in include.get("concept", ())]
    filters = [f for include in body["compose"]["include"] for f in include.get("filter", ())]
    assert concepts or filters
    assert all(item["extension"][0]["valueString"] for item in (*concepts, *filters))
    assert body["version"] == catalog.version


@pytest.mark.parametrize("path", ["/ResearchStudy/NCT00000000", "/ValueSet/no-such-set"])
def test_unknown_ids_are_a_not_found_outcome(client: TestClient, path: str) -> None:
    """An unknown study or value set is a 404 OperationOutcome."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_export_command_writes_every_resource(tmp_path: Path, catalog: Catalog) -> None:
    """`trialmatch export-fhir` writes one valid file per trial and per value set."""
    assert cli_main(["export-fhir", "--criteria", str(criteria_dir()), "--output", str(tmp_path)]) == 0
    studies = sorted(tmp_path.glob("ResearchStudy-*.json"))
    valuesets = sorted(tmp_path.glob("ValueSet-*.json"))
    assert [p.stem.removeprefix("ResearchStudy-") for p in studies] == sorted(catalog.trials)
    assert len(valuesets) == len(catalog.valuesets)
    ResearchStudy.model_validate(json.loads(studies[0].read_text(encoding="utf-8")))
    for path in valuesets:
        ValueSet.model_validate(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("parameter", ["_id", "identifier"])
def test_research_study_search_filters_by_id_and_identifier(client: TestClient, parameter: str) -> None:
    """GET /ResearchStudy?_id= (or identifier=[system|]value) returns only the trials named, as ORs of a comma list."""
    first, second = TRIALS[0], TRIALS[-1]
    value = f"https://clinicaltrials.gov|{first},{second}" if parameter == "identifier" else f"{first},{second}"
    body = _read(client, f"/ResearchStudy?{parameter}={value}")
    assert body["total"] == 2
    assert sorted(e["resource"]["id"] for e in body["entry"]) == sorted({first, second})
    everything = {e["resource"]["id"]: e for e in _read(client, "/ResearchStudy")["entry"]}
    assert body["entry"] == [everything[e["resource"]["id"]] for e in body["entry"]]
    assert _read(client, f"/ResearchStudy?{parameter}=NCT99999999")["total"] == 0
    assert _read(client, f"/ResearchStudy?identifier=urn:other|{first}")["total"] == 0


def test_unsupported_search_parameters_are_refused(client: TestClient) -> None:
    """A search parameter the server does not honour is a 400 naming it, never a silently unfiltered list."""
    response = client.get("/ResearchStudy?title=cirrhosis")
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "title" in outcome["issue"][0]["diagnostics"] and "_id" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize("path", ["/ResearchStudy", f"/ResearchStudy/{TRIALS[0]}"])
def test_an_accept_header_without_json_is_not_acceptable(client: TestClient, path: str) -> None:
    """Asking for FHIR XML gets a 406 OperationOutcome, not JSON under a 200; FHIR JSON or */* is served."""
    response = client.get(path, headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 406
    assert response.json()["resourceType"] == "OperationOutcome"
    ok = client.get(path, headers={"Accept": "application/fhir+json;q=0.9, application/fhir+xml"})
    assert ok.status_code == 200
