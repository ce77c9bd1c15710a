"""HTTP API: endpoints, content negotiation of errors, limits and determinism."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from service.criteria import Catalog
from service.main import create_app
from service.settings import Settings, default_criteria_dir
from tests.api.conftest import FHIR
from tests.fhir_builders import bundle, patient, quantity_obs


def _outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_health_reports_catalogue(client: TestClient, catalog: Catalog) -> None:
    """GET /health answers ok with the catalogue's content-derived version and its number of trials."""
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["trials"] == len(catalog.trials)
    assert body["catalogVersion"] == catalog.version


def test_trials_list_and_detail(client: TestClient, catalog: Catalog) -> None:
    """GET /trials lists every trial with counts; GET /trials/{id} shows words and readable logic."""
    listing = client.get("/trials").json()
    assert sorted(t["id"] for t in listing["trials"]) == sorted(catalog.trials)
    first = listing["trials"][0]
    assert set(first) == {"id", "title", "phase", "sponsor", "url", "criteriaCounts"}
    detail = client.get("/trials/NCT05227846").json()
    texts = [c["text"] for c in detail["criteria"]]
    assert any("170μmol/L" in t for t in texts)
    assert any(c["logic"] and "lab(" in c["logic"] for c in detail["criteria"])
    _outcome(client.get("/trials/NCT00000000"), 404)


def test_match_returns_every_trial_ranked(client: TestClient, baseline_bytes: bytes, catalog: Catalog) -> None:
    """POST /match gives every trial ranked, each criterion with outcome, reason and evidence."""
    response = client.post("/match?asOf=2026-11-22", content=baseline_bytes, headers=FHIR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["asOf"] == "2026-11-22" and body["patient"] == {
        "id": "baseline",
        "age": 54,
        "ageRange": [54, 54],
        "sex": "male",
        "deceased": None,
    }
    assert [r["rank"] for r in body["results"]] == list(range(1, len(catalog.trials) + 1))
    order = {"eligible": 0, "possibly_eligible": 1, "ineligible": 2}
    keys = [(order[r["status"]], -r["score"], r["trial"]["id"]) for r in body["results"]]
    assert keys == sorted(keys)
    for result in body["results"]:
        assert result["criteria"]
        for criterion in result["criteria"]:
            assert criterion["outcome"] in {"pass", "fail", "unknown", "review"}
            assert criterion["reason"]
    assert set(body["scores"]) == {"bmi", "childPugh", "meld", "meld3", "meldNa"}


def test_match_is_byte_for_byte_deterministic(client: TestClient, baseline_bytes: bytes) -> None:
    """The same input gives the same output byte for byte."""
    first = client.post("/match?asOf=2026-11-22", content=baseline_bytes, headers=FHIR).content
    second = client.post("/match?asOf=2026-11-22", content=baseline_bytes, headers=FHIR).content
    assert first == second


def test_trial_filter(client: TestClient, baseline_bytes: bytes) -> None:
    """Repeated trial= parameters restrict the answer; an unknown id is a 400."""
    response = client.post(
        "/match?asOf=2026-11-22&trial=NCT05227846&trial=NCT01728727", content=baseline_bytes, headers=FHIR
    )
    assert sorted(r["trial"]["id"] for r in response.json()["results"]) == ["NCT01728727", "NCT05227846"]
    _outcome(client.post("/match?trial=NCT1", content=baseline_bytes, headers=FHIR), 400)


def test_as_of_defaults_to_today_and_rejects_bad_dates(client: TestClient, baseline_bytes: bytes) -> None:
    """Without asOf the shell picks today (UTC); a malformed or impossible date is a 400."""
    assert client.post("/match", content=baseline_bytes, headers=FHIR).status_code == 200
    _outcome(client.post("/match?asOf=2026-13-45", content=baseline_bytes, headers=FHIR), 400)
    _outcome(client.post("/match?asOf=yesterday", content=baseline_bytes, headers=FHIR), 400)


def test_facts_shows_what_was_read(client: TestClient, baseline_bytes: bytes) -> None:
    """POST /facts lists labs with original and canonical units, records, scores and warnings."""
    body = client.post("/facts?asOf=2026-11-22", content=baseline_bytes, headers=FHIR).json()
    bilirubin = body["labs"]["bilirubin_total"][0]
    assert bilirubin["value"] == 2.5 and bilirubin["unit"] == "mg/dL" and bilirubin["original"] == "2.5 mg/dL"
    assert bilirubin["reference"] == "Observation/bili" and bilirubin["date"] == "2026-11-10"
    assert body["labs"]["hbv_dna"][0]["comparator"] == "<"
    assert body["scores"]["childPugh"]["value"] == 9
    assert body["scores"]["childPugh"]["detail"]["class"] == "B"
    assert any("Encounter" in w for w in body["warnings"])
    assert {m["display"] for m in body["medications"]} == {"Entecavir 0.5 MG Oral Tablet"}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param(b"not json", "application/fhir+json", 400, id="not-json"),
        pytest.param(b'{"resourceType": "Bundle"', "application/fhir+json", 400, id="truncated"),
        pytest.param(b'{"a": "\xff"}', "application/json", 400, id="invalid-utf8"),
        pytest.param(b"", "application/fhir+json", 400, id="empty"),
        pytest.param(b"{}", "text/plain", 415, id="wrong-content-type"),
        pytest.param(b"{}", "", 415, id="no-content-type"),
        pytest.param(b"[]", "application/json", 422, id="array"),
        pytest.param(b'{"resourceType": "Patient"}', "application/json", 422, id="bare-patient"),
        pytest.param(b'{"resourceType": "Bundle", "type": "collection"}', "application/json", 422, id="no-patient"),
    ],
)
def test_bad_input_gets_an_operation_outcome(client: TestClient, body: bytes, content_type: str, status: int) -> None:
    """Malformed requests get the documented 4xx with an OperationOutcome, never a 500."""
    headers = {"content-type": content_type} if content_type else {}
    outcome = _outcome(client.post("/match", content=body, headers=headers), status)
    assert outcome["issue"][0]["diagnostics"]


