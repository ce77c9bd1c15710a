"""CDS Hooks: discovery derived from the catalogue, patient-view cards, and the error answers."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.cds import MAX_TEMPLATE_CHARS, SERVICE_ID, SUMMARY_LIMIT, service_description, summary_line
from service.criteria import load_catalog
from service.settings import default_criteria_dir
from tests.api.conftest import BASELINE, FHIR

SERVICE = f"/cds-services/{SERVICE_ID}?asOf=2026-11-22"
EHR = "https://ehr.example.org/fhir"
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
PATIENT_ID = "baseline"


def _baseline_resources() -> dict[str, list[dict[str, Any]]]:
    """The baseline patient's resources by type, referencing the patient the way an EHR does."""
    document = json.loads(BASELINE.read_text(encoding="utf-8"))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in document["entry"]:
        resource = copy.deepcopy(entry["resource"])
        for name in ("subject", "patient"):
            if isinstance(resource.get(name), dict):
                resource[name] = {"reference": f"Patient/{PATIENT_ID}"}
        by_type.setdefault(resource["resourceType"], []).append(resource)
    return by_type


def _searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"{EHR}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def _discovery(client: TestClient) -> dict[str, Any]:
    response = client.get("/cds-services")
    assert response.status_code == 200, response.text
    services: list[dict[str, Any]] = response.json()["services"]
    assert len(services) == 1
    return services[0]


