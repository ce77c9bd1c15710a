"""The HTTP shell: builds the FastAPI app, turns errors into OperationOutcomes, logs requests.

Logs carry a request id, method, path, status and duration, never anything from a body: no
name, identifier, date, code or value. ``uvicorn service.main:app`` serves the app built
from the environment's settings; a broken catalogue stops start-up with every error listed.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import __doc__ as package_doc
from service.api import FHIR_JSON, router
from service.cds import router as cds_router
from service.criteria import load_catalog
from service.docs import router as docs_router
from service.errors import ClientError, Issue, NotFound, Unauthorized
from service.logs import configure_logging
from service.metrics import MetricsMiddleware, record_catalog
from service.metrics import router as metrics_router
from service.pipeline import compile_catalog
from service.settings import Settings, get_settings
from service.web import is_web_path

logger = logging.getLogger("trialmatch")
access_logger = logging.getLogger("trialmatch.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"pragma", b"no-cache"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
OPEN_PATHS = frozenset({"/health"})


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    """Return a FHIR OperationOutcome for a list of issues."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": list(issue.expression)} if issue.expression else {}),
            }
            for issue in issues
        ],
    }


def outcome_response(status: int, issues: list[Issue], headers: dict[str, str] | None = None) -> Response:
    """Return an OperationOutcome as application/fhir+json with an HTTP status."""
    return Response(orjson.dumps(operation_outcome(issues)), status_code=status, media_type=FHIR_JSON, headers=headers)


