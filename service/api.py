"""Routes: read the body, call the core, shape the answer. No clinical logic lives here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.criteria import Catalog
from service.errors import BadParameter, NotFound, NotJson, PayloadTooLarge, UnsupportedMediaType
from service.fhir_answer import prefers_fhir, searchset
from service.metrics import timed_match
from service.pipeline import MatchReport, match, read_facts
from service.schemas import (
    FactsResponse,
    Health,
    MatchResponse,
    TrialDetail,
    TrialList,
    facts_out,
    match_out,
    trial_detail,
    trial_summary,
)
from service.settings import Settings

router = APIRouter()

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

BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle (any type) holding exactly one Patient.",
        "content": {
            media: {"schema": {"$ref": "#/components/schemas/FhirBundle"}, "example": EXAMPLE_BUNDLE}
            for media in ACCEPTED_TYPES
        },
    }
}


def get_catalog(request: Request) -> Catalog:
    """Return the catalogue loaded at start-up."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AsOf = Annotated[
    str | None,
    Query(
        alias="asOf",
        description="Date every time rule is relative to (YYYY-MM-DD); default today in UTC.",
        examples=["2026-11-22"],
        pattern=r"^\d{4}-\d{2}-\d{2}$",
    ),
]


def parse_as_of(value: str | None) -> dt.date:
    """Return the as-of date: the caller's, or today in UTC (the only clock read)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"asOf '{value[:20]}' is not a valid date (YYYY-MM-DD)", "asOf") from None


async def read_body(request: Request, settings: Settings) -> object:
    """Return the parsed JSON body, enforcing content type, size limit and UTF-8."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            f"content type '{content_type[:60] or 'none'}' is not supported; send application/fhir+json"
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
    if body.startswith(UTF8_BOM):
        del body[: len(UTF8_BOM)]  # RFC 8259 section 8.1 lets a parser ignore a BOM
    if not body or body.isspace():  # isspace stops at the first other byte; strip() would copy
        raise NotJson("request body is empty; send a FHIR Bundle")
    try:
        return orjson.loads(body)  # parsed from the buffer itself: no second copy of the body
    except orjson.JSONDecodeError as error:
        raise NotJson(f"request body is not valid UTF-8 JSON: {_json_error(error)}") from None


def _json_error(error: orjson.JSONDecodeError) -> str:
    # The message names the problem and the position only, never the offending text.
    return f"{error.msg} at line {error.lineno} column {error.colno}"


@router.get("/health", operation_id="health", response_model=Health, tags=["service"])
def health(catalog: CatalogDep) -> Health:
    """Report that the service is up, with the catalogue version and number of trials."""
    return Health(status="ok", catalog_version=catalog.version, trials=len(catalog.trials))


@router.get(
    "/trials", operation_id="listTrials", response_model=TrialList, response_model_by_alias=True, tags=["trials"]
)
def list_trials(catalog: CatalogDep) -> TrialList:
    """List every trial in the catalogue with its criteria counts."""
    return TrialList(catalog_version=catalog.version, trials=[trial_summary(t) for t in catalog.trials.values()])


@router.get(
    "/trials/{trial_id}",
    operation_id="getTrial",
    response_model=TrialDetail,
    tags=["trials"],
    responses={404: {"model": None, "description": "No such trial"}},
)
def get_trial(trial_id: str, catalog: CatalogDep) -> TrialDetail:
    """Show one trial's criteria in the registry's words with their logic in readable form."""
    trial = catalog.trials.get(trial_id)
    if trial is None:
        raise NotFound(f"no trial '{trial_id[:40]}' in the catalogue")
    return trial_detail(trial, catalog.version)


def _fhir(report: MatchReport) -> Response:
    """Return a match report as a FHIR searchset Bundle."""
    return Response(orjson.dumps(searchset(report)), media_type=FHIR_JSON)


def _json(model: BaseModel) -> Response:
    """Serialise a response model once (FastAPI would validate it again; the spec still names the model)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


@router.post(
    "/facts", operation_id="readFacts", response_model=FactsResponse, tags=["matching"], openapi_extra=BUNDLE_BODY
)
async def post_facts(request: Request, catalog: CatalogDep, settings: SettingsDep, as_of: AsOf = None) -> Response:
    """Show what the service read from a Bundle: labs in canonical units, records, scores, warnings."""
    day = parse_as_of(as_of)
    document = await read_body(request, settings)
    # The work runs in a worker thread so the event loop stays free (health checks, time limit).
    facts = await run_in_threadpool(read_facts, document, catalog, day, settings.max_entries)
    return _json(facts_out(facts, day, catalog.version))


def _fhir_searchset_200(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/FhirBundle"}}},
        }
    }


TrialFilter = Annotated[list[str] | None, Query(description="Restrict to these trial ids (repeatable).")]


async def _match_report(
    request: Request, catalog: Catalog, settings: Settings, as_of: str | None, trial: list[str] | None
) -> MatchReport:
    day = parse_as_of(as_of)
    chosen = list(dict.fromkeys(trial or ()))
    unknown = [t for t in chosen if t not in catalog.trials]
    if unknown:
        raise BadParameter(f"unknown trial id(s): {', '.join(u[:40] for u in unknown[:5])}", "trial")
    document = await read_body(request, settings)
    with timed_match():
        return await run_in_threadpool(match, document, catalog, day, chosen, settings.max_entries)


@router.post(
    "/match",
    operation_id="matchPatient",
    response_model=MatchResponse,
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
) -> Response:
    """Match one patient's Bundle against every trial and return them ranked with reasons."""
    report = await _match_report(request, catalog, settings, as_of, trial)
    if prefers_fhir(request.headers.get("accept")):
        return _fhir(report)
    return _json(match_out(report))


@router.post(
    "/ResearchStudy/$match",
    operation_id="matchPatientFhir",
    tags=["matching"],
    openapi_extra=BUNDLE_BODY,
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
    return _fhir(await _match_report(request, catalog, settings, as_of, trial))
