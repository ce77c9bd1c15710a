"""HTTP response models (camelCase on the wire) and their construction from core results."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from service.criteria import Criterion, Node, Trial
from service.evaluate import CriterionResult
from service.facts import AllergyRecord, ClinicalRecord, LabValue, PatientFacts, ScoreResult, Span
from service.order import OrderItem, order_next
from service.pipeline import MatchReport
from service.rank import TrialMatch


class Model(BaseModel):
    """Base: camelCase aliases, populated by field name."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class EvidenceOut(Model):
    reference: str = Field(description="The FHIR resource the verdict rests on (Type/id or fullUrl).")
    display: str


class PatientOut(Model):
    id: str
    age: int | None = Field(description="Age in completed years on the as-of date; null if unknown or uncertain.")
    age_range: tuple[int, int] | None = Field(description="Smallest and largest possible age (partial birth dates).")
    sex: str | None
    deceased: bool | None = None


class ScoreInputOut(Model):
    name: str
    value: float | str | bool
    unit: str
    date: dt.date | None
    reference: str | None


class ScoreOut(Model):
    value: float | None
    inputs: list[ScoreInputOut]
    missing: list[str]
    detail: dict[str, str]
    flags: list[str]


class Scores(Model):
    """One field per score the service computes; each has a value or the inputs it still needs."""

    child_pugh: ScoreOut = Field(description="Child-Pugh total, 5-15, with its class in detail (CCJM Table 1).")
    meld: ScoreOut = Field(description="Classic MELD, 6-40 (UNOS/OPTN before 2016, Kamath 2001).")
    meld_na: ScoreOut = Field(description="MELD-Na, capped at 40 (OPTN Policy 9.1, January 2016).")
    meld_3: ScoreOut = Field(description="MELD 3.0 (Kim 2021; OPTN 2023).")
    bmi: ScoreOut = Field(description="Body-mass index in kg/m2, one decimal (clinical.md D.5).")


class TrialRef(Model):
    id: str
    title: str
    phase: str
    sponsor: str
    url: str


class CriterionOut(Model):
    id: str
    parent_id: str | None
    type: Literal["inclusion", "exclusion"]
    text: str = Field(description="The registry's words for this criterion.")
    outcome: Literal["pass", "fail", "unknown", "review"]
    reason: str = Field(description="What the data showed, with numbers, units and dates.")
    evidence: list[EvidenceOut]
    missing: list[str] = Field(description="Data that would decide an unknown criterion.")
    interpretation: str | None = None
    review_kind: Literal["judgement", "not_computable"] | None = Field(
        default=None,
        description="For a review outcome: needs a person's judgement, or not computable from FHIR data.",
    )


class TrialResultOut(Model):
    rank: int
    trial: TrialRef
    status: Literal["eligible", "possibly_eligible", "ineligible"]
    score: float = Field(ge=0, le=1, description="Share of decidable criteria that pass.")
    exclusion_reasons: list[str]
    missing_data: list[str]
    to_review: list[str]
    criteria: list[CriterionOut]


class OrderCriterionOut(Model):
    trial: str
    criterion: str = Field(description="The undecided criterion (or part) id the item would help decide.")


class OrderItemOut(Model):
    key: str = Field(description="Stable key of the item, to add items up across patients.")
    label: str = Field(description="What to order, with the look-back window that satisfies every criterion.")
    purposes: list[str] = Field(description="Scores the item is an input of, when it is needed for one.")
    trials: list[str] = Field(description="Undecided (possibly eligible) trials that wait on it, best first.")
    completes: list[str] = Field(description="Of those, the trials for which it is all that is missing.")
    criteria: list[OrderCriterionOut]


class MatchResponse(Model):
    as_of: dt.date
    catalog_version: str
    patient: PatientOut
    scores: Scores
    results: list[TrialResultOut]
    order_next: list[OrderItemOut] = Field(
        description="The missing data across undecided trials, ranked by how many trial decisions wait on it."
    )
    warnings: list[str]


class FailedCriterionOut(Model):
    id: str = Field(description="The failed criterion (or part) id.")
    reason: str = Field(description="What the data showed, with numbers, units and dates.")


class UnknownCriterionOut(Model):
    id: str = Field(description="The undecided criterion (or part) id.")
    reason: str
    missing: list[str] = Field(description="Data that would decide it.")


class TrialSummaryOut(Model):
    rank: int
    trial: TrialRef
    status: Literal["eligible", "possibly_eligible", "ineligible"]
    score: float = Field(ge=0, le=1, description="Share of decidable criteria that pass.")
    failed: list[FailedCriterionOut] = Field(description="Failed criteria (parts, and lines without parts).")
    unknown: list[UnknownCriterionOut] = Field(description="Undecided criteria (parts, and lines without parts).")
    exclusion_reasons: list[str]
    missing_data: list[str]
    to_review: list[str] = Field(
        description="Items a person must confirm (an eligible trial with some reads 'eligible, pending N review items')"
    )


