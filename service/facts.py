"""Facts: validated FHIR resources -> what the patient's record says, in canonical form.

Which values count (documented in the README):
- Observation.status final, amended and corrected count. preliminary does not count for
  eligibility (a result can still change) and registered has no result yet; both are listed
  as warnings. cancelled, entered-in-error and unknown never count.
- A lab value outside its analyte's plausible range (a negative bilirubin, sodium 5000) is
  treated as an error: it does not count and a warning says so.
- A value whose unit the table cannot convert does not count; a warning names the unit.
- A value with no date cannot be placed in a look-back window and does not count.
- Condition.verificationStatus refuted and entered-in-error never count; unconfirmed,
  provisional and differential are kept and marked uncertain.
- Medication statuses entered-in-error, not-taken, not-done, cancelled and draft never count;
  nor do Procedure statuses not-done and entered-in-error; nor refuted or entered-in-error
  allergies. Inactive and resolved allergies are kept: criteria ask for a history of allergy.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from service import scores as formulas
from service.intake import Intake, Read, reference_key
from service.terminology import Analyte, AnalyteTable, CodeMatcher, Coding, normalise_code
from service.units import UnitTable

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
    """A FHIR resource a verdict rests on."""

    reference: str
    display: str


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
        earliest = as_of - dt.timedelta(days=days)
        for value in self.labs.get(analyte, ()):
            if earliest <= value.effective <= as_of:
                return value
        return None


# -- reading helpers -------------------------------------------------------------------------


def _codings(concept: Any) -> tuple[Coding, ...]:
    if concept is None:
        return ()
    out = []
    for coding in concept.coding or ():
        if coding.system and coding.code:
            out.append((coding.system, normalise_code(coding.system, coding.code), coding.display or ""))
    return tuple(out)


def _texts(concept: Any) -> tuple[str, ...]:
    if concept is None:
        return ()
    texts = [concept.text] if concept.text else []
    texts.extend(c.display for c in concept.coding or () if c.display)
    return tuple(t.lower() for t in texts)


def _code_of(concept: Any) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding or ():
        if coding.code:
            return str(coding.code)
    return None


def _label(concept: Any) -> str:
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


def _finite(value: Decimal | float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _format_number(value: float) -> str:
    text = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"
    return text


class FactBuilder:
    """Builds PatientFacts from an Intake, using the analyte table and the value sets."""

    def __init__(self, table: AnalyteTable, units: UnitTable) -> None:
        self.table = table
        self.units = units
        self._by_code: dict[tuple[str, str], str] = {}
        for name, analyte in table.analytes.items():
            for code in analyte.codes:
                self._by_code[(code.system, code.code)] = name
        q = table.qualitative
        self._positive = {(c.system, c.code) for c in q.positive_codes}
        self._negative = {(c.system, c.code) for c in q.negative_codes}
        self._positive_words = tuple(w.lower() for w in q.positive_words)
        self._negative_words = tuple(w.lower() for w in q.negative_words)
        self._positive_interp = frozenset(q.positive_interpretations)
        self._negative_interp = frozenset(q.negative_interpretations)

    def build(self, intake: Intake) -> PatientFacts:
        """Read the patient, labs, conditions, medications, procedures and allergies."""
        warnings = list(intake.warnings)
        patient = intake.patient.resource
        birth = date_span(patient.birthDate) if patient.birthDate else None
        deceased: bool | None = None
        if patient.deceasedBoolean is not None:
            deceased = bool(patient.deceasedBoolean)
        elif patient.deceasedDateTime is not None:
            deceased = True
        facts = PatientFacts(
            patient_id=patient.id or intake.patient.reference,
            sex=patient.gender if patient.gender in ADMINISTRATIVE_GENDER else None,
            birth=birth,
            deceased=deceased,
            labs={},
            conditions=[],
            findings=[],
            medications=[],
            procedures=[],
            allergies=[],
            warnings=warnings,
        )
        if patient.gender is not None and patient.gender not in ADMINISTRATIVE_GENDER:
            warnings.append("Patient.gender is not an administrative-gender code; sex unknown")
        for read in intake.resources.get("Observation", ()):
            self._observation(read, facts)
        for values in facts.labs.values():
            values.sort(key=lambda v: (v.effective, v.reference), reverse=True)
        for read in intake.resources.get("Condition", ()):
            record = self._condition(read, facts)
            if record is not None:
                facts.conditions.append(record)
        for rtype in ("MedicationStatement", "MedicationRequest", "MedicationAdministration"):
            for read in intake.resources.get(rtype, ()):
                med = self._medication(read, intake, facts)
                if med is not None:
                    facts.medications.append(med)
        for read in intake.resources.get("Procedure", ()):
            proc = self._procedure(read, facts)
            if proc is not None:
                facts.procedures.append(proc)
        for read in intake.resources.get("AllergyIntolerance", ()):
            allergy = self._allergy(read)
            if allergy is not None:
                facts.allergies.append(allergy)
        return facts

    # -- observations ----------------------------------------------------------------------

    def _observation(self, read: Read, facts: PatientFacts) -> None:
        obs = read.resource
        analyte_name = None
        code_label = ""
        for system, code, display in _codings(obs.code):
            analyte_name = self._by_code.get((system, code))
            if analyte_name is not None:
                code_label = f"LOINC {code}" + (f" {display}" if display else "")
                break
        if analyte_name is None:
            self._finding(read, facts)
            return
        analyte = self.table.analytes[analyte_name]
        status = str(obs.status)
        if status not in COUNTING_OBSERVATION_STATUSES:
            reason = NOT_COUNTING_OBSERVATION_REASON.get(status, f"status {status}")
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: {reason}")
            return
        when = obs.effectiveDateTime or obs.effectiveInstant
        if when is None and obs.effectivePeriod is not None:
            when = obs.effectivePeriod.end or obs.effectivePeriod.start
        if when is None:
            when = obs.issued
        span = date_span(when) if when is not None else None
        if span is None:
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: no date")
            return
        effective = span.end
        value = self._lab_value(read, analyte_name, analyte, code_label, effective, facts)
        if value is not None:
            facts.labs.setdefault(analyte_name, []).append(value)

    def _interpretation(self, obs: Any) -> bool | None:
        for concept in obs.interpretation or ():
            for coding in concept.coding or ():
                if coding.code in self._positive_interp:
                    return True
                if coding.code in self._negative_interp:
                    return False
        return None

    def _words(self, text: str) -> bool | None:
        lowered = text.lower()
        # Negative phrases contain positive words ("not detected"), so test them first.
        if any(word in lowered for word in self._negative_words):
            return False
        if any(word in lowered for word in self._positive_words):
            return True
        return None

    def _lab_value(
        self,
        read: Read,
        name: str,
        analyte: Analyte,
        code_label: str,
        effective: dt.date,
        facts: PatientFacts,
    ) -> LabValue | None:
        obs = read.resource
        interpretation = self._interpretation(obs)
        quantity = obs.valueQuantity
        if quantity is not None and quantity.value is not None and analyte.kind != "qualitative":
            return self._quantity(read, name, analyte, code_label, effective, interpretation, facts)
        positive: bool | None = None
        original = ""
        if obs.valueCodeableConcept is not None:
            for system, code, _display in _codings(obs.valueCodeableConcept):
                if (system, code) in self._positive:
                    positive = True
                elif (system, code) in self._negative:
                    positive = False
            if positive is None:
                positive = self._words(" ".join(_texts(obs.valueCodeableConcept)))
            original = _label(obs.valueCodeableConcept)
        elif obs.valueString is not None:
            positive = self._words(obs.valueString)
            original = str(obs.valueString)
        elif obs.valueBoolean is not None:
            positive = bool(obs.valueBoolean)
            original = "true" if obs.valueBoolean else "false"
        elif quantity is not None and quantity.value is not None:
            original = f"{_format_number(float(quantity.value))} {quantity.code or quantity.unit or ''}"
        if positive is None:
            positive = interpretation
        if positive is None:
            facts.warnings.append(
                f"{read.reference}: {analyte.display} not counted: result could not be read as positive or negative"
            )
            return None
        word = "positive/detected" if positive else "negative/not detected"
        return LabValue(
            analyte=name,
            code=code_label,
            value=None,
            unit="",
            comparator=None,
            original=f"{original} ({word})" if original else word,
            positive=positive,
            effective=effective,
            uln=None,
            reference=read.reference,
            status=str(obs.status),
            converted=False,
        )

    def _quantity(
        self,
        read: Read,
        name: str,
        analyte: Analyte,
        code_label: str,
        effective: dt.date,
        interpretation: bool | None,
        facts: PatientFacts,
    ) -> LabValue | None:
        obs = read.resource
        quantity = obs.valueQuantity
        raw = _finite(quantity.value)
        reported_unit = quantity.code or quantity.unit or ""
        if raw is None:
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: value not finite")
            return None
        unit = self.units.resolve(analyte, quantity.code, quantity.unit)
        if unit is None:
            facts.warnings.append(
                f"{read.reference}: {analyte.display} not counted: "
                f"unit '{printable(reported_unit)}' cannot be converted"
            )
            return None
        converted = self.units.to_canonical(analyte, unit, raw)
        if converted is None:
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: value out of range")
            return None
        plausible = analyte.plausible
        if raw < 0 or (plausible and not plausible.min <= converted.value <= plausible.max):
            facts.warnings.append(
                f"{read.reference}: {analyte.display} not counted: value implausible ({_format_number(raw)} {unit})"
            )
            return None
        comparator = str(quantity.comparator) if quantity.comparator else None
        positive: bool | None
        if interpretation is not None:
            positive = interpretation
        elif comparator in ("<", "<="):
            positive = False  # reported below the assay's limit: not detected
        else:
            positive = converted.value > 0
        uln = None
        for ref_range in obs.referenceRange or ():
            high = ref_range.high
            if high is None or high.value is None:
                continue
            high_unit = self.units.resolve(analyte, high.code, high.unit) or unit
            high_value = _finite(high.value)
            if high_value is None:
                continue
            high_converted = self.units.to_canonical(analyte, high_unit, high_value)
            if high_converted is not None:
                uln = high_converted.value
                break
        return LabValue(
            analyte=name,
            code=code_label,
            value=converted.value,
            unit=converted.unit,
            comparator=comparator,
            original=f"{comparator or ''}{_format_number(raw)} {unit}",
            positive=positive,
            effective=effective,
            uln=uln,
            reference=read.reference,
            status=str(obs.status),
            converted=converted.converted,
        )

    def _finding(self, read: Read, facts: PatientFacts) -> None:
        obs = read.resource
        status = str(obs.status)
        if status not in COUNTING_OBSERVATION_STATUSES:
            return
        when = obs.effectiveDateTime or obs.effectiveInstant or obs.issued
        if when is None and obs.effectivePeriod is not None:
            when = obs.effectivePeriod.start
        span = date_span(when) if when is not None else None
        facts.findings.append(
            ClinicalRecord(
                kind="finding",
                codings=_codings(obs.code) + _codings(obs.valueCodeableConcept),
                texts=_texts(obs.valueCodeableConcept),
                status=status,
                verification=None,
                start=span,
                end=None,  # a point-in-time finding: current for FINDING_CURRENT_DAYS after it
                ended=False,
                recorded=span.end if span else None,
                severity=(),
                reference=read.reference,
                display=f"{_label(obs.code)}: {_label(obs.valueCodeableConcept)}",
            )
        )

    # -- conditions, medications, procedures, allergies -------------------------------------

    def _onset_span(self, value: Any, facts: PatientFacts) -> Span | None:
        if value is None:
            return None
        if hasattr(value, "value") and hasattr(value, "unit") and not hasattr(value, "start"):
            # Age form: birth date plus an age in years.
            years = _finite(value.value)
            if years is None or facts.birth is None:
                return None
            start = _add_years(facts.birth.start, int(years))
            end = _add_years(facts.birth.end, int(years) + 1) - dt.timedelta(days=1)
            return Span(start, end)
        if hasattr(value, "start"):
            first = date_span(value.start) if value.start else None
            last = date_span(value.end) if value.end else None
            if first is None and last is None:
                return None
            return Span((first or last).start, (last or first).end)  # type: ignore[union-attr]
        return date_span(value)

    def _condition(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        cond = read.resource
        verification = _code_of(cond.verificationStatus)
        if verification in RETRACTED_CONDITION:
            facts.warnings.append(f"{read.reference}: condition not counted: {verification}")
            return None
        if cond.code is not None and any(c.code and not c.system for c in cond.code.coding or ()):
            facts.warnings.append(f"{read.reference}: a coding without a system cannot be identified; ignored")
        onset = self._onset_span(cond.onsetDateTime or cond.onsetPeriod or cond.onsetAge or cond.onsetRange, facts)
        abatement = self._onset_span(cond.abatementDateTime or cond.abatementPeriod or cond.abatementAge, facts)
        ended = abatement is not None or bool(cond.abatementString) or cond.abatementRange is not None
        clinical = _code_of(cond.clinicalStatus)
        recorded = date_span(cond.recordedDate) if cond.recordedDate else None
        codings = _codings(cond.code)
        for stage in cond.stage or ():
            codings += _codings(stage.summary)
        return ClinicalRecord(
            kind="condition",
            codings=codings,
            texts=_texts(cond.code),
            status=clinical,
            verification=verification,
            start=onset,
            end=abatement,
            ended=ended,
            recorded=recorded.end if recorded else None,
            severity=_codings(cond.severity),
            reference=read.reference,
            display=_label(cond.code) or "condition",
        )

    def _medication(self, read: Read, intake: Intake, facts: PatientFacts) -> ClinicalRecord | None:
        med = read.resource
        status = str(med.status) if med.status else None
        if status in NOT_COUNTING_MEDICATION:
            facts.warnings.append(f"{read.reference}: medication not counted: status {status}")
            return None
        concept = med.medicationCodeableConcept
        if concept is None and med.medicationReference is not None:
            target = med.medicationReference.reference
            found = intake.by_reference.get(target) or intake.by_reference.get(reference_key(target or ""))
            if found is not None and type(found.resource).__name__ == "Medication":
                concept = found.resource.code
            else:
                facts.warnings.append(f"{read.reference}: medicationReference does not resolve; drug not identified")
        start: Span | None = None
        end: Span | None = None
        rtype = type(med).__name__
        if rtype == "MedicationRequest":
            period = med.dispenseRequest.validityPeriod if med.dispenseRequest else None
            start = date_span(med.authoredOn) if med.authoredOn else None
            if period is not None:
                start = date_span(period.start) if period.start else start
                end = date_span(period.end) if period.end else None
        else:
            when = med.effectiveDateTime
            period = med.effectivePeriod
            if when is not None:
                start = end = date_span(when)
            elif period is not None:
                start = date_span(period.start) if period.start else None
                end = date_span(period.end) if period.end else None
            if rtype == "MedicationStatement" and start is None and med.dateAsserted:
                start = date_span(med.dateAsserted)
        ongoing = status in ONGOING_MEDICATION
        if ongoing and when_is_point(rtype, med):
            end = None
        return ClinicalRecord(
            kind="medication",
            codings=_codings(concept),
            texts=_texts(concept),
            status=status,
            verification=None,
            start=start,
            end=end,
            ended=not ongoing,
            recorded=start.start if start else None,
            severity=(),
            reference=read.reference,
            display=_label(concept) or "medication",
        )

    def _procedure(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        proc = read.resource
        status = str(proc.status)
        if status in NOT_COUNTING_PROCEDURE:
            facts.warnings.append(f"{read.reference}: procedure not counted: status {status}")
            return None
        span = self._onset_span(proc.performedDateTime or proc.performedPeriod or proc.performedAge, facts)
        return ClinicalRecord(
            kind="procedure",
            codings=_codings(proc.code),
            texts=_texts(proc.code),
            status=status,
            verification=None,
            start=span,
            end=span,
            ended=status not in ("in-progress", "preparation"),
            recorded=span.end if span else None,
            severity=(),
            reference=read.reference,
            display=_label(proc.code) or "procedure",
        )

    def _allergy(self, read: Read) -> AllergyRecord | None:
        allergy = read.resource
        if _code_of(allergy.verificationStatus) in RETRACTED_ALLERGY:
            return None
        severities = [str(r.severity) for r in allergy.reaction or () if r.severity]
        order = {"mild": 0, "moderate": 1, "severe": 2}
        worst = max(severities, key=lambda s: order.get(s, -1)) if severities else None
        return AllergyRecord(
            codings=_codings(allergy.code),
            display=_label(allergy.code) or "allergy",
            criticality=str(allergy.criticality) if allergy.criticality else None,
            severity=worst,
            categories=tuple(str(c) for c in allergy.category or ()),
            reference=read.reference,
            status=_code_of(allergy.clinicalStatus),
        )


def when_is_point(rtype: str, med: Any) -> bool:
    """Return whether an ongoing medication's end is open: statements and requests without an end."""
    if rtype == "MedicationRequest":
        period = med.dispenseRequest.validityPeriod if med.dispenseRequest else None
        return period is None or period.end is None
    if rtype == "MedicationStatement":
        return med.effectivePeriod is None or med.effectivePeriod.end is None
    return med.effectivePeriod is None or med.effectivePeriod.end is None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def matching(records: Iterable[ClinicalRecord], matcher: CodeMatcher) -> list[tuple[ClinicalRecord, str]]:
    """Return the records whose codes or texts are in a value set, with what matched."""
    found = []
    for record in records:
        label = matcher.first_match(record.codings, record.texts)
        if label is not None:
            found.append((record, label))
    return found


