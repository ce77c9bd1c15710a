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
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from service import __doc__ as package_doc
from service.admission import Admission, AdmissionMiddleware, Reason
from service.api import FHIR_JSON, router
from service.catalogue_routes import router as catalogue_router
from service.cds import router as cds_router
from service.criteria import load_catalog
from service.docs import router as docs_router
from service.errors import ClientError, Issue, NotFound, Unauthorized
from service.facts import printable
from service.facts.model import ADMINISTRATIVE_GENDER
from service.fhir_operation import BUNDLE_REF
from service.fhir_operation import openapi_schemas as operation_schemas
from service.fhir_routes import router as fhir_router
from service.intake import BUNDLE_TYPES
from service.logs import configure_logging
from service.metrics import MetricsMiddleware, record_catalog
from service.metrics import router as metrics_router
from service.pipeline import compile_catalog
from service.settings import Settings, get_settings
from service.web import is_web_path
from service.workers import WorkPool

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
# /metadata: a FHIR CapabilityStatement is read before authenticating (it says how to).
OPEN_PATHS = frozenset({"/health", "/metadata"})


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


def outcome_response(status: int, issues: list[Issue], headers: Mapping[str, str] | None = None) -> Response:
    """Return an OperationOutcome as application/fhir+json with an HTTP status."""
    return Response(orjson.dumps(operation_outcome(issues)), status_code=status, media_type=FHIR_JSON, headers=headers)


def refusal_response(reason: Reason, retry_after: int) -> Response:
    """Return the 503 of a request refused by admission control."""
    what = "requests" if reason == "requests" else "request bytes"
    issue = Issue("transient", f"too many {what} in flight; retry after {retry_after} s")
    return outcome_response(503, [issue], {"Retry-After": str(retry_after)})


