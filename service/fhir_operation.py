"""The FHIR operation ``ResearchStudy/$match``: its Parameters input, its OperationDefinition and the
CapabilityStatement served at ``GET /metadata``.

Input (FHIR R4 operations, https://hl7.org/fhir/R4/operations.html): the body is either the
patient's Bundle itself, or a ``Parameters`` resource, the shape the CodeX trial-matching
guidance uses for ``$match``:

- ``resource`` (1..1): a Bundle holding the patient's record, or a Patient whose record is in
  ``Patient.contained``. Contained resources are unpacked into a collection Bundle; a reference
  ``#`` (the container) becomes ``Patient/<id>`` and ``#x`` becomes ``<type>/x`` of the contained
  resource with id ``x``.
- ``onlyCertainMatches`` (0..1, boolean): when true only trials whose every criterion is decided
  and met are returned: status eligible with no review item pending; possibly eligible trials,
  and eligible ones still waiting on a person's review, are not certain.
- ``count`` (0..1, positiveInt): at most this many trials, best first.

Any other parameter name, a repeated one or a wrong value type is a 422 OperationOutcome naming
``Parameters.parameter[i]``: a client that sends a filter the service would silently ignore
must learn it was not applied.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from service.criteria import Catalog
from service.errors import BundleInvalid, Issue
from service.intake import MODELS
from service.pipeline import MatchReport
from service.rank import Status
from service.settings import Settings

OPERATION_URL = "https://trialmatch.invalid/fhir/OperationDefinition/ResearchStudy-match"
FHIR_VERSION = "4.0.1"
MAX_COUNT = 1000
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # https://hl7.org/fhir/R4/datatypes.html#id
# When this statement's content last changed (CapabilityStatement.date is required).
STATEMENT_DATE = "2026-11-30"


@dataclass(frozen=True)
class OperationInput:
    """What a ``$match`` call asks for: the patient's Bundle and how to trim the answer."""

    bundle: object
    only_certain: bool = False
    count: int | None = None

    def trim(self, report: MatchReport) -> MatchReport:
        """Return the report with only certain matches and at most ``count`` trials, best first."""
        results = report.results
        if self.only_certain:
            # Certain: eligible with nothing left for a person to confirm (no review item pending).
            results = tuple(m for m in results if m.status is Status.ELIGIBLE and not m.to_review)
        if self.count is not None:
            results = results[: self.count]
        return dataclasses.replace(report, results=results)


def _invalid(message: str, where: str) -> BundleInvalid:
    return BundleInvalid([Issue("invalid", message, (where,))])


