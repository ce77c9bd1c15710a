"""HTTP routes that serve the catalogue as FHIR R5: ResearchStudy and ValueSet reads (service.catalogue_fhir)."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from service.catalogue_fhir import REGISTRY_SYSTEM, research_study, searchset, studies, value_set
from service.criteria import Catalog
from service.errors import BadParameter, NotAcceptable, NotFound
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


# The search parameters GET /ResearchStudy honours (FHIR search: comma-separated values are ORs).
# Any other parameter is refused: a filter is never silently ignored.
SEARCH_PARAMETERS = ("_id", "identifier")
# Accept values the FHIR routes can answer (they give JSON only).
_JSON_ACCEPTS = ("*/*", "application/*", "application/json", FHIR_JSON)


def _check_accept(request: Request) -> None:
    """Refuse an Accept header that admits no JSON (application/fhir+xml, say) with 406."""
    accept = request.headers.get("accept")
    if not accept:
        return
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if not any(kind in _JSON_ACCEPTS for kind in kinds):
        raise NotAcceptable("this server answers in application/fhir+json only (no XML or other formats)")


def _wanted_ids(request: Request, catalog: Catalog) -> list[str] | None:
    """Return the trial ids a ResearchStudy search asks for, or None for all; refuse unsupported parameters."""
    wanted: set[str] | None = None
    for name in request.query_params:
        if name not in SEARCH_PARAMETERS:
            shown = printable(name)
            raise BadParameter(
                f"search parameter '{shown}' is not supported here; supported: {', '.join(SEARCH_PARAMETERS)}", shown
            )
        ids: set[str] = set()
        for raw in request.query_params.getlist(name):
            for value in raw.split(","):
                # identifier is a token, [system|]code: the registry's NCT number in its system.
                system, bar, code = value.rpartition("|")
                if name == "identifier" and bar and system not in ("", REGISTRY_SYSTEM):
                    continue
                ids.add(code.strip())
        wanted = ids if wanted is None else wanted & ids
    if wanted is None:
        return None
    return sorted(trial_id for trial_id in wanted if trial_id in catalog.trials)


@router.get("/ResearchStudy", operation_id="listResearchStudies", response_class=Response, responses=_FHIR_BODY)
def list_research_studies(
    request: Request,
    study_id: Annotated[str | None, Query(alias="_id", description="Trial ids, comma-separated")] = None,
    identifier: Annotated[str | None, Query(description="[system|]NCT number, comma-separated")] = None,
) -> Response:
    """Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle."""
    _check_accept(request)
    catalog = _catalog(request)
    wanted = _wanted_ids(request, catalog)
    if wanted is None:
        return _cached(catalog, "ResearchStudy", lambda: searchset(studies(catalog)))
    # Not cached: the subsets a client can ask for grow as 2^trials. Only the trials asked for are
    # built, in id order as in the full list.
    body = searchset([research_study(catalog.trials[trial_id], catalog.version) for trial_id in wanted])
    return Response(orjson.dumps(body), media_type=FHIR_JSON)


@router.get("/ResearchStudy/{trialId}", operation_id="readResearchStudy", response_class=Response, responses=_FHIR_BODY)
def read_research_study(trial_id: Annotated[str, Path(alias="trialId")], request: Request) -> Response:
    """Read one trial as an R5 ResearchStudy with its eligibility criteria contained."""
    _check_accept(request)
    catalog = _catalog(request)
    trial = catalog.trials.get(trial_id)
    if trial is None:
        raise NotFound(f"no ResearchStudy '{printable(trial_id)}' in the catalogue")
    return _cached(catalog, f"ResearchStudy/{trial.id}", lambda: research_study(trial, catalog.version))


@router.get("/ValueSet/{valueSetId}", operation_id="readValueSet", response_class=Response, responses=_FHIR_BODY)
def read_value_set(value_set_id: Annotated[str, Path(alias="valueSetId")], request: Request) -> Response:
    """Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked against."""
    _check_accept(request)
    catalog = _catalog(request)
    matcher = catalog.valuesets.get(value_set_id)
    if matcher is None:
        raise NotFound(f"no ValueSet '{printable(value_set_id)}' in the catalogue")
    return _cached(catalog, f"ValueSet/{matcher.id}", lambda: value_set(matcher.valueset, catalog.version))
