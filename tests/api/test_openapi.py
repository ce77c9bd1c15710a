"""The committed OpenAPI spec: the app's own, with ids, descriptions, examples and FHIR errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.main import create_app
from service.schemas import Health, MatchResponse
from service.settings import Settings, default_criteria_dir

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi" / "openapi.json"
# ``python -m`` from the repository root imports this checkout's package whatever the venv holds.
REGENERATE = ".venv/bin/python -m service.cli export-openapi --output openapi/openapi.json"
OUTCOME_REF = "#/components/schemas/OperationOutcome"
# Clients are generated from these ids: renaming one breaks every caller's code.
STABLE_IDS = {
    ("get", "/health"): "health",
    ("get", "/trials"): "listTrials",
    ("get", "/trials/{trialId}"): "getTrial",
    ("post", "/facts"): "readFacts",
    ("post", "/match"): "matchPatient",
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def spec_text(document: dict[str, Any]) -> str:
    """Return the spec as the exporter writes it: two-space indent, sorted keys, final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def committed() -> dict[str, Any]:
    """Return the committed openapi/openapi.json."""
    document: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (method, path, operation) for every operation in a spec."""
    return [
        (method, path, operation)
        for path, item in sorted(document["paths"].items())
        for method, operation in sorted(item.items())
        if method in HTTP_METHODS
    ]


def references(node: object) -> Iterator[str]:
    """Yield every $ref value anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def find_operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    """Return the operation with this id."""
    (operation,) = [op for _, _, op in operations(document) if op.get("operationId") == operation_id]
    return operation


@pytest.fixture(scope="module")
def app() -> FastAPI:
    """The app on the real catalogue, with no API keys so the spec route is open."""
    return create_app(Settings(criteria_dir=default_criteria_dir(), api_key_hashes=(), cors_origins=()))


def test_committed_spec_is_what_the_app_generates(app: FastAPI) -> None:
    """openapi/openapi.json is byte for byte the export of the app's spec."""
    assert SPEC.read_text(encoding="utf-8") == spec_text(app.openapi()), (
        f"openapi/openapi.json is out of date; regenerate it with: {REGENERATE}"
    )


def test_app_serves_the_committed_spec(app: FastAPI) -> None:
    """GET /openapi.json returns exactly the committed spec."""
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == committed(), f"served spec differs from openapi/openapi.json; run: {REGENERATE}"


def test_operation_ids_are_stable() -> None:
    """The five operations keep the ids generated clients are built on."""
    found = {(method, path): op.get("operationId") for method, path, op in operations(committed())}
    assert {key: found.get(key) for key in STABLE_IDS} == STABLE_IDS


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [pytest.param(method, path, op, id=f"{method} {path}") for method, path, op in operations(committed())],
)
def test_operation_is_documented(method: str, path: str, operation: dict[str, Any]) -> None:
    """Each operation has an id, a one-line summary and description, and every error is an OperationOutcome."""
    assert operation.get("operationId"), f"{method} {path}: no operationId"
    for field in ("summary", "description"):
        text = operation.get(field, "").strip()
        assert text, f"{method} {path}: no {field}"
        assert "\n" not in text, f"{method} {path}: {field} is more than one line"
    responses = operation["responses"]
    assert "200" in responses
    errors = {code: response for code, response in responses.items() if code[0] in "45"}
    assert {"500", "503"} <= set(errors), f"{method} {path}: 500 and 503 undocumented"
    for code, response in errors.items():
        assert response.get("description"), f"{method} {path} {code}: no description"
        content = response.get("content")
        assert content, f"{method} {path} {code}: no content"
        for media, body in content.items():
            assert body.get("schema") == {"$ref": OUTCOME_REF}, (
                f"{method} {path} {code} {media}: not an OperationOutcome"
            )
            if "example" in body or code in ("401", "500", "503"):
                example = body["example"]
                assert example["resourceType"] == "OperationOutcome"
                assert example["issue"]
                assert all({"severity", "code", "diagnostics"} <= set(issue) for issue in example["issue"])


def test_body_operations_document_body_errors() -> None:
    """Operations with a body document 400, 413, 415 and 422; 401 and 404 appear exactly where they can."""
    for method, path, operation in operations(committed()):
        codes = set(operation["responses"])
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= codes, f"{method} {path}"
        else:
            assert not {"413", "415", "422"} & codes, f"{method} {path}"
        assert ("401" in codes) == (path not in ("/health", "/metadata")), f"{method} {path}: 401 but on open paths"
        assert ("404" in codes) == ("{" in path), f"{method} {path}: 404 is for routes with an id"


def test_success_responses_have_one_media_type() -> None:
    """Each 200 response has one media type, the one served by default, so generated clients parse it."""
    for method, path, operation in operations(committed()):
        if method == "head":
            assert "content" not in operation["responses"]["200"], "a HEAD answer has no body"
            continue
        # FHIR operations, the capability and operation definitions and the catalogue's FHIR reads
        # answer FHIR JSON; the rest answer JSON.
        fhir_only = ("/ResearchStudy/$match", "/metadata", "/OperationDefinition/ResearchStudy-match")
        fhir = path in fhir_only or path.split("/")[1] in ("ResearchStudy", "ValueSet")
        expected = ["application/fhir+json"] if fhir else ["application/json"]
        assert list(operation["responses"]["200"]["content"]) == expected, f"{method} {path}"


def test_every_reference_resolves() -> None:
    """Every $ref in the spec names a schema that the spec defines, and no schema is left unused."""
    document = committed()
    schemas = document["components"]["schemas"]
    refs = {ref.removeprefix("#/components/schemas/") for ref in references(document)}
    assert refs - set(schemas) == set()
    unused = {name for name in schemas if name not in refs}
    assert unused == set(), f"schemas nobody refers to: {sorted(unused)}"


def test_match_response_example_is_a_valid_report() -> None:
    """The matchPatient 200 example is a MatchResponse: one trial with two criteria."""
    operation = find_operation(committed(), "matchPatient")
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    report = MatchResponse.model_validate(example)
    assert len(report.results) == 1
    assert len(report.results[0].criteria) == 2


def test_health_example_is_valid() -> None:
    """The health 200 example is a Health answer."""
    example = find_operation(committed(), "health")["responses"]["200"]["content"]["application/json"]["example"]
    assert Health.model_validate(example).status == "ok"


@pytest.mark.parametrize("operation_id", ["matchPatient", "readFacts"])
def test_request_example_is_accepted(app: FastAPI, operation_id: str) -> None:
    """The request example Bundle of each body operation is answered with 200 for both media types."""
    operation = find_operation(committed(), operation_id)
    path = {op["operationId"]: p for _, p, op in operations(committed())}[operation_id]
    client = TestClient(app)
    for media, body in operation["requestBody"]["content"].items():
        assert body["schema"] == {"$ref": "#/components/schemas/PatientBundle"}
        response = client.post(
            path, params={"asOf": "2026-11-22"}, content=json.dumps(body["example"]), headers={"content-type": media}
        )
        assert response.status_code == 200, response.text