def _resolve(node: Any, names: dict[str, str]) -> Any:
    """Return a copy of a contained resource with its ``#id`` references made relative references."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "reference" and isinstance(value, str) and value.startswith("#"):
                out[key] = names.get(value[1:], value)
            else:
                out[key] = _resolve(value, names)
        return out
    if isinstance(node, list):
        return [_resolve(item, names) for item in node]
    return node


def unpack_patient(patient: dict[str, Any]) -> dict[str, Any]:
    """Return a collection Bundle of a Patient and the resources it contains."""
    contained = patient.get("contained", [])
    if not isinstance(contained, list):
        raise _invalid("Patient.contained must be an array", "Parameters.parameter.resource.contained")
    given = patient.get("id", "contained")
    if not isinstance(given, str) or not FHIR_ID.fullmatch(given):
        raise _invalid("Patient.id must be a FHIR id", "Parameters.parameter.resource.id")
    patient_id = given
    names = {"": f"Patient/{patient_id}"}
    for item in contained:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("resourceType"), str):
            names[item["id"]] = f"{item['resourceType']}/{item['id']}"
    head = {k: v for k, v in patient.items() if k != "contained"}
    entries = [{"fullUrl": f"Patient/{patient_id}", "resource": {**head, "id": patient_id}}]
    for index, item in enumerate(contained):
        if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
            raise _invalid("a contained resource must be an object with a resourceType", f"Patient.contained[{index}]")
        entry: dict[str, Any] = {"resource": _resolve(item, names)}
        if isinstance(item.get("id"), str) and isinstance(item.get("resourceType"), str):
            entry["fullUrl"] = f"{item['resourceType']}/{item['id']}"
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def read_operation(document: object) -> OperationInput:
    """Return the ``$match`` input of a body that is a Bundle or a Parameters resource."""
    if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
        return OperationInput(document)  # a Bundle, or something intake rejects with its own message
    parameters = document.get("parameter")
    if not isinstance(parameters, list):
        raise _invalid("Parameters.parameter must be an array holding 'resource'", "Parameters.parameter")
    seen: dict[str, Any] = {}
    for index, item in enumerate(parameters):
        where = f"Parameters.parameter[{index}]"
        name = item.get("name") if isinstance(item, dict) else None
        if name not in ("resource", "onlyCertainMatches", "count"):
            raise _invalid("expected a parameter named resource, onlyCertainMatches or count", where)
        if name in seen:
            raise _invalid(f"parameter '{name}' given more than once", where)
        assert isinstance(item, dict)
        # A parameter carries one value (FHIR R4 Parameters, inv-1): a value[x] or resource that is
        # not this name's is refused rather than ignored.
        own = {"resource": "resource", "onlyCertainMatches": "valueBoolean", "count": "valueInteger"}[name]
        stray = sorted(k for k in item if k not in ("name", own) and k != "valuePositiveInt")
        if stray or (name != "count" and "valuePositiveInt" in item):
            raise _invalid(f"parameter '{name}' takes only {own}, not {', '.join(stray) or 'valuePositiveInt'}", where)
        if name == "resource":
            value = item.get("resource")
            if not isinstance(value, dict) or value.get("resourceType") not in ("Bundle", "Patient"):
                raise _invalid("resource must hold a Bundle or a Patient with contained resources", where)
        elif name == "onlyCertainMatches":
            value = item.get("valueBoolean")
            if not isinstance(value, bool):
                raise _invalid("onlyCertainMatches takes valueBoolean", where)
        else:
            value = item.get("valueInteger", item.get("valuePositiveInt"))
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
                raise _invalid(f"count takes a valueInteger from 1 to {MAX_COUNT}", where)
        seen[name] = value
    if "resource" not in seen:
        raise _invalid("Parameters has no 'resource' parameter holding the patient's Bundle", "Parameters.parameter")
    resource = seen["resource"]
    bundle = unpack_patient(resource) if resource["resourceType"] == "Patient" else resource
    return OperationInput(bundle, bool(seen.get("onlyCertainMatches", False)), seen.get("count"))


def _parameter(name: str, use: str, low: int, high: str, kind: str, words: str) -> dict[str, Any]:
    return {"name": name, "use": use, "min": low, "max": high, "type": kind, "documentation": words}


@cache
def operation_definition() -> dict[str, Any]:
    """Return the OperationDefinition of ResearchStudy/$match as this service implements it."""
    return {
        "resourceType": "OperationDefinition",
        "id": "ResearchStudy-match",
        "url": OPERATION_URL,
        "name": "TrialmatchResearchStudyMatch",
        "title": "Match a patient against the trial catalogue",
        "status": "active",
        "kind": "operation",
        "affectsState": False,
        "code": "match",
        "resource": ["ResearchStudy"],
        "system": False,
        "type": True,
        "instance": False,
        "description": (
            "Evaluates one patient's record against every trial of the catalogue and returns a searchset "
            "Bundle of ResearchStudy resources, best first, with per-criterion verdicts as extensions. The "
            "body is the patient's Bundle, or Parameters with the parameters below; asOf and trial are "
            "query parameters."
        ),
        "parameter": [
            _parameter(
                "resource",
                "in",
                1,
                "1",
                "Resource",
                "A Bundle holding exactly one Patient and its record, or a Patient whose record is contained.",
            ),
            _parameter(
                "onlyCertainMatches",
                "in",
                0,
                "1",
                "boolean",
                "When true, only trials every criterion of which is decided and met: eligible, no review item pending.",
            ),
            _parameter("count", "in", 0, "1", "integer", f"At most this many trials, best first (1 to {MAX_COUNT})."),
            _parameter(
                "return",
                "out",
                1,
                "1",
                "Bundle",
                "A searchset Bundle of ResearchStudy resources with search.score and eligibility extensions.",
            ),
        ],
    }


BUNDLE_REF = {"$ref": "#/components/schemas/PatientBundle"}
PARAMETERS_REF = {"$ref": "#/components/schemas/MatchParameters"}


VALUE_OF = {
    "resource": ("resource",),
    "onlyCertainMatches": ("valueBoolean",),
    "count": ("valueInteger", "valuePositiveInt"),
}


def _misfit(name: str, own: tuple[str, ...]) -> dict[str, Any]:
    """Return a schema matching a parameter of this name without its value, or with another's."""
    others = [k for k in ("resource", "valueBoolean", "valueInteger", "valuePositiveInt") if k not in own]
    missing = {"not": {"anyOf": [{"required": [k]} for k in own]}}
    return {"properties": {"name": {"const": name}}, "anyOf": [missing, *({"required": [k]} for k in others)]}


