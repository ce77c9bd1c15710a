"""Routes: read the body, call the core, shape the answer. No clinical logic lives here."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from service.answer import VIEWS, View, match_bytes
from service.criteria import Catalog
from service.errors import BadParameter, NotFound, NotJson, PayloadTooLarge, UnsupportedMediaType
from service.facts import printable
from service.fhir_answer import prefers_fhir, searchset
from service.fhir_decode import Reparse, decode_bundle
from service.fhir_operation import BUNDLE_REF, PARAMETERS_REF, read_operation
from service.intake import BUILT_TYPES, Stop, never
from service.metrics import timed_match
from service.pipeline import MatchReport, match, read_facts
from service.schemas import (
    FactsResponse,
    Health,
    MatchResponse,
    MatchSummaryResponse,
    TrialDetail,
    TrialList,
    facts_out,
    trial_detail,
    trial_summary,
)
from service.settings import Settings
from service.workers import WorkPool

router = APIRouter()
T = TypeVar("T")

FHIR_JSON = "application/fhir+json"
ACCEPTED_TYPES = (FHIR_JSON, "application/json")
UTF8_BOM = b"\xef\xbb\xbf"

EXAMPLE_BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "fullUrl": "urn:uuid:p1",
            "resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1972-03-15"},
        },
        {
            "fullUrl": "urn:uuid:o1",
            "resource": {
                "resourceType": "Observation",
                "id": "o1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
                "subject": {"reference": "urn:uuid:p1"},
                "effectiveDateTime": "2026-11-10",
                "valueQuantity": {
                    "value": 2.5,
                    "unit": "mg/dL",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg/dL",
                },
            },
        },
    ],
}

EXAMPLE_PARAMETERS: dict[str, Any] = {
    "resourceType": "Parameters",
    "parameter": [
        {"name": "resource", "resource": EXAMPLE_BUNDLE},
        {"name": "onlyCertainMatches", "valueBoolean": True},
        {"name": "count", "valueInteger": 5},
    ],
}

BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle (any type) holding exactly one Patient.",
        "content": {media: {"schema": BUNDLE_REF, "example": EXAMPLE_BUNDLE} for media in ACCEPTED_TYPES},
    }
}


async def get_catalog(request: Request) -> Catalog:
    """Return the catalogue loaded at start-up."""
    catalog: Catalog = request.app.state.catalog
    return catalog


async def get_settings(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# The documented range of asOf: wide enough for any real record, far from the calendar's ends, so
# every look-back and age computed from it stays a real date.
AS_OF_MIN = dt.date(1900, 1, 1)
AS_OF_MAX = dt.date(2200, 12, 31)
AS_OF_PATTERN = r"^(19\d\d|2[01]\d\d|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
AsOf = Annotated[
    str | None,
    Query(
        alias="asOf",
        description=(
            f"Date every time rule is relative to (YYYY-MM-DD, {AS_OF_MIN} to {AS_OF_MAX}); default today in UTC."
        ),
        examples=["2026-11-22"],
        json_schema_extra={"format": "date", "pattern": AS_OF_PATTERN},
    ),
]
TRIAL_PATTERN = r"^NCT\d{8}$"


def parse_as_of(value: str | None) -> dt.date:
    """Return the as-of date: the caller's, or today in UTC (the only clock read)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    wrong = f"asOf must be a date (YYYY-MM-DD) from {AS_OF_MIN} to {AS_OF_MAX}"
    if len(value) != 10:
        raise BadParameter(wrong, "asOf")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(wrong, "asOf") from None
    if not AS_OF_MIN <= day <= AS_OF_MAX or not value.isascii():
        raise BadParameter(wrong, "asOf")
    return day