# -- timing of records -----------------------------------------------------------------------


def is_current(record: ClinicalRecord, as_of: dt.date) -> bool | None:
    """Return whether a record is current on the as-of date; None if it cannot be told.

    A coded Observation finding is a point in time: it counts as current for a year after it
    was observed (FINDING_CURRENT_DAYS).
    """
    if record.start is not None and record.start.start > as_of:
        return False
    if record.end is not None:
        if record.end.end < as_of:
            return False
        if record.end.start < as_of:
            return None  # a partial end date that may fall before or after the as-of date
    elif record.ended and record.kind != "finding":
        return False
    if record.kind == "condition":
        return record.status is None or record.status in CURRENT_CLINICAL
    if record.kind == "medication":
        return True
    if record.kind == "procedure":
        return record.status == "in-progress"
    if record.start is None:
        return None
    return record.start.end >= as_of - dt.timedelta(days=FINDING_CURRENT_DAYS)


FINDING_CURRENT_DAYS = 365


def occurred_within(record: ClinicalRecord, as_of: dt.date, days: int | None) -> bool | None:
    """Return whether a record was present at any time in [as_of - days, as_of] (None: any time).

    A current record is present on the as-of date. A record with no date that is not current
    cannot be placed in time, so the answer is None (unknown) for a bounded window.
    """
    if record.start is not None and record.start.start > as_of:
        return False
    if days is None:
        return True
    window_start = as_of - dt.timedelta(days=days)
    current = is_current(record, as_of)
    if current:
        return True
    last = record.end or record.start
    if last is None:
        if record.recorded is not None:
            return record.recorded >= window_start
        return None
    if last.start >= window_start:
        return True
    if last.end < window_start:
        return False
    return None


