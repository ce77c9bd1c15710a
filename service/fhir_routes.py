"""FHIR routes beside the ``$match`` operation: the CapabilityStatement and the OperationDefinition."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from service.api import CatalogDep, SettingsDep
from service.fhir_answer import FHIR_JSON
from service.fhir_operation import capability_statement, operation_definition

router = APIRouter()


@router.get(
    "/metadata",
    operation_id="capabilityStatement",
    tags=["fhir"],
    response_class=Response,
    responses={200: {"description": "The CapabilityStatement", "content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
def metadata(request: Request, catalog: CatalogDep, settings: SettingsDep) -> Response:
    """Return the FHIR CapabilityStatement: the $match operation, the types read, formats and security."""
    base = settings.public_url or str(request.base_url).rstrip("/")
    version = request.app.version
    return Response(orjson.dumps(capability_statement(catalog, base, settings, version)), media_type=FHIR_JSON)


@router.get(
    "/OperationDefinition/ResearchStudy-match",
    operation_id="matchOperationDefinition",
    tags=["fhir"],
    response_class=Response,
    responses={200: {"description": "The OperationDefinition", "content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
def match_definition() -> Response:
    """Return the OperationDefinition of ResearchStudy/$match, with its Parameters input."""
    return Response(orjson.dumps(operation_definition()), media_type=FHIR_JSON)