def openapi_schemas() -> dict[str, dict[str, Any]]:
    """Return the OpenAPI component schemas of the ``$match`` Parameters body (read_operation's rules)."""
    names = ["resource", "onlyCertainMatches", "count"]
    return {
        "MatchParameters": {
            "type": "object",
            "description": (
                "A FHIR R4 Parameters resource (https://hl7.org/fhir/R4/parameters.html), the $match input "
                "the CodeX trial-matching guidance uses: 'resource' once (required), 'onlyCertainMatches' and "
                "'count' at most once each; any other name, a repeat or a wrong value type is a 422."
            ),
            "required": ["resourceType", "parameter"],
            "properties": {
                "resourceType": {"type": "string", "enum": ["Parameters"]},
                "parameter": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {"$ref": "#/components/schemas/MatchParameter"},
                },
            },
        },
        "MatchParameter": {
            "type": "object",
            "description": (
                "One $match parameter: 'resource' with resource (the patient's Bundle, or a Patient whose "
                "record is contained), 'onlyCertainMatches' with valueBoolean (only eligible trials with no "
                "review item pending), or "
                f"'count' with valueInteger (at most this many trials, 1 to {MAX_COUNT})."
            ),
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "enum": names},
                "resource": {"oneOf": [BUNDLE_REF, {"$ref": "#/components/schemas/ContainedPatient"}]},
                "valueBoolean": {"type": "boolean"},
                "valueInteger": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
                "valuePositiveInt": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
            },
            # One value per parameter, the one its name takes (read_operation refuses any other).
            "not": {"anyOf": [_misfit(name, own) for name, own in VALUE_OF.items()]},
        },
        "ContainedPatient": {
            "type": "object",
            "description": (
                "A FHIR R4 Patient whose record is in Patient.contained; '#' references the Patient, '#x' the "
                "contained resource with id x."
            ),
            "required": ["resourceType"],
            "properties": {
                "resourceType": {"type": "string", "enum": ["Patient"]},
                "id": {"type": "string", "pattern": r"^[A-Za-z0-9\-\.]{1,64}$"},
                "contained": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["resourceType"],
                        "properties": {"resourceType": {"type": "string"}},
                    },
                },
            },
        },
    }


# Resource types the service reads from a patient's record: the Patient and intake's MODELS.
READ_TYPES = ("Patient", *sorted(t for t in MODELS if t != "Patient"))

_CATALOGUE_NOTE = (
    "GET /ResearchStudy (search by _id or identifier) and GET /ResearchStudy/{id} serve the catalogue as "
    "FHIR R5 documents (eligibility as a contained R5 EvidenceVariable, which R4 cannot express); "
    "$match answers in R4."
)


def capability_statement(catalog: Catalog, base_url: str, settings: Settings, software_version: str) -> dict[str, Any]:
    """Return the CapabilityStatement of this server: the operation, the types it reads, formats, security."""
    keys = (
        "need an API key, sent as 'Authorization: Bearer <key>'"
        if settings.api_key_hashes
        else "need no API key in this deployment"
    )
    jwt = (
        "CDS Hooks calls carry the client's signed JWT (issuer allow list, audience, expiry, replay)"
        if settings.cds_jwks
        else "CDS Hooks calls are authenticated like the other routes"
    )
    security = f"Matching operations {keys}; {jwt}."
    read_only = [
        {"type": t, "documentation": "Read from the submitted Bundle; the server stores no resources."}
        for t in READ_TYPES
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "kind": "instance",
        "software": {"name": "trialmatch", "version": software_version},
        "implementation": {
            "description": f"trialmatch, catalogue {catalog.version} ({len(catalog.trials)} trials)",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "application/json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Stateless: every operation reads the resources sent with it.",
                "security": {"cors": bool(settings.cors_origins), "description": security},
                "resource": [
                    {
                        "type": "ResearchStudy",
                        "documentation": f"One per trial of the catalogue, returned by $match. {_CATALOGUE_NOTE}",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": "_id", "type": "token"},
                            {"name": "identifier", "type": "token"},
                        ],
                        "operation": [{"name": "match", "definition": OPERATION_URL}],
                    },
                    {
                        "type": "ValueSet",
                        "documentation": "GET /ValueSet/{id}: the catalogue's value sets as FHIR R5 documents.",
                        "interaction": [{"code": "read"}],
                    },
                    *read_only,
                ],
            }
        ],
    }
