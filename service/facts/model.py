"""Facts model: the shapes facts are held in, FHIR date handling, and the small readers every kind of fact uses."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from service.dates import shift
from service.errors import one_line
from service.terminology import Coding, normalise_code

COUNTING_OBSERVATION_STATUSES = frozenset({"final", "amended", "corrected"})
NOT_COUNTING_OBSERVATION_REASON = {
    "preliminary": "status preliminary (not yet final)",
    "registered": "status registered (no result yet)",
    "cancelled": "status cancelled",
    "entered-in-error": "status entered-in-error",
    "unknown": "status unknown",
}
RETRACTED_CONDITION = frozenset({"refuted", "entered-in-error"})
UNCERTAIN_CONDITION = frozenset({"unconfirmed", "provisional", "differential"})
CURRENT_CLINICAL = frozenset({"active", "recurrence", "relapse"})
PAST_CLINICAL = frozenset({"inactive", "remission", "resolved"})
CLINICAL_STATUSES = CURRENT_CLINICAL | PAST_CLINICAL
NOT_COUNTING_MEDICATION = frozenset(
    {"entered-in-error", "not-taken", "not-done", "cancelled", "draft", "declined", "preparation"}
)
"""Medication statuses that never count; declined and preparation are MedicationDispense statuses (not handed over)."""
NOT_TAKEN_MEDICATION = "not-taken"
"""MedicationStatement status: the patient is stated not to take the drug (kept apart, never a course)."""
ONGOING_MEDICATION = frozenset({"active", "in-progress", "on-hold"})
# Statuses that do not say whether the drug is being taken: 'intended' (MedicationStatement: may
# be taken in the future) and 'unknown'. Such a record is neither current nor past: unknown.
UNSURE_MEDICATION = frozenset({"intended", "unknown"})
# 'preparation' is a planned procedure, not one performed (FHIR event-status).
NOT_COUNTING_PROCEDURE = frozenset({"not-done", "entered-in-error", "preparation"})
PLANNED_PROCEDURE = "preparation"
# US Core Condition categories (http://terminology.hl7.org/CodeSystem/condition-category and
# http://hl7.org/fhir/us/core/CodeSystem/condition-category).
ENCOUNTER_DIAGNOSIS = "encounter-diagnosis"
LIST_CATEGORIES = frozenset({"problem-list-item", "health-concern"})
RETRACTED_ALLERGY = frozenset({"refuted", "entered-in-error"})
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})


def printable(text: str, limit: int = 40) -> str:
    """Return a short, single-line form of a bundle string for a warning (control characters escaped)."""
    short = text[:limit]
    return short.encode("unicode_escape").decode("ascii") if not short.isprintable() else short


@dataclass(frozen=True, slots=True)
class Span:
    """The earliest and latest day a (possibly partial) FHIR date or period can mean."""

    start: dt.date
    end: dt.date


def date_span(value: object) -> Span | None:
    """Return the days a FHIR date, dateTime or partial date ('1970', '1970-05') can mean."""
    if isinstance(value, dt.datetime):
        return Span(value.date(), value.date())
    if isinstance(value, dt.date):
        return Span(value, value)
    if isinstance(value, str):
        parts = value[:10].split("-")
        try:
            if len(parts) == 1:
                year = int(parts[0])
                return Span(dt.date(year, 1, 1), dt.date(year, 12, 31))
            if len(parts) == 2:
                year, month = int(parts[0]), int(parts[1])
                last = calendar.monthrange(year, month)[1]
                return Span(dt.date(year, month, 1), dt.date(year, month, last))
            return Span(dt.date.fromisoformat(value[:10]), dt.date.fromisoformat(value[:10]))
        except ValueError:
            return None
    return None


def age_on(birth: dt.date, on: dt.date) -> int:
    """Return completed years; a 29 February birthday falls on 28 February in other years."""
    years = on.year - birth.year
    birthday = (birth.month, birth.day)
    if birthday == (2, 29) and not calendar.isleap(on.year):
        birthday = (2, 28)
    if (on.month, on.day) < birthday:
        years -= 1
    return years


@dataclass(frozen=True, slots=True)
class Evidence:
    """A FHIR resource a verdict rests on (its texts bounded like every echoed string: errors.one_line)."""

    reference: str
    display: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reference", one_line(self.reference))
        object.__setattr__(self, "display", one_line(self.display))


@dataclass(frozen=True, slots=True)
class LabValue:
    """One lab or body-measure result, in the analyte's canonical unit, or why it cannot be read.

    ``low``/``high`` bound ``value`` when the unit's factor is uncertain (HBV DNA copies/mL);
    ``ulns`` are the upper limits of normal of the report's reference ranges that apply to the
    patient (several when the patient's sex or age cannot choose among them). ``unreadable``
    says why the result cannot be read (unit, value, range): it still counts as the newest
    result, so a criterion it would decide is unknown. ``order`` places results of one day:
    the issued instant, when the report gives one.
    """

    analyte: str
    code: str
    value: float | None
    unit: str
    comparator: str | None
    original: str
    positive: bool | None
    effective: dt.date
    uln: float | None
    reference: str
    status: str
    converted: bool
    low: float | None = None
    high: float | None = None
    ulns: tuple[float, ...] = ()
    unreadable: str | None = None
    issued: float | None = None
    effective_at: float | None = None
    code_key: str = ""
    specimen: str | None = None
    identifiers: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()

    def evidence(self) -> Evidence:
        """Return this value as evidence: its resource, code, value as reported and date."""
        return Evidence(self.reference, f"{self.code}: {self.original} on {self.effective}")

    def newer_than(self, other: LabValue) -> bool | None:
        """Return whether this result is newer (True), older (False) or not orderable (None) against another."""
        if self.effective != other.effective:
            return self.effective > other.effective
        if self.issued is None or other.issued is None or self.issued == other.issued:
            return None  # same day and no issued instants to tell them apart: never by resource id
        return self.issued > other.issued


@dataclass(frozen=True, slots=True)
class ClinicalRecord:
    """A Condition, a coded Observation finding, a Procedure or a medication, in one shape."""

    kind: str
    codings: tuple[Coding, ...]
    texts: tuple[str, ...]
    status: str | None
    verification: str | None
    start: Span | None
    end: Span | None
    ended: bool
    recorded: dt.date | None
    severity: tuple[Coding, ...]
    reference: str
    display: str
    extra: tuple[tuple[str, str], ...] = ()
    category: str | None = None
    severity_text: str = ""
    stage_text: str = ""
    confirm: str = ""
    """Why the record only suggests its concept (a finding outside a Condition, a dispense): it
    never counts alone; a criterion it matches is unknown with this reason (README, findings)."""
    unidentified: bool = False
    """A medication record whose drug cannot be identified (no code, no words, reference unresolved)."""

    def evidence(self) -> Evidence:
        """Return this record as evidence: its resource and display."""
        return Evidence(self.reference, self.display)

    @property
    def uncertain(self) -> bool:
        """Return whether the record is unconfirmed, provisional or differential."""
        return self.verification in UNCERTAIN_CONDITION

    @property
    def last_seen(self) -> dt.date | None:
        """Return the latest day the record itself shows the condition present: its onset or recorded date."""
        days = [d for d in (self.start.end if self.start else None, self.recorded) if d is not None]
        return max(days) if days else None


@dataclass(frozen=True, slots=True)
class AllergyRecord:
    """An allergy or intolerance with its criticality and the worst reaction severity."""

    codings: tuple[Coding, ...]
    display: str
    criticality: str | None
    severity: str | None
    categories: tuple[str, ...]
    reference: str
    status: str | None = None


@dataclass(frozen=True, slots=True)
class EncounterRecord:
    """An Encounter as an event: whether it was an inpatient stay, its days, its reasons (service.facts.encounters).

    ``inpatient`` is None when the class does not say (no class, a class of another system, an
    observation or short stay); ``start``/``end`` are None when the period does not give them.
    """

    status: str | None
    inpatient: bool | None
    start: Span | None
    end: Span | None
    reasons: tuple[tuple[tuple[Coding, ...], tuple[str, ...]], ...]  # (codings, texts) per reasonCode
    reference: str
    display: str


@dataclass(frozen=True, slots=True)
class FamilyRecord:
    """A relative's history: the kinship degree (None when the relationship does not say) and the conditions."""

    relationship: str
    degree: int | None
    conditions: tuple[tuple[tuple[Coding, ...], tuple[str, ...]], ...]  # (codings, texts) per condition
    reference: str


@dataclass(frozen=True)
class ScoreInput:
    """A value a score used, with its date and source."""

    name: str
    value: float | str | bool
    unit: str
    date: dt.date | None
    reference: str | None


@dataclass(frozen=True)
class ScoreResult:
    """A computed score, or the inputs that are missing to compute it."""

    name: str
    value: float | None
    inputs: tuple[ScoreInput, ...]
    missing: tuple[str, ...]
    detail: tuple[tuple[str, str], ...] = ()
    flags: tuple[str, ...] = ()
    high: float | None = None
    """The upper end when an input allows several values (an ungraded ascites); ``value`` is the lower."""

    @cached_property
    def detail_text(self) -> str:
        """Return the detail as one phrase ('class B, bilirubin 2, ...'), built once."""
        return ", ".join(f"{k} {v}" for k, v in self.detail)


# The resource types each kind of record comes from: conditions also from Observation findings
# (a coded value such as "ascites"), medications from the three medication resources and the
# Medication resources they reference.
RECORD_TYPES: dict[str, tuple[str, ...]] = {
    "condition": ("Condition", "Observation"),
    "medication": ("MedicationRequest", "MedicationStatement", "MedicationAdministration", "Medication"),
    "procedure": ("Procedure",),
    "allergy": ("AllergyIntolerance",),
    "lab": ("Observation",),
    "encounter": ("Encounter",),
}


def not_provided_text(types: tuple[str, ...]) -> str:
    """Return the phrase naming resource types a caller did not provide."""
    return f"{', '.join(types)} records were not provided"


@dataclass
class PatientFacts:
    """Everything the service understood from one patient's Bundle."""

    patient_id: str
    sex: str | None
    birth: Span | None
    deceased: bool | None
    labs: dict[str, list[LabValue]]
    conditions: list[ClinicalRecord]
    findings: list[ClinicalRecord]
    medications: list[ClinicalRecord]
    procedures: list[ClinicalRecord]
    allergies: list[AllergyRecord]
    scores: dict[str, ScoreResult] = field(default_factory=dict)
    family: list[FamilyRecord] = field(default_factory=list)
    planned: list[ClinicalRecord] = field(default_factory=list)
    """Procedures planned, not done (status preparation): read only by tests of plans (records: planned)."""
    not_taken: list[ClinicalRecord] = field(default_factory=list)
    """MedicationStatements stating the drug is not taken: read by tests of such statements and as a
    contradiction of a current order (records: not_taken; README, record semantics)."""
    family_read: bool = False  # whether the Bundle held any FamilyMemberHistory
    encounters: list[EncounterRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deceased_note: str = ""
    # Resource types the caller could not provide (a failed CDS Hooks prefetch, a partial
    # export): their absence is unknown, not "no record" (README, partial data).
    not_provided: frozenset[str] = frozenset()

    def unprovided(self, types: tuple[str, ...]) -> tuple[str, ...]:
        """Return those of ``types`` the caller did not provide, in the order given."""
        return tuple(t for t in types if t in self.not_provided)

    def age_range(self, on: dt.date) -> tuple[int, int] | None:
        """Return the smallest and largest age the birth date allows on a day, or None."""
        if self.birth is None or self.birth.start > on:
            return None  # no birth date, or one after the day asked about: age unknown
        return age_on(min(self.birth.end, on), on), age_on(self.birth.start, on)

    def newest(self, analyte: str, as_of: dt.date, days: int) -> tuple[LabValue, ...]:
        """Return the newest results within ``days`` before ``as_of`` (inclusive): one, or several not orderable."""
        earliest = shift(as_of, days=-days)
        group: list[LabValue] = []
        for value in self.labs.get(analyte, ()):  # newest first (LabReader.finish)
            if not earliest <= value.effective <= as_of:
                continue
            if group and any(value.newer_than(other) is False for other in group):
                break
            group.append(value)
        return tuple(group)

    def latest(self, analyte: str, as_of: dt.date, days: int) -> LabValue | None:
        """Return the newest result within the window if it alone is newest, or all newest agree; else None."""
        group = self.newest(analyte, as_of, days)
        if not group:
            return None
        first = group[0]
        same = all(
            (v.value, v.comparator, v.positive, v.unreadable)
            == (first.value, first.comparator, first.positive, first.unreadable)
            for v in group
        )
        return first if same else None


# -- reading helpers (shared by the lab and record readers) ------------------------------


def codings_of(concept: Any) -> tuple[Coding, ...]:
    if concept is None:
        return ()
    out = []
    for coding in concept.coding or ():
        if coding.system and coding.code:
            out.append((coding.system, normalise_code(coding.system, coding.code), coding.display or ""))
    return tuple(out)


def texts_of(concept: Any) -> tuple[str, ...]:
    if concept is None:
        return ()
    texts = [concept.text] if concept.text else []
    texts.extend(c.display for c in concept.coding or () if c.display)
    return tuple(t.lower() for t in texts)


def code_of(concept: Any) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding or ():
        if coding.code:
            return str(coding.code)
    return None


def label_of(concept: Any) -> str:
    if concept is None:
        return ""
    if concept.text:
        return str(concept.text)
    for coding in concept.coding or ():
        if coding.display:
            return str(coding.display)
        if coding.code:
            return str(coding.code)
    return ""


def finite(value: Decimal | float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def format_number(value: float) -> str:
    text = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"
    return text


def finding(
    concept: Any, span: Span | None, status: str | None, reference: str, display: str, confirm: str = ""
) -> ClinicalRecord:
    """Return a point-in-time finding (current for a year after its day) of a concept's codes and words."""
    return ClinicalRecord(
        kind="finding",
        codings=codings_of(concept),
        texts=texts_of(concept),
        status=status,
        verification=None,
        start=span,
        end=None,
        ended=False,
        recorded=span.end if span else None,
        severity=(),
        reference=reference,
        display=display,
        confirm=confirm,
    )