class MatchSummaryResponse(Model):
    """The answer of POST /match?view=summary: per trial only what decides it, for callers of many trials."""

    as_of: dt.date
    catalog_version: str
    patient: PatientOut
    view: Literal["summary"]
    results: list[TrialSummaryOut]
    warnings: list[str]


class LabOut(Model):
    analyte: str
    code: str
    value: float | None = Field(description="Value in the canonical unit (null for qualitative results).")
    unit: str = Field(description="Canonical UCUM unit.")
    comparator: str | None
    original: str = Field(description="The value and unit as reported.")
    positive: bool | None = Field(description="Positive/detected, negative/not detected, or null.")
    date: dt.date
    upper_limit_of_normal: float | None
    reference: str
    status: str
    converted: bool


class RecordOut(Model):
    kind: str
    display: str
    codes: list[str]
    status: str | None
    verification: str | None
    start: str | None
    end: str | None
    ended: bool
    recorded: dt.date | None
    severity: list[str]
    reference: str


class AllergyOut(Model):
    display: str
    status: str | None
    codes: list[str]
    criticality: str | None
    severity: str | None
    categories: list[str]
    reference: str


class FactsResponse(Model):
    as_of: dt.date
    catalog_version: str
    patient: PatientOut
    labs: dict[str, list[LabOut]]
    conditions: list[RecordOut]
    findings: list[RecordOut]
    medications: list[RecordOut]
    procedures: list[RecordOut]
    allergies: list[AllergyOut]
    scores: Scores
    warnings: list[str]


class CriteriaCounts(Model):
    inclusion: int
    exclusion: int
    computed: int
    review: int


class TrialSummary(Model):
    id: str
    title: str
    phase: str
    sponsor: str
    url: str
    criteria_counts: CriteriaCounts


class TrialList(Model):
    catalog_version: str
    trials: list[TrialSummary]


class CriterionDefinition(Model):
    id: str
    parent_id: str | None
    type: Literal["inclusion", "exclusion"]
    text: str
    logic: str | None = Field(description="The computed logic in readable form; null for review items.")
    review: str | None
    review_kind: Literal["judgement", "not_computable"] | None = Field(
        default=None, description="For a review item: needs a person's judgement, or not computable from FHIR data."
    )
    interpretation: str | None


class TrialDetail(Model):
    catalog_version: str
    trial: TrialSummary
    criteria: list[CriterionDefinition]


class Health(Model):
    status: Literal["ok"]
    catalog_version: str
    trials: int


# -- construction ----------------------------------------------------------------------------


def _span(span: Span | None) -> str | None:
    if span is None:
        return None
    return str(span.start) if span.start == span.end else f"{span.start}/{span.end}"


def patient_out(facts: PatientFacts, as_of: dt.date) -> PatientOut:
    """Return the patient summary; age is given only when the birth date pins it down."""
    ages = facts.age_range(as_of)
    age = ages[0] if ages and ages[0] == ages[1] else None
    return PatientOut(id=facts.patient_id, age=age, age_range=ages, sex=facts.sex, deceased=facts.deceased)


def _score_out(s: ScoreResult) -> ScoreOut:
    return ScoreOut(
        value=s.value,
        inputs=[
            ScoreInputOut(name=i.name, value=i.value, unit=i.unit, date=i.date, reference=i.reference) for i in s.inputs
        ],
        missing=list(s.missing),
        detail=dict(s.detail),
        flags=list(s.flags),
    )


def scores_out(scores: dict[str, ScoreResult]) -> Scores:
    """Return every score with its inputs, missing inputs, detail and flags; one not computed names itself missing."""
    out = {
        name: _score_out(scores[name])
        if name in scores
        else ScoreOut(value=None, inputs=[], missing=[name], detail={}, flags=[])
        for name in Scores.model_fields
    }
    return Scores(**out)


def _codes(record: ClinicalRecord | AllergyRecord) -> list[str]:
    return [f"{system}|{code}" for system, code, _ in record.codings]


def _record(record: ClinicalRecord) -> RecordOut:
    return RecordOut(
        kind=record.kind,
        display=record.display,
        codes=_codes(record),
        status=record.status,
        verification=record.verification,
        start=_span(record.start),
        end=_span(record.end),
        ended=record.ended,
        recorded=record.recorded,
        severity=[c for _, c, _ in record.severity],
        reference=record.reference,
    )


def _lab(value: LabValue) -> LabOut:
    return LabOut(
        analyte=value.analyte,
        code=value.code,
        value=value.value,
        unit=value.unit,
        comparator=value.comparator,
        original=value.original,
        positive=value.positive,
        date=value.effective,
        upper_limit_of_normal=value.uln,
        reference=value.reference,
        status=value.status,
        converted=value.converted,
    )


