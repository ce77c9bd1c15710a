"""GET /metrics: Prometheus text format, requests by route template, latency, match time, no patient data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from service import metrics
from service.admission import Admission
from service.main import hash_key
from tests.api.conftest import FHIR
from tests.api.test_logs_and_auth import make_client

AS_OF = "asOf=2026-11-22"
# One marker, planted everywhere a client can put something; it must never reach /metrics.
MARKER = "Zq7XwMetricsMarker"


def samples(client: TestClient, headers: dict[str, str] | None = None) -> list[Sample]:
    """Scrape /metrics and return every sample, checking the answer is the Prometheus text format."""
    answer = client.get("/metrics", headers=headers or {})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return [sample for family in text_string_to_metric_families(answer.text) for sample in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    """Return the value of the sample with this name and these labels (0 when absent)."""
    return sum(s.value for s in found if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    """A trial lookup counts under /trials/{trialId}, not its raw path, with its status."""
    before = samples(client)
    assert client.get("/trials/NCT05227846").status_code == 200
    assert client.get("/trials/NCT00000000").status_code == 404
    after = samples(client)
    route = {"route": "/trials/{trialId}", "method": "GET"}
    name = "trialmatch_http_requests_total"
    assert value(after, name, **route, status="200") - value(before, name, **route, status="200") == 1
    assert value(after, name, **route, status="404") - value(before, name, **route, status="404") == 1
    assert not [s for s in after if "NCT05227846" in str(s.labels)]


def test_unknown_paths_and_methods_are_folded(client: TestClient) -> None:
    """A path that names no route counts as 'unmatched'; a wrong method keeps its route (405)."""
    before = samples(client)
    assert client.get("/no/such/route").status_code == 404
    assert client.delete("/health").status_code == 405
    after = samples(client)
    name = "trialmatch_http_requests_total"
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    wrong_method = {"route": "/health", "method": "DELETE", "status": "405"}
    assert value(after, name, **wrong_method) - value(before, name, **wrong_method) == 1


def test_latency_in_flight_and_match_duration(client: TestClient, baseline_bytes: bytes) -> None:
    """A /match request adds a latency observation, a match-duration observation, and leaves none in flight."""
    before = samples(client)
    assert client.post(f"/match?{AS_OF}", content=baseline_bytes, headers=FHIR).status_code == 200
    after = samples(client)
    latency = "trialmatch_http_request_duration_seconds_count"
    post = {"route": "/match", "method": "POST"}
    assert value(after, latency, **post) - value(before, latency, **post) == 1
    buckets = [s for s in after if s.name == "trialmatch_http_request_duration_seconds_bucket"]
    assert {s.labels["le"] for s in buckets} >= {"0.1", "1.0", "+Inf"}
    match_count = "trialmatch_match_duration_seconds_count"
    assert value(after, match_count) - value(before, match_count) == 1
    assert value(after, "trialmatch_match_duration_seconds_sum") > value(
        before, "trialmatch_match_duration_seconds_sum"
    )
    # The scrape itself is the only request in flight while /metrics answers.
    assert value(after, "trialmatch_http_requests_in_flight") == 1


def test_catalogue_version_is_an_info_metric(client: TestClient) -> None:
    """trialmatch_catalog_info carries the loaded catalogue's version as a label, value 1."""
    version = client.get("/health").json()["catalogVersion"]
    assert value(samples(client), "trialmatch_catalog_info", version=version) == 1


def test_admission_rejections_are_counted(client: TestClient) -> None:
    """Each refusal by admission control adds one to the rejection counter under its reason."""
    name = "trialmatch_admission_rejected_total"
    before = {r: value(samples(client), name, reason=r) for r in ("requests", "bytes")}
    full = Admission(max_requests=1, max_bytes=100)
    assert full.enter(10) is None
    assert full.enter(10) == "requests"
    assert full.grow(1000) == "bytes"
    assert full.grow(1000) == "bytes"
    after = {r: value(samples(client), name, reason=r) for r in ("requests", "bytes")}
    assert (after["requests"] - before["requests"], after["bytes"] - before["bytes"]) == (1, 2)


def test_no_client_text_reaches_a_label(client: TestClient, baseline_bytes: bytes) -> None:
    """A marker sent in paths, query strings, headers, bodies and methods appears nowhere in /metrics."""
    body = baseline_bytes.replace(b'"baseline"', f'"{MARKER}"'.encode())
    assert MARKER.encode() in body
    headers = {**FHIR, f"x-{MARKER}": MARKER, "user-agent": MARKER, "referer": f"https://{MARKER}.example"}
    sent = [
        client.get(f"/trials/{MARKER}", headers=headers),
        client.get(f"/{MARKER}?{MARKER}={MARKER}", headers=headers),
        client.get(f"/trials?{MARKER}={MARKER}", headers=headers),
        client.post(f"/match?asOf={MARKER}", content=body, headers=headers),
        client.post(f"/match?{AS_OF}&trial={MARKER}", content=body, headers=headers),
        client.post(f"/match?{AS_OF}", content=body, headers=headers),
        client.post(f"/facts?{AS_OF}", content=body, headers=headers),
        client.request(MARKER.upper(), "/match", headers=headers),
    ]
    assert {answer.status_code for answer in sent} >= {200, 400, 404, 405}
    exposed = client.get("/metrics").text
    assert MARKER.lower() not in exposed.lower()
    methods = {s.labels["method"] for s in samples(client) if "method" in s.labels}
    assert methods <= metrics.METHODS | {"other"}
    assert "other" in methods


def test_metrics_need_the_key_when_keys_are_on() -> None:
    """With API keys configured, /metrics answers 401 without the key and 200 with it, like every other route."""
    with make_client(api_key_hashes=(hash_key("scrape-key"),)) as keyed:
        assert keyed.get("/metrics").status_code == 401
        assert samples(keyed, {"authorization": "Bearer scrape-key"})


@pytest.mark.parametrize(("workers", "multiprocess"), [(1, False), (2, True)])
def test_multiprocess_directory_only_for_several_workers(
    workers: int, multiprocess: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several workers get a fresh shared metrics directory; one worker keeps the in-process registry."""
    # Empty counts as unset; monkeypatch puts the variable back as it was (unset) afterwards.
    monkeypatch.setenv(metrics.MULTIPROCESS_ENV, "")
    metrics.prepare_multiprocess(workers)
    directory = os.environ.get(metrics.MULTIPROCESS_ENV)
    assert bool(directory) is multiprocess
    if directory:
        assert Path(directory).is_dir() and not list(Path(directory).iterdir())
        Path(directory).rmdir()
