"""POST /match as FHIR: a searchset Bundle of ResearchStudy resources, chosen by the Accept header."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.researchstudy import ResearchStudy

from service.fhir_answer import (
    AS_OF_URL,
    CATALOG_VERSION_URL,
    RANK_URL,
    REGISTRY_SYSTEM,
    SCORE_URL,
    STATUS_URL,
    VERDICT_URL,
    prefers_fhir,
)
from tests.api.conftest import FHIR

MATCH = "/match?asOf=2026-11-22"
WANTS_FHIR = {**FHIR, "accept": "application/fhir+json"}


def _answers(client: TestClient, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    json_answer = client.post(MATCH, content=body, headers=FHIR)
    fhir_answer = client.post(MATCH, content=body, headers=WANTS_FHIR)
    assert json_answer.status_code == 200 and fhir_answer.status_code == 200, fhir_answer.text
    assert fhir_answer.headers["content-type"].startswith("application/fhir+json")
    return json_answer.json(), fhir_answer.json()


def _studies(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in bundle["entry"] if e["search"]["mode"] == "match"]


def _extension(resource: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [x for x in resource.get("extension", []) if x["url"] == url]


def _verdict(extension: dict[str, Any]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for part in extension["extension"]:
        value = next(v for k, v in part.items() if k.startswith("value"))
        if part["url"] in ("evidence", "missing"):
            parts.setdefault(part["url"], []).append(value)
        else:
            parts[part["url"]] = value
    return parts


def test_searchset_validates_as_r4b_bundle(client: TestClient, baseline_bytes: bytes) -> None:
    """The FHIR answer is a searchset Bundle that fhir.resources R4B accepts, entry by entry."""
    _, bundle = _answers(client, baseline_bytes)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "searchset"
    assert bundle["total"] == len(_studies(bundle))
    for entry in bundle["entry"]:
        model = ResearchStudy if entry["search"]["mode"] == "match" else OperationOutcome
        model.model_validate(entry["resource"])
        assert entry["fullUrl"].startswith("urn:uuid:")


def test_entries_follow_ranks_and_scores(client: TestClient, baseline_bytes: bytes) -> None:
    """Entries come in the JSON answer's rank order with its status and score as search.score."""
    answer, bundle = _answers(client, baseline_bytes)
    studies = _studies(bundle)
    assert [e["resource"]["id"] for e in studies] == [r["trial"]["id"] for r in answer["results"]]
    for entry, result in zip(studies, answer["results"], strict=True):
        study = entry["resource"]
        assert entry["search"]["score"] == result["score"]
        assert _extension(study, SCORE_URL)[0]["valueDecimal"] == result["score"]
        assert _extension(study, STATUS_URL)[0]["valueCode"] == result["status"]
        assert _extension(study, RANK_URL)[0]["valuePositiveInt"] == result["rank"]


def test_study_carries_registry_details(client: TestClient, baseline_bytes: bytes) -> None:
    """Each ResearchStudy has the NCT identifier, title, fixed status, phase text, sponsor and registry link."""
    answer, bundle = _answers(client, baseline_bytes)
    for entry, result in zip(_studies(bundle), answer["results"], strict=True):
        study, trial = entry["resource"], result["trial"]
        assert study["identifier"] == [{"system": REGISTRY_SYSTEM, "value": trial["id"]}]
        assert study["title"] == trial["title"] and study["status"] == "active"
        assert study["phase"]["text"] == trial["phase"]
        assert study["sponsor"] == {"display": trial["sponsor"]}
        assert study["relatedArtifact"][0]["url"] == trial["url"]


