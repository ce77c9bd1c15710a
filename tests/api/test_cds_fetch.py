"""CDS Hooks: prefetch keys the client left out, fetched from a real FHIR server process (SEKMET, tests/fhirserver/)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient

from service.cds_fetch import FetchLimits, allowed_server, fetch_missing
from service.main import create_app
from service.settings import Settings
from tests.api.test_cds_hooks import PATIENT_ID, SERVICE, _baseline_resources, _discovery, _hook, _prefetch, _searchset
from tests.api.test_generated_client import free_port
from tests.catalogue import criteria_dir

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = REPO / "tests" / "fhirserver" / ".venv" / "bin" / "sekmet"
TOKEN = "fetch-test-token-6d1f0b"
PAGED_ID = "paged"
PAGED_OBSERVATIONS = 45  # more than two of the server's default pages of 20
UCUM = "http://unitsofmeasure.org"


def _authorization(token: str = TOKEN) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "trialmatch",
    }


def _server_binary() -> Path:
    """Return the FHIR server's entry point, skipping when it is not installed (failing in CI)."""
    if not SERVER_BIN.exists():
        if os.environ.get("TRIALMATCH_REQUIRE_FHIR_SERVER") == "1":
            pytest.fail("tests/fhirserver/.venv is missing; .ci/run installs it")
        pytest.skip(
            "FHIR server not installed (python3 -m venv tests/fhirserver/.venv && "
            "tests/fhirserver/.venv/bin/pip install --no-deps -r tests/fhirserver/requirements.txt)"
        )
    return SERVER_BIN


def _put_all(base: str, resources: list[dict[str, Any]]) -> None:
    """Store resources on the server with one transaction of PUTs."""
    entries = [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in resources
    ]
    answer = httpx.post(
        base,
        json={"resourceType": "Bundle", "type": "transaction", "entry": entries},
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/fhir+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:2000]


