"""Facts model: the shapes facts are held in, FHIR date handling, and the small readers every kind of fact uses."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from service.dates import days_before
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
NOT_COUNTING_MEDICATION = frozenset({"entered-in-error", "not-taken", "not-done", "cancelled", "draft"})
ONGOING_MEDICATION = frozenset({"active", "in-progress", "on-hold", "intended"})
NOT_COUNTING_PROCEDURE = frozenset({"not-done", "entered-in-error"})
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
    """One counted lab or body-measure value, in the analyte's canonical unit."""

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

    def evidence(self) -> Evidence:
        """Return this value as evidence: its resource, code, value as reported and date."""
        return Evidence(self.reference, f"{self.code}: {self.original} on {self.effective}")


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

    def evidence(self) -> Evidence:
        """Return this record as evidence: its resource and display."""
        return Evidence(self.reference, self.display)

    @property
    def uncertain(self) -> bool:
        """Return whether the record is unconfirmed, provisional or differential."""
        return self.verification in UNCERTAIN_CONDITION


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

    @cached_property
    def detail_text(self) -> str:
        """Return the detail as one phrase ('class B, bilirubin 2, ...'), built once."""
        return ", ".join(f"{k} {v}" for k, v in self.detail)


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
    warnings: list[str] = field(default_factory=list)

    def age_range(self, on: dt.date) -> tuple[int, int] | None:
        """Return the smallest and largest age the birth date allows on a day, or None."""
        if self.birth is None or self.birth.start > on:
            return None  # no birth date, or one after the day asked about: age unknown
        return age_on(min(self.birth.end, on), on), age_on(self.birth.start, on)

    def latest(self, analyte: str, as_of: dt.date, days: int) -> LabValue | None:
        """Return the newest counted value within ``days`` before ``as_of`` (inclusive)."""
        earliest = days_before(as_of, days)
        for value in self.labs.get(analyte, ()):
            if earliest <= value.effective <= as_of:
                return value
        return None


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