def hash_key(key: str) -> str:
    """Return the stored form of an API key: its SHA-256 hex digest."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# Query parameters a route declares repeatable; any other one sent twice is ambiguous (400).
REPEATABLE_PARAMETERS = frozenset({"trial"})
# Headers whose second copy would be read differently by different parts of a stack (400).
SINGLE_HEADERS = (b"authorization", b"content-type", b"content-length", b"host")
# nginx's code for "client closed the request": logged, never sent (the client is gone).
CLIENT_CLOSED = 499


def ambiguity(scope: Scope) -> Issue | None:
    """Return the problem with a request that repeats a single-valued query parameter or header."""
    names = [name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)]
    repeated = sorted({name for name in names if names.count(name) > 1} - REPEATABLE_PARAMETERS)
    if repeated:
        shown = printable(repeated[0])
        return Issue("value", f"query parameter '{shown}' is given more than once", (shown,))
    headers = [name for name, _ in scope.get("headers", ())]
    for header in SINGLE_HEADERS:
        if headers.count(header) > 1:
            return Issue("value", f"header {header.decode()} is given more than once", (header.decode(),))
    return None


class GuardMiddleware:
    """Request id, access log, API-key check, request time limit and security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.key_hashes = [h.lower() for h in settings.api_key_hashes]

    def _authorised(self, scope: Scope) -> bool:
        if not self.key_hashes or scope["path"] in OPEN_PATHS:
            return True
        if self.settings.cds_jwks and scope["path"].startswith("/cds-services"):
            # CDS Hooks routes: discovery is open (no patient data) and calls carry the client's
            # JWT in the same Authorization header, which service/cds_auth.py verifies instead.
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
        # The cancellation token of the work this request starts (service.api.off_loop reads it).
        stop = threading.Event()
        scope.setdefault("state", {})["stop"] = stop

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
            if (problem := ambiguity(scope)) is not None:
                await outcome_response(400, [problem])(scope, receive, send_wrapper)
                return
            if not self._authorised(scope):
                response = outcome_response(401, Unauthorized().issues, {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send_wrapper)
                return
            try:
                await asyncio.wait_for(self.app(scope, receive, send_wrapper), self.settings.request_timeout_seconds)
            except TimeoutError:
                stop.set()
                if not status_holder["started"]:
                    issue = Issue("timeout", "request took too long; try again")
                    retry = {"Retry-After": str(self.settings.retry_after_seconds)}
                    response = outcome_response(503, [issue], retry)
                    await response(scope, receive, send_wrapper)
            except ClientDisconnect:
                # The client went away before its body arrived: nothing to answer, nothing went wrong here.
                logger.info("client disconnected before the request was read", extra={"request_id": request_id})
                if not status_holder["started"]:
                    status_holder["status"] = CLIENT_CLOSED
            except Exception as error:
                # The type only, with the request id: an exception message could quote patient data.
                logger.error("unexpected %s", type(error).__name__, extra={"request_id": request_id})
                if not status_holder["started"]:
                    issue = Issue("exception", "internal error; quote the X-Request-Id header when reporting it")
                    await outcome_response(500, [issue])(scope, receive, send_wrapper)
        finally:
            stop.set()  # whatever ended the request, work still running for it stops
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


class OutcomeCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, whose refused preflight is an OperationOutcome instead of plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        """Answer a preflight; a refusal keeps its status and CORS headers and says why in an OperationOutcome."""
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # Starlette's text names what was refused (origin, method, headers), never the values sent.
        reason = bytes(response.body).decode("utf-8", "replace")
        kept = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        # Answered before GuardMiddleware (so that its 401s carry CORS headers): its headers are added here.
        kept.update({name.decode(): value.decode() for name, value in SECURITY_HEADERS})
        kept["x-request-id"] = uuid.uuid4().hex
        return outcome_response(response.status_code, [Issue("forbidden", reason)], kept)


# FHIR's code pattern [^\s]+(\s[^\s]+)* with \s spelt out as the validator reads it (Unicode
# White_Space), so a schema-driven generator and the service agree on every character.
_SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
FHIR_CODE = rf"^[^{_SPACE}]+([{_SPACE}][^{_SPACE}]+)*$"
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying (RFC 9110 section 10.2.3)",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Return an optional query parameter's schema without FastAPI's ``anyOf [..., null]`` (a query has no null)."""
    branches = schema.get("anyOf", [])
    kept = [b for b in branches if b != {"type": "null"}]
    if len(branches) != 2 or len(kept) != 1:
        return schema
    merged = {**kept[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
    if "items" in schema and "items" in kept[0]:
        merged["items"] = {**kept[0]["items"], **schema["items"]}
    return merged


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
    # The request body: what the service accepts, as far as JSON Schema can say it. Exactly one
    # entry holds a Patient whose read elements have their FHIR R4 types; other entries hold a
    # resource of any other type (those the service reads are validated against FHIR R4 and may
    # still get a 422 that no schema here describes; see the README's bad-input table).
    genders = sorted(ADMINISTRATIVE_GENDER)
    fhir_id = {"type": "string", "pattern": r"^[A-Za-z0-9\-\.]{1,64}$"}
    fhir_date = {
        "anyOf": [
            {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            {"type": "string", "pattern": r"^[0-9]{3}[1-9](-(0[1-9]|1[0-2]))?$"},
        ]
    }
    components["PatientBundle"] = {
        "type": "object",
        "description": "A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding exactly one Patient.",
        "required": ["resourceType", "type", "entry"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": sorted(BUNDLE_TYPES)},
            "entry": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "fullUrl": {"description": "Read when it is a non-empty string; otherwise ignored."},
                        "resource": {
                            "type": ["object", "null"],
                            "description": "Any FHIR R4 resource; an entry without one is passed over.",
                            "required": ["resourceType"],
                            "properties": {"resourceType": {"type": "string"}},
                        },
                    },
                },
                "contains": {
                    "type": "object",
                    "required": ["resource"],
                    "properties": {
                        "resource": {
                            "type": "object",
                            "required": ["resourceType"],
                            "properties": {
                                "resourceType": {"type": "string", "enum": ["Patient"]},
                                "id": fhir_id,
                                "gender": {
                                    "type": "string",
                                    "pattern": FHIR_CODE,
                                    "description": f"A FHIR code; read when one of {', '.join(genders)}.",
                                },
                                "birthDate": fhir_date,
                                "deceasedBoolean": {"type": "boolean"},
                                "deceasedDateTime": fhir_date,
                            },
                            # deceased[x] is a choice: one of its forms at most.
                            "not": {"required": ["deceasedBoolean", "deceasedDateTime"]},
                        }
                    },
                },
                "minContains": 1,
                "maxContains": 1,
            },
        },
    }
    components.update(operation_schemas())  # the $match Parameters body (service/fhir_operation.py)
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
        "503": (
            "Request exceeded the time limit, or admission control refused it (too many requests or body "
            "bytes in flight); retry after the Retry-After header's seconds",
            [Issue("timeout", "request took too long; try again")],
        ),
    }
    bundle_invalid = BundleInvalid([Issue("required", "Bundle has no Patient resource", ("Bundle.entry",))]).issues
    patient = {"id": "p1", "age": 54, "ageRange": [54, 54], "sex": "male", "deceased": None}
    bilirubin = {
        "name": "total bilirubin",
        "value": 2.5,
        "unit": "mg/dL",
        "date": "2026-11-10",
        "reference": "Observation/o1",
    }
    missing = ["albumin within 30 days (for Child-Pugh score)", "inr within 30 days (for Child-Pugh score)"]
    # One trial, two criteria: the answer to the request example (a 54-year-old man with one
    # bilirubin) for NCT05227846, trimmed to its age and Child-Pugh criteria.
    success_examples: dict[str, dict[str, Any]] = {
        "health": {"status": "ok", "catalogVersion": "2026.11.22", "trials": 5},
        "matchPatient": {
            "asOf": "2026-11-22",
            "catalogVersion": "2026.11.22",
            "patient": patient,
            # All five scores, as the service answers for that patient (one bilirubin, nothing else).
            "scores": {
                name: {
                    "value": None,
                    "inputs": [bilirubin] if name in ("childPugh", "meld", "meldNa", "meld3") else [],
                    "missing": needs,
                    "detail": {},
                    "flags": [],
                }
                for name, needs in (
                    ("childPugh", ["albumin within 30 days", "inr within 30 days"]),
                    ("meld", ["creatinine within 30 days", "inr within 30 days"]),
                    ("meldNa", ["creatinine within 30 days", "inr within 30 days", "sodium within 30 days"]),
                    (
                        "meld3",
                        [
                            "creatinine within 30 days",
                            "inr within 30 days",
                            "sodium within 30 days",
                            "albumin within 30 days",
                        ],
                    ),
                    ("bmi", ["BMI within 180 days or weight within 180 days and height within 3650 days"]),
                )
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
    # API keys (when configured) go in 'Authorization: Bearer <key>'; an empty alternative keeps
    # the scheme optional, as it is when no keys are configured. Open paths need none.
    schema["components"]["securitySchemes"] = {
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (TRIALMATCH_API_KEY_HASHES), or for CDS Hooks the client's signed JWT.",
        }
    }
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values():
            if path not in OPEN_PATHS:
                operation["security"] = [{"apiKey": []}, {}]
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
                if parameter["name"] == "trial":
                    # The ids this service's catalogue holds: any other is a 400.
                    parameter["schema"]["items"]["enum"] = sorted(app.state.catalog.trials)
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
                media.get("schema") == BUNDLE_REF or BUNDLE_REF in media.get("schema", {}).get("oneOf", [])
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
                if code == "503":
                    responses[code]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: WorkPool | None = app.state.work_pool
        if pool is not None:
            # The server accepts connections once every worker has loaded the catalogue.
            await asyncio.gather(*(asyncio.wrap_future(ready) for ready in pool.start()))
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()

    app = FastAPI(
        lifespan=lifespan,
        # No redirects built from the request's Host header: /match/ is a 404, not a 307 elsewhere.
        redirect_slashes=False,
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
    # A JWKS that cannot be read stops start-up, like a broken catalogue.
    app.state.cds_verifier = None
    if settings.cds_jwks:
        # Imported here: PyJWT and cryptography add about 0.4 s to every worker's start otherwise.
        from service.cds_auth import CdsVerifier

        app.state.cds_verifier = CdsVerifier(settings)
    app.state.work_limiters = {}
    app.state.work_pool = (
        WorkPool(settings.work_processes, settings.criteria_dir, settings.copies_per_iu)
        if settings.work_processes
        else None
    )
    app.include_router(router)
    app.include_router(cds_router)
    app.include_router(fhir_router)
    app.include_router(catalogue_router)  # the catalogue as FHIR R5 (issue 14)
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
        # The headers the error carries (Allow on a 405, RFC 9110 section 15.5.6) go out with it.
        return outcome_response(error.status_code, [Issue(code, str(error.detail))], error.headers)

    # A budget smaller than one allowed body would refuse that body forever: it holds at least one.
    budget = max(settings.max_inflight_body_bytes, settings.max_body_bytes)
    admission = Admission(settings.max_inflight_requests, budget)
    app.state.admission = admission  # admission.refused counts the 503s by reason: the metric hook
    app.add_middleware(
        AdmissionMiddleware,
        admission=admission,
        refusal=lambda reason: refusal_response(reason, settings.retry_after_seconds),
        max_body_bytes=settings.max_body_bytes,
    )
    app.add_middleware(GuardMiddleware, settings=settings)
    # Outside the guard, so refused (401), timed-out (503) and failed (500) requests are counted.
    app.add_middleware(MetricsMiddleware, routes=app.router.routes)
    # Added last, so outermost: preflights are answered before the API-key check, and 401s carry CORS headers.
    if settings.cors_origins:
        app.add_middleware(
            OutcomeCORSMiddleware,
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