def _prefetch(client: TestClient, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every advertised key answered from the baseline bundle, as an EHR would, except those left out."""
    resources = _baseline_resources()
    prefetch: dict[str, Any] = {}
    for key, query in _discovery(client)["prefetch"].items():
        if key in without:
            continue
        if key == "patient":
            prefetch[key] = resources["Patient"][0]
            continue
        resource_type = query.split("?")[0]
        # The findings key searches Observations by coded value; the baseline has none.
        chosen = [] if "value-concept=" in query else resources.get(resource_type, [])
        prefetch[key] = _searchset(chosen)
    return prefetch


def _hook(prefetch: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": HOOK_INSTANCE,
        "fhirServer": EHR,
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID},
        **extra,
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request


def _statuses(client: TestClient, drop: str | None = None) -> list[tuple[str, str]]:
    """Return (trial id, status) of the eligible and possibly eligible trials POST /match finds."""
    document = json.loads(BASELINE.read_text(encoding="utf-8"))
    document["entry"] = [e for e in document["entry"] if e["resource"]["resourceType"] != drop]
    response = client.post("/match?asOf=2026-11-22", content=json.dumps(document), headers=FHIR)
    assert response.status_code == 200, response.text
    return [(r["trial"]["id"], r["status"]) for r in response.json()["results"] if r["status"] != "ineligible"]


def _outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


def _no_empty_values(node: object, path: str = "$") -> None:
    # CDS Hooks: JSON elements SHALL NOT be null or empty unless the spec says so (cards may be []).
    assert node is not None and node != "" and node != {}, path
    if isinstance(node, dict):
        for key, value in node.items():
            if not (path == "$" and key == "cards"):
                assert value != [], f"{path}.{key}"
            _no_empty_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _no_empty_values(value, f"{path}[{index}]")


# -- discovery -------------------------------------------------------------------------------


def test_discovery_lists_one_patient_view_service(client: TestClient) -> None:
    """GET /cds-services lists one patient-view service with id, title, description and prefetch."""
    service = _discovery(client)
    assert service["hook"] == "patient-view" and service["id"] == SERVICE_ID
    assert service["title"] and service["description"] and service["usageRequirements"]
    assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    for key, query in service["prefetch"].items():
        if key != "patient":
            assert "patient={{context.patientId}}" in query, key
    _no_empty_values(client.get("/cds-services").json())


def test_discovery_prefetch_holds_the_codes_criteria_read(client: TestClient) -> None:
    """Observation tokens include every score analyte's LOINC code, once each and sorted."""
    prefetch = _discovery(client)["prefetch"]
    lab_keys = [k for k in prefetch if k.startswith("observations")]
    observations = ",".join(prefetch[k] for k in lab_keys)
    tokens = [t for k in lab_keys for t in prefetch[k].split("&code=")[1].split(",")]
    assert "http://loinc.org|1975-2" in tokens  # total bilirubin (Child-Pugh, MELD)
    catalog = client.app.state.catalog  # type: ignore[attr-defined]
    for analyte in ("bilirubin_total", "albumin", "inr", "creatinine", "sodium", "weight", "height"):
        for code in catalog.analytes.analytes[analyte].codes:
            assert f"{code.system}|{code.code}" in tokens, analyte
    assert tokens == sorted(set(tokens), key=lambda t: tuple(t.split("|")))
    assert "ascites" not in observations


def test_discovery_fetches_prefixed_value_sets_unfiltered(client: TestClient) -> None:
    """Conditions are filtered by code only when no value set needs an ICD prefix; the description says which."""
    service = _discovery(client)
    query = service["prefetch"]["conditions"]
    unfiltered = service["description"].split("without a code filter")[1]
    assert ("&code=" in query) != ("conditions" in unfiltered)
    # hepatocellular-carcinoma matches ICD-10-CM C22.x by the prefix C22, which no token can say.
    assert query == "Condition?patient={{context.patientId}}"
    for key in ("medicationRequests", "medicationStatements"):
        assert service["prefetch"][key] == key[0].upper() + key[1:-1] + "?patient={{context.patientId}}"


def test_prefetch_templates_fit_url_limits_and_the_recommended_subset(client: TestClient) -> None:
    """Every template is at most 2,000 characters, with no _include and only patient and token parameters."""
    prefetch = _discovery(client)["prefetch"]
    for key, query in prefetch.items():
        assert len(query) <= MAX_TEMPLATE_CHARS, key
        assert "_include" not in query and "_revinclude" not in query and "_has" not in query, key
        params = {part.split("=")[0] for part in query.partition("?")[2].split("&") if part}
        assert params <= {"patient", "code", "value-concept"}, key
    # The findings search would need about 300,000 characters of tokens: it is widened, not split.
    assert prefetch["findings"] == "Observation?patient={{context.patientId}}"
    assert len([k for k in prefetch if k.startswith("observations")]) >= 2


def test_unsent_referenced_medications_are_not_provided(client: TestClient) -> None:
    """A medication record whose Medication prefetch did not carry reads as 'Medication not provided'."""
    prefetch = _prefetch(client)
    statement = prefetch["medicationStatements"]["entry"][0]["resource"]
    concept = statement.pop("medicationCodeableConcept")
    statement["medicationReference"] = {"reference": "Medication/not-sent"}
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert any("medicationReference" in key for key in body["extension"]["invalid.trialmatch.notProvided"])
    trial_cards = [card for card in body["cards"] if card.get("links")]
    assert trial_cards and all(card["summary"].startswith("Possibly eligible") for card in trial_cards)
    medication = {"resourceType": "Medication", "id": "not-sent", "code": concept}
    prefetch["medicationStatements"]["entry"].append(
        {"fullUrl": f"{EHR}/Medication/not-sent", "resource": medication, "search": {"mode": "include"}}
    )
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert "invalid.trialmatch.notProvided" not in body["extension"]


def _write_catalogue(directory: Path, condition_set: dict[str, Any]) -> None:
    real = default_criteria_dir()
    (directory / "valuesets").mkdir(parents=True)
    (directory / "trials").mkdir()
    shutil.copy(real / "catalog.yaml", directory / "catalog.yaml")
    shutil.copy(real / "analytes.yaml", directory / "analytes.yaml")
    for name in ("ascites", "ascites-severe", "hepatic-encephalopathy", "hepatic-encephalopathy-coma", "dialysis"):
        shutil.copy(real / "valuesets" / f"{name}.yaml", directory / "valuesets" / f"{name}.yaml")
    (directory / "valuesets" / "test-hbv.yaml").write_text(json.dumps(condition_set), encoding="utf-8")
    trial = {
        "schema_version": 1,
        "id": "NCT99999999",
        "title": "Synthetic trial",
        "phase": "Phase 2",
        "sponsor": "tests",
        "url": "https://clinicaltrials.gov/study/NCT99999999",
        "source": "tests",
        "criteria": [
            {"id": "inc-1", "type": "inclusion", "text": "HBV", "logic": {"condition": {"valueset": "test-hbv"}}},
            {
                "id": "exc-1",
                "type": "exclusion",
                "text": "bilirubin",
                "logic": {"lab": {"analyte": "bilirubin_total", "op": ">=", "value": 170, "unit": "umol/L"}},
            },
        ],
    }
    (directory / "trials" / "NCT99999999.yaml").write_text(json.dumps(trial), encoding="utf-8")


CODES = [
    {"system": "http://snomed.info/sct", "code": "61977001", "display": "Chronic hepatitis B", "source": "test"},
    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "B18.1", "display": "Chronic hepatitis B", "source": "t"},
    {"system": "http://snomed.info/sct", "code": "61977001", "display": "duplicate", "source": "test"},
]


