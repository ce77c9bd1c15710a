"""Bad inputs: every case in bad_inputs.yaml gets its documented answer and leaves no trace.

The cases are data (tests/api/bad_inputs.yaml); this module builds each body, sends it, checks
the answer against the case's expectations and the invariants every answer keeps, then sends
the baseline bundle and requires the reference answer byte for byte.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings, default_criteria_dir
from tests.api.conftest import BASELINE

CASES_FILE = Path(__file__).with_name("bad_inputs.yaml")
MATCH = "/match?asOf=2026-11-22"
FACTS = "/facts?asOf=2026-11-22"
DEFAULT_TYPE = "application/fhir+json"
MAX_MESSAGE_CHARS = 300
CHUNK = 1024 * 1024
# C0 and C1 control characters and DEL: none may appear in a diagnostic or a warning.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
REPEAT = re.compile(r"\{(.+?)\*(\d+)\}")
STEP = re.compile(r"([A-Za-z_][\w-]*)?(?:\[([^\]]+)\])?$")
EXPECT_KEYS = frozenset(
    {
        "status",
        "headers",
        "absent_headers",
        "issue_code",
        "expression_contains",
        "warnings",
        "not_counted",
        "counted",
        "patient",
        "same_answer_as_baseline",
    }
)
CASE_KEYS = frozenset(
    {
        "name",
        "class",
        "description",
        "decision",
        "body",
        "body_base64",
        "mutate",
        "generator",
        "content_type",
        "stream",
        "settings",
        "request",
        "expect",
    }
)
REQUEST_KEYS = frozenset({"method", "path", "headers"})


def load_cases() -> list[dict[str, Any]]:
    """Return the cases of bad_inputs.yaml, checked for shape."""
    cases: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    for case in cases:
        unknown = set(case) - CASE_KEYS
        assert not unknown, f"{case.get('name')}: unknown keys {unknown}"
        assert {"name", "class", "description", "decision", "expect"} <= set(case), case.get("name")
        assert sum(k in case for k in ("body", "body_base64", "mutate", "generator")) == 1, case["name"]
        assert set(case["expect"]) <= EXPECT_KEYS, case["name"]
        assert set(case.get("request", {})) <= REQUEST_KEYS, case["name"]
    names = [case["name"] for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


CASES = load_cases()


# -- building bodies -------------------------------------------------------------------------


def expand(value: Any) -> Any:
    """Return value with every "{c*N}" in its strings replaced by c repeated N times."""
    if isinstance(value, str):
        return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), value)
    if isinstance(value, list):
        return [expand(item) for item in value]
    if isinstance(value, dict):
        return {key: expand(item) for key, item in value.items()}
    return value


def _steps(path: str) -> list[str | int]:
    """Split 'entry[Observation/bili].resource.code.coding[0]' into keys, indices and selectors."""
    steps: list[str | int] = []
    for part in path.split("."):
        found = STEP.match(part)
        assert found, f"bad path step {part!r} in {path!r}"
        key, selector = found.groups()
        if key:
            steps.append(key)
        if selector is not None:
            steps.append(int(selector) if selector.lstrip("-").isdigit() else selector)
    return steps


def _index(container: list[Any], step: str | int) -> int:
    if isinstance(step, int):
        return step
    rtype, _, rid = step.partition("/")
    for index, item in enumerate(container):
        resource = item.get("resource") if isinstance(item, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == rtype and resource.get("id") == rid:
            return index
    raise AssertionError(f"no entry holds {step}")


def _parent(document: Any, path: str) -> tuple[Any, str | int]:
    steps = _steps(path)
    node = document
    for step in steps[:-1]:
        node = node[_index(node, step)] if isinstance(node, list) else node[step]
    last = steps[-1]
    return node, _index(node, last) if isinstance(node, list) else last


def _get(document: Any, path: str) -> Any:
    parent, key = _parent(document, path)
    return parent[key]


def _set(document: Any, path: str, value: Any) -> None:
    parent, key = _parent(document, path)
    parent[key] = value


def apply_mutations(operations: list[dict[str, Any]]) -> bytes:
    """Return the baseline bundle changed by the operations, serialised and encoded."""
    document: Any = json.loads(BASELINE.read_text(encoding="utf-8"))
    text: str | None = None
    encoding = "utf-8"
    for operation in expand(operations):
        op = operation["op"]
        if op in {"raw_replace", "raw_prefix", "raw_truncate", "encode"} and text is None:
            text = json.dumps(document, ensure_ascii=False)
        if op == "set":
            _set(document, operation["path"], operation["value"])
        elif op == "delete":
            parent, key = _parent(document, operation["path"])
            del parent[key]
        elif op == "append":
            _get(document, operation["path"]).append(operation["value"])
        elif op == "duplicate":
            parent, key = _parent(document, operation["path"])
            twin = copy.deepcopy(parent[key])
            for relative, value in operation.get("set", {}).items():
                _set(twin, relative, value)
            parent.append(twin)
        elif op == "extract":
            document = _get(document, operation["path"])
        elif op == "wrap_array":
            document = [document]
        elif op == "raw_replace":
            assert text is not None and operation["old"] in text, f"{operation['old']!r} not in the body"
            text = text.replace(operation["old"], operation["new"], 1)
        elif op == "raw_prefix":
            text = operation["text"] + text
        elif op == "raw_truncate":
            text = text[: operation["keep"]]
        elif op == "encode":
            encoding = operation["encoding"]
        else:
            raise AssertionError(f"unknown operation {op!r}")
    if text is None:
        text = json.dumps(document, ensure_ascii=False)
    return text.encode(encoding)


def _baseline_text() -> str:
    return json.dumps(json.loads(BASELINE.read_text(encoding="utf-8")), ensure_ascii=False)


def deep_arrays(depth: int) -> bytes:
    """The baseline bundle with an unknown element holding arrays nested `depth` deep."""
    text = _baseline_text()
    assert text.startswith("{")
    return ('{"deep": ' + "[" * depth + "]" * depth + ", " + text[1:]).encode()


def deep_extension(levels: int, path: str) -> bytes:
    """The baseline bundle with extensions nested `levels` deep in the resource at `path`."""
    document = json.loads(BASELINE.read_text(encoding="utf-8"))
    _get(document, path)["extension"] = "DEEP-EXTENSION"
    inner = '{"url": "http://example.org/x", "valueString": "leaf"}'
    # Built as text: json.dumps itself recurses and would fail on deep nesting.
    nested = '{"url": "http://example.org/x", "extension": [' * levels + inner + "]}" * levels
    return json.dumps(document).replace('"DEEP-EXTENSION"', f"[{nested}]", 1).encode()


def padded(megabytes: int) -> bytes:
    """The baseline bundle plus a Basic resource holding text, `megabytes` MB in all."""
    text = _baseline_text()
    room = megabytes * 1024 * 1024 - len(text.encode()) - 100
    pad = '{"resource": {"resourceType": "Basic", "id": "pad", "code": {"text": "' + "x" * room + '"}}}'
    return text.replace('"entry": [', '"entry": [' + pad + ", ", 1).encode()


def many_entries(count: int) -> bytes:
    """A Patient and count - 1 Encounters."""
    patient = '{"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1", "gender": "male"}}'
    encounter = '{"resource": {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"}}}'
    entries = ", ".join([patient] + [encounter] * (count - 1))
    return ('{"resourceType": "Bundle", "type": "collection", "entry": [' + entries + "]}").encode()


def many_labs(count: int) -> bytes:
    """A Patient and `count` bilirubin Observations inside the look-back window."""
    entries = ['{"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1972-03-15"}}']
    for i in range(count):
        entries.append(
            f'{{"resource": {{"resourceType": "Observation", "id": "o{i}", "status": "final", '
            '"code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]}, '
            f'"subject": {{"reference": "Patient/p1"}}, "effectiveDateTime": "2026-11-{1 + i % 21:02d}", '
            '"valueQuantity": {"value": 2.5, "unit": "mg/dL", "system": "http://unitsofmeasure.org", '
            '"code": "mg/dL"}}}'
        )
    return ('{"resourceType": "Bundle", "type": "collection", "entry": [' + ", ".join(entries) + "]}").encode()


def many_patients(count: int) -> bytes:
    """A Bundle of `count` Patients and nothing else."""
    patient = '{"resource": {"resourceType": "Patient", "gender": "male"}}'
    entries = ", ".join([patient] * count)
    return ('{"resourceType": "Bundle", "type": "collection", "entry": [' + entries + "]}").encode()


def hook_request() -> bytes:
    """A CDS Hooks patient-view request whose prefetch holds the baseline bundle's Patient and records."""
    document = json.loads(BASELINE.read_text(encoding="utf-8"))
    patient = document["entry"][0]["resource"]
    others = [{"resource": e["resource"]} for e in document["entry"][1:]]
    request = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": patient["id"]},
        "prefetch": {
            "patient": patient,
            "observations": {"resourceType": "Bundle", "type": "searchset", "entry": others},
        },
    }
    return json.dumps(request).encode()