def _paged_resources() -> list[dict[str, Any]]:
    """The baseline record under another id, its one bilirubin replaced by 45 rising results over three pages."""
    record = []
    for group in _baseline_resources().values():
        for resource in group:
            if resource.get("id") == "bili":
                continue
            copied = {
                **resource,
                "id": PAGED_ID if resource["resourceType"] == "Patient" else f"paged-{resource['id']}",
            }
            for name in ("subject", "patient"):
                if name in copied:
                    copied[name] = {"reference": f"Patient/{PAGED_ID}"}
            record.append(copied)
    start = dt.date(2026, 10, 1)
    bilirubin = [
        {
            "resourceType": "Observation",
            "id": f"paged-bili-{index}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
            "subject": {"reference": f"Patient/{PAGED_ID}"},
            "effectiveDateTime": (start + dt.timedelta(days=index)).isoformat(),
            "valueQuantity": {"value": round(1.0 + index / 10, 1), "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
        }
        for index in range(PAGED_OBSERVATIONS)
    ]
    return [*record, *bilirubin]


@pytest.fixture(scope="module")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SEKMET FHIR server process on loopback, bearer-token protected, holding the baseline and paged patients."""
    binary = _server_binary()
    home = tmp_path_factory.mktemp("fhirserver")
    port = free_port()
    base = f"http://127.0.0.1:{port}/fhir"
    settings = {
        "base_url": base,
        "host": "127.0.0.1",
        "port": port,
        "data_dir": str(home / "data"),
        "server_auth": {"types": ["bearer"], "tokens": [TOKEN]},
        "simulator": {"enabled": False},
        "log_inbound": False,
    }
    (home / "settings.yaml").write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    log = (home / "server.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [str(binary), "serve", "--config", str(home / "settings.yaml")], cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/metadata", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the FHIR server did not start:\n" + (home / "server.log").read_text(encoding="utf-8"))
            time.sleep(0.2)
        _put_all(base, [r for group in _baseline_resources().values() for r in group])
        _put_all(base, _paged_resources())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _cards(client: TestClient, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post(SERVICE, json=request)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_cards_from_the_fhir_server_equal_those_from_prefetch(client: TestClient, fhir_server: str) -> None:
    """With no prefetch, every key is fetched from fhirServer and the cards equal those of a full prefetch."""
    prefetched = _cards(client, _hook(_prefetch(client)))
    fetched = _cards(client, _hook(None, fhirServer=fhir_server, fhirAuthorization=_authorization()))
    assert prefetched["cards"], "the baseline patient has cards"
    assert fetched["cards"] == prefetched["cards"]
    extension = fetched["extension"]
    assert extension["invalid.trialmatch.fetched"] == sorted(_prefetch(client))
    assert "invalid.trialmatch.notProvided" not in extension
    assert "invalid.trialmatch.fetchFailed" not in extension


def test_only_unfilled_keys_are_fetched(client: TestClient, fhir_server: str) -> None:
    """Keys prefetch filled are used as sent; absent, null and failed keys are fetched."""
    prefetch = _prefetch(client)
    keys = sorted(k for k in prefetch if k != "patient")
    prefetch.pop(keys[0])
    prefetch[keys[1]] = None
    prefetch[keys[2]] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    answer = _cards(client, _hook(prefetch, fhirServer=fhir_server, fhirAuthorization=_authorization()))
    assert answer["extension"]["invalid.trialmatch.fetched"] == sorted(keys[:3])
    assert answer["cards"] == _cards(client, _hook(_prefetch(client)))["cards"]


def _paged_prefetch(client: TestClient, results: int) -> dict[str, Any]:
    """The paged patient's prefetch as an EHR would send it, with only the first ``results`` bilirubin results."""
    resources = _paged_resources()
    bilirubin = [r for r in resources if r["id"].startswith("paged-bili-")][:results]
    others = [r for r in resources if not r["id"].startswith("paged-bili-")]
    prefetch: dict[str, Any] = {}
    for key, query in _discovery(client)["prefetch"].items():
        resource_type = query.split("?")[0]
        chosen = [] if "value-concept=" in query else [r for r in others if r["resourceType"] == resource_type]
        prefetch[key] = _searchset(chosen + (bilirubin if key == "observations" else []))
    prefetch["patient"] = next(r for r in others if r["resourceType"] == "Patient")
    return prefetch


def test_search_pages_are_followed(client: TestClient, fhir_server: str) -> None:
    """A search the server answers in three pages is read whole: the cards equal those of the whole prefetch."""
    assert "1975-2" in _discovery(client)["prefetch"]["observations"]
    service = SERVICE
    request = _hook(None, fhirServer=fhir_server, fhirAuthorization=_authorization())
    request["context"]["patientId"] = PAGED_ID
    fetched = client.post(service, json=request).json()
    assert "observations" in fetched["extension"]["invalid.trialmatch.fetched"]

    def cards(prefetch: dict[str, Any]) -> list[dict[str, Any]]:
        sent = _hook(prefetch)
        sent["context"]["patientId"] = PAGED_ID
        answer: list[dict[str, Any]] = client.post(service, json=sent).json()["cards"]
        return answer

    assert fetched["cards"] == cards(_paged_prefetch(client, PAGED_OBSERVATIONS))
    assert fetched["cards"] != cards(_paged_prefetch(client, 20)), "the first page alone would answer differently"


def test_wrong_token_401_without_the_patient_is_412(client: TestClient, fhir_server: str) -> None:
    """A token the server refuses (401) leaves the patient unfetched: 412 naming the status."""
    response = client.post(SERVICE, json=_hook(None, fhirServer=fhir_server, fhirAuthorization=_authorization("wrong")))
    assert response.status_code == 412, response.text
    assert "fetching it from fhirServer failed: HTTP 401" in response.text


def test_wrong_token_401_makes_keys_not_provided(client: TestClient, fhir_server: str) -> None:
    """With the patient prefetched and a refused token, the other keys are not provided and no card says eligible."""
    prefetch = {"patient": _prefetch(client)["patient"]}
    answer = _cards(client, _hook(prefetch, fhirServer=fhir_server, fhirAuthorization=_authorization("wrong")))
    extension = answer["extension"]
    failed = extension["invalid.trialmatch.fetchFailed"]
    assert set(failed) == set(_prefetch(client)) - {"patient"}
    assert set(failed.values()) == {"HTTP 401"}
    assert set(extension["invalid.trialmatch.notProvided"]) >= set(failed)
    assert answer["cards"], "trials degrade to possibly eligible"
    assert all(not c["summary"].startswith("Eligible") for c in answer["cards"])


def test_without_fhir_authorization_nothing_is_fetched(client: TestClient, fhir_server: str) -> None:
    """fhirServer alone is not permission to fetch (the spec needs both): the answer is still 412."""
    response = client.post(SERVICE, json=_hook(None, fhirServer=fhir_server))
    assert response.status_code == 412, response.text
    assert "fhirAuthorization" in response.text


def test_oversize_answers_make_keys_not_provided(fhir_server: str) -> None:
    """An answer above the per-response limit is refused: its key is not provided."""
    settings = Settings(criteria_dir=criteria_dir(), cds_fetch_response_bytes=1024)
    with TestClient(create_app(settings)) as small:
        prefetch = {"patient": _prefetch(small)["patient"]}
        answer = _cards(small, _hook(prefetch, fhirServer=fhir_server, fhirAuthorization=_authorization()))
    failed = answer["extension"]["invalid.trialmatch.fetchFailed"]
    assert failed["conditions"] == "response larger than the limit"


def test_fetching_can_be_switched_off(fhir_server: str) -> None:
    """With TRIALMATCH_CDS_FETCH off the service never calls the server."""
    with TestClient(create_app(Settings(criteria_dir=criteria_dir(), cds_fetch=False))) as off:
        response = off.post(SERVICE, json=_hook(None, fhirServer=fhir_server, fhirAuthorization=_authorization()))
    assert response.status_code == 412, response.text


def test_token_and_patient_id_are_never_logged(
    client: TestClient, fhir_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Fetch logs name the key and the failure, never the token, the URL or the patient id."""
    prefetch = {"patient": _prefetch(client)["patient"]}
    with caplog.at_level(logging.DEBUG):
        _cards(client, _hook(prefetch, fhirServer=fhir_server, fhirAuthorization=_authorization("leak-me-not")))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "fetch of prefetch key" in text
    assert "leak-me-not" not in text
    assert f"Patient/{PATIENT_ID}" not in text and "patient=" not in text


# -- what a FHIR server must not be able to make the service do (a stand-in on loopback) ---------


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers every GET as the test scripts it, and records the requests it saw."""

    script: ClassVar[dict[str, Any]] = {}
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        status, headers, body, delay = type(self).script["answer"](self.path)
        time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def stand_in() -> Iterator[type[_Scripted]]:
    """A scripted HTTP server on 127.0.0.1 and another on 127.0.0.2 (a different origin)."""
    servers = []
    handlers = []
    for host in ("127.0.0.1", "127.0.0.2"):
        handler = type(f"Scripted_{host.replace('.', '_')}", (_Scripted,), {"script": {}, "seen": []})
        server = http.server.ThreadingHTTPServer((host, 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        handlers.append(handler)
    handlers[0].script["base"] = f"http://127.0.0.1:{servers[0].server_address[1]}/fhir"
    handlers[0].script["other"] = f"http://127.0.0.2:{servers[1].server_address[1]}/fhir"
    handlers[1].script["answer"] = lambda path: (200, {}, b'{"resourceType": "Bundle", "type": "searchset"}', 0)
    handlers[0].script["other_handler"] = handlers[1]
    yield handlers[0]
    for server in servers:
        server.shutdown()
        server.server_close()


QUERIES = {"conditions": "Condition?patient={{context.patientId}}"}
BUNDLE = json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": []}).encode()


def _fetch(handler: type[_Scripted], **limits: Any) -> Any:
    return fetch_missing(handler.script["base"], _authorization(), "p1", QUERIES, FetchLimits(**limits), lambda: False)


def test_redirect_to_another_origin_is_not_followed(stand_in: type[_Scripted]) -> None:
    """A redirect to another host fails the key, and the token never reaches that host."""
    other = stand_in.script["other"]
    stand_in.script["answer"] = lambda path: (302, {"Location": f"{other}/Condition?patient=p1"}, b"", 0)
    result = _fetch(stand_in)
    assert result.failed == {"conditions": "a link or redirect pointed to another origin"}
    assert stand_in.script["other_handler"].seen == []


def test_redirect_on_the_same_origin_is_followed(stand_in: type[_Scripted]) -> None:
    """A redirect within the server's origin is followed, with the token."""
    stand_in.script["answer"] = lambda path: (
        (200, {}, BUNDLE, 0)
        if path.startswith("/moved/")
        else (301, {"Location": "/moved/Condition?patient=p1"}, b"", 0)
    )
    result = _fetch(stand_in)
    assert result.values == {"conditions": {"resourceType": "Bundle", "type": "searchset", "entry": []}}
    assert [auth for _, auth in stand_in.seen] == [f"Bearer {TOKEN}"] * 2


def test_next_link_to_another_origin_fails_the_key(stand_in: type[_Scripted]) -> None:
    """A next page on another host is not fetched: the key fails instead of reading half a search."""
    other = stand_in.script["other"]
    page = {"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "next", "url": f"{other}/p2"}]}
    stand_in.script["answer"] = lambda path: (200, {}, json.dumps(page).encode(), 0)
    assert _fetch(stand_in).failed == {"conditions": "a link or redirect pointed to another origin"}
    assert stand_in.script["other_handler"].seen == []


def test_endless_paging_is_bounded(stand_in: type[_Scripted]) -> None:
    """A server whose every page has a next link fails the key after MAX_PAGES pages."""
    base = stand_in.script["base"]
    page = {"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "next", "url": f"{base}/again"}]}
    stand_in.script["answer"] = lambda path: (200, {}, json.dumps(page).encode(), 0)
    assert _fetch(stand_in).failed == {"conditions": "more than 20 pages"}
    assert len(stand_in.seen) == 20


def test_slow_server_times_out(stand_in: type[_Scripted]) -> None:
    """A server slower than the read timeout fails the key as timed out."""
    stand_in.script["answer"] = lambda path: (200, {}, BUNDLE, 2.0)
    started = time.monotonic()
    assert _fetch(stand_in, read_seconds=0.3).failed == {"conditions": "timed out"}
    assert time.monotonic() - started < 1.9


def test_declared_oversize_is_refused_before_reading(stand_in: type[_Scripted]) -> None:
    """An answer whose Content-Length passes the limit is refused."""
    stand_in.script["answer"] = lambda path: (200, {}, b" " * 5000, 0)
    assert _fetch(stand_in, response_bytes=4096).failed == {"conditions": "response larger than the limit"}


def test_not_a_bundle_fails_the_key(stand_in: type[_Scripted]) -> None:
    """A search answered with something other than a Bundle (an OperationOutcome, say) fails the key."""
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
    stand_in.script["answer"] = lambda path: (200, {}, json.dumps(outcome).encode(), 0)
    assert _fetch(stand_in).failed == {"conditions": "answer is a OperationOutcome, not a Bundle"}


@pytest.mark.parametrize(
    ("base", "refused"),
    [
        ("https://ehr.example.org/fhir", None),
        ("http://127.0.0.1:8080/fhir", None),
        ("http://localhost/fhir", None),
        ("http://[::1]:8080/fhir", None),
        ("http://ehr.example.org/fhir", "fhirServer must be https (plain http only to a loopback address)"),
        ("ftp://ehr.example.org/fhir", "fhirServer must be an https URL"),
        ("https://user:pw@ehr.example.org/fhir", "fhirServer must not carry credentials"),
        ("not a url", "fhirServer must be an https URL"),
    ],
)
def test_which_servers_are_fetched_from(base: str, refused: str | None) -> None:
    """Only https, or plain http to a loopback address, is fetched from."""
    assert allowed_server(base, FetchLimits()) == refused


def test_allow_list_limits_servers() -> None:
    """With an allow list set, only the base URLs it names are fetched from."""
    limits = FetchLimits(servers=("https://ehr.example.org/fhir",))
    assert allowed_server("https://ehr.example.org/fhir/", limits) is None
    assert allowed_server("https://other.example.org/fhir", limits) == (
        "fhirServer is not one this service is configured to fetch from"
    )
