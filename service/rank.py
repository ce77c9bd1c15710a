"""Rank: criterion results -> trial status, score and the ordered list of matches.

Status: ``ineligible`` if the patient is recorded as deceased (Patient.deceasedBoolean true or
a Patient.deceasedDateTime), whatever the criteria say, and that reason comes first; otherwise
``ineligible`` if any criterion fails; otherwise ``possibly_eligible`` if any is unknown;
otherwise ``eligible`` (review items are listed for the coordinator to confirm).

Score in [0, 1]: the share of the trial's decidable criteria (lines and parts that are not
review-only) that pass. Eligible trials therefore score 1.0; among possibly eligible trials
the one with less missing data ranks first; among ineligible trials the one with fewer
failures ranks first. Order: status (eligible, possibly eligible, ineligible), then score
descending, then trial id.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from service.criteria import Trial
from service.evaluate import CriterionResult
from service.logic import Outcome


class Status(enum.StrEnum):
    """A trial's eligibility for the patient."""

    ELIGIBLE = "eligible"
    POSSIBLY_ELIGIBLE = "possibly_eligible"
    INELIGIBLE = "ineligible"


STATUS_ORDER = {Status.ELIGIBLE: 0, Status.POSSIBLY_ELIGIBLE: 1, Status.INELIGIBLE: 2}


@dataclass(frozen=True)
class TrialMatch:
    """One trial's answer for the patient."""

    rank: int
    trial: Trial
    status: Status
    score: float
    exclusion_reasons: tuple[str, ...]
    missing_data: tuple[str, ...]
    to_review: tuple[str, ...]
    criteria: tuple[CriterionResult, ...]


def leaf_results(results: Sequence[CriterionResult]) -> list[CriterionResult]:
    """Return the results that carry their own verdict: parts, and lines without parts."""
    parents = {r.parent_id for r in results if r.parent_id is not None}
    return [r for r in results if r.id not in parents]


def trial_status(results: Sequence[CriterionResult]) -> Status:
    """Return the status the criterion outcomes give; missing data never gives eligible."""
    outcomes = {r.outcome for r in results}
    if Outcome.FAIL in outcomes:
        return Status.INELIGIBLE
    if Outcome.UNKNOWN in outcomes:
        return Status.POSSIBLY_ELIGIBLE
    return Status.ELIGIBLE


def summarise(trial: Trial, results: Sequence[CriterionResult], deceased: str = "") -> TrialMatch:
    """Build an unranked TrialMatch from a trial's criterion results; ``deceased`` names a recorded death."""
    # One pass over the leaves: the failed reasons, missing data, review items and the score, the
    # share of decidable leaves (all but review) that pass, rounded to 4 decimals.
    failed: list[str] = []
    missing: dict[str, None] = {}
    review: list[str] = []
    passed = decidable = 0
    for r in leaf_results(results):
        outcome = r.outcome
        if outcome is Outcome.REVIEW:
            # A review item not computable from FHIR data says so; one needing a judgement reads as before.
            suffix = " (not computable from FHIR data)" if r.review_kind == "not_computable" else ""
            review.append(f"{r.id}: {r.text}{suffix}")
            continue
        decidable += 1
        if outcome is Outcome.PASS:
            passed += 1
        elif outcome is Outcome.FAIL:
            failed.append(f"{r.type} {r.id}: {r.reason}")
        else:
            missing.update(dict.fromkeys(r.missing))
    score = round(passed / decidable, 4) if decidable else 0.0
    reasons = tuple(failed)
    status = trial_status(results)
    if deceased:
        status = Status.INELIGIBLE
        reasons = (f"{DECEASED}: {deceased}", *reasons)
    return TrialMatch(0, trial, status, score, reasons, tuple(missing), tuple(review), tuple(results))


DECEASED = "patient is recorded as deceased"


def status_text(match: TrialMatch) -> str:
    """Return the status as a person reads it: 'eligible, pending 4 review items', 'possibly eligible: 1 item missing'.

    The API field keeps its value (``status``); this is the wording of readable outputs (the
    command line, CDS cards, the web view).
    """
    if match.status is Status.ELIGIBLE:
        count = len(match.to_review)
        return f"eligible, pending {count} review item{'s' if count != 1 else ''}" if count else "eligible"
    if match.status is Status.POSSIBLY_ELIGIBLE:
        count = len(match.missing_data)
        if not count:
            return "possibly eligible"
        return f"possibly eligible: {count} item{'s' if count != 1 else ''} missing"
    if match.exclusion_reasons and match.exclusion_reasons[0].startswith(DECEASED):
        return f"ineligible: {DECEASED}"
    count = len(match.exclusion_reasons)
    return f"ineligible: {count} criteri{'a' if count != 1 else 'on'} not met"


def rank(matches: Sequence[TrialMatch]) -> list[TrialMatch]:
    """Order matches by status, then score descending, then trial id, and number them from 1."""
    ordered = sorted(matches, key=lambda m: (STATUS_ORDER[m.status], -m.score, m.trial.id))
    return [
        TrialMatch(i, m.trial, m.status, m.score, m.exclusion_reasons, m.missing_data, m.to_review, m.criteria)
        for i, m in enumerate(ordered, start=1)
    ]
