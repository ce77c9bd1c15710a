"""The catalogue: trial files and their schema, the loader and the validator.

A trial file (``criteria/trials/<NCT id>.yaml``) lists the registry's inclusion and exclusion
criteria in its own words. Each criterion carries exactly one of ``logic`` (computed from
data), ``review`` (only a person can decide; the text says why) or ``parts`` (the line holds
several conditions, each a sub-criterion with its own words). Logic is a tree of one-key
nodes from a closed vocabulary; meaning lives in keys, never inside strings.

``load_catalog`` validates everything once and raises ``CatalogError`` listing every problem
with its file and path; the service refuses to start on such a catalogue.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from service.dates import shift
from service.errors import CatalogError
from service.terminology import AnalyteTable, CodeMatcher, ValueSet
from service.units import UnitTable

SCHEMA_VERSION = 1

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
    | Annotated[FamilyHistory, Tag("node:family_history")],
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


ReviewKind = Literal["judgement", "not_computable"]
"""Why a person decides: the words call for a judgement, or the data is not in FHIR records at all."""


def _kind_needs_review(review: str | None, kind: ReviewKind | None) -> None:
    if kind is not None and review is None:
        raise ValueError("review_kind goes with review")


class Part(_Strict):
    """A sub-criterion: one testable condition inside a registry line."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)
    logic: Node | None = None
    review: str | None = None
    on_record: Node | None = Field(
        default=None,
        description="With review: a person judges only when this names something on record; otherwise the part passes.",
    )
    review_kind: ReviewKind | None = Field(
        default=None, description="judgement (the default) or not_computable: the data is not in FHIR records."
    )
    interpretation: str | None = None

    @model_validator(mode="after")
    def _logic_or_review(self) -> Part:
        if (self.logic is None) == (self.review is None):
            raise ValueError("give exactly one of 'logic' or 'review'")
        if self.on_record is not None and self.review is None:
            raise ValueError("on_record goes with review")
        _kind_needs_review(self.review, self.review_kind)
        return self


class Criterion(_Strict):
    """One registry line, in the registry's words, with its logic, review note or parts."""

    id: str = Field(pattern=r"^(inc|exc)-[0-9]+$")
    type: Literal["inclusion", "exclusion"]
    text: str = Field(min_length=1)
    logic: Node | None = None
    review: str | None = None
    on_record: Node | None = Field(
        default=None,
        description="With review: a person judges only when this names something on record; otherwise the line passes.",
    )
    review_kind: ReviewKind | None = Field(
        default=None, description="judgement (the default) or not_computable: the data is not in FHIR records."
    )
    parts: tuple[Part, ...] = ()
    interpretation: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Criterion:
        forms = [self.logic is not None, self.review is not None, bool(self.parts)]
        if sum(forms) != 1:
            raise ValueError("give exactly one of 'logic', 'review' or 'parts'")
        if self.on_record is not None and self.review is None:
            raise ValueError("on_record goes with review")
        _kind_needs_review(self.review, self.review_kind)
        prefix = "inc-" if self.type == "inclusion" else "exc-"
        if not self.id.startswith(prefix):
            raise ValueError(f"an {self.type} criterion id starts with '{prefix}'")
        return self


class Trial(_Strict):
    """One trial of the catalogue."""

    schema_version: Literal[1]
    id: str = Field(pattern=r"^NCT[0-9]{8}$")
    title: str
    phase: str
    sponsor: str
    url: str
    source: str = Field(description="The registry record the criteria were copied from.")
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class ScoreInputs(_Strict):
    """Value sets the score calculations read (Child-Pugh ascites and HE grades, dialysis)."""

    ascites: str
    ascites_severe: str
    encephalopathy: str
    encephalopathy_coma: str
    dialysis: str


class CatalogMeta(_Strict):
    """``criteria/catalog.yaml``: the catalogue's version and catalogue-wide settings."""

    schema_version: Literal[1]
    catalog_version: str
    score_inputs: ScoreInputs
    meld3_cap: int | None = 40


# -- the loaded catalogue --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Catalog:
    """A validated catalogue, compiled for evaluation."""

    version: str
    meta: CatalogMeta
    trials: dict[str, Trial]
    valuesets: dict[str, CodeMatcher]
    analytes: AnalyteTable
    units: UnitTable