def test_discovery_is_derived_from_the_catalogue(tmp_path: Path) -> None:
    """A catalogue of exact codes gives exactly its codes (ICD with dots), and only the keys its criteria read."""
    _write_catalogue(tmp_path, {"id": "test-hbv", "title": "HBV", "codes": CODES})
    catalog = load_catalog(tmp_path)
    prefetch = service_description(catalog).prefetch
    assert set(prefetch) == {"patient", "observations", "findings", "conditions"}
    expected = "http://hl7.org/fhir/sid/icd-10-cm|B18.1,http://snomed.info/sct|61977001"
    assert prefetch["conditions"] == "Condition?patient={{context.patientId}}&code=" + expected
    assert prefetch["findings"] == "Observation?patient={{context.patientId}}&value-concept=" + expected
    bilirubin = sorted(f"{c.system}|{c.code}" for c in catalog.analytes.analytes["bilirubin_total"].codes)
    assert prefetch["observations"] == "Observation?patient={{context.patientId}}&code=" + ",".join(bilirubin)


def test_discovery_drops_the_code_filter_for_prefixes(tmp_path: Path) -> None:
    """A condition value set with an ICD prefix makes the Condition query unfiltered."""
    prefixes = [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "prefix": "B18", "display": "B18", "source": "t"}]
    _write_catalogue(tmp_path, {"id": "test-hbv", "title": "HBV", "codes": CODES[:1], "prefixes": prefixes})
    service = service_description(load_catalog(tmp_path))
    assert service.prefetch["conditions"] == "Condition?patient={{context.patientId}}"
    assert "conditions" in service.description.split("without a code filter")[1]


# -- calls -----------------------------------------------------------------------------------


def test_cards_for_eligible_and_possibly_eligible_trials(client: TestClient) -> None:
    """One card per eligible or possibly eligible trial, in rank order, shaped as the spec's cards."""
    response = client.post(SERVICE, json=_hook(_prefetch(client)))
    assert response.status_code == 200, response.text
    body = response.json()
    _no_empty_values(body)
    expected = _statuses(client)
    cards = body["cards"]
    assert len(cards) == len(expected)
    catalog = client.app.state.catalog  # type: ignore[attr-defined]
    for card, (trial_id, status) in zip(cards, expected, strict=True):
        assert trial_id in card["summary"] and len(card["summary"]) < 140
        assert card["indicator"] == ("info" if status == "eligible" else "warning")
        assert card["source"] == {"label": f"trialmatch catalogue {catalog.version}"}
        assert card["links"] == [
            {"label": f"{trial_id} in the trial registry", "url": catalog.trials[trial_id].url, "type": "absolute"}
        ]
        if status == "eligible":  # "Eligible, pending 4 review items" (rank.status_text)
            assert card["detail"].startswith("**Eligible") and card["summary"].startswith("Eligible")
            assert "pending" in card["summary"] or "review" not in card["detail"]
        else:
            assert card["detail"].startswith("**Possibly eligible**")
    assert len({c["uuid"] for c in cards}) == len(cards)
    assert body["extension"]["invalid.trialmatch.asOf"] == "2026-11-22"
    assert "invalid.trialmatch.notProvided" not in body["extension"]


def test_missing_labs_give_possibly_eligible_cards(client: TestClient) -> None:
    """Without the observations key, cards follow POST /match on the bundle without Observations."""
    labs = tuple(k for k in _discovery(client)["prefetch"] if k.startswith("observations"))
    response = client.post(SERVICE, json=_hook(_prefetch(client, without=labs)))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = _statuses(client, drop="Observation")
    assert [(c["summary"].split(": ")[0].split(",")[0], c["indicator"]) for c in body["cards"]] == [
        ("Eligible" if s == "eligible" else "Possibly eligible", "info" if s == "eligible" else "warning")
        for _, s in expected
    ]
    assert any(status == "possibly_eligible" for _, status in expected)
    for card in body["cards"]:
        if card["indicator"] == "warning":
            assert "needed" in card["summary"] and "**Data needed**" in card["detail"]
    assert body["extension"]["invalid.trialmatch.notProvided"] == list(labs)


