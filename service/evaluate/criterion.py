"""Registry lines: a trial's compiled steps (service.evaluate.plan) to verdicts, in catalogue order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.criteria import Criterion, Trial
from service.evaluate.plan import Line, OnRecord, Plans, Step, Test, Verdict, compile_criteria
from service.evaluate.result import CriterionResult, NodeResult
from service.logic import Outcome, Truth, outcome_of, worst_outcome

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator

_new = tuple.__new__  # a result is built from its pieces joined, without the named tuple's keyword __new__


def evaluate_trial(trial: Trial, evaluator: Evaluator) -> list[CriterionResult]:
    """Evaluate every criterion of a trial, lines and their parts, in catalogue order."""
    plans = evaluator.plans
    compiled = plans.trials.get(trial.id)
    if compiled is not None and compiled[0] is trial:
        return run(compiled[1], plans, evaluator)
    return run(*compile_criteria(trial.criteria, plans.node_keys), evaluator)  # a trial not in the catalogue


def evaluate_criterion(ev: Evaluator, criterion: Criterion) -> list[CriterionResult]:
    """Evaluate a registry line: the line first, then its parts."""
    return run(*compile_criteria((criterion,), ev.plans.node_keys), ev)


def run(steps: tuple[Step, ...], plans: Plans, ev: Evaluator) -> list[CriterionResult]:
    """Return the results of compiled steps, each distinct verdict computed once per request and plans."""
    verdicts, lines = ev.tables(plans)
    sources = plans.sources
    results: list[CriterionResult] = []
    append = results.append
    for step in steps:
        if not isinstance(step, Line):
            verdict = verdicts[step.slot]
            if verdict is None:
                verdict = verdicts[step.slot] = _compute(sources[step.slot], ev)
            append(_new(CriterionResult, step.head + verdict + step.tail))
            continue
        parts = []
        for leaf in step.parts:
            verdict = verdicts[leaf.slot]
            if verdict is None:
                verdict = verdicts[leaf.slot] = _compute(sources[leaf.slot], ev)
            parts.append(_new(CriterionResult, leaf.head + verdict + leaf.tail))
        line = lines[step.slot]
        if line is None:
            line = lines[step.slot] = _line(parts)
        append(_new(CriterionResult, step.head + line + step.tail))
        results.extend(parts)
    return results


def _compute(source: Test | OnRecord | None, ev: Evaluator) -> Verdict:
    """Compute one distinct verdict (a constant one is in the table from the start)."""
    if type(source) is Test:
        return _verdict(ev.node(source.node), source.exclusion)
    assert type(source) is OnRecord  # constants never reach here
    return _review_on_record(ev, source)


def _line(parts: list[CriterionResult]) -> Verdict:
    """Return a line's verdict from its parts': the worst outcome, explained by the parts that have it."""
    outcome = worst_outcome(p.outcome for p in parts)
    deciding = [p for p in parts if p.outcome is outcome]
    reason = "; ".join(f"{p.id}: {p.reason}" for p in deciding)
    evidence = tuple(dict.fromkeys(e for p in deciding for e in p.evidence))
    missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
    return outcome, reason, evidence, missing


def _verdict(result: NodeResult, exclusion: bool) -> Verdict:
    """Return a leaf's outcome, reason, evidence and missing data from its node's result."""
    outcome = outcome_of(result.truth, exclusion=exclusion)
    reason = "; ".join(result.reasons)
    if outcome is Outcome.UNKNOWN and result.missing and "needs" not in reason:
        reason = f"{reason} (needs: {', '.join(result.missing)})"
    missing = tuple(result.missing) if outcome is Outcome.UNKNOWN else ()
    return outcome, reason, tuple(result.evidence), missing


def _review_on_record(ev: Evaluator, source: OnRecord) -> Verdict:
    """A judgement asked only when something related is on record: unknown then, else pass.

    On record means the node holds, or may hold and names a record (a condition whose timing
    is unknown); a node unknown for want of any record (no result at all) is nothing on record.
    """
    found = ev.node(source.node)
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
        reason = f"{reasons}; needs a person: {source.review}"
        missing = (*found.missing, f"investigator's judgement: {source.text}")
    else:
        outcome = Outcome.UNKNOWN
        reason = f"on record: {reasons}; needs a person: {source.review}"
        missing = (f"investigator's judgement: {source.text}",)
    return outcome, reason, tuple(found.evidence), missing