def walk_trial(trial: Trial) -> Iterator[tuple[str, Node]]:
    """Yield (path, node) for every logic node of a trial; a path starts with the criterion or part id."""
    for criterion in trial.criteria:
        for key in ("logic", "on_record"):
            node = getattr(criterion, key)
            if node is not None:
                yield from walk_logic(node, f"{criterion.id}: {key}")
        for part in criterion.parts:
            for key in ("logic", "on_record"):
                node = getattr(part, key)
                if node is not None:
                    yield from walk_logic(node, f"{part.id}: {key}")


@dataclass(frozen=True)
class CatalogReads:
    """What the catalogue's criteria read: value sets by record kind, analytes with their widest window."""

    conditions: frozenset[str]
    procedures: frozenset[str]
    medications: frozenset[str]
    analytes: dict[str, int]  # analyte -> widest within_days a criterion asks for (0: its default look-back)
    scores: bool
    allergies: bool


WHOLE_RECORD_DAYS = 36525
"""The look-back, 100 years, of a test that reads the whole record (positive_results)."""


def catalog_reads(trials: Iterable[Trial]) -> CatalogReads:
    """Walk every logic node once and collect what the criteria read (score inputs not included)."""
    conditions: set[str] = set()
    procedures: set[str] = set()
    medications: set[str] = set()
    analytes: dict[str, int] = {}
    scores = allergies = False
    for trial in trials:
        for _, node in walk_trial(trial):
            if isinstance(node, ConditionNode):
                conditions.add(node.condition.valueset)
            elif isinstance(node, ProcedureNode):
                procedures.add(node.procedure.valueset)
            elif isinstance(node, MedicationNode):
                medications.add(node.medication.valueset)
            elif isinstance(node, MedicationDuration):
                medications.add(node.medication_duration.valueset)
            elif isinstance(node, PositiveResults):
                # Evidence of a diagnosis is read over the whole record.
                name = node.positive_results.analyte
                analytes[name] = max(analytes.get(name, 0), WHOLE_RECORD_DAYS)
            elif isinstance(node, ConditionOnset):
                conditions.add(node.condition_onset.valueset)
            elif isinstance(node, LabSeries):
                # A series is read back to the newest result before its span: the whole record.
                name = node.lab_series.analyte
                analytes[name] = max(analytes.get(name, 0), WHOLE_RECORD_DAYS)
            elif isinstance(node, NewestOf):
                for lab in node.newest_of:
                    analytes[lab.analyte] = max(analytes.get(lab.analyte, 0), lab.within_days or 0)
            elif isinstance(node, Score):
                scores = True
            elif isinstance(node, Allergy):
                allergies = True
            else:
                test: LabTest | LabUlnTest | LabPositiveTest | None = None
                if isinstance(node, Lab):
                    test = node.lab
                elif isinstance(node, LabUln):
                    test = node.lab_uln
                elif isinstance(node, LabPositive):
                    test = node.lab_positive
                if test is None:
                    continue
                for name in (test.analyte, *getattr(test, "or_analytes", ())):
                    analytes[name] = max(analytes.get(name, 0), test.within_days or 0)
    return CatalogReads(
        frozenset(conditions), frozenset(procedures), frozenset(medications), analytes, scores, allergies
    )


def walk_logic(node: Node, path: str = "logic") -> Iterator[tuple[str, Node]]:
    """Yield (path, node) for a logic node and every node under it (implied_by trees included)."""
    yield path, node
    if isinstance(node, All):
        for i, child in enumerate(node.all):
            yield from walk_logic(child, f"{path}.all[{i}]")
    elif isinstance(node, AnyOf):
        for i, child in enumerate(node.any):
            yield from walk_logic(child, f"{path}.any[{i}]")
    elif isinstance(node, Agree):
        for i, child in enumerate(node.agree):
            yield from walk_logic(child, f"{path}.agree[{i}]")
    elif isinstance(node, Not):
        yield from walk_logic(node.not_, f"{path}.not")
    elif isinstance(node, SexSpecific):
        yield from walk_logic(node.sex_specific.logic, f"{path}.sex_specific.logic")
    else:
        for key in ("condition", "medication", "procedure"):
            test = getattr(node, key, None)
            if isinstance(test, RecordTest) and test.implied_by is not None:
                yield from walk_logic(test.implied_by, f"{path}.{key}.implied_by")