@pytest.mark.parametrize("key", ["conditions", "medicationStatements"])
def test_unsent_records_never_give_eligible(client: TestClient, key: str) -> None:
    """When a record key the criteria read as 'no record' is not sent, no card says eligible."""
    response = client.post(SERVICE, json=_hook(_prefetch(client, without=(key,))))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["extension"]["invalid.trialmatch.notProvided"] == [key]
    for card in body["cards"]:
        assert card["indicator"] == "warning" and card["summary"].startswith("Possibly eligible")
        assert key in card["detail"]


def test_null_and_failed_prefetch_values(client: TestClient) -> None:
    """An empty Bundle means no data; null, an OperationOutcome or a paginated Bundle counts as not provided."""
    prefetch = _prefetch(client)
    for key in prefetch:
        if key not in ("patient", "observations", "conditions", "medicationStatements"):
            prefetch[key] = _searchset([])
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert "invalid.trialmatch.notProvided" not in body["extension"]
    assert len(body["cards"]) == len(_statuses(client))
    prefetch["allergies"] = None
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert body["extension"]["invalid.trialmatch.notProvided"] == ["allergies"]

    failed = _prefetch(client)
    failed["procedures"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout", "diagnostics": "EHR search timed out"}],
    }
    failed["conditions"]["link"] = [{"relation": "next", "url": f"{EHR}/Condition?patient=baseline&page=2"}]
    body = client.post(SERVICE, json=_hook(failed)).json()
    assert body["extension"]["invalid.trialmatch.notProvided"] == ["conditions", "procedures"]
    assert all(card["indicator"] == "warning" for card in body["cards"])


def test_same_resource_through_two_keys_counts_once(client: TestClient) -> None:
    """An Observation in both observations and findings is read once, and unknown keys are reported as ignored."""
    prefetch = _prefetch(client)
    prefetch["findings"] = prefetch["observations"]
    prefetch["hemoglobin-a1c"] = _searchset([])
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert len(body["cards"]) == len(_statuses(client))
    assert body["extension"]["invalid.trialmatch.ignoredKeys"] == ["hemoglobin-a1c"]


def test_summary_line_stays_under_140_characters() -> None:
    """A long title is shortened with an ellipsis so the summary stays under 140 characters."""
    line = summary_line("Possibly eligible", "NCT05227846", "x" * 300, ["2 data items needed"])
    assert len(line) <= SUMMARY_LIMIT < 140
    assert line.startswith("Possibly eligible: NCT05227846 x") and line.endswith("… (2 data items needed)")
    assert summary_line("Eligible", "NCT05227846", "MSC-DLC-1", []) == "Eligible: NCT05227846 MSC-DLC-1"


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefetch", [None, {}, {"patient": None}])
def test_no_patient_prefetch_is_412(client: TestClient, prefetch: dict[str, Any] | None) -> None:
    """Without the patient prefetch or fhirAuthorization to fetch it, the answer is 412 with an OperationOutcome."""
    body = _outcome(client.post(SERVICE, json=_hook(prefetch)), 412)
    assert "or fhirServer with fhirAuthorization" in body["issue"][0]["diagnostics"]


def test_unknown_service_is_404(client: TestClient) -> None:
    """An unknown service id gives a 404 OperationOutcome."""
    body = _outcome(client.post("/cds-services/no-such-service", json=_hook(_prefetch(client))), 404)
    assert body["issue"][0]["code"] == "not-found"


def test_malformed_hook_requests(client: TestClient) -> None:
    """Not JSON is 400; a request without hook, with another hook or with non-object prefetch is 422."""
    _outcome(client.post(SERVICE, content=b"{not json", headers={"content-type": "application/json"}), 400)
    request = _hook(_prefetch(client))
    del request["hook"]
    body = _outcome(client.post(SERVICE, json=request), 422)
    assert body["issue"][0]["expression"] == ["hook"]
    _outcome(client.post(SERVICE, json={**_hook(None), "hook": "order-sign"}), 422)
    body = _outcome(client.post(SERVICE, json=_hook({"patient": "Patient/baseline"})), 422)
    assert body["issue"][0]["expression"] == ["prefetch.patient"]
    _outcome(client.post(SERVICE, json=[_hook(None)]), 422)


