"""The JSON answer of ``POST /match`` as bytes: plain dicts serialised by orjson, in the worker.

The response models of service/schemas.py (``MatchResponse``, ``MatchSummaryResponse``) stay the
contract: they name every field in the OpenAPI document. Building a model tree for an answer of
hundreds of trials and then dumping it cost more than matching (issue 11: 1.05 ms of the typical
bundle's 7.3 ms, and most of 266 ms at 500 trials), so the worker builds the same JSON straight
from the core's results. tests/api/test_answer.py holds this module to the models: the bytes
written here validate as the model and equal the model's own dump, field for field; numbers
the models type as float are written as floats here too.

Two views. ``full`` (the default): every trial with every criterion's verdict, reason and
evidence, the scores and what to order next. ``summary``: for callers that screen many trials,
each trial's status, score, failed and unknown criteria (id and reason; unknown ones with the
data that would decide them), exclusion reasons and missing data, without passing criteria,
evidence, scores or the order-next list.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from service.evaluate import CriterionResult
from service.facts import PatientFacts, ScoreResult
from service.logic import Outcome
from service.order import OrderItem, order_next
from service.pipeline import MatchReport
from service.rank import TrialMatch, leaf_results
from service.schemas import Scores

View = Literal["full", "summary"]
VIEWS: tuple[View, ...] = ("full", "summary")


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def patient_json(facts: PatientFacts, report: MatchReport) -> dict[str, Any]:
    """Return the patient summary; age is given only when the birth date pins it down."""
    ages = facts.age_range(report.as_of)
    return {
        "id": facts.patient_id,
        "age": ages[0] if ages and ages[0] == ages[1] else None,
        "ageRange": list(ages) if ages else None,
        "sex": facts.sex,
        "deceased": facts.deceased,
    }


def _input_value(value: float | str | bool) -> float | str | bool:
    # The model types it float | str | bool: a whole number is written as a float.
    return value if isinstance(value, str | bool) else float(value)


def _score_json(s: ScoreResult) -> dict[str, Any]:
    return {
        "value": _float(s.value),
        "inputs": [
            {"name": i.name, "value": _input_value(i.value), "unit": i.unit, "date": i.date, "reference": i.reference}
            for i in s.inputs
        ],
        "missing": list(s.missing),
        "detail": dict(s.detail),
        "flags": list(s.flags),
    }


def scores_json(scores: dict[str, ScoreResult]) -> dict[str, Any]:
    """Return one camelCase field per score (the Scores model), each with its inputs, missing inputs,
    detail and flags; a score not computed names itself missing."""
    out: dict[str, Any] = {}
    for name, field in Scores.model_fields.items():
        score = scores.get(name)
        key = field.alias or name
        out[key] = (
            _score_json(score)
            if score is not None
            else {"value": None, "inputs": [], "missing": [name], "detail": {}, "flags": []}
        )
    return out


def trial_json(match: TrialMatch) -> dict[str, Any]:
    """Return the short description of a trial."""
    trial = match.trial
    return {"id": trial.id, "title": trial.title, "phase": trial.phase, "sponsor": trial.sponsor, "url": trial.url}


# The fields of a criterion's verdict, in CriterionResult's order: a result zips into its JSON object.
CRITERION_FIELDS = (
    "id",
    "parentId",
    "type",
    "text",
    "outcome",
    "reason",
    "evidence",
    "missing",
    "interpretation",
    "reviewKind",
)


def criterion_json(result: CriterionResult) -> dict[str, Any]:
    """Return one criterion's verdict with its reason, evidence and missing data.

    Written as orjson writes them: the outcome (a str enum) as its value, each Evidence (a
    dataclass of reference and display) as that object, tuples as arrays; no copy is made.
    """
    return dict(zip(CRITERION_FIELDS, result, strict=True))


def result_json(match: TrialMatch) -> dict[str, Any]:
    """Return one ranked trial with every criterion's verdict."""
    return {
        "rank": match.rank,
        "trial": trial_json(match),
        "status": match.status.value,
        "score": float(match.score),
        "exclusionReasons": list(match.exclusion_reasons),
        "missingData": list(match.missing_data),
        "toReview": list(match.to_review),
        "criteria": [criterion_json(c) for c in match.criteria],
    }


def order_item_json(item: OrderItem) -> dict[str, Any]:
    """Return one item of what to order next."""
    return {
        "key": item.key,
        "label": item.label,
        "purposes": list(item.purposes),
        "trials": list(item.trials),
        "completes": list(item.completes),
        "criteria": [{"trial": c.trial_id, "criterion": c.criterion_id} for c in item.criteria],
    }


def summary_result_json(match: TrialMatch) -> dict[str, Any]:
    """Return one ranked trial's status, score, and its failed and unknown leaf criteria with reasons."""
    leaves = leaf_results(match.criteria)
    return {
        "rank": match.rank,
        "trial": trial_json(match),
        "status": match.status.value,
        "score": float(match.score),
        "failed": [{"id": r.id, "reason": r.reason} for r in leaves if r.outcome is Outcome.FAIL],
        "unknown": [
            {"id": r.id, "reason": r.reason, "missing": list(r.missing)} for r in leaves if r.outcome is Outcome.UNKNOWN
        ],
        "exclusionReasons": list(match.exclusion_reasons),
        "missingData": list(match.missing_data),
        "toReview": list(match.to_review),
    }


def match_json(report: MatchReport, view: View = "full") -> dict[str, Any]:
    """Return the JSON answer of POST /match as plain data, in the given view."""
    head = {
        "asOf": report.as_of,
        "catalogVersion": report.catalog_version,
        "patient": patient_json(report.facts, report),
    }
    warnings = list(report.facts.warnings)
    if view == "summary":
        return {
            **head,
            "view": "summary",
            "results": [summary_result_json(m) for m in report.results],
            "warnings": warnings,
        }
    return {
        **head,
        "scores": scores_json(report.facts.scores),
        "results": [result_json(m) for m in report.results],
        "orderNext": [order_item_json(item) for item in order_next(report)],
        "warnings": warnings,
    }


def match_bytes(report: MatchReport, view: View = "full") -> bytes:
    """Return the JSON answer of POST /match as UTF-8 bytes."""
    return orjson.dumps(match_json(report, view))