def _key_path(loc: Iterable[str | int]) -> str:
    """Return a location as YAML keys and list indices (``logic.any[1].lab.unit``), union tags dropped."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(NODE_TAG):
            path += f".{part}" if path else part
    return path


def _where(data: Any, loc: tuple[str | int, ...]) -> tuple[str, tuple[str | int, ...]]:
    """Return the criterion (or part) id a location lies in, and the location inside it."""
    if len(loc) < 2 or loc[0] != "criteria" or not isinstance(loc[1], int):
        return "", loc
    try:
        criterion = data["criteria"][loc[1]]
        label, rest = str(criterion.get("id") or f"criteria[{loc[1]}]"), loc[2:]
        if len(rest) >= 2 and rest[0] == "parts" and isinstance(rest[1], int):
            part = criterion["parts"][rest[1]]
            label, rest = str(part.get("id") or f"{label} parts[{rest[1]}]"), rest[2:]
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"criteria[{loc[1]}]", loc[2:]
    return label, rest


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated, Optional and tuple[...] from a field annotation, down to a model when there is one."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated or origin is tuple:
            annotation = args[0]
        elif origin in (Union, UnionType) and type(None) in args and len(args) == 2:
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    """Return the schema model that a location points into, following YAML keys and node tags."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if part.startswith(NODE_TAG):
            current = NODE_TYPES.get(part.removeprefix(NODE_TAG))
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        if part not in fields:
            return None
        current = _unwrap(fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _keys_of(model: type[BaseModel] | None) -> str:
    if model is None:
        return "see criteria/schema.json"
    return ", ".join(field.alias or name for name, field in model.model_fields.items())


def _what(error: Any, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """Return what is wrong and what is allowed, for one validation error."""
    kind, value = error["type"], error.get("input")
    nodes = ", ".join(NODE_TYPES)
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'; allowed: {_keys_of(_model_at(model, loc[:-1]))}"
    if kind == "missing":
        return f"missing key '{loc[-1]}'"
    if kind == "union_tag_invalid":
        return f"unknown logic node '{next(iter(value))}'; allowed: {nodes}"
    if kind == "union_tag_not_found":
        if isinstance(value, dict):
            found = ", ".join(map(str, value)) or "none"
            return f"a logic node has exactly one key (found: {found}); allowed: {nodes}"
        return f"a logic node is a mapping with one key, got {value!r}; allowed: {nodes}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "value_error" or isinstance(value, (dict, list)) or value is None:
        return message
    return f"{message}, got {value!r}"


def describe_errors(model: type[BaseModel], data: Any, name: str, error: ValidationError) -> list[str]:
    """Return one line per real validation error: file, criterion id, YAML key path, what is wrong and allowed.

    A tuple whose items failed also reports itself too short (counting only the valid items);
    that echo is left out.
    """
    lines: list[str] = []
    for detail in error.errors(include_url=False):
        value = detail.get("input")
        counted = (detail.get("ctx") or {}).get("actual_length")
        if detail["type"] == "too_short" and isinstance(value, (list, tuple)) and counted != len(value):
            continue
        loc = tuple(detail["loc"])
        criterion, inside = _where(data, loc) if model is Trial else ("", loc)
        where = ": ".join(part for part in (name, criterion, _key_path(inside)) if part)
        line = f"{where}: {_what(detail, model, loc)}"
        if line not in lines:
            lines.append(line)
    return lines or [f"{name}: does not validate: {error}"]


_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        # libyaml's parser when PyYAML has it (its wheels do): the value sets hold thousands of
        # codes, and the pure-Python parser takes seconds over them. Same safe constructor.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read as YAML: {error}")
        return None


def _validate(model: type[BaseModel], data: Any, name: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(describe_errors(model, data, name, error))
        return None


def _load_folder(folder: Path, model: type[BaseModel], problems: list[str]) -> dict[str, Any]:
    """Validate every YAML file of a folder as ``model``; each file's id must be its name."""
    loaded: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        name = f"{folder.name}/{path.name}"
        item = _validate(model, _read_yaml(path, problems), name, problems)
        if item is None:
            continue
        if item.id != path.stem:
            problems.append(f"{name}: id '{item.id}' does not match the file name")
        loaded[item.id] = item
    return loaded


def load_catalog(directory: Path, copies_per_iu: float | None = None) -> Catalog:
    """Load and validate the whole catalogue; raise CatalogError listing every problem."""
    problems: list[str] = []
    if not directory.is_dir():
        raise CatalogError([f"{directory}: criteria directory not found"])
    meta = _validate(CatalogMeta, _read_yaml(directory / "catalog.yaml", problems), "catalog.yaml", problems)
    analytes = _validate(AnalyteTable, _read_yaml(directory / "analytes.yaml", problems), "analytes.yaml", problems)
    valuesets: dict[str, ValueSet] = _load_folder(directory / "valuesets", ValueSet, problems)
    trials: dict[str, Trial] = _load_folder(directory / "trials", Trial, problems)
    units = UnitTable(analytes, copies_per_iu) if analytes is not None else None
    for path in sorted((directory / "trials").glob("*.yaml")):
        # References are checked on the YAML as written, so a trial with schema errors still has
        # its unknown value sets, analytes and units reported in the same pass.
        data = _read_yaml(path, [])
        problems.extend(check_references(f"trials/{path.name}", data, set(valuesets), analytes, units))
    if not trials and not problems:
        problems.append("trials/: no trial files")
    if meta is not None:
        for field_name, vs_id in meta.score_inputs:
            if vs_id not in valuesets:
                problems.append(f"catalog.yaml: score_inputs.{field_name}: unknown value set '{vs_id}'")
    for trial in trials.values():
        problems.extend(_check_trial(trial, valuesets, analytes, units))
    if problems or meta is None or analytes is None or units is None:
        raise CatalogError(problems)
    matchers = {vs_id: CodeMatcher(vs) for vs_id, vs in valuesets.items()}
    return Catalog(catalog_version(directory, meta.catalog_version), meta, trials, matchers, analytes, units)


CONTENT_FILES = ("catalog.yaml", "analytes.yaml", "valuesets/*.yaml", "trials/*.yaml", "sources/*.txt")
"""The files whose bytes make the catalogue: any change to one changes the catalogue version."""


def catalog_digest(directory: Path) -> str:
    """Return a SHA-256 over the catalogue's files (relative name and bytes, in name order)."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in CONTENT_FILES for path in directory.glob(pattern)})
    for path in paths:
        name = path.relative_to(directory).as_posix().encode()
        data = path.read_bytes()
        # Length-prefixed, so that no two different catalogues can give the same byte stream.
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def catalog_version(directory: Path, label: str) -> str:
    """Return the version an answer names: the author's label, then 12 hex digits of the content digest.

    The label (catalog.yaml ``catalog_version``) is for people; the digest changes whenever any
    trial, value set, the analyte table or catalog.yaml changes, bumped label or not.
    """
    return f"{label}+{catalog_digest(directory)[:12]}"


def _check_trial(
    trial: Trial,
    valuesets: dict[str, ValueSet],
    analytes: AnalyteTable | None,
    units: UnitTable | None,
) -> list[str]:
    problems: list[str] = []
    name = f"trials/{trial.id}.yaml"
    ids: set[str] = set()
    for index, criterion in enumerate(trial.criteria):
        for cid in [criterion.id, *(p.id for p in criterion.parts)]:
            if cid in ids:
                problems.append(f"{name}: criteria[{index}]: duplicate id '{cid}'")
            ids.add(cid)
    for path, node in walk_trial(trial):
        where = f"{name}: {path}"
        test: Any = None
        for key in ("medication", "procedure", "medication_duration"):
            if getattr(getattr(node, key, None), "severity", ()) or getattr(getattr(node, key, None), "stage", None):
                problems.append(f"{where}.{key}.severity: only a condition has a severity or stage")
        if analytes is None or units is None:
            continue
        if isinstance(node, PositiveResults):
            evidence_name = node.positive_results.analyte
            evidence = analytes.analytes.get(evidence_name)
            if evidence is not None and evidence.kind == "quantity":
                problems.append(f"{where}.positive_results.analyte: '{evidence_name}' has no qualitative results")
        numeric: list[LabSeriesTest | LabTest] = [node.lab_series] if isinstance(node, LabSeries) else []
        numeric += list(node.newest_of) if isinstance(node, NewestOf) else []
        for series in numeric:
            entry = analytes.analytes.get(series.analyte)
            if entry is not None and entry.kind == "qualitative":
                problems.append(f"{where}: '{series.analyte}' has no numeric values; allowed: a quantity analyte")
        for key in ("lab", "lab_uln", "lab_positive"):
            test = getattr(node, key, None)
            if test is None:
                continue
            analyte = analytes.analytes.get(test.analyte)
            if analyte is None:
                continue
            if key in ("lab", "lab_uln") and analyte.kind == "qualitative":
                problems.append(f"{where}.{key}.analyte: '{test.analyte}' has no numeric values")
            if key == "lab_uln" and (analyte.uln is None or units.declared(analyte, analyte.uln.unit) is None):
                problems.append(f"{where}.{key}.analyte: '{test.analyte}' has no fallback ULN in analytes.yaml")
    return problems


def _suggest(name: str, known: Iterable[str], what: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=3)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"allowed: {what}"


def check_references(
    name: str, data: Any, valuesets: set[str], analytes: AnalyteTable | None, units: UnitTable | None
) -> list[str]:
    """Return a line for each value set, analyte or unit a trial's YAML names that the catalogue lacks."""
    problems: list[str] = []
    criteria = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(criteria, list):
        return problems

    def report(loc: tuple[str | int, ...], what: str) -> None:
        criterion, inside = _where(data, loc)
        problems.append(f"{name}: {criterion}: {_key_path(inside)}: {what}")

    def visit(value: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, (*loc, index))
            return
        if not isinstance(value, dict):
            return
        named = [("valueset", value.get("valueset")), ("substances", value.get("substances"))]
        if loc and loc[-1] == "stage":  # a grade/stage filter names two value sets
            named += [("counts", value.get("counts")), ("other", value.get("other"))]
        for key, valueset in named:
            if isinstance(valueset, str) and valueset not in valuesets:
                hint = _suggest(valueset, valuesets, "a file name under valuesets/")
                report((*loc, key), f"unknown value set '{valueset}'; {hint}")
        if analytes is not None:
            table = analytes.analytes
            for key in ("analyte", "or_analytes", "analytes"):
                names = value.get(key)
                for index, analyte in enumerate(names if isinstance(names, list) else [names]):
                    if isinstance(analyte, str) and analyte not in table:
                        where = (*loc, key, index) if isinstance(names, list) else (*loc, key)
                        hint = _suggest(analyte, table, "an analyte of analytes.yaml")
                        report(where, f"unknown analyte '{analyte}'; {hint}")
            entry, unit = table.get(str(value.get("analyte"))), value.get("unit")
            unknown_unit = entry is not None and isinstance(unit, str) and units is not None
            if entry is not None and unknown_unit and units is not None and units.declared(entry, str(unit)) is None:
                allowed = ", ".join(sorted({entry.canonical_unit, *entry.units} - {""})) or "none (not numeric)"
                report((*loc, "unit"), f"unknown unit '{unit}' for {value['analyte']}; allowed: {allowed}")
        for key, item in value.items():
            visit(item, (*loc, key))

    for index, criterion in enumerate(criteria):
        visit(criterion, ("criteria", index))
    return problems


def export_schema() -> dict[str, Any]:
    """Return the JSON Schema of a trial file, with the schema version."""
    schema = Trial.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://trialmatch.example/schema/trial-v{SCHEMA_VERSION}.json"
    schema["title"] = f"trialmatch trial file, schema version {SCHEMA_VERSION}"
    return schema


def schema_text() -> str:
    """Return the exported JSON Schema as the text committed in criteria/schema.json."""
    return json.dumps(export_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