GENERATORS: dict[str, Callable[..., bytes]] = {
    "many_patients": many_patients,
    "hook_request": hook_request,
    "deep_arrays": deep_arrays,
    "deep_extension": deep_extension,
    "padded": padded,
    "many_entries": many_entries,
    "many_labs": many_labs,
}


def build_body(case: dict[str, Any]) -> bytes:
    """Return the bytes a case sends."""
    if "body" in case:
        return str(case["body"]).encode()
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    if "mutate" in case:
        return apply_mutations(case["mutate"])
    spec = dict(case["generator"])
    return GENERATORS[spec.pop("name")](**spec)


# -- clients ---------------------------------------------------------------------------------


class Clients:
    """One app per distinct settings change, each built on the real catalogue."""

    def __init__(self) -> None:
        self._clients: dict[tuple[tuple[str, Any], ...], TestClient] = {}

    def get(self, changes: dict[str, Any] | None = None) -> TestClient:
        """Return the client of an app built with these Settings changes."""
        key = tuple(sorted((changes or {}).items()))
        if key not in self._clients:
            settings = Settings(criteria_dir=default_criteria_dir(), **dict(key))
            # 500s are answers to check, not exceptions to re-raise in the test.
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            self._clients[key] = client.__enter__()
        return self._clients[key]

    def close(self) -> None:
        """Shut every app down."""
        for client in self._clients.values():
            client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    """Clients shared by the module's cases."""
    pool = Clients()
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def reference(baseline_bytes: bytes) -> bytes:
    """The baseline bundle's answer from a fresh app that has seen nothing else."""
    with TestClient(create_app(Settings(criteria_dir=default_criteria_dir()))) as fresh:
        response = fresh.post(MATCH, content=baseline_bytes, headers={"content-type": DEFAULT_TYPE})
    assert response.status_code == 200, response.text[:500]
    return response.content


