"""HTTP routes that serve the catalogue as FHIR R5: ResearchStudy and ValueSet reads (service.catalogue_fhir)."""

from __future__ import annotations

import threading
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.catalogue_fhir import research_study, searchset, studies, value_set
from service.criteria import Catalog
from service.errors import NotFound
from service.facts import printable

FHIR_JSON = "application/fhir+json"
router = APIRouter(tags=["catalogue"])
_FHIR_BODY: dict[int | str, dict[str, Any]] = {
    200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}, "description": "A FHIR R5 resource"}
}
# Rendered documents per catalogue version (content-derived, so a changed catalogue never meets a stale one).
_rendered: dict[tuple[str, str], bytes] = {}
_lock = threading.Lock()


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _cached(catalog: Catalog, key: str, build: Any) -> Response:
    with _lock:
        body = _rendered.get((catalog.version, key))
    if body is None:
        body = orjson.dumps(build())
        with _lock:
            _rendered[(catalog.version, key)] = body
    return Response(body, media_type=FHIR_JSON)


@router.get("/ResearchStudy", operation_id="listResearchStudies", response_class=Response, responses=_FHIR_BODY)
def list_research_studies(request: Request) -> Response:
    """List every trial of the catalogue as an R5 ResearchStudy with its eligibility, in a searchset Bundle."""
    catalog = _catalog(request)
    return _cached(catalog, "ResearchStudy", lambda: searchset(studies(catalog)))


@router.get(
    "/ResearchStudy/{trial_id}", operation_id="readResearchStudy", response_class=Response, responses=_FHIR_BODY
)
def read_research_study(trial_id: str, request: Request) -> Response:
    """Read one trial as an R5 ResearchStudy with its eligibility criteria contained."""
    catalog = _catalog(request)
    trial = catalog.trials.get(trial_id)
    if trial is None:
        raise NotFound(f"no ResearchStudy '{printable(trial_id)}' in the catalogue")
    return _cached(catalog, f"ResearchStudy/{trial.id}", lambda: research_study(trial, catalog.version))


@router.get("/ValueSet/{valueset_id}", operation_id="readValueSet", response_class=Response, responses=_FHIR_BODY)
def read_value_set(valueset_id: str, request: Request) -> Response:
    """Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked against."""
    catalog = _catalog(request)
    matcher = catalog.valuesets.get(valueset_id)
    if matcher is None:
        raise NotFound(f"no ValueSet '{printable(valueset_id)}' in the catalogue")
    return _cached(catalog, f"ValueSet/{matcher.id}", lambda: value_set(matcher.valueset, catalog.version))