def facts_out(facts: PatientFacts, as_of: dt.date, catalog_version: str) -> FactsResponse:
    """Return everything read from the Bundle."""
    return FactsResponse(
        as_of=as_of,
        catalog_version=catalog_version,
        patient=patient_out(facts, as_of),
        # Unreadable results are not values: they are listed in the warnings and named by the
        # criteria they make unknown (service.facts.labs), not here.
        labs={
            name: [_lab(v) for v in values if v.unreadable is None]
            for name, values in sorted(facts.labs.items())
            if any(v.unreadable is None for v in values)
        },
        conditions=[_record(r) for r in facts.conditions],
        findings=[_record(r) for r in facts.findings],
        medications=[_record(r) for r in facts.medications],
        procedures=[_record(r) for r in facts.procedures],
        allergies=[
            AllergyOut(
                display=a.display,
                status=a.status,
                codes=_codes(a),
                criticality=a.criticality,
                severity=a.severity,
                categories=list(a.categories),
                reference=a.reference,
            )
            for a in facts.allergies
        ],
        scores=scores_out(facts.scores),
        warnings=list(facts.warnings),
    )


def trial_ref(trial: Trial) -> TrialRef:
    """Return the short description of a trial."""
    return TrialRef(id=trial.id, title=trial.title, phase=trial.phase, sponsor=trial.sponsor, url=trial.url)


def _criterion(result: CriterionResult) -> CriterionOut:
    return CriterionOut(
        id=result.id,
        parent_id=result.parent_id,
        type=result.type,
        text=result.text,
        outcome=result.outcome.value,
        reason=result.reason,
        evidence=[EvidenceOut(reference=e.reference, display=e.display) for e in result.evidence],
        missing=list(result.missing),
        interpretation=result.interpretation,
        review_kind=result.review_kind,
    )


def trial_result_out(match: TrialMatch) -> TrialResultOut:
    """Return one ranked trial with every criterion's verdict."""
    return TrialResultOut(
        rank=match.rank,
        trial=trial_ref(match.trial),
        status=match.status.value,
        score=match.score,
        exclusion_reasons=list(match.exclusion_reasons),
        missing_data=list(match.missing_data),
        to_review=list(match.to_review),
        criteria=[_criterion(c) for c in match.criteria],
    )


def order_item_out(item: OrderItem) -> OrderItemOut:
    """Return one item of what to order next."""
    return OrderItemOut(
        key=item.key,
        label=item.label,
        purposes=list(item.purposes),
        trials=list(item.trials),
        completes=list(item.completes),
        criteria=[OrderCriterionOut(trial=c.trial_id, criterion=c.criterion_id) for c in item.criteria],
    )


def match_out(report: MatchReport) -> MatchResponse:
    """Return the JSON answer of POST /match."""
    return MatchResponse(
        as_of=report.as_of,
        catalog_version=report.catalog_version,
        patient=patient_out(report.facts, report.as_of),
        scores=scores_out(report.facts.scores),
        results=[trial_result_out(m) for m in report.results],
        order_next=[order_item_out(item) for item in order_next(report)],
        warnings=list(report.facts.warnings),
    )


def counts(trial: Trial) -> CriteriaCounts:
    """Return how many criteria a trial has, and how many leaves are computed or reviewed."""
    leaves: list[Any] = [leaf for c in trial.criteria for leaf in (c.parts or (c,))]
    return CriteriaCounts(
        inclusion=sum(1 for c in trial.criteria if c.type == "inclusion"),
        exclusion=sum(1 for c in trial.criteria if c.type == "exclusion"),
        computed=sum(1 for leaf in leaves if leaf.logic is not None),
        review=sum(1 for leaf in leaves if leaf.review is not None),
    )


def trial_summary(trial: Trial) -> TrialSummary:
    """Return a trial with its criteria counts."""
    return TrialSummary(
        id=trial.id,
        title=trial.title,
        phase=trial.phase,
        sponsor=trial.sponsor,
        url=trial.url,
        criteria_counts=counts(trial),
    )


def readable(node: Node) -> str:
    """Return a logic node as one readable line, e.g. 'all(age 18..60, BMI between 19 and 25)'."""
    data = node.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    return _readable(data)


def _readable(data: Any) -> str:
    if isinstance(data, dict) and len(data) == 1:
        ((key, value),) = data.items()
        if key in ("all", "any", "agree", "newest_of"):
            return f"{key}(" + ", ".join(_readable(v) for v in value) + ")"
        if key == "not":
            return f"not({_readable(value)})"
        if isinstance(value, dict):
            args = ", ".join(f"{k}={v}" for k, v in value.items())
            return f"{key}({args})"
    return str(data)


def trial_detail(trial: Trial, catalog_version: str) -> TrialDetail:
    """Return every criterion of a trial with its words and its logic in readable form."""
    items: list[CriterionDefinition] = []

    def add(item: Criterion | Any, parent: str | None, ctype: str) -> None:
        items.append(
            CriterionDefinition(
                id=item.id,
                parent_id=parent,
                type=ctype,
                text=item.text,
                logic=readable(item.logic) if item.logic is not None else None,
                review=item.review,
                review_kind=(item.review_kind or "judgement") if item.review is not None else None,
                interpretation=item.interpretation,
            )
        )

    for criterion in trial.criteria:
        add(criterion, None, criterion.type)
        for part in criterion.parts:
            add(part, criterion.id, criterion.type)
    return TrialDetail(catalog_version=catalog_version, trial=trial_summary(trial), criteria=items)