def test_body_limit_gives_413() -> None:
    """A body over the configured limit is refused with 413 before it is parsed."""
    small = TestClient(create_app(Settings(criteria_dir=default_criteria_dir(), max_body_bytes=2048)))
    payload = orjson.dumps(bundle(patient(), *[quantity_obs(f"o{i}", "1975-2", 1.0, "mg/dL") for i in range(30)]))
    _outcome(small.post("/match", content=payload, headers=FHIR), 413)


def test_invalid_resources_are_all_listed_with_locations(client: TestClient) -> None:
    """Each invalid read resource appears in the 422 with its entry index and element path."""
    bad = [quantity_obs(f"o{i}", "1975-2", 1.0, "mg/dL") for i in range(3)]
    for obs in bad:
        obs["effectiveDateTime"] = "2026-13-45"
    payload = orjson.dumps(bundle(patient(), *bad))
    outcome = _outcome(client.post("/match", content=payload, headers=FHIR), 422)
    expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert expressions == [f"Bundle.entry[{i}].resource.effectiveDateTime" for i in (1, 2, 3)]


def test_thousand_entry_bundle(client: TestClient) -> None:
    """POST /facts answers a 1,000-entry bundle (mostly resources no criterion reads) without error."""
    resources: list[dict[str, Any]] = [patient()]
    for i in range(999):
        if i % 3 == 0:
            resources.append(
                quantity_obs(f"o{i}", "1975-2", 1.0 + (i % 7) / 10, "mg/dL", day=f"2026-11-{1 + i % 21:02d}")
            )
        else:
            resources.append(
                {"resourceType": "Encounter", "id": f"e{i}", "status": "finished", "class": {"code": "AMB"}}
            )
    payload = json.dumps(bundle(*resources)).encode()
    response = client.post("/facts?asOf=2026-11-22", content=payload, headers=FHIR)
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["labs"]["bilirubin_total"]) == 333


def test_security_headers_and_request_id(client: TestClient) -> None:
    """Every answer carries a request id, no-store caching and nosniff."""
    response = client.get("/health")
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