async def receive_body(request: Request, settings: Settings) -> bytearray:
    """Return the raw body, enforcing content type and size limit (parsing is left to a worker thread)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            f"content type '{printable(content_type, 60) or 'none'}' is not supported; send application/fhir+json"
        )
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
    return body


def _unmarked(body: bytearray) -> None:
    """Drop a leading BOM from a body; raise NotJson if nothing is left."""
    if body.startswith(UTF8_BOM):
        del body[: len(UTF8_BOM)]  # RFC 8259 section 8.1 lets a parser ignore a BOM
    if not body or body.isspace():  # isspace stops at the first other byte; strip() would copy
        raise NotJson("request body is empty; send a FHIR Bundle")


def _loads(body: bytearray) -> object:
    try:
        return orjson.loads(body)  # parsed from the buffer itself: no second copy of the body
    except orjson.JSONDecodeError as error:
        raise NotJson(f"request body is not valid UTF-8 JSON: {_json_error(error)}") from None


def parse_body(body: bytearray) -> object:
    """Return the parsed JSON of a body: UTF-8 JSON, a leading BOM ignored."""
    _unmarked(body)
    return _loads(body)


def with_bundle(body: bytearray, read: Callable[[object], T], max_entries: int | None = None) -> T:
    """Return ``read`` of a Bundle body decoded straight from its bytes, or of the whole parsed body.

    service.fhir_decode.decode_bundle builds only the resources intake reads; a body it does not
    take as-is (a Parameters resource, JSON it refuses), or one whose read resource orjson refuses
    when intake parses it (Reparse), is parsed whole with orjson and read again, so its answer or
    refusal is that of the parsed body. A Bundle of more than ``max_entries`` entries is parsed whole
    too, so intake refuses it at once rather than after building every entry.
    """
    _unmarked(body)
    document = decode_bundle(body, BUILT_TYPES, max_entries)
    if document is not None:
        try:
            return read(document)
        except Reparse:
            pass
    return read(_loads(body))


async def read_body(request: Request, settings: Settings) -> object:
    """Return the parsed JSON body, enforcing content type, size limit and UTF-8."""
    return parse_body(await receive_body(request, settings))


def _json_error(error: orjson.JSONDecodeError) -> str:
    # The message names the problem and the position only, never the offending text.
    return f"{error.msg} at line {error.lineno} column {error.colno}"


async def off_loop(request: Request, work: Callable[..., Response], body: bytearray, *args: object) -> Response:
    """Run ``work(body, catalog, *args, stop)`` (parse, match, serialise) off the event loop.

    In the app's worker processes (service.workers) when it has them, else in worker threads, at
    most max_parallel_work at once. ``stop`` is the request's cancellation token: when the
    request's time limit passes, the work is abandoned and the token set, so it stops at its next
    entry or trial.
    """
    token: threading.Event | None = getattr(request.state, "stop", None)
    pool: WorkPool | None = request.app.state.work_pool
    if pool is not None:
        return await pool.run(work, body, args, token)
    settings: Settings = request.app.state.settings
    limiters: dict[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = request.app.state.work_limiters
    loop = asyncio.get_running_loop()
    if loop not in limiters:
        limiters.clear()  # one loop serves the app; a test client may start another
        limiters[loop] = anyio.CapacityLimiter(settings.max_parallel_work)
    stop: Stop = token.is_set if token is not None else never
    catalog: Catalog = request.app.state.catalog
    return await anyio.to_thread.run_sync(
        functools.partial(work, body, catalog, *args, stop), limiter=limiters[loop], abandon_on_cancel=True
    )


@router.get("/health", operation_id="health", response_model=Health, tags=["service"])
async def health(catalog: CatalogDep) -> Health:
    """Report that the service is up, with the catalogue version and number of trials."""
    return Health(status="ok", catalog_version=catalog.version, trials=len(catalog.trials))


@router.head(
    "/health",
    operation_id="healthHead",
    tags=["service"],
    response_class=Response,
    responses={200: {"description": "The service is up (the headers of GET /health, no body)"}},
)
async def health_head() -> Response:
    """Answer 200 with no body when the service is up (a probe that only needs the status)."""
    return Response(media_type="application/json")


@router.get(
    "/trials", operation_id="listTrials", response_model=TrialList, response_model_by_alias=True, tags=["trials"]
)
def list_trials(catalog: CatalogDep) -> TrialList:
    """List every trial in the catalogue with its criteria counts."""
    return TrialList(catalog_version=catalog.version, trials=[trial_summary(t) for t in catalog.trials.values()])


@router.get(
    "/trials/{trialId}",
    operation_id="getTrial",
    response_model=TrialDetail,
    tags=["trials"],
    responses={404: {"model": None, "description": "No such trial"}},
)
def get_trial(
    trial_id: Annotated[
        str,
        Path(alias="trialId", description="A trial id of the catalogue", json_schema_extra={"pattern": TRIAL_PATTERN}),
    ],
    catalog: CatalogDep,
) -> TrialDetail:
    """Show one trial's criteria in the registry's words with their logic in readable form."""
    trial = catalog.trials.get(trial_id)
    if trial is None:
        raise NotFound(f"no trial '{printable(trial_id)}' in the catalogue")
    return trial_detail(trial, catalog.version)


def _fhir(report: MatchReport) -> Response:
    """Return a match report as a FHIR searchset Bundle."""
    return Response(orjson.dumps(searchset(report)), media_type=FHIR_JSON)


def _json(model: BaseModel) -> Response:
    """Serialise a response model once (FastAPI would validate it again; the spec still names the model)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def _facts_answer(body: bytearray, catalog: Catalog, day: dt.date, max_entries: int, stop: Stop) -> Response:
    """Parse a body, read its facts and serialise them (runs in a worker thread)."""
    facts = with_bundle(body, lambda document: read_facts(document, catalog, day, max_entries, stop), max_entries)
    return _json(facts_out(facts, day, catalog.version))