# -- scores from facts -----------------------------------------------------------------------

SEVERITY_SEVERE = "24484000"
SEVERITY_MODERATE = "6736007"
SEVERITY_MILD = "255604002"
DIALYSIS_WINDOW_DAYS = 7
DIALYSIS_MIN_SESSIONS = 2


@dataclass(frozen=True)
class ScoreMatchers:
    """The value sets Child-Pugh and MELD read (named in criteria/catalog.yaml)."""

    ascites: CodeMatcher
    ascites_severe: CodeMatcher
    encephalopathy: CodeMatcher
    encephalopathy_coma: CodeMatcher
    dialysis: CodeMatcher


def _severity(record: ClinicalRecord) -> str | None:
    codes = {code for _, code, _ in record.severity}
    if SEVERITY_SEVERE in codes:
        return "severe"
    if SEVERITY_MODERATE in codes:
        return "moderate"
    if SEVERITY_MILD in codes:
        return "mild"
    return None


def _lab_input(facts: PatientFacts, analyte: str, label: str, as_of: dt.date, days: int) -> ScoreInput | None:
    value = facts.latest(analyte, as_of, days)
    if value is None or value.value is None or value.comparator is not None:
        return None
    return ScoreInput(label, round(value.value, 4), value.unit, value.effective, value.reference)


