"""The catalogue as FHIR R5: each trial a ResearchStudy with its eligibility, each value set a ValueSet.

Eligibility is written in the style of the HL7 Evidence-Based Medicine IG's study eligibility
criteria (http://hl7.org/fhir/uv/ebm/StructureDefinition/study-eligibility-criteria): one
characteristic per registry line, ``exclude`` true for an exclusion, the registry's words as its
description. It is an R5 EvidenceVariable, not an R5 Group: R5 Group.characteristic has only a
code, a value, exclude and a period, so it cannot carry the words, an expression or a
combination of parts (those arrive in the R6 Group the IG now profiles), while R5
EvidenceVariable.characteristic has ``description``, ``definitionExpression`` and
``definitionByCombination``; R5 ResearchStudy.recruitment.eligibility references either. The
EvidenceVariable is contained in its ResearchStudy, so one read gives the whole trial. A
computed criterion carries its logic in readable form (an Expression), a review item says
whether a person judges or the data is not in FHIR records, and a line of several parts is a
combination of them (all-of for an inclusion, any-of for an exclusion). Resources are built as
JSON and validated with fhir.resources, whose top-level package is R5.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.researchstudy import ResearchStudy
from fhir.resources.valueset import ValueSet as FhirValueSet

from service.criteria import Catalog, Criterion, Node, Part, Trial, walk_logic
from service.schemas import readable
from service.terminology import ValueSet

# The identifier system of ClinicalTrials.gov NCT numbers.
REGISTRY_SYSTEM = "https://clinicaltrials.gov"
BASE = "https://trialmatch.example/fhir"
LOGIC_LANGUAGE = "text/x-trialmatch-logic"
SOURCE_EXTENSION = f"{BASE}/StructureDefinition/source"
REVIEW_SYSTEM = f"{BASE}/CodeSystem/review-kind"
NAME_SYSTEM = f"{BASE}/CodeSystem/ingredient-name"
SPONSOR_ROLE = {"system": "http://hl7.org/fhir/research-study-party-role", "code": "sponsor"}
REVIEW_DISPLAY = {"judgement": "needs a person's judgement", "not_computable": "not computable from FHIR data"}
# ICD categories and ATC classes match by prefix: an is-a filter on the code names them.
PREFIX_FILTER_OP = "is-a"


def _valuesets_read(node: Node) -> list[str]:
    """Return the value sets a logic tree reads, in order, once each."""
    found: list[str] = []
    for _, item in walk_logic(node):
        for value in item.model_dump(exclude_none=True).values():
            if not isinstance(value, dict):
                continue
            # An event count names a value set per kind of event it counts.
            for key in ("valueset", "admissions", "medications", "procedures"):
                name = value.get(key)
                if isinstance(name, str) and name not in found:
                    found.append(name)
    return found


def _definition(item: Criterion | Part) -> dict[str, Any]:
    """Return how a leaf criterion is decided: its logic as an expression, or what a person decides."""
    if item.logic is not None:
        expression: dict[str, Any] = {"language": LOGIC_LANGUAGE, "expression": readable(item.logic)}
        sets = _valuesets_read(item.logic)
        if sets:
            expression["description"] = "Reads " + ", ".join(f"ValueSet/{name}" for name in sets)
        return {"definitionExpression": expression}
    kind = item.review_kind or "judgement"
    return {
        "definitionCodeableConcept": {
            "coding": [{"system": REVIEW_SYSTEM, "code": kind, "display": REVIEW_DISPLAY[kind]}],
            "text": item.review or "",
        }
    }


def _characteristic(item: Criterion | Part, exclusion: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": item.id, "description": item.text, "exclude": exclusion}
    parts = getattr(item, "parts", ())
    if parts:
        # An inclusion line holds when all its parts hold; an exclusion line excludes when any does.
        members = [{"linkId": p.id, "description": p.text, **_definition(p)} for p in parts]
        out["definitionByCombination"] = {"code": "any-of" if exclusion else "all-of", "characteristic": members}
    else:
        out.update(_definition(item))
    if item.interpretation:
        out["note"] = [{"text": item.interpretation}]
    return out


def eligibility(trial: Trial, version: str) -> dict[str, Any]:
    """Return a trial's eligibility criteria as an R5 EvidenceVariable (one characteristic per registry line)."""
    return {
        "resourceType": "EvidenceVariable",
        "id": "eligibility",
        "version": version,
        "name": f"{trial.id}_eligibility",
        "title": f"Eligibility criteria of {trial.id}",
        "status": "active",
        "actual": False,
        "description": "Every inclusion characteristic holds and no exclusion characteristic does.",
        "characteristic": [_characteristic(c, c.type == "exclusion") for c in trial.criteria],
    }


