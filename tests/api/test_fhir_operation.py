"""ResearchStudy/$match takes a Parameters body; /metadata and the OperationDefinition describe it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationdefinition import OperationDefinition
from fhir.resources.R4B.parameters import Parameters

from service.criteria import load_catalog
from service.fhir_operation import capability_statement
from service.intake import MODELS
from service.settings import Settings
from tests.api.conftest import BASELINE, FHIR
from tests.catalogue import criteria_dir

OPERATION = "/ResearchStudy/$match?asOf=2026-11-22"


def _parameters(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(parameters)}


def _bundle() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BASELINE.read_text(encoding="utf-8"))
    return document


def _trials(answer: dict[str, Any]) -> list[tuple[str, str]]:
    studies = [e["resource"] for e in answer["entry"] if e["search"]["mode"] == "match"]
    return [
        (s["identifier"][0]["value"], next(x["valueCode"] for x in s["extension"] if x["url"].endswith("status")))
        for s in studies
    ]


def _post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post(OPERATION, content=json.dumps(body), headers=FHIR)


def test_parameters_with_a_bundle_answers_like_the_bundle(client: TestClient) -> None:
    """A Parameters body whose resource is the Bundle gives the same searchset as the Bundle itself."""
    plain = _post(client, _bundle())
    wrapped = _post(client, _parameters({"name": "resource", "resource": _bundle()}))
    assert plain.status_code == wrapped.status_code == 200, wrapped.text
    Parameters.model_validate(_parameters({"name": "resource", "resource": _bundle()}))
    assert _trials(wrapped.json()) == _trials(plain.json())


def test_patient_with_contained_record_is_unpacked(client: TestClient) -> None:
    """A Patient whose record is contained, referenced by '#', matches like the Bundle of the same resources."""
    bundle = _bundle()
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    contained = []
    for entry in bundle["entry"]:
        resource = json.loads(json.dumps(entry["resource"]))
        if resource["resourceType"] == "Patient":
            continue
        for name in ("subject", "patient"):
            if isinstance(resource.get(name), dict):
                resource[name] = {"reference": "#"}
        contained.append(resource)
    holder = {**patient, "contained": contained}
    answer = _post(client, _parameters({"name": "resource", "resource": holder}))
    assert answer.status_code == 200, answer.text
    assert _trials(answer.json()) == _trials(_post(client, _bundle()).json())


def test_only_certain_matches_and_count_trim_the_answer(client: TestClient) -> None:
    """onlyCertainMatches keeps eligible trials with no review item pending; count keeps the best N."""
    everything = _trials(_post(client, _bundle()).json())
    certain = _post(
        client,
        _parameters({"name": "resource", "resource": _bundle()}, {"name": "onlyCertainMatches", "valueBoolean": True}),
    ).json()
    plain = client.post("/match?asOf=2026-11-22", content=json.dumps(_bundle()), headers=FHIR).json()["results"]
    pending = {r["trial"]["id"] for r in plain if r["status"] == "eligible" and r["toReview"]}
    assert pending, "the baseline must have an eligible trial still waiting on a review item"
    assert _trials(certain) == [t for t in everything if t[1] == "eligible" and t[0] not in pending]
    assert certain["total"] == len(_trials(certain))
    two = _post(client, _parameters({"name": "resource", "resource": _bundle()}, {"name": "count", "valueInteger": 2}))
    assert _trials(two.json()) == everything[:2]


@pytest.mark.parametrize(
    ("parameters", "where"),
    [
        ([], "Parameters.parameter"),
        ([{"name": "count", "valueInteger": 2}], "Parameters.parameter"),
        ([{"name": "resource", "resource": {"resourceType": "Observation"}}], "Parameters.parameter[0]"),
        ([{"name": "resource", "resource": "x"}, {"name": "sort", "valueString": "x"}], "Parameters.parameter[0]"),
        ([{"name": "onlyCertainMatches", "valueString": "yes"}], "Parameters.parameter[0]"),
        ([{"name": "count", "valueInteger": 0}], "Parameters.parameter[0]"),
        ([{"name": "count", "valueInteger": 1}, {"name": "count", "valueInteger": 2}], "Parameters.parameter[1]"),
        # a value that is not the parameter's own is refused, not ignored (schemathesis found it)
        (
            [{"name": "resource", "resource": {"resourceType": "Bundle"}, "valueInteger": "2"}],
            "Parameters.parameter[0]",
        ),
        ([{"name": "count", "valueInteger": 2, "valueBoolean": True}], "Parameters.parameter[0]"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, parameters: list[dict[str, Any]], where: str
) -> None:
    """A missing resource, an unknown name, a repeated one, a wrong or a stray value is a 422 OperationOutcome."""
    response = _post(client, {"resourceType": "Parameters", "parameter": parameters})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["expression"] == [where]


def test_metadata_is_a_valid_capability_statement(client: TestClient) -> None:
    """GET /metadata is an R4 CapabilityStatement naming $match, the types read, formats and security."""
    response = client.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1" and "application/fhir+json" in statement.format
    rest = statement.rest[0]
    study = next(r for r in rest.resource if r.type == "ResearchStudy")
    assert study.operation[0].name == "match"
    assert {r.type for r in rest.resource} >= {"Patient", *MODELS}
    assert {p.name for p in study.searchParam} == {"_id", "identifier"}
    assert rest.security is not None and rest.security.description


def test_capability_statement_names_the_header_keys_are_sent_in() -> None:
    """With API keys on, /metadata says keys go in 'Authorization: Bearer', the only header the service reads."""
    settings = Settings(api_key_hashes=("0" * 64,))
    statement = capability_statement(load_catalog(criteria_dir()), "http://x", settings, "1")
    text = statement["rest"][0]["security"]["description"]
    assert "Authorization: Bearer" in text and "X-API-Key" not in text


def test_operation_definition_is_served_and_valid(client: TestClient) -> None:
    """The OperationDefinition the CapabilityStatement points at is served and validates, with its parameters."""
    statement = client.get("/metadata").json()
    study = next(r for r in statement["rest"][0]["resource"] if r["type"] == "ResearchStudy")
    definition = client.get("/OperationDefinition/ResearchStudy-match").json()
    OperationDefinition.model_validate(definition)
    assert study["operation"][0]["definition"] == definition["url"]
    assert {p["name"] for p in definition["parameter"]} == {"resource", "onlyCertainMatches", "count", "return"}
