"""The FHIR-native answer of POST /match: a ``searchset`` Bundle of ResearchStudy resources.

One entry per trial, in rank order, with ``search.mode = match`` and ``search.score`` = the
trial's score (the share of decidable criteria that pass, as in the JSON answer). The score is
not a sort key across statuses (an ineligible trial can score higher than a possibly eligible
one): clients keep the entry order or sort by the ``eligibility-rank`` extension. Intake
warnings follow as one OperationOutcome entry with ``search.mode = outcome``.

Extensions live under ``https://trialmatch.invalid/fhir/StructureDefinition/``. The ``.invalid``
top-level domain is reserved (RFC 2606), so nobody mistakes these URLs for resolvable,
published profiles; they are names defined here:

- ``eligibility-status`` (ResearchStudy, valueCode): eligible | possibly_eligible | ineligible.
- ``eligibility-score`` (ResearchStudy, valueDecimal): the same number as ``search.score``.
- ``eligibility-rank`` (ResearchStudy, valuePositiveInt): 1 for the best match.
- ``criterion-verdict`` (ResearchStudy, complex, one per criterion and sub-criterion, in the
  catalogue's order) with sub-extensions ``id`` (valueString), ``parentId`` (valueString, only on
  sub-criteria), ``type`` (valueCode inclusion | exclusion), ``text`` (valueString, the
  registry's words), ``outcome`` (valueCode pass | fail | unknown | review), ``reason``
  (valueString), ``evidence`` (valueReference, repeating: the patient's resources the verdict
  rests on, as referenced in the submitted Bundle), ``missing`` (valueString, repeating: data
  that would decide an unknown) and ``interpretation`` (valueString, optional).
- ``match-as-of`` (Bundle.meta, valueDate) and ``catalog-version`` (Bundle.meta, valueString):
  Bundle is not a DomainResource and has no ``extension`` of its own, so they sit on its meta.

``ResearchStudy.status`` is required in R4 and is fixed at ``active``: the catalogue holds the
trials the service screens for; their recruitment status is not read from the registry.
"""

from __future__ import annotations

import uuid
from typing import Any

from service.evaluate import CriterionResult
from service.pipeline import MatchReport
from service.rank import TrialMatch

FHIR_JSON = "application/fhir+json"
EXTENSION_BASE = "https://trialmatch.invalid/fhir/StructureDefinition/"
STATUS_URL = EXTENSION_BASE + "eligibility-status"
SCORE_URL = EXTENSION_BASE + "eligibility-score"
RANK_URL = EXTENSION_BASE + "eligibility-rank"
VERDICT_URL = EXTENSION_BASE + "criterion-verdict"
AS_OF_URL = EXTENSION_BASE + "match-as-of"
CATALOG_VERSION_URL = EXTENSION_BASE + "catalog-version"
REGISTRY_SYSTEM = "https://clinicaltrials.gov"
STUDY_STATUS = "active"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
PHASE_CODES = {
    "n/a": ("n-a", "N/A"),
    "not applicable": ("n-a", "N/A"),
    "early phase 1": ("early-phase-1", "Early Phase 1"),
    "phase 1": ("phase-1", "Phase 1"),
    "phase 1/phase 2": ("phase-1-phase-2", "Phase 1/Phase 2"),
    "phase 1/2": ("phase-1-phase-2", "Phase 1/Phase 2"),
    "phase 2": ("phase-2", "Phase 2"),
    "phase 2/phase 3": ("phase-2-phase-3", "Phase 2/Phase 3"),
    "phase 2/3": ("phase-2-phase-3", "Phase 2/Phase 3"),
    "phase 3": ("phase-3", "Phase 3"),
    "phase 4": ("phase-4", "Phase 4"),
}
# Entry fullUrls are urn:uuid names derived from the trial id, stable across answers.
_ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://trialmatch.invalid/fhir/ResearchStudy")


def prefers_fhir(accept: str | None) -> bool:
    """Return whether an Accept header ranks application/fhir+json above application/json (RFC 9110 q-values)."""
    if not accept:
        return False
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))

    def quality_of(media_type: str) -> float:
        # The most specific matching range decides (RFC 9110 section 12.5.1).
        kind = media_type.split("/")[0] + "/*"
        for candidate in (media_type, kind, "*/*"):
            found = [q for media, q in ranges if media == candidate]
            if found:
                return max(found)
        return 0.0

    fhir = quality_of(FHIR_JSON)
    return fhir > 0 and fhir > quality_of("application/json")


def _string(url: str, value: str) -> list[dict[str, Any]]:
    # FHIR strings cannot be empty; an empty value is left out rather than sent as "".
    return [{"url": url, "valueString": value}] if value.strip() else []


def _verdict(result: CriterionResult) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [*_string("id", result.id)]
    if result.parent_id is not None:
        parts += _string("parentId", result.parent_id)
    parts.append({"url": "type", "valueCode": result.type})
    parts += _string("text", result.text)
    parts.append({"url": "outcome", "valueCode": result.outcome.value})
    parts += _string("reason", result.reason)
    for evidence in result.evidence:
        reference: dict[str, Any] = {"reference": evidence.reference}
        if evidence.display.strip():
            reference["display"] = evidence.display
        parts.append({"url": "evidence", "valueReference": reference})
    for missing in result.missing:
        parts += _string("missing", missing)
    if result.interpretation:
        parts += _string("interpretation", result.interpretation)
    return {"url": VERDICT_URL, "extension": parts}


def _phase(text: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    known = PHASE_CODES.get(" ".join(text.lower().split()))
    if known is not None:
        concept["coding"] = [{"system": PHASE_SYSTEM, "code": known[0], "display": known[1]}]
    return concept


def research_study(match: TrialMatch) -> dict[str, Any]:
    """Return one ranked trial as a ResearchStudy with its status, score and verdict extensions."""
    trial = match.trial
    study: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": trial.id,
        "extension": [
            {"url": STATUS_URL, "valueCode": match.status.value},
            {"url": SCORE_URL, "valueDecimal": match.score},
            {"url": RANK_URL, "valuePositiveInt": match.rank},
            *(_verdict(result) for result in match.criteria),
        ],
        "identifier": [{"system": REGISTRY_SYSTEM, "value": trial.id}],
        "title": trial.title,
        "status": STUDY_STATUS,
        "phase": _phase(trial.phase),
        "sponsor": {"display": trial.sponsor},
        "relatedArtifact": [{"type": "documentation", "label": "Registry record", "url": trial.url}],
    }
    return study


def _outcome(warnings: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "informational", "diagnostics": text} for text in warnings],
    }


def searchset(report: MatchReport) -> dict[str, Any]:
    """Return the match report as a FHIR searchset Bundle of ResearchStudy entries, best first."""
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, match.trial.id)}",
            "resource": research_study(match),
            "search": {"mode": "match", "score": match.score},
        }
        for match in report.results
    ]
    warnings = [w for w in report.facts.warnings if w.strip()]
    if warnings:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, 'warnings')}",
                "resource": _outcome(warnings),
                "search": {"mode": "outcome"},
            }
        )
    return {
        "resourceType": "Bundle",
        "meta": {
            "extension": [
                {"url": AS_OF_URL, "valueDate": report.as_of.isoformat()},
                {"url": CATALOG_VERSION_URL, "valueString": report.catalog_version},
            ]
        },
        "type": "searchset",
        "total": len(report.results),
        "entry": entries,
    }
