"""Prometheus metrics: requests by route template and status, latency, in-flight, match time.

``GET /metrics`` answers in the Prometheus text format. Labels hold only what the service
itself defines: the route template (``/trials/{trialId}``, never the raw path; a path that
names no route is ``unmatched``), the method (one of the standard ones, else ``other``), the
status code and the catalogue version. Nothing from a query string, header or body is read, so
no patient data can reach a label. With several uvicorn workers, ``trialmatch serve`` gives
them a shared directory (prometheus-client's multiprocess mode) so that any worker answers a
scrape with the totals of all.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# The classic text format that generate_latest writes, which every Prometheus version reads.
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; the top bucket is the default request time limit (TRIALMATCH_REQUEST_TIMEOUT_SECONDS).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "trialmatch_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ("route", "method", "status"),
)
LATENCY = Histogram(
    "trialmatch_http_request_duration_seconds",
    "Time from request to the end of the answer, by route template and method.",
    ("route", "method"),
    buckets=BUCKETS,
)
IN_FLIGHT = Gauge("trialmatch_http_requests_in_flight", "HTTP requests being handled now.", multiprocess_mode="livesum")
MATCH_DURATION = Histogram(
    "trialmatch_match_duration_seconds",
    "Time in the matching core for one patient (intake, facts, evaluation, ranking).",
    buckets=BUCKETS,
)
ADMISSION_REJECTED = Counter(
    "trialmatch_admission_rejected",
    "Requests refused by admission control because the service was full, by reason (requests or bytes).",
    ["reason"],
)
CDS_FEEDBACK = Counter(
    "trialmatch_cds_feedback",
    "CDS Hooks card feedback, by outcome and whether an override reason was coded (never the reason's text).",
    ("outcome", "reason"),
)
CATALOG = Gauge(
    "trialmatch_catalog_info",
    "The criteria catalogue loaded (value 1), its version as a label.",
    ("version",),
    multiprocess_mode="max",
)

router = APIRouter(include_in_schema=False)


def prepare_multiprocess(workers: int) -> None:
    """Give several worker processes one fresh metrics directory (call before they start).

    The directory is removed when the calling (parent) process exits.
    """
    if workers > 1 and not os.environ.get(MULTIPROCESS_ENV):
        directory = tempfile.mkdtemp(prefix="trialmatch-metrics-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ[MULTIPROCESS_ENV] = directory


def exposition() -> bytes:
    """Return every metric in the Prometheus text format, summed over workers when there are several."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get("/metrics")
def metrics() -> Response:
    """Expose the service's metrics in the Prometheus text format."""
    return Response(exposition(), media_type=TEXT_FORMAT)


def record_catalog(version: str) -> None:
    """Publish the version of the catalogue the service loaded."""
    CATALOG.labels(version=version).set(1)


def record_admission_rejection(reason: str) -> None:
    """Count one request refused by admission control, by reason (``requests`` or ``bytes``)."""
    ADMISSION_REJECTED.labels(reason=reason).inc()


def record_feedback(outcome: str, reason: str) -> None:
    """Count one card's feedback: outcome accepted or overridden, reason coded or none."""
    CDS_FEEDBACK.labels(outcome=outcome, reason=reason).inc()


@contextmanager
def timed_match() -> Iterator[None]:
    """Observe the time the enclosed call to the matching core takes."""
    started = time.perf_counter()
    try:
        yield
    finally:
        MATCH_DURATION.observe(time.perf_counter() - started)


def flatten(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """Return the routes with included routers opened up (newer FastAPI keeps them nested)."""
    flat: list[BaseRoute] = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            flat.extend(flatten(nested.routes))
        else:
            flat.append(route)
    return flat


def route_template(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """Return the path template of the route a request is for, or ``unmatched``."""
    partial = None
    for route in routes:
        found, _ = route.matches(dict(scope))  # a copy: matching may note things in the scope
        if found is Match.FULL:
            return str(getattr(route, "path", UNMATCHED))
        if found is Match.PARTIAL and partial is None:
            partial = str(getattr(route, "path", UNMATCHED))  # the path exists, not for this method (405)
    return partial or UNMATCHED


class MetricsMiddleware:
    """Count, time and track in-flight HTTP requests by route template, method and status."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes
        self._flat: list[BaseRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request; other scopes pass through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._flat is None:  # the app's routes are complete once it serves
            self._flat = flatten(self.routes)
        route = route_template(self._flat, scope)
        method = scope.get("method", "")
        method = method if method in METHODS else "other"
        status: dict[str, Any] = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            IN_FLIGHT.dec()
            LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)
            REQUESTS.labels(route=route, method=method, status=str(status["code"])).inc()