def research_study(trial: Trial, version: str) -> dict[str, Any]:
    """Return a trial as an R5 ResearchStudy with its eligibility contained."""
    study: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": trial.id,
        "url": f"{BASE}/ResearchStudy/{trial.id}",
        "identifier": [{"system": REGISTRY_SYSTEM, "value": trial.id}],
        "version": version,
        "title": trial.title,
        "status": "active",
        "phase": {"text": trial.phase},
        "relatedArtifact": [{"type": "documentation", "label": "registry record", "document": {"url": trial.url}}],
        "associatedParty": [{"name": trial.sponsor, "role": {"coding": [SPONSOR_ROLE]}}],
        "contained": [eligibility(trial, version)],
        "recruitment": {"eligibility": {"reference": "#eligibility"}},
    }
    ResearchStudy.model_validate(study)
    return study


def _source(source: str) -> list[dict[str, str]]:
    return [{"url": SOURCE_EXTENSION, "valueString": source}]


def _include(entries: Any, kind: str) -> dict[str, list[dict[str, Any]]]:
    by_system: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        source = _source(entry.source)
        if kind == "code":
            concept = {"code": entry.code, "extension": source}
            if entry.display:
                concept["display"] = entry.display
            by_system.setdefault(entry.system, []).append(concept)
        else:
            by_system.setdefault(entry.system, []).append(
                {"property": "concept", "op": PREFIX_FILTER_OP, "value": entry.prefix, "extension": source}
            )
    return by_system


def value_set(valueset: ValueSet, version: str) -> dict[str, Any]:
    """Return a value set as an R5 ValueSet: codes with their sources, ICD/ATC prefixes as is-a filters."""
    include: list[dict[str, Any]] = []
    for system, concepts in _include(valueset.codes, "code").items():
        include.append({"system": system, "concept": concepts})
    for system, filters in _include(valueset.prefixes, "prefix").items():
        include.extend({"system": system, "filter": [f]} for f in filters)
    exclude = [
        {"system": system, "filter": [f]}
        for system, filters in _include(valueset.exclude_prefixes, "prefix").items()
        for f in filters
    ]
    if valueset.names:
        # Ingredient and product names the engine matches in a record's text, as a local code system.
        concepts = [{"code": n.name, "extension": _source(n.source)} for n in valueset.names]
        include.append({"system": NAME_SYSTEM, "concept": concepts})
    resource: dict[str, Any] = {
        "resourceType": "ValueSet",
        "id": valueset.id,
        "url": f"{BASE}/ValueSet/{valueset.id}",
        "version": version,
        "name": valueset.id.replace("-", "_"),
        "title": valueset.title,
        "status": "active",
        "description": valueset.description or valueset.title,
        "compose": {"include": include},
    }
    if exclude:
        resource["compose"]["exclude"] = exclude
    FhirValueSet.model_validate(resource)
    return resource


def studies(catalog: Catalog) -> list[dict[str, Any]]:
    """Return every trial of the catalogue as a ResearchStudy, in id order."""
    return [research_study(catalog.trials[tid], catalog.version) for tid in sorted(catalog.trials)]


def value_sets(catalog: Catalog) -> list[dict[str, Any]]:
    """Return every value set of the catalogue as a ValueSet, in id order."""
    return [value_set(catalog.valuesets[vid].valueset, catalog.version) for vid in sorted(catalog.valuesets)]


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """Return resources as a FHIR searchset Bundle."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