def test_every_criterion_is_a_verdict_extension(client: TestClient, baseline_bytes: bytes) -> None:
    """Every criterion and sub-criterion appears once, in order, with the JSON answer's outcome and words."""
    answer, bundle = _answers(client, baseline_bytes)
    for entry, result in zip(_studies(bundle), answer["results"], strict=True):
        verdicts = [_verdict(x) for x in _extension(entry["resource"], VERDICT_URL)]
        assert [v["id"] for v in verdicts] == [c["id"] for c in result["criteria"]]
        for verdict, criterion in zip(verdicts, result["criteria"], strict=True):
            assert verdict["outcome"] == criterion["outcome"]
            assert verdict["type"] == criterion["type"]
            assert verdict.get("parentId") == criterion["parentId"]
            assert verdict["text"] == criterion["text"]
            assert verdict.get("missing", []) == criterion["missing"]
            assert [e["reference"] for e in verdict.get("evidence", [])] == [
                e["reference"] for e in criterion["evidence"]
            ]


def test_as_of_version_and_warnings(client: TestClient, baseline_bytes: bytes) -> None:
    """Bundle.meta carries as-of and catalogue version; the warnings follow as an outcome entry."""
    answer, bundle = _answers(client, baseline_bytes)
    meta = {x["url"]: x for x in bundle["meta"]["extension"]}
    assert meta[AS_OF_URL]["valueDate"] == "2026-11-22"
    assert meta[CATALOG_VERSION_URL]["valueString"] == answer["catalogVersion"]
    outcomes = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert answer["warnings"], "the baseline bundle passes over Encounters, which is a warning"
    assert len(outcomes) == 1 and outcomes[0] is bundle["entry"][-1]
    assert [i["diagnostics"] for i in outcomes[0]["resource"]["issue"]] == answer["warnings"]


@pytest.mark.parametrize(
    ("accept", "fhir"),
    [
        (None, False),
        ("application/json", False),
        ("*/*", False),
        ("application/*", False),
        ("application/fhir+json", True),
        ("application/fhir+json; fhirVersion=4.0", True),
        ("application/json;q=0.5, application/fhir+json", True),
        ("application/fhir+json;q=0.5, application/json;q=0.9", False),
        ("application/fhir+json, application/json", False),
        ("text/html, application/fhir+json;q=0", False),
        ("application/fhir+json;q=0.8, */*;q=0.1", True),
    ],
)
def test_accept_negotiation(client: TestClient, baseline_bytes: bytes, accept: str | None, fhir: bool) -> None:
    """FHIR JSON is returned only when Accept ranks it strictly above application/json."""
    assert prefers_fhir(accept) is fhir
    headers = {**FHIR, **({"accept": accept} if accept is not None else {})}
    response = client.post(MATCH, content=baseline_bytes, headers=headers)
    assert response.status_code == 200
    body = response.json()
    if fhir:
        assert response.headers["content-type"].startswith("application/fhir+json")
        assert body["resourceType"] == "Bundle"
    else:
        assert response.headers["content-type"].startswith("application/json")
        assert "results" in body and "resourceType" not in body


def test_openapi_documents_the_fhir_answer(client: TestClient) -> None:
    """The OpenAPI 200 response of POST /match describes the FHIR answer chosen by Accept."""
    success = client.get("/openapi.json").json()["paths"]["/match"]["post"]["responses"]["200"]
    assert "application/json" in success["content"]
    assert "Accept: application/fhir+json" in success["description"] and "ResearchStudy" in success["description"]


def test_fhir_operation_endpoint_matches_accept_negotiation(client: TestClient, baseline_bytes: bytes) -> None:
    """POST /ResearchStudy/$match answers byte for byte what POST /match gives with Accept: application/fhir+json."""
    headers = {"content-type": "application/fhir+json"}
    operation = client.post("/ResearchStudy/$match?asOf=2026-11-22", content=baseline_bytes, headers=headers)
    negotiated = client.post(
        "/match?asOf=2026-11-22", content=baseline_bytes, headers={**headers, "accept": "application/fhir+json"}
    )
    assert operation.status_code == 200
    assert operation.headers["content-type"].startswith("application/fhir+json")
    assert operation.content == negotiated.content