@router.post(
    "/facts", operation_id="readFacts", response_model=FactsResponse, tags=["matching"], openapi_extra=BUNDLE_BODY
)
async def post_facts(request: Request, catalog: CatalogDep, settings: SettingsDep, as_of: AsOf = None) -> Response:
    """Show what the service read from a Bundle: labs in canonical units, records, scores, warnings."""
    day = parse_as_of(as_of)
    body = await receive_body(request, settings)
    return await off_loop(request, _facts_answer, body, day, settings.max_entries)


def _fhir_searchset_200(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/FhirBundle"}}},
        }
    }


TrialFilter = Annotated[
    list[str] | None,
    Query(
        description="Restrict to these trial ids (repeatable; ClinicalTrials.gov NCT numbers of the catalogue).",
        json_schema_extra={"items": {"type": "string", "pattern": TRIAL_PATTERN}},
    ),
]


ViewParam = Annotated[
    View,
    Query(
        description=(
            "`full` (default): every criterion's verdict with reasons and evidence, scores and what to order "
            "next (MatchResponse). `summary`: per trial its status, score, failed and unknown criterion ids with "
            "reasons, exclusion reasons and missing data (MatchSummaryResponse), for callers of many trials. "
            "The FHIR answer (Accept: application/fhir+json) is always full."
        ),
        json_schema_extra={"enum": list(VIEWS)},
    ),
]


def _match_answer(
    body: bytearray,
    catalog: Catalog,
    day: dt.date,
    chosen: list[str],
    max_entries: int,
    fhir: bool,
    view: View,
    stop: Stop,
) -> Response:
    """Parse a body, match it and serialise the answer to bytes (runs in a worker process or thread)."""
    if fhir:  # the FHIR answer also takes a $match Parameters body (service/fhir_operation.py)

        def fhir_answer(document: object) -> Response:
            asked = read_operation(document)
            return _fhir(asked.trim(match(asked.bundle, catalog, day, chosen, max_entries, stop)))

        return with_bundle(body, fhir_answer, max_entries)
    report = with_bundle(body, lambda document: match(document, catalog, day, chosen, max_entries, stop), max_entries)
    return Response(match_bytes(report, view), media_type="application/json")


async def _match_response(
    request: Request,
    catalog: Catalog,
    settings: Settings,
    as_of: str | None,
    trial: list[str] | None,
    fhir: bool,
    view: View = "full",
) -> Response:
    day = parse_as_of(as_of)
    chosen = list(dict.fromkeys(trial or ()))
    unknown = [t for t in chosen if t not in catalog.trials]
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        shown = ", ".join(printable(u) for u in unknown[:5]) + more
        raise BadParameter(f"unknown trial id(s): {shown}", "trial")
    body = await receive_body(request, settings)
    with timed_match():
        return await off_loop(request, _match_answer, body, day, chosen, settings.max_entries, fhir, view)


@router.post(
    "/match",
    operation_id="matchPatient",
    response_model=MatchResponse | MatchSummaryResponse,
    tags=["matching"],
    openapi_extra=BUNDLE_BODY,
    responses=_fhir_searchset_200(
        "The JSON answer (application/json), or with `Accept: application/fhir+json` a FHIR searchset "
        "Bundle of ResearchStudy resources, best first, with status, score and per-criterion verdicts "
        "as extensions (see service/fhir_answer.py)."
    ),
)
async def post_match(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    trial: TrialFilter = None,
    view: ViewParam = "full",
) -> Response:
    """Match one patient's Bundle against every trial and return them ranked with reasons."""
    fhir = prefers_fhir(request.headers.get("accept"))
    return await _match_response(request, catalog, settings, as_of, trial, fhir, view)


@router.post(
    "/ResearchStudy/$match",
    operation_id="matchPatientFhir",
    tags=["matching"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A FHIR R4 Bundle holding exactly one Patient (PatientBundle); or a FHIR Parameters "
            "resource (MatchParameters) with 'resource' (that Bundle, or a Patient with its record contained), "
            "'onlyCertainMatches' (valueBoolean) and 'count' (valueInteger), as GET "
            "/OperationDefinition/ResearchStudy-match defines.",
            "content": {
                media: {
                    "schema": {"oneOf": [BUNDLE_REF, PARAMETERS_REF]},
                    "examples": {
                        "bundle": {"summary": "The patient's Bundle", "value": EXAMPLE_BUNDLE},
                        "parameters": {
                            "summary": "Parameters: the Bundle, certain matches only",
                            "value": EXAMPLE_PARAMETERS,
                        },
                    },
                }
                for media in ACCEPTED_TYPES
            },
        }
    },
    response_class=Response,
    responses=_fhir_searchset_200(
        "A FHIR searchset Bundle of ResearchStudy resources, best first (same as POST /match "
        "with Accept: application/fhir+json)."
    ),
)
async def post_match_fhir(
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    as_of: AsOf = None,
    trial: TrialFilter = None,
) -> Response:
    """Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources."""
    return await _match_response(request, catalog, settings, as_of, trial, fhir=True)