def compute_scores(
    facts: PatientFacts,
    as_of: dt.date,
    matchers: ScoreMatchers,
    lookback: dict[str, int],
    meld3_cap: int | None,
) -> dict[str, ScoreResult]:
    """Compute Child-Pugh, MELD, MELD-Na, MELD 3.0 and BMI from the latest values in their look-backs.

    A lab feeds a score when it is the latest counted value within the analyte's look-back
    (analytes.yaml lookback_days) before the as-of date; a censored value ('<', '>') does not.
    """
    labs = {
        name: _lab_input(facts, name, label, as_of, lookback[name])
        for name, label in (
            ("bilirubin_total", "total bilirubin"),
            ("albumin", "albumin"),
            ("inr", "INR"),
            ("creatinine", "creatinine"),
            ("sodium", "sodium"),
        )
    }

    def missing(*names: str) -> tuple[str, ...]:
        return tuple(
            f"{n.replace('_total', '').replace('_', ' ')} within {lookback[n]} days" for n in names if labs[n] is None
        )

    out: dict[str, ScoreResult] = {}

    # Child-Pugh: ascites and encephalopathy grades from current conditions and findings.
    flags: list[str] = []
    clinical = [r for r in facts.conditions + facts.findings if is_current(r, as_of) and not r.uncertain]
    ascites_records = [r for r, _ in matching(clinical, matchers.ascites)]
    severe_ascites = [r for r, _ in matching(clinical, matchers.ascites_severe)]
    ascites: formulas.AscitesGrade = "none"
    if severe_ascites or any(_severity(r) in ("moderate", "severe") for r in ascites_records):
        ascites = "moderate_severe"
    elif ascites_records:
        ascites = "mild"
        if all(_severity(r) is None for r in ascites_records):
            flags.append("ascites recorded without severity, scored as mild (2 points)")
    else:
        flags.append("no current ascites record, scored as none")
    he_records = [r for r, _ in matching(clinical, matchers.encephalopathy)]
    coma = [r for r, _ in matching(clinical, matchers.encephalopathy_coma)]
    encephalopathy: formulas.EncephalopathyGrade = "none"
    if coma or any(_severity(r) == "severe" for r in he_records):
        encephalopathy = "grade_3_4"
    elif he_records:
        encephalopathy = "grade_1_2"
        if all(_severity(r) is None for r in he_records):
            flags.append("hepatic encephalopathy recorded without grade, scored as grade 1-2 (2 points)")
    else:
        flags.append("no current hepatic encephalopathy record, scored as none")
    clinical_inputs = tuple(
        ScoreInput(name, grade, "", r.recorded or (r.start.end if r.start else None), r.reference)
        for name, grade, records in (
            ("ascites", ascites, severe_ascites or ascites_records),
            ("hepatic encephalopathy", encephalopathy, coma or he_records),
        )
        for r in records[:1]
    )
    cp_missing = missing("bilirubin_total", "albumin", "inr")
    bili, alb, inr = labs["bilirubin_total"], labs["albumin"], labs["inr"]
    if bili and alb and inr:
        cp = formulas.child_pugh(float(bili.value), float(alb.value), float(inr.value), ascites, encephalopathy)
        out["child_pugh"] = ScoreResult(
            "child_pugh",
            float(cp.total),
            (bili, alb, inr, *clinical_inputs),
            (),
            (
                ("class", cp.child_class),
                ("bilirubin", str(cp.bilirubin)),
                ("albumin", str(cp.albumin)),
                ("INR", str(cp.inr)),
                ("ascites", str(cp.ascites)),
                ("encephalopathy", str(cp.encephalopathy)),
            ),
            tuple(flags),
        )
    else:
        out["child_pugh"] = ScoreResult("child_pugh", None, tuple(i for i in (bili, alb, inr) if i), cp_missing)

    # Dialysis: at least two sessions in the prior 7 days (OPTN rule, clinical.md D.2).
    sessions = [
        r for r, _ in matching(facts.procedures, matchers.dialysis) if occurred_within(r, as_of, DIALYSIS_WINDOW_DAYS)
    ]
    dialysis = len(sessions) >= DIALYSIS_MIN_SESSIONS
    dialysis_inputs = tuple(ScoreInput("dialysis session", True, "", r.recorded, r.reference) for r in sessions)
    cr, na = labs["creatinine"], labs["sodium"]
    meld_labs = (cr, bili, inr)
    if cr and bili and inr:
        args = (float(cr.value), float(bili.value), float(inr.value))
        base = (cr, bili, inr, *dialysis_inputs)
        detail = (("dialysis", "yes" if dialysis else "no"),)
        out["meld"] = ScoreResult("meld", float(formulas.meld(*args, dialysis=dialysis)), base, (), detail)
        if na:
            out["meld_na"] = ScoreResult(
                "meld_na",
                float(formulas.meld_na(*args, float(na.value), dialysis=dialysis)),
                (*base, na),
                (),
                detail,
            )
        else:
            out["meld_na"] = ScoreResult("meld_na", None, base, missing("sodium"))
        sex_known = facts.sex in ("male", "female")
        if na and alb and sex_known:
            value = formulas.meld_3(
                facts.sex == "female",
                *args,
                float(na.value),
                float(alb.value),
                dialysis=dialysis,
                cap=meld3_cap,
            )
            out["meld_3"] = ScoreResult("meld_3", float(value), (*base, na, alb), (), detail)
        else:
            need = missing("sodium", "albumin") + (() if sex_known else ("administrative sex male or female",))
            out["meld_3"] = ScoreResult("meld_3", None, base, need)
    else:
        found = tuple(i for i in meld_labs if i)
        out["meld"] = ScoreResult("meld", None, found, missing("creatinine", "bilirubin_total", "inr"))
        out["meld_na"] = ScoreResult("meld_na", None, found, missing("creatinine", "bilirubin_total", "inr", "sodium"))
        need3 = missing("creatinine", "bilirubin_total", "inr", "sodium", "albumin")
        out["meld_3"] = ScoreResult("meld_3", None, found, need3)

    # BMI: a BMI observation, else weight over height squared.
    bmi_obs = _lab_input(facts, "bmi", "BMI", as_of, lookback["bmi"])
    weight = _lab_input(facts, "weight", "weight", as_of, lookback["weight"])
    height = _lab_input(facts, "height", "height", as_of, lookback["height"])
    if bmi_obs is not None:
        out["bmi"] = ScoreResult(
            "bmi",
            formulas.round_half_up(float(bmi_obs.value), 1),
            (bmi_obs,),
            (),
            (("from", "BMI observation"),),
        )
    elif weight is not None and height is not None:
        derived = formulas.bmi(float(weight.value), float(height.value))
        out["bmi"] = ScoreResult("bmi", derived, (weight, height), (), (("from", "weight and height"),))
    else:
        need = tuple(
            f"{name} within {lookback[name]} days"
            for name, item in (("weight", weight), ("height", height))
            if item is None
        )
        out["bmi"] = ScoreResult(
            "bmi",
            None,
            tuple(i for i in (weight, height) if i),
            (f"BMI within {lookback['bmi']} days or " + " and ".join(need),),
        )
    return out
