"""Logic nodes of a trial file: the closed vocabulary of one-key nodes and the tests they carry.

A node is a one-key mapping whose key names its type (``lab``, ``condition``, ``all``...);
meaning lives in keys, never inside strings. ``NODE_TYPES`` lists them by key, ``Node`` is
their tagged union.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from service.dates import shift

Comparator = Literal["<", "<=", ">", ">=", "=="]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NumericTest(_Strict):
    """Either ``op`` and ``value``, or an inclusive ``min``/``max`` range."""

    op: Comparator | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_form(self) -> NumericTest:
        compare = self.op is not None or self.value is not None
        ranged = self.min is not None or self.max is not None
        if compare == ranged:
            raise ValueError("give either op and value, or min and/or max")
        if compare and (self.op is None or self.value is None):
            raise ValueError("op and value go together")
        if ranged and self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class LabTest(NumericTest):
    """The newest result of an analyte, within a look-back window, against a threshold.

    An unreadable newest result, or equally new results that disagree, make it unknown.
    """

    analyte: str
    unit: str
    within_days: int | None = Field(default=None, gt=0)


class LabUlnTest(_Strict):
    """The newest value against a multiple of the upper limit of normal (ULN).

    The ULN is the high end of the report's reference range that applies to the patient (sex,
    age); without one, the analyte's sex-specific fallback ULN in analytes.yaml (both, when the
    sex is unknown). A verdict that differs between candidate ULNs is unknown.
    """

    analyte: str
    op: Comparator
    factor: float = Field(gt=0)
    within_days: int | None = Field(default=None, gt=0)


class LabPositiveTest(_Strict):
    """Whether a qualitative result (or a quantity's detection) is positive/detected.

    ``analyte`` and then ``or_analytes`` answer the same question in decreasing authority (an
    hCG test, then a pregnancy-status observation). A positive result in the window counts
    unless a later negative result of equal or higher authority cancels it (for an analyte with
    ``persistence``: a positive at any date, cancelled only by a later negative confirmatory
    test). Otherwise a negative result in the window makes it false; unreadable or equivocal
    results that could decide make it unknown.
    """

    analyte: str
    or_analytes: tuple[str, ...] = ()
    within_days: int | None = Field(default=None, gt=0)


class ScoreTest(NumericTest):
    """A computed score against a threshold or range."""

    score: Literal["child_pugh", "meld", "meld_na", "meld_3", "bmi"]


class SexSpecificTest(_Strict):
    """Evidence only a patient of the listed sexes can have (pregnancy, lactation).

    For such a patient, or one whose administrative sex is unknown, the evidence decides. For a
    patient of another administrative sex, positive evidence makes the node unknown (the record
    contradicts itself and a person must look) and anything else is false.
    """

    sex: tuple[Literal["male", "female", "other", "unknown"], ...] = Field(alias="in", min_length=1)
    logic: Node


class AgeTest(_Strict):
    """Age in completed years on the as-of date, inclusive bounds."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class SexTest(_Strict):
    """Administrative sex is one of the listed codes."""

    is_: tuple[Literal["male", "female", "other", "unknown"], ...] = Field(alias="in")


When = Literal["current", "ever", "within"]
PeriodUnit = Literal["days", "weeks", "months", "years"]
PERIOD_UNITS: tuple[PeriodUnit, ...] = ("days", "weeks", "months", "years")


@dataclass(frozen=True)
class Period:
    """A length of time in one calendar unit, as the registry words give it ('3 months', '2 weeks')."""

    count: int
    unit: PeriodUnit

    def before(self, day: dt.date) -> dt.date:
        """Return the day this period reaches back to from ``day`` (calendar months and years; total)."""
        return shift(day, **{self.unit: -self.count})

    def words(self) -> str:
        """Return the period as words: '3 months', '1 month', '2 weeks'."""
        return f"{self.count} {self.unit if self.count != 1 else self.unit[:-1]}"


class _PeriodFields(_Strict):
    """A period written in one of days, weeks, months or years (calendar units for months and years)."""

    days: int | None = Field(default=None, gt=0)
    weeks: int | None = Field(default=None, gt=0)
    months: int | None = Field(default=None, gt=0)
    years: int | None = Field(default=None, gt=0)

    @property
    def period(self) -> Period | None:
        """Return the period given, or None."""
        for unit in PERIOD_UNITS:
            count = getattr(self, unit)
            if count is not None:
                return Period(count, unit)
        return None

    def _units_given(self) -> int:
        return sum(getattr(self, unit) is not None for unit in PERIOD_UNITS)

    def _exactly_one_unit(self) -> None:
        if self._units_given() != 1:
            raise ValueError("give exactly one of days, weeks, months or years")


class PeriodTest(_PeriodFields):
    """A period on its own (``apart: {months: 6}``): exactly one of days, weeks, months or years."""

    @model_validator(mode="after")
    def _one_unit(self) -> PeriodTest:
        self._exactly_one_unit()
        return self


Severity = Literal["mild", "moderate", "severe"]


class StageFilter(_Strict):
    """Grades or stages of a scale that count (NYHA III-IV, West Haven II or lower), as two value sets.

    ``counts`` lists the grades that count and ``other`` the rest of the scale. A Condition's
    grade is read from Condition.stage (summary codes and words), else from the words of the
    Condition itself ("heart failure, NYHA class II").
    """

    counts: str
    other: str


class RecordTest(_PeriodFields):
    """A record in a value set: current, ever, or within a period before the as-of date.

    ``when: within`` takes exactly one of ``days``, ``weeks``, ``months`` or ``years``; months
    and years are calendar units ("within 1 month" on 22 November reaches back to 22 October).
    ``counts_as: unknown`` makes a matching record leave the test unknown instead of true (a
    cancer in remission for "with malignancies": the investigator confirms). ``severity`` keeps
    only Conditions graded so (Condition.severity) and ``stage`` those staged so (a grade or stage
    scale, StageFilter). ``ungraded`` says what a record with no grade on the filtered scale does:
    ``set_aside`` (it does not count) or ``unknown`` (a person must grade it). ``implied_by`` is
    evidence that implies the diagnosis when no record codes it: if it holds, the test is unknown,
    never false.
    """

    valueset: str
    when: When = "ever"
    count_uncertain: bool = False
    min_count: int = Field(default=1, ge=1)
    counts_as: Literal["match", "unknown"] = "match"
    severity: tuple[Severity, ...] = ()
    stage: StageFilter | None = None
    ungraded: Literal["set_aside", "unknown"] = "set_aside"
    implied_by: Node | None = None
    records: Literal["counted", "planned", "not_taken"] = "counted"
    """Which records the test reads: those that count (default); ``planned`` Procedures (status
    preparation: a plan, never a procedure done); ``not_taken`` MedicationStatements (the patient is
    stated not to take the drug). A plan or statement dated in the window (or undated) matches."""

    @model_validator(mode="after")
    def _period_for_within(self) -> RecordTest:
        if self.ungraded != "set_aside" and not self.severity and self.stage is None:
            raise ValueError("ungraded applies only with a severity or stage filter")
        given = self._units_given()
        if given > 1:
            raise ValueError("give only one of days, weeks, months or years")
        if (self.when == "within") != (given == 1):
            raise ValueError("a period (days, weeks, months or years) is required with when: within, and only then")
        return self


class DurationTest(_PeriodFields):
    """Length of the current continuous course of a medication against a period.

    A course runs across refill orders and across switches between drugs of the value set while
    each record starts no more than COURSE_GAP_DAYS after the previous one's last covered day.
    """

    valueset: str
    op: Comparator

    @model_validator(mode="after")
    def _one_unit(self) -> DurationTest:
        self._exactly_one_unit()
        return self


class PositiveResultsTest(_Strict):
    """At least ``min_count`` positive results of a qualitative analyte on record, the first and
    the last at least ``apart`` from each other. Evidence of a diagnosis, read closed world: no
    such results is false (never unknown)."""

    analyte: str
    min_count: int = Field(default=2, ge=1)
    apart: PeriodTest | None = None


class AllergyTest(_Strict):
    """At least ``min_count`` allergies (current or past), restricted to ``categories`` if given
    and to severe ones (a severe reaction or high criticality) if ``severe``."""

    severe: bool = False
    categories: tuple[Literal["food", "medication", "environment", "biologic"], ...] = ()
    substances: str | None = Field(
        default=None,
        description="A value set of substances: an allergy to one of them counts as in ``categories`` whatever "
        "category the record gives it (human albumin recorded as a medication is still a biological product).",
    )
    min_count: int = Field(default=1, ge=1)


OrderComparator = Literal["<", "<=", ">", ">="]


class OnsetTest(_PeriodFields):
    """Time since the first recorded onset of a condition in a value set, against a period.

    The first onset is the earliest Condition.onset[x] of the matching conditions; a condition
    with no onset began no later than its recordedDate (or the as-of date). A partial date means
    any of its days, and a verdict that differs across them is unknown. No matching condition is
    false (closed world); unconfirmed or provisional ones that would change the verdict make it
    unknown. Months and years are calendar units ("more than 5 years" on 22 November 2026: an
    onset before 22 November 2021).
    """

    valueset: str
    op: OrderComparator

    @model_validator(mode="after")
    def _one_unit(self) -> OnsetTest:
        self._exactly_one_unit()
        return self


class LabSeriesTest(NumericTest, _PeriodFields):
    """A lab held to a threshold across a span: every result of the span meets it, and the span is covered.

    The span is the period before the as-of date. The verdict is true when every result after
    the span's first day meets the threshold, at least one such result exists, and the newest
    result on or before that first day meets it too (so the run of results covers the span).
    A result in the span that fails makes it false; otherwise a span not covered, or a result
    that cannot be read, makes it unknown, never true.
    """

    analyte: str
    unit: str

    @model_validator(mode="after")
    def _one_unit(self) -> LabSeriesTest:
        self._exactly_one_unit()
        return self


class FamilyHistoryTest(_Strict):
    """A relative up to ``max_degree`` of kinship with a condition in a value set (FamilyMemberHistory).

    Degrees of genetic relationship: 1 parents, siblings, children; 2 grandparents,
    grandchildren, aunts, uncles, nieces, nephews, half-siblings; 3 great-grandparents, first
    cousins (service.facts.family). A matching relative within the degree is true; one whose
    degree the record does not give is unknown. With family histories on record and none
    matching, false; with no FamilyMemberHistory in the Bundle at all, unknown (silence is not
    a negative family history).
    """

    valueset: str
    max_degree: int = Field(ge=1, le=3)


class LabControlTest(_Strict):
    """The newest result of an analyte against the control run on the same day (a separate control Observation).

    ``offset``: the result minus the control, in ``unit``, against ``op`` ("prolonged by more than
    3 seconds over control": ``op: ">"``, ``offset: 3``, ``unit: s``); ``ratio``: the result divided
    by the control. The control is its own analyte (its LOINC control code) and is read only from
    a result of the same day; a reference range is never taken for a control. No control of that
    day, or a value that cannot be read, is unknown, never true or false.
    """

    analyte: str
    control: str
    unit: str
    op: Comparator
    offset: float | None = None
    ratio: float | None = Field(default=None, gt=0)
    within_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _offset_or_ratio(self) -> LabControlTest:
        if (self.offset is None) == (self.ratio is None):
            raise ValueError("give exactly one of offset or ratio")
        if self.control == self.analyte:
            raise ValueError("the control is another analyte than the result")
        return self


CountComparator = Literal[">=", "<=", "=="]


class EventCountTest(_PeriodFields):
    """How many events of the listed kinds fall in the period before the as-of date, against ``count``.

    ``admissions``: inpatient Encounters (class IMP, ACUTE or NONAC of HL7 v3 ActCode) with a
    reason in the value set; ``medications``: courses of a drug of the value set (records joined
    by COURSE_GAP_DAYS); ``procedures``: procedures of the value set. The kinds listed add up.
    The count is an interval [certain, possible]: a record that may or may not be such an event
    (an Encounter with no class, no period or no reason; refills that may be one course) widens
    it, and the comparison is decided only when both ends agree. Resource types not provided
    make the possible end unbounded.
    """

    admissions: str | None = None
    medications: str | None = None
    procedures: str | None = None
    op: CountComparator
    count: int = Field(ge=0)

    @model_validator(mode="after")
    def _what_and_when(self) -> EventCountTest:
        self._exactly_one_unit()
        if self.admissions is None and self.medications is None and self.procedures is None:
            raise ValueError("give at least one of admissions, medications or procedures")
        return self


class All(_Strict):
    all: tuple[Node, ...] = Field(min_length=1)


class AnyOf(_Strict):
    any: tuple[Node, ...] = Field(min_length=1)


class Agree(_Strict):
    """Readings that must agree: true when all are true, false when all are false, else unknown.

    For words that name no variant ("MELD score"): decide only when every variant gives the
    same side of the bound.
    """

    agree: tuple[Node, ...] = Field(min_length=2)


class Not(_Strict):
    not_: Node = Field(alias="not")


class Lab(_Strict):
    lab: LabTest


class LabUln(_Strict):
    lab_uln: LabUlnTest


class LabPositive(_Strict):
    lab_positive: LabPositiveTest


class Score(_Strict):
    score: ScoreTest


class SexSpecific(_Strict):
    sex_specific: SexSpecificTest


class Age(_Strict):
    age: AgeTest


class Sex(_Strict):
    sex: SexTest


class ConditionNode(_Strict):
    condition: RecordTest

    @model_validator(mode="after")
    def _counted(self) -> ConditionNode:
        if self.condition.records != "counted":
            raise ValueError("records: planned is for procedures, not_taken for medications")
        return self


class MedicationNode(_Strict):
    medication: RecordTest

    @model_validator(mode="after")
    def _not_planned(self) -> MedicationNode:
        if self.medication.records == "planned":
            raise ValueError("records: planned is for procedures")
        return self


class MedicationDuration(_Strict):
    medication_duration: DurationTest


class ProcedureNode(_Strict):
    procedure: RecordTest

    @model_validator(mode="after")
    def _not_not_taken(self) -> ProcedureNode:
        if self.procedure.records == "not_taken":
            raise ValueError("records: not_taken is for medications")
        return self


class PositiveResults(_Strict):
    positive_results: PositiveResultsTest


class Allergy(_Strict):
    allergy: AllergyTest


class ConditionOnset(_Strict):
    condition_onset: OnsetTest


class FamilyHistory(_Strict):
    family_history: FamilyHistoryTest


class LabSeries(_Strict):
    lab_series: LabSeriesTest


class LabControl(_Strict):
    lab_control: LabControlTest


class EventCount(_Strict):
    event_count: EventCountTest


class NewestOf(_Strict):
    """Several numeric labs that answer one question: the newest result among them decides, by its own test.

    ("prothrombin time in seconds or prothrombin activity in %"). Results of two analytes that
    cannot be told apart in time decide only when their verdicts agree; otherwise unknown.
    """

    newest_of: tuple[LabTest, ...] = Field(min_length=2)


NODE_TYPES: dict[str, type[BaseModel]] = {
    "all": All,
    "any": AnyOf,
    "agree": Agree,
    "not": Not,
    "lab": Lab,
    "lab_uln": LabUln,
    "lab_positive": LabPositive,
    "score": Score,
    "age": Age,
    "sex": Sex,
    "sex_specific": SexSpecific,
    "condition": ConditionNode,
    "medication": MedicationNode,
    "medication_duration": MedicationDuration,
    "procedure": ProcedureNode,
    "positive_results": PositiveResults,
    "allergy": Allergy,
    "condition_onset": ConditionOnset,
    "lab_series": LabSeries,
    "newest_of": NewestOf,
    "family_history": FamilyHistory,
    "lab_control": LabControl,
    "event_count": EventCount,
}
"""Each logic node type by its single YAML key (the closed operator vocabulary)."""

NODE_TAG = "node:"
"""Prefix of the union tags in validation error locations (dropped when errors are reported)."""


def _node_tag(value: Any) -> str | None:
    """Pick the node type a YAML mapping means by its single key (None when it has not one key)."""
    if isinstance(value, dict):
        return f"{NODE_TAG}{next(iter(value))}" if len(value) == 1 else None
    for key, model in NODE_TYPES.items():
        if type(value) is model:
            return f"{NODE_TAG}{key}"
    return None


# A node is a one-key mapping and its key names its type, so validation tries only that type and
# an error names only what the author meant (no cascade of every alternative of the union).
Node = Annotated[
    Annotated[All, Tag("node:all")]
    | Annotated[AnyOf, Tag("node:any")]
    | Annotated[Agree, Tag("node:agree")]
    | Annotated[Not, Tag("node:not")]
    | Annotated[Lab, Tag("node:lab")]
    | Annotated[LabUln, Tag("node:lab_uln")]
    | Annotated[LabPositive, Tag("node:lab_positive")]
    | Annotated[Score, Tag("node:score")]
    | Annotated[Age, Tag("node:age")]
    | Annotated[Sex, Tag("node:sex")]
    | Annotated[SexSpecific, Tag("node:sex_specific")]
    | Annotated[ConditionNode, Tag("node:condition")]
    | Annotated[MedicationNode, Tag("node:medication")]
    | Annotated[MedicationDuration, Tag("node:medication_duration")]
    | Annotated[ProcedureNode, Tag("node:procedure")]
    | Annotated[PositiveResults, Tag("node:positive_results")]
    | Annotated[Allergy, Tag("node:allergy")]
    | Annotated[ConditionOnset, Tag("node:condition_onset")]
    | Annotated[LabSeries, Tag("node:lab_series")]
    | Annotated[NewestOf, Tag("node:newest_of")]
    | Annotated[FamilyHistory, Tag("node:family_history")]
    | Annotated[LabControl, Tag("node:lab_control")]
    | Annotated[EventCount, Tag("node:event_count")],
    Discriminator(_node_tag),
]

for _model in (
    RecordTest,
    All,
    AnyOf,
    Agree,
    Not,
    ConditionNode,
    MedicationNode,
    ProcedureNode,
    SexSpecificTest,
    SexSpecific,
):
    _model.model_rebuild()