def test_mismatched_or_invalid_prefetch_is_422(client: TestClient) -> None:
    """A Patient other than context.patientId, or invalid FHIR, is a 422 naming the prefetch key."""
    prefetch = _prefetch(client)
    prefetch["patient"] = {**prefetch["patient"], "id": "someone-else"}
    _outcome(client.post(SERVICE, json=_hook(prefetch)), 422)
    prefetch = _prefetch(client)
    prefetch["observations"]["entry"][0]["resource"]["status"] = 42
    body = _outcome(client.post(SERVICE, json=_hook(prefetch)), 422)
    assert body["issue"][0]["expression"][0].startswith("prefetch.observations.entry[0].resource")


def test_eligible_card_says_pending_review_items(client: TestClient) -> None:
    """An eligible trial's card reads 'Eligible, pending N review items' in its summary and detail."""
    body = client.post(SERVICE, json=_hook(_prefetch(client))).json()
    eligible = [c for c in body["cards"] if c["indicator"] == "info"]
    assert eligible
    for card in eligible:
        assert card["summary"].startswith("Eligible, pending ") and " review items: NCT" in card["summary"]
        assert card["detail"].startswith("**Eligible, pending ")


def test_deceased_patient_gets_no_card_and_the_reason_first(client: TestClient) -> None:
    """A patient recorded as deceased gets no card, and the response message says so first."""
    prefetch = _prefetch(client)
    prefetch["patient"] = {**prefetch["patient"], "deceasedDateTime": "2026-10-01"}
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    assert body["cards"] == []
    assert body["extension"]["invalid.trialmatch.message"].startswith(
        "The patient is recorded as deceased (Patient.deceasedDateTime 2026-10-01)"
    )


def test_failed_conditions_prefetch_degrades_to_possibly_eligible(client: TestClient) -> None:
    """A conditions key the EHR could not fill leaves trials possibly eligible, never failed for 'no diagnosis'."""
    full = dict(_statuses(client))
    failed = _prefetch(client)
    failed["conditions"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout", "diagnostics": "EHR search timed out"}],
    }
    body = client.post(SERVICE, json=_hook(failed)).json()
    shown = {card["summary"].split(": ")[1].split(" ")[0] for card in body["cards"] if card["links"]}
    assert set(full) <= shown
    for card in body["cards"]:
        if card.get("links"):
            assert (
                card["summary"].startswith("Possibly eligible") and "**Records not sent by the EHR**" in card["detail"]
            )
        # The data gap is said once per card, not once per criterion that waits on it.
        lines = [line for line in card["detail"].splitlines() if "records were not provided" in line]
        assert len(lines) <= 8 and len(card["detail"]) < 12_000, card["detail"]
    items = [line for card in body["cards"] for line in card["detail"].splitlines() if "records (not sent" in line]
    assert items and all("Condition" in line for line in items)
    # Without the flag the same missing Conditions fail trials: the cards above exist because of it.
    document = json.loads(BASELINE.read_text(encoding="utf-8"))
    document["entry"] = [e for e in document["entry"] if e["resource"]["resourceType"] != "Condition"]
    answer = client.post("/match?asOf=2026-11-22", content=json.dumps(document), headers=FHIR).json()
    assert {r["trial"]["id"] for r in answer["results"] if r["status"] != "ineligible"} < shown


def test_intake_warnings_reach_a_card(client: TestClient) -> None:
    """A resource about another patient is left out and a last warning card says what and why."""
    prefetch = _prefetch(client)
    stranger = copy.deepcopy(prefetch["observations"]["entry"][0])
    stranger["resource"]["id"] = "someone-elses-lab"
    stranger["resource"]["subject"] = {"reference": "Patient/someone-else"}
    stranger["fullUrl"] = f"{EHR}/Observation/someone-elses-lab"
    prefetch["observations"]["entry"].append(stranger)
    body = client.post(SERVICE, json=_hook(prefetch)).json()
    _no_empty_values(body)
    last = body["cards"][-1]
    assert last["indicator"] == "warning" and "intake warning" in last["summary"] and len(last["summary"]) < 140
    assert "subject is another patient; left out" in last["detail"]
    assert "intake warning" in body["extension"]["invalid.trialmatch.message"]
    clean = client.post(SERVICE, json=_hook(_prefetch(client))).json()
    assert all("intake warning" not in card["summary"] for card in clean["cards"])
