"""What evaluation returns: a node's truth with its explanation, a criterion's verdict, and shared wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from service.facts import (
    ClinicalRecord,
    Evidence,
)
from service.logic import Outcome, Truth

# Records listed as evidence of one node; the reason counts the rest, so an answer cannot grow
# with the number of matching records a request repeats.
MAX_EVIDENCE = 10


@dataclass
class NodeResult:
    """The truth of a logic node with its explanation."""

    truth: Truth
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class CriterionResult(NamedTuple):
    """The verdict on one criterion or sub-criterion (immutable).

    A named tuple, not a frozen dataclass: one is built for every line and part of every trial,
    and a frozen dataclass's field-by-field ``object.__setattr__`` made that about 7 times dearer
    (bench/README.md, evaluation profile).
    """

    id: str
    parent_id: str | None
    type: str
    text: str
    outcome: Outcome
    reason: str
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]
    interpretation: str | None
    review_kind: str | None = None  # for a review outcome: "judgement" or "not_computable"


REVIEW_WORDS = {"judgement": "needs a person", "not_computable": "not computable from FHIR data"}


def agreeing(results: list[NodeResult], display: str) -> NodeResult:
    """Combine the verdicts on equally new results: their common truth, else unknown."""
    if len(results) == 1:
        return results[0]
    truths = {r.truth for r in results}
    out = NodeResult(truths.pop() if len(truths) == 1 else Truth.UNKNOWN)
    if out.truth is Truth.UNKNOWN and len({r.truth for r in results}) > 1:
        out.reasons.append(f"equally new {display} results disagree (same day, no issued time to order them)")
        out.missing.append(f"which {display} result is the newest")
    for r in results:
        out.reasons.extend(r.reasons)
        out.evidence.extend(e for e in r.evidence if e not in out.evidence)
        out.missing.extend(m for m in r.missing if m not in out.missing)
    return out


def span_text(span: object) -> str:
    start, end = getattr(span, "start"), getattr(span, "end")  # noqa: B009
    return str(start) if start == end else f"{start}..{end}"


def dates_text(record: ClinicalRecord) -> str:
    parts = []
    if record.start is not None:
        parts.append(f"from {span_text(record.start)}")
    elif record.recorded is not None:
        parts.append(f"recorded {record.recorded}")
    if record.end is not None and record.end != record.start:
        parts.append(f"until {span_text(record.end)}")
    if record.status:
        parts.append(record.status)
    return f" ({', '.join(parts)})" if parts else ""
