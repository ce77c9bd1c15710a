"""Registry lines: a criterion and its parts to verdicts, review items, and a trial's criteria in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.criteria import (
    Criterion,
    Part,
    Trial,
)
from service.evaluate.result import REVIEW_WORDS, CriterionResult, NodeResult
from service.facts import Evidence
from service.logic import Outcome, Truth, outcome_of, worst_outcome

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator


def evaluate_criterion(ev: Evaluator, criterion: Criterion) -> list[CriterionResult]:
    """Evaluate a registry line: the line first, then its parts."""
    exclusion = criterion.type == "exclusion"
    if not criterion.parts:
        result = _leaf(ev, criterion, None, exclusion)
        return [result]
    parts = [_leaf(ev, part, criterion.id, exclusion) for part in criterion.parts]
    outcome = worst_outcome(p.outcome for p in parts)
    deciding = [p for p in parts if p.outcome is outcome]
    reason = "; ".join(f"{p.id}: {p.reason}" for p in deciding)
    evidence = tuple(dict.fromkeys(e for p in deciding for e in p.evidence))
    missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
    line = CriterionResult(
        criterion.id,
        None,
        criterion.type,
        criterion.text,
        outcome,
        reason,
        evidence,
        missing,
        criterion.interpretation,
    )
    return [line, *parts]


def _leaf(ev: Evaluator, item: Criterion | Part, parent: str | None, exclusion: bool) -> CriterionResult:
    ctype = "exclusion" if exclusion else "inclusion"
    if item.review is not None and item.on_record is not None:
        return _review_on_record(ev, item, parent, ctype)
    if item.review is not None:
        kind = item.review_kind or "judgement"
        return CriterionResult(
            item.id,
            parent,
            ctype,
            item.text,
            Outcome.REVIEW,
            f"{REVIEW_WORDS[kind]}: {item.review}",
            (),
            (),
            item.interpretation,
            kind,
        )
    assert item.logic is not None
    key = ev.key(item.logic)
    verdict = ev.verdicts.get((key, exclusion)) if key is not None else None
    if verdict is None:
        verdict = _verdict(ev.node(item.logic), exclusion)
        if key is not None:
            ev.verdicts[key, exclusion] = verdict
    outcome, reason, evidence, missing = verdict
    return CriterionResult(item.id, parent, ctype, item.text, outcome, reason, evidence, missing, item.interpretation)


def _verdict(result: NodeResult, exclusion: bool) -> tuple[Outcome, str, tuple[Evidence, ...], tuple[str, ...]]:
    """Return a leaf's outcome, reason, evidence and missing data from its node's result."""
    outcome = outcome_of(result.truth, exclusion=exclusion)
    reason = "; ".join(result.reasons)
    if outcome is Outcome.UNKNOWN and result.missing and "needs" not in reason:
        reason = f"{reason} (needs: {', '.join(result.missing)})"
    missing = tuple(result.missing) if outcome is Outcome.UNKNOWN else ()
    return outcome, reason, tuple(result.evidence), missing


def _review_on_record(ev: Evaluator, item: Criterion | Part, parent: str | None, ctype: str) -> CriterionResult:
    """A judgement asked only when something related is on record: unknown then, else pass.

    On record means the node holds, or may hold and names a record (a condition whose timing
    is unknown); a node unknown for want of any record (no result at all) is nothing on record.
    """
    assert item.on_record is not None and item.review is not None
    found = ev.node(item.on_record)
    reasons = "; ".join(found.reasons)
    missing: tuple[str, ...] = ()
    # Nothing on record only when the caller sent the record types read: with some not provided,
    # a node unknown for want of a record may be unknown because the record was not sent.
    unsent = ev.unsent
    absent = found.truth is Truth.UNKNOWN and not found.evidence and not unsent
    if found.truth is Truth.FALSE or absent:
        outcome, reason = Outcome.PASS, f"nothing related on record ({reasons})"
    elif not found.evidence and unsent:
        outcome = Outcome.UNKNOWN
        reason = f"{reasons}; needs a person: {item.review}"
        missing = (*found.missing, f"investigator's judgement: {item.text}")
    else:
        outcome = Outcome.UNKNOWN
        reason = f"on record: {reasons}; needs a person: {item.review}"
        missing = (f"investigator's judgement: {item.text}",)
    return CriterionResult(
        item.id, parent, ctype, item.text, outcome, reason, tuple(found.evidence), missing, item.interpretation
    )


def evaluate_trial(trial: Trial, evaluator: Evaluator) -> list[CriterionResult]:
    """Evaluate every criterion of a trial, lines and their parts, in catalogue order."""
    results: list[CriterionResult] = []
    for criterion in trial.criteria:
        results.extend(evaluator.criterion(criterion))
    return results