# -- checking answers ------------------------------------------------------------------------


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


def _references(facts: dict[str, Any]) -> set[str]:
    found = {lab["reference"] for labs in facts["labs"].values() for lab in labs}
    for kind in ("conditions", "findings", "medications", "procedures", "allergies"):
        found.update(record["reference"] for record in facts[kind])
    return found


def _one_printable_line(text: str, what: str) -> None:
    assert not CONTROL.search(text), f"{what} carries control characters: {text[:120]!r}"
    assert len(text) <= MAX_MESSAGE_CHARS, f"{what} is {len(text)} characters: {text[:120]!r}..."


def check_error(response: Any, expect: dict[str, Any]) -> None:
    """The answer is an OperationOutcome with the expected code, and its messages are short and printable."""
    assert response.headers["content-type"].startswith("application/fhir+json"), response.headers["content-type"]
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"], "an OperationOutcome needs at least one issue"
    for issue in outcome["issue"]:
        assert issue["severity"] in {"fatal", "error"} and issue["code"]
        _one_printable_line(issue["diagnostics"], "diagnostics")
    if "issue_code" in expect:
        assert outcome["issue"][0]["code"] == expect["issue_code"], outcome["issue"][0]
    if "expression_contains" in expect:
        expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
        assert any(expect["expression_contains"] in e for e in expressions), expressions


def _without_warnings(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: answer[key] for key in ("patient", "scores", "results")}


