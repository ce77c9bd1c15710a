"""Logs and access control: no patient data in any log or error, request ids, API keys, CORS, headers.

Patient data is planted as unique marker strings in every part of a Bundle (name, identifier,
birth date, codes, displays, values, units, ids, fullUrls, narrative, notes). Whatever the log
level and format, no marker may reach a log line or an error message; a 200 answer may carry
them, since it goes back to the caller who sent them.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi.testclient import TestClient

import service.api
from service.main import create_app, hash_key
from service.settings import Settings, default_criteria_dir
from tests.api.conftest import FHIR

AS_OF = "asOf=2026-11-22"
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
ORIGIN = "https://ehr.example.org"
OTHER_ORIGIN = "https://elsewhere.example.com"
KEY = "s3cret"
PROTECTED = (
    ("POST", "/match"),
    ("POST", "/facts"),
    ("GET", "/trials"),
    ("GET", "/trials/NCT05227846"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
)

# Each category names the kind of patient data its markers stand for, so a failure says what leaked.
MARKERS: dict[str, tuple[str, ...]] = {
    "name": ("Zq7XwFamily", "Zq7XwGiven"),
    "identifier": ("Zq7XwMRN55501", "http://example.org/Zq7XwMrnSystem"),
    "birth date": ("1961-07-29",),
    "code": ("Zq7XwCode", "http://example.org/Zq7XwCodeSystem"),
    "display": ("Zq7XwDisplay",),
    "value": ("7.31946",),
    "unit": ("Zq7XwUnit",),
    "id": ("Zq7Xw-id-patient", "Zq7Xw-id-bili", "Zq7Xw-id-unit", "Zq7Xw-id-cond"),
    "fullUrl": ("urn:uuid:Zq7Xw-fullurl-patient", "urn:uuid:Zq7Xw-fullurl-bili", "urn:uuid:Zq7Xw-fullurl-cond"),
    "text": ("Zq7XwNarrative",),
    "note": ("Zq7XwNote",),
}


def marker_bundle() -> dict[str, Any]:
    """A valid Bundle whose every identifying or clinical string is a marker."""
    subject = {"reference": "urn:uuid:Zq7Xw-fullurl-patient"}
    narrative = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Zq7XwNarrative</div>'}
    patient = {
        "resourceType": "Patient",
        "id": "Zq7Xw-id-patient",
        "text": narrative,
        "identifier": [{"system": "http://example.org/Zq7XwMrnSystem", "value": "Zq7XwMRN55501"}],
        "name": [{"family": "Zq7XwFamily", "given": ["Zq7XwGiven"]}],
        "gender": "female",
        "birthDate": "1961-07-29",
    }
    bilirubin = {
        "resourceType": "Observation",
        "id": "Zq7Xw-id-bili",
        "text": narrative,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2", "display": "Zq7XwDisplay"}]},
        "subject": subject,
        "effectiveDateTime": "2026-11-10",
        "valueQuantity": {"value": 7.31946, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
        "note": [{"text": "Zq7XwNote"}],
    }
    albumin_odd_unit = {
        "resourceType": "Observation",
        "id": "Zq7Xw-id-unit",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1751-7"}]},
        "subject": subject,
        "effectiveDateTime": "2026-11-10",
        "valueQuantity": {
            "value": 3.1,
            "unit": "Zq7XwUnit",
            "system": "http://unitsofmeasure.org",
            "code": "Zq7XwUnit",
        },
    }
    condition = {
        "resourceType": "Condition",
        "id": "Zq7Xw-id-cond",
        "text": narrative,
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
        },
        "code": {"coding": [{"system": "http://example.org/Zq7XwCodeSystem", "code": "Zq7XwCode"}]},
        "subject": subject,
        "onsetDateTime": "2020-01-01",
        "note": [{"text": "Zq7XwNote"}],
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:Zq7Xw-fullurl-patient", "resource": patient},
            {"fullUrl": "urn:uuid:Zq7Xw-fullurl-bili", "resource": bilirubin},
            {"fullUrl": "urn:uuid:Zq7Xw-fullurl-unit", "resource": albumin_odd_unit},
            {"fullUrl": "urn:uuid:Zq7Xw-fullurl-cond", "resource": condition},
        ],
    }


def variants() -> dict[str, tuple[bytes, int]]:
    """The marker Bundle as sent: valid, and broken in ways that give a 422, a 400 and a 415."""
    valid = marker_bundle()
    bad_date = copy.deepcopy(valid)
    bad_date["entry"][1]["resource"]["effectiveDateTime"] = "2026-13-45"
    two_patients = copy.deepcopy(valid)
    two_patients["entry"].append(copy.deepcopy(valid["entry"][0]))
    text = orjson.dumps(valid)
    return {
        "valid": (text, 200),
        "invalid-date": (orjson.dumps(bad_date), 422),
        "two-patients": (orjson.dumps(two_patients), 422),
        "truncated": (text[: len(text) // 2], 400),
        "nan-value": (text.replace(b"7.31946", b"NaN"), 400),
    }


def leaks(text: str) -> dict[str, list[str]]:
    """The markers found in a text, by category."""
    found = {category: [m for m in markers if m in text] for category, markers in MARKERS.items()}
    return {category: hits for category, hits in found.items() if hits}


class Recorder(logging.Handler):
    """Keeps every record it sees, formatted with its traceback, for searching."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record's message, arguments and exception text."""
        parts = [record.name, record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        self.lines.append(" ".join(parts))


class LogCapture:
    """Everything logged while active: the service's own handler, every logger, stdout and stderr."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self.capfd = capfd
        self.stream = io.StringIO()
        self.recorder = Recorder()
        self._loggers = [logging.getLogger(), logging.getLogger("trialmatch"), logging.getLogger("uvicorn")]
        self._root_level = logging.getLogger().level
        self._streams: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> LogCapture:
        handlers = logging.getLogger("trialmatch").handlers
        assert handlers, "the service configures a handler on the 'trialmatch' logger"
        self._streams = [
            (handler, handler.setStream(self.stream)) for handler in handlers if type(handler) is logging.StreamHandler
        ]
        for logger in self._loggers:
            logger.addHandler(self.recorder)
        logging.getLogger().setLevel(logging.DEBUG)
        self.capfd.readouterr()
        return self

    def __exit__(self, *_: object) -> None:
        for handler, stream in self._streams:
            handler.setStream(stream)
        for logger in self._loggers:
            logger.removeHandler(self.recorder)
        logging.getLogger().setLevel(self._root_level)

    def service_lines(self) -> list[str]:
        """The lines the service's own handler wrote."""
        return [line for line in self.stream.getvalue().splitlines() if line.strip()]

    def everything(self) -> str:
        """All captured text: the service's lines, every record, and what reached stdout and stderr."""
        out, err = self.capfd.readouterr()
        return "\n".join([self.stream.getvalue(), *self.recorder.lines, out, err])


def make_client(**changes: Any) -> TestClient:
    """A client of an app on the real catalogue with these settings."""
    return TestClient(create_app(Settings(criteria_dir=default_criteria_dir(), **changes)))


# -- (a) no patient data in logs or errors ---------------------------------------------------


@pytest.mark.parametrize("log_format", FORMATS)
@pytest.mark.parametrize("log_level", LEVELS)
def test_no_marker_in_logs(log_level: str, log_format: str, capfd: pytest.CaptureFixture[str]) -> None:
    """At every level and format, no marker reaches a log line, whatever the answer (200, 400, 415, 422)."""
    client = make_client(log_level=log_level, log_format=log_format)
    valid = variants()["valid"][0]
    with client, LogCapture(capfd) as capture:
        for name, (body, status) in variants().items():
            for path in (f"/match?{AS_OF}", f"/facts?{AS_OF}"):
                response = client.post(path, content=body, headers=FHIR)
                assert response.status_code == status, (name, path, response.text[:300])
        fhir = client.post(f"/match?{AS_OF}", content=valid, headers={**FHIR, "accept": "application/fhir+json"})
        assert fhir.status_code == 200
        unsupported = client.post(f"/match?{AS_OF}", content=valid, headers={"content-type": "text/plain"})
        assert unsupported.status_code == 415
        logged = capture.everything()
    assert "POST /match" in logged or log_level in ("warning", "error"), "the access log was not captured"
    assert not leaks(logged), f"patient data in the logs at {log_level}/{log_format}: {leaks(logged)}"


@pytest.mark.parametrize("name", [name for name, (_, status) in variants().items() if status != 200])
@pytest.mark.parametrize("path", ["/match", "/facts"])
def test_no_marker_in_error_answers(client: TestClient, name: str, path: str) -> None:
    """No OperationOutcome quotes patient data: not a name, value, code, id or fullUrl."""
    body, status = variants()[name]
    response = client.post(f"{path}?{AS_OF}", content=body, headers=FHIR)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not leaks(response.text), f"{name}: {leaks(response.text)} in {response.text[:400]}"


def test_markers_reach_the_caller_in_a_200(client: TestClient) -> None:
    """The valid marker Bundle is read: its value and ids come back to the caller (so the log test is not vacuous)."""
    body = client.post(f"/facts?{AS_OF}", content=variants()["valid"][0], headers=FHIR).json()
    assert body["labs"]["bilirubin_total"][0]["reference"] == "Observation/Zq7Xw-id-bili"
    assert body["labs"]["bilirubin_total"][0]["value"] == 7.31946
    assert any("Zq7XwUnit" in warning for warning in body["warnings"])


def _boom(*_: object, **__: object) -> None:
    raise KeyError("Zq7XwFamily Zq7XwMRN55501 7.31946")


@pytest.mark.parametrize("log_format", FORMATS)
def test_unexpected_error_logs_no_patient_data_and_does_not_escape(
    log_format: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """An exception quoting patient data gives a 500, is logged by type only, and does not escape to the server."""
    monkeypatch.setattr(service.api, "match", _boom)
    client = make_client(log_level="debug", log_format=log_format)
    with client, LogCapture(capfd) as capture:
        try:
            response = client.post(f"/match?{AS_OF}", content=variants()["valid"][0], headers=FHIR)
        except KeyError:
            # The exception left the app: a server (uvicorn) would log its traceback and message.
            pytest.fail("the exception escaped the app after the 500 was sent; uvicorn logs its message")
        logged = capture.everything()
    assert response.status_code == 500
    assert response.json()["issue"][0]["code"] == "exception"
    assert not leaks(response.text)
    assert not leaks(logged), leaks(logged)


def test_uvicorn_logs_no_patient_data(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """Served by uvicorn at debug level, neither a normal request nor an unexpected error puts a marker in any log."""
    monkeypatch.setattr(service.api, "read_facts", _boom)
    app = create_app(Settings(criteria_dir=default_criteria_dir(), log_level="debug"))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="debug", lifespan="off", ws="none", http="h11", loop="asyncio"
    )
    server = uvicorn.Server(config)
    with LogCapture(capfd) as capture:
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            body = variants()["valid"][0]
            ok = httpx.post(f"http://127.0.0.1:{port}/match?{AS_OF}", content=body, headers=FHIR)
            failed = httpx.post(f"http://127.0.0.1:{port}/facts?{AS_OF}", content=body, headers=FHIR)
        finally:
            server.should_exit = True
            thread.join(10)
        logged = capture.everything()
    assert ok.status_code == 200 and failed.status_code == 500
    assert "Zq7Xw" not in logged, leaks(logged) or logged[logged.find("Zq7Xw") - 300 :][:600]


# -- (b) request ids and structured access lines ---------------------------------------------


def test_json_log_lines_carry_request_fields(capfd: pytest.CaptureFixture[str], baseline_bytes: bytes) -> None:
    """Every JSON line parses; access lines carry request_id (= X-Request-Id), method, path, status, duration_ms."""
    client = make_client(log_level="debug", log_format="json")
    with client, LogCapture(capfd) as capture:
        answers = [
            client.post(f"/match?{AS_OF}", content=baseline_bytes, headers=FHIR),
            client.post(f"/match?{AS_OF}", content=b"{}", headers=FHIR),
            client.get("/health"),
        ]
        lines = [json.loads(line) for line in capture.service_lines()]
    access = [line for line in lines if line["logger"] == "trialmatch.access"]
    assert len(access) == len(answers)
    for line, response in zip(access, answers, strict=True):
        assert {"time", "level", "message", "request_id", "method", "path", "status", "duration_ms"} <= set(line)
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["status"] == response.status_code
        assert line["method"] == response.request.method and line["path"] == response.request.url.path
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert [line["status"] for line in access] == [200, 422, 200]


def test_text_access_line_carries_request_id(capfd: pytest.CaptureFixture[str]) -> None:
    """The text access line names the request id, method, path and status."""
    client = make_client(log_format="text")
    with client, LogCapture(capfd) as capture:
        response = client.get("/health")
        lines = capture.service_lines()
    request_id = response.headers["x-request-id"]
    assert any(f"[{request_id}]" in line and "GET /health 200" in line for line in lines), lines


def test_every_line_of_a_failed_request_carries_its_request_id(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The error line logged for a 500 carries the request id the OperationOutcome points to."""
    monkeypatch.setattr(service.api, "match", _boom)
    client = TestClient(
        create_app(Settings(criteria_dir=default_criteria_dir(), log_format="json")), raise_server_exceptions=False
    )
    with client, LogCapture(capfd) as capture:
        response = client.post(f"/match?{AS_OF}", content=variants()["valid"][0], headers=FHIR)
        lines = [json.loads(line) for line in capture.service_lines()]
    assert response.status_code == 500
    access = [line for line in lines if line["logger"] == "trialmatch.access"]
    errors = [line for line in lines if line["level"] == "error"]
    assert access and errors, lines
    request_id = access[0]["request_id"]
    assert response.headers.get("x-request-id") == request_id, "the 500 answer does not carry the logged request id"
    for line in errors:
        assert line.get("request_id") == request_id, line


# -- (c) API keys ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed() -> Iterator[TestClient]:
    """A client of an app that requires the API key 's3cret' (stored as its SHA-256)."""
    with make_client(api_key_hashes=(hash_key(KEY),)) as client:
        yield client


def _call(client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    if method == "POST":
        return client.post(f"{path}?{AS_OF}", content=body, headers={**FHIR, **headers})
    return client.get(path, headers=headers)


def test_health_is_open_with_keys(keyed: TestClient) -> None:
    """/health answers without a key so probes need no secret."""
    assert keyed.get("/health").status_code == 200


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_or_wrong_key_gets_the_same_401(
    keyed: TestClient, method: str, path: str, baseline_bytes: bytes
) -> None:
    """Without a key or with a wrong one, a route answers the same 401 OperationOutcome with WWW-Authenticate."""
    missing = _call(keyed, method, path, baseline_bytes, {})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"].startswith("application/fhir+json")
    outcome = missing.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "login"
    for wrong in ("Bearer nope", f"Bearer {KEY}x", f"Basic {KEY}", "Bearer ", KEY, f"Bearer {hash_key(KEY)}"):
        answer = _call(keyed, method, path, baseline_bytes, {"authorization": wrong})
        assert answer.status_code == 401, wrong
        assert answer.content == missing.content, f"{wrong!r} gets a different 401 body"
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_right_key_is_let_through(keyed: TestClient, method: str, path: str, baseline_bytes: bytes) -> None:
    """With the right bearer key every route answers 200."""
    answer = _call(keyed, method, path, baseline_bytes, {"authorization": f"Bearer {KEY}"})
    assert answer.status_code == 200, answer.text[:300]


# -- (d) CORS --------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options(
        "/match",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )


def test_cors_closed_by_default(client: TestClient, baseline_bytes: bytes) -> None:
    """With no configured origins no answer, simple or preflight, allows a cross-origin caller."""
    simple = client.post(f"/match?{AS_OF}", content=baseline_bytes, headers={**FHIR, "origin": ORIGIN})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in _preflight(client, ORIGIN).headers


def test_cors_open_only_to_configured_origins(baseline_bytes: bytes) -> None:
    """A configured origin is allowed (simple and preflight); any other origin is not."""
    with make_client(cors_origins=(ORIGIN,)) as client:
        allowed = client.post(f"/match?{AS_OF}", content=baseline_bytes, headers={**FHIR, "origin": ORIGIN})
        assert allowed.headers.get("access-control-allow-origin") == ORIGIN
        preflight = _preflight(client, ORIGIN)
        assert preflight.status_code == 200
        assert preflight.headers.get("access-control-allow-origin") == ORIGIN
        assert "POST" in preflight.headers.get("access-control-allow-methods", "")
        other = client.post(f"/match?{AS_OF}", content=baseline_bytes, headers={**FHIR, "origin": OTHER_ORIGIN})
        assert "access-control-allow-origin" not in other.headers
        assert "access-control-allow-origin" not in _preflight(client, OTHER_ORIGIN).headers


def test_cors_preflight_works_with_api_keys(baseline_bytes: bytes) -> None:
    """With keys and CORS on, a preflight (which never carries the key) is answered and a 401 is readable."""
    with make_client(cors_origins=(ORIGIN,), api_key_hashes=(hash_key(KEY),)) as client:
        preflight = _preflight(client, ORIGIN)
        assert preflight.status_code == 200, f"preflight got {preflight.status_code}: {preflight.text[:200]}"
        assert preflight.headers.get("access-control-allow-origin") == ORIGIN
        keyed = client.post(
            f"/match?{AS_OF}",
            content=baseline_bytes,
            headers={**FHIR, "origin": ORIGIN, "authorization": f"Bearer {KEY}"},
        )
        assert keyed.status_code == 200
        assert keyed.headers.get("access-control-allow-origin") == ORIGIN
        refused = client.post(f"/match?{AS_OF}", content=baseline_bytes, headers={**FHIR, "origin": ORIGIN})
        assert refused.status_code == 401
        assert refused.headers.get("access-control-allow-origin") == ORIGIN


# -- (e) response headers --------------------------------------------------------------------


def test_patient_answers_are_not_cached_or_sniffed(
    client: TestClient, keyed: TestClient, baseline_bytes: bytes
) -> None:
    """Answers about a patient, and errors, carry Cache-Control no-store and X-Content-Type-Options nosniff."""
    answers = [
        client.post(f"/match?{AS_OF}", content=baseline_bytes, headers=FHIR),
        client.post(f"/match?{AS_OF}", content=baseline_bytes, headers={**FHIR, "accept": "application/fhir+json"}),
        client.post(f"/facts?{AS_OF}", content=baseline_bytes, headers=FHIR),
        client.post(f"/match?{AS_OF}", content=b"{}", headers=FHIR),
        client.post(f"/match?{AS_OF}", content=b"nope", headers=FHIR),
        keyed.post(f"/match?{AS_OF}", content=baseline_bytes, headers=FHIR),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 422, 400, 401]
    for answer in answers:
        assert answer.headers.get("cache-control") == "no-store", answer.request.url
        assert answer.headers.get("x-content-type-options") == "nosniff", answer.request.url


def test_server_error_answer_carries_request_id_and_security_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 500 carries the X-Request-Id its OperationOutcome points to, no-store and nosniff, like every other answer."""
    monkeypatch.setattr(service.api, "match", _boom)
    app = create_app(Settings(criteria_dir=default_criteria_dir()))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(f"/match?{AS_OF}", content=variants()["valid"][0], headers=FHIR)
    assert response.status_code == 500
    assert "X-Request-Id" in response.json()["issue"][0]["diagnostics"]
    missing = [h for h in ("x-request-id", "cache-control", "x-content-type-options") if h not in response.headers]
    assert not missing, f"the 500 answer lacks {missing}"
    assert response.headers["cache-control"] == "no-store"