def hash_key(key: str) -> str:
    """Return the stored form of an API key: its SHA-256 hex digest."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class GuardMiddleware:
    """Request id, access log, API-key check, request time limit and security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.key_hashes = [h.lower() for h in settings.api_key_hashes]

    def _authorised(self, scope: Scope) -> bool:
        if not self.key_hashes or scope["path"] in OPEN_PATHS:
            return True
        if is_web_path(scope["path"]):
            # The web view's pages, forms and static files: a browser form cannot send a bearer
            # key, so they check their own signed session cookie instead (service/web/auth.py).
            return True
        header = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                header = value
        scheme, _, token = header.decode("latin-1").partition(" ")
        digest = hash_key(token.strip()) if scheme.lower() == "bearer" else ""
        ok = False
        for stored in self.key_hashes:
            # Compare against every stored hash in constant time; no early exit.
            ok |= hmac.compare_digest(digest, stored)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request; other scopes pass through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                if status_holder["started"]:
                    return  # a 503 already went out; the late answer is dropped
                status_holder["started"] = True
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                message["headers"] = headers
            await send(message)

        try:
            if not self._authorised(scope):
                response = outcome_response(401, Unauthorized().issues, {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send_wrapper)
                return
            try:
                await asyncio.wait_for(self.app(scope, receive, send_wrapper), self.settings.request_timeout_seconds)
            except TimeoutError:
                if not status_holder["started"]:
                    response = outcome_response(503, [Issue("timeout", "request took too long; try again")])
                    await response(scope, receive, send_wrapper)
            except Exception as error:
                # The type only, with the request id: an exception message could quote patient data.
                logger.error("unexpected %s", type(error).__name__, extra={"request_id": request_id})
                if not status_holder["started"]:
                    issue = Issue("exception", "internal error; quote the X-Request-Id header when reporting it")
                    await outcome_response(500, [issue])(scope, receive, send_wrapper)
        finally:
            access_logger.info(
                "%s %s %s",
                scope.get("method", "-"),
                scope.get("path", "-"),
                status_holder["status"],
                extra={
                    "request_id": request_id,
                    "method": scope.get("method", "-"),
                    "path": scope.get("path", "-"),
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI document: routes, FHIR schemas, every error as an OperationOutcome, examples."""
    if app.openapi_schema:
        return app.openapi_schema
    # Imported here so the error examples are built by the very classes the service raises.
    from service.errors import BadParameter, BundleInvalid, PayloadTooLarge, UnsupportedMediaType

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["FhirBundle"] = {
        "type": "object",
        "description": "A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html).",
        "required": ["resourceType"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string"},
            "entry": {"type": "array", "items": {"type": "object"}},
        },
    }
    components["OperationOutcome"] = {
        "type": "object",
        "description": "A FHIR R4 OperationOutcome describing what is wrong and where.",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["severity", "code"],
                    "properties": {
                        "severity": {"type": "string"},
                        "code": {"type": "string"},
                        "diagnostics": {"type": "string"},
                        "expression": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    }
    # Request validation errors become 400 OperationOutcomes, so FastAPI's 422 models are unused.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    # Status -> (description, example issues) for the errors the shell and middleware send. The
    # examples come from the very error classes the service raises. A route's own description
    # or example of a status wins: it knows its case better (which id a 404 did not find).
    errors: dict[str, tuple[str, list[Issue]]] = {
        "400": (
            "Malformed body (not UTF-8 JSON) or query parameter",
            BadParameter("asOf '2026-02-30' is not a valid date (YYYY-MM-DD)", "asOf").issues,
        ),
        "401": ("API key missing or not accepted (only when keys are configured)", Unauthorized().issues),
        "404": ("The id in the path names nothing the service has", []),
        "413": ("Body larger than the configured limit", PayloadTooLarge(10 * 1024 * 1024).issues),
        "415": (
            "Content type is not application/fhir+json or application/json",
            UnsupportedMediaType("content type 'text/plain' is not supported; send application/fhir+json").issues,
        ),
        "422": ("JSON that is not an acceptable request, or invalid resources; every problem is listed", []),
        "500": (
            "Unexpected internal error; the X-Request-Id response header identifies it in the logs",
            [Issue("exception", "internal error; the request id is in the response headers")],
        ),
        "503": ("Request exceeded the time limit", [Issue("timeout", "request took too long; try again")]),
    }
    bundle_invalid = BundleInvalid([Issue("required", "Bundle has no Patient resource", ("Bundle.entry",))]).issues
    patient = {"id": "p1", "age": 54, "ageRange": [54, 54], "sex": "male", "deceased": None}
    missing = ["albumin within 30 days (for Child-Pugh score)", "inr within 30 days (for Child-Pugh score)"]
    # One trial, two criteria: the answer to the request example (a 54-year-old man with one
    # bilirubin) for NCT05227846, trimmed to its age and Child-Pugh criteria.
    success_examples: dict[str, dict[str, Any]] = {
        "health": {"status": "ok", "catalogVersion": "2026.11.22", "trials": 5},
        "matchPatient": {
            "asOf": "2026-11-22",
            "catalogVersion": "2026.11.22",
            "patient": patient,
            "scores": {
                "child_pugh": {
                    "value": None,
                    "inputs": [
                        {
                            "name": "total bilirubin",
                            "value": 2.5,
                            "unit": "mg/dL",
                            "date": "2026-11-10",
                            "reference": "Observation/o1",
                        }
                    ],
                    "missing": ["albumin within 30 days", "inr within 30 days"],
                    "detail": {},
                    "flags": [],
                }
            },
            "results": [
                {
                    "rank": 1,
                    "trial": {
                        "id": "NCT05227846",
                        "title": "Human Umbilical Cord-derived Mesenchymal Stem Cells for Decompensated Cirrhosis "
                        "(MSC-DLC-1)",
                        "phase": "Phase 1",
                        "sponsor": "Beijing 302 Hospital",
                        "url": "https://clinicaltrials.gov/study/NCT05227846",
                    },
                    "status": "possibly_eligible",
                    "score": 1.0,
                    "exclusionReasons": [],
                    "missingData": missing,
                    "toReview": [],
                    "criteria": [
                        {
                            "id": "inc-2",
                            "parentId": None,
                            "type": "inclusion",
                            "text": "Aged 18 to 75 years (including 18 and 75 years), male or female;",
                            "outcome": "pass",
                            "reason": "age 54 on 2026-11-22, between 18 and 75 years",
                            "evidence": [],
                            "missing": [],
                            "interpretation": "Age in completed years on the as-of date, both bounds inclusive "
                            "as the text says.",
                        },
                        {
                            "id": "inc-4",
                            "parentId": None,
                            "type": "inclusion",
                            "text": "Child-Turcotte-Pugh (CTP) score 7 to 12 points.",
                            "outcome": "unknown",
                            "reason": "Child-Pugh score cannot be computed: needs albumin within 30 days, "
                            "inr within 30 days; criterion needs Child-Pugh score between 7 and 12",
                            "evidence": [],
                            "missing": missing,
                            "interpretation": None,
                        },
                    ],
                }
            ],
            # What order_next (service/order.py) makes of inc-4's two missing inputs.
            "orderNext": [
                {
                    "key": f"lab:{name}",
                    "label": f"{name} within 30 days",
                    "purposes": ["Child-Pugh score"],
                    "trials": ["NCT05227846"],
                    "completes": [],
                    "criteria": [{"trial": "NCT05227846", "criterion": "inc-4"}],
                }
                for name in ("albumin", "inr")
            ],
            "warnings": [],
        },
    }
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            success = responses.get("200", {}).get("content", {})
            if "application/json" in success:
                # openapi-python-client parses a response by its first media type, and in the
                # key-sorted spec application/fhir+json sorts first: a generated client would read
                # the default JSON answer as a FHIR Bundle and fail. The FHIR answer chosen by the
                # Accept header stays documented in the response description.
                success.pop(FHIR_JSON, None)
                example = success_examples.get(operation.get("operationId", ""))
                if example is not None:
                    success["application/json"]["example"] = example
            has_body = "requestBody" in operation
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            takes_bundle = any(
                media.get("schema") == {"$ref": "#/components/schemas/FhirBundle"}
                for media in operation.get("requestBody", {}).get("content", {}).values()
            )
            for code, (text, issues) in errors.items():
                if code == "400" and not (has_body or has_query):
                    continue
                if code == "401" and path in OPEN_PATHS:
                    continue
                if code == "404" and "{" not in path:
                    continue
                if code in ("413", "415", "422") and not has_body:
                    continue
                if code == "422" and takes_bundle:
                    issues = bundle_invalid
                declared = responses.get(code, {})
                media = dict(declared.get("content", {}).get(FHIR_JSON, {}))
                if issues and "example" not in media:
                    media["example"] = operation_outcome(issues)
                responses[code] = {"description": declared.get("description") or text, "content": {FHIR_JSON: media}}
            for code, response in responses.items():
                if code[0] in "45":
                    # Every error, standard or declared by a route (412), is sent as an OperationOutcome.
                    outcome = response.get("content", {}).get(FHIR_JSON, {})
                    outcome["schema"] = {"$ref": "#/components/schemas/OperationOutcome"}
                    response["content"] = {FHIR_JSON: outcome}
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: load and validate the catalogue (refusing a broken one), wire routes."""
    settings = settings or get_settings()
    configure_logging(settings)
    catalog = load_catalog(settings.criteria_dir, settings.copies_per_iu)
    compile_catalog(catalog)  # start-up work (read filter, indexes) stays out of the request path
    # The catalogue and the imported modules live as long as the process: move them out of the
    # garbage collector's generations so parsing a large bundle does not walk them again and
    # again (measured: a 12 MB parse 199 ms -> 104 ms).
    gc.collect()
    gc.freeze()
    app = FastAPI(
        title="trialmatch",
        version="0.1.0",
        description=(package_doc or "").strip()
        + " POST a patient's FHIR R4 Bundle; get every trial ranked with per-criterion verdicts.",
        # /docs is service.docs (assets from the installed package, no CDN); no ReDoc page.
        docs_url=None,
        redoc_url=None,
    )
    app.state.catalog = catalog
    app.state.settings = settings
    app.include_router(router)
    app.include_router(cds_router)
    # Imported here: the web view's session signer reads hash_key from this module.
    from service.web.routes import install as install_web

    install_web(app, settings)
    app.include_router(docs_router)
    app.include_router(metrics_router)
    record_catalog(catalog.version)

    @app.exception_handler(ClientError)
    async def client_error(_: Request, error: ClientError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return outcome_response(error.status, error.issues, headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, error: RequestValidationError) -> Response:
        issues = [
            Issue("value", f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}", (".".join(str(p) for p in e["loc"]),))
            for e in error.errors()
        ]
        return outcome_response(400, issues)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return outcome_response(404, NotFound("no such route").issues)
        code = "not-supported" if error.status_code == 405 else "processing"
        return outcome_response(error.status_code, [Issue(code, str(error.detail))])

    app.add_middleware(GuardMiddleware, settings=settings)
    # Outside the guard, so refused (401), timed-out (503) and failed (500) requests are counted.
    app.add_middleware(MetricsMiddleware, routes=app.router.routes)
    # Added last, so outermost: preflights are answered before the API-key check, and 401s carry CORS headers.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Request-Id"],
        )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    logger.info("catalogue %s loaded: %d trials", catalog.version, len(catalog.trials))
    return app


def __getattr__(name: str) -> Any:
    # ``service.main:app`` is built on first access, so importing this module for tests or
    # tools does not read the environment or the catalogue.
    if name == "app":
        value = create_app()
        globals()["app"] = value
        return value
    raise AttributeError(name)