def check_answer(response: Any, expect: dict[str, Any], reference: bytes, facts: Callable[[], dict[str, Any]]) -> None:
    """The 200 answer has the expected warnings, patient and counted records."""
    answer = response.json()
    for warning in answer["warnings"]:
        _one_printable_line(warning, "warning")
    lowered = [w.lower() for w in answer["warnings"]]
    for wanted in expect.get("warnings", ()):
        assert any(wanted.lower() in w for w in lowered), f"no warning mentions {wanted!r}: {answer['warnings']}"
    for field, value in expect.get("patient", {}).items():
        assert answer["patient"][field] == value, f"patient.{field}: {answer['patient'][field]!r} != {value!r}"
    if expect.get("same_answer_as_baseline"):
        assert _without_warnings(answer) == _without_warnings(json.loads(reference))
    if "not_counted" in expect or "counted" in expect:
        read = _references(facts())
        for reference_ in expect.get("not_counted", ()):
            assert reference_ not in read, f"{reference_} was counted"
        for reference_ in expect.get("counted", ()):
            assert reference_ in read, f"{reference_} was not counted"


def check_headers(response: Any, expect: dict[str, Any]) -> None:
    """The answer carries the expected headers (each value contains the text given) and lacks the absent ones."""
    for name, value in expect.get("headers", {}).items():
        assert str(value) in response.headers.get(name, ""), f"{name}: {response.headers.get(name)!r}"
    for name in expect.get("absent_headers", ()):
        assert name not in response.headers, f"{name}: {response.headers[name]!r}"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input(case: dict[str, Any], clients: Clients, reference: bytes, baseline_bytes: bytes) -> None:
    """The case gets its documented answer, and the baseline is answered exactly as before."""
    client = clients.get(case.get("settings"))
    body = build_body(case)
    request = case.get("request", {})
    method, path = request.get("method", "POST"), request.get("path", MATCH)
    content_type = case.get("content_type", DEFAULT_TYPE)
    headers = [("content-type", content_type)] if content_type is not None else []
    headers += [(name, str(value)) for pair in request.get("headers", []) for name, value in pair.items()]
    content: bytes | Iterator[bytes] = _chunks(body) if case.get("stream") else body
    response = client.request(method, path, content=content if method in ("POST", "PUT") else None, headers=headers)
    expect = case["expect"]

    assert response.status_code == expect["status"], (
        f"{case['name']}: expected {expect['status']}, got {response.status_code}: {response.text[:300]}"
    )
    assert response.headers.get("x-request-id") and response.headers.get("cache-control") == "no-store"
    check_headers(response, expect)
    if method == "HEAD":
        assert not response.content, "a HEAD answer has no body"
    elif response.status_code == 200 and path.startswith("/match?"):
        check_answer(response, expect, reference, lambda: client.post(FACTS, content=body, headers=headers).json())
    elif response.status_code != 200:
        check_error(response, expect)

    after = client.post(MATCH, content=baseline_bytes, headers={"content-type": DEFAULT_TYPE})
    assert after.status_code == 200, f"baseline after {case['name']}: {after.status_code} {after.text[:300]}"
    assert after.content == reference, f"baseline answer changed after {case['name']}"


def test_catalogue_covers_every_class() -> None:
    """The catalogue has at least 40 cases and every bad-input class of the issue has one."""
    classes = {case["class"] for case in CASES}
    required = {
        "not JSON",
        "truncated JSON",
        "invalid UTF-8",
        "a BOM",
        "duplicate keys",
        "numbers like 1e400",
        "NaN or Infinity",
        "nesting 10,000 levels deep",
        "a 50 MB body",
        "a body of 200,000 entries",
        "an empty body",
        "the wrong content type",
        "a JSON array instead of a Bundle",
        "a bare Patient instead of a Bundle",
        "a Bundle with no entry",
        "no Patient",
        "two Patients",
        "entries without a resource",
        "duplicate fullUrls",
        "references to missing resources",
        "circular references",
        "wrong types in fields",
        "dates like 2026-13-45",
        "dates like 0000-00-00",
        "a birth date in the future",
        "negative or absurd lab values",
        "units the service does not know",
        "codes with no system",
        "extremely long strings",
        "control characters",
    }
    assert required <= classes, required - classes
    assert len(CASES) >= 40
