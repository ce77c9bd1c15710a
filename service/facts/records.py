"""Record facts: Conditions, medications, Procedures and allergies, and when a record counts in time."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from service.dates import days_before
from service.facts.model import (
    CURRENT_CLINICAL,
    NOT_COUNTING_MEDICATION,
    NOT_COUNTING_PROCEDURE,
    ONGOING_MEDICATION,
    RETRACTED_ALLERGY,
    RETRACTED_CONDITION,
    AllergyRecord,
    ClinicalRecord,
    PatientFacts,
    Span,
    code_of,
    codings_of,
    date_span,
    finite,
    label_of,
    texts_of,
)
from service.intake import Intake, Read, reference_key
from service.terminology import CodeMatcher


class RecordReader:
    """Reads Conditions, medication records, Procedures and allergies into one record shape."""

    def _onset_span(self, value: Any, facts: PatientFacts, where: str) -> Span | None:
        if value is None:
            return None
        if hasattr(value, "value") and hasattr(value, "unit") and not hasattr(value, "start"):
            # Age form: birth date plus an age in years.
            years = finite(value.value)
            if years is None or facts.birth is None:
                return None
            start = _add_years(facts.birth.start, years)
            end = _add_years(facts.birth.end, years + 1)
            if start is None or end is None:
                # An age no one reaches, or one whose date leaves the calendar, is an error in the
                # record: the date is unknown (never a guess), as if the record gave none.
                facts.warnings.append(f"{where}: age outside 0 to {MAX_AGE_YEARS} years; its date is unknown")
                return None
            return Span(start, end - dt.timedelta(days=1))
        if hasattr(value, "start"):
            first = date_span(value.start) if value.start else None
            last = date_span(value.end) if value.end else None
            if first is None and last is None:
                return None
            return Span((first or last).start, (last or first).end)  # type: ignore[union-attr]
        return date_span(value)

    def condition(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        cond = read.resource
        verification = code_of(cond.verificationStatus)
        if verification in RETRACTED_CONDITION:
            facts.warnings.append(f"{read.reference}: condition not counted: {verification}")
            return None
        if cond.code is not None and any(c.code and not c.system for c in cond.code.coding or ()):
            facts.warnings.append(f"{read.reference}: a coding without a system cannot be identified; ignored")
        onset_value = cond.onsetDateTime or cond.onsetPeriod or cond.onsetAge or cond.onsetRange
        onset = self._onset_span(onset_value, facts, read.reference)
        abatement_value = cond.abatementDateTime or cond.abatementPeriod or cond.abatementAge
        abatement = self._onset_span(abatement_value, facts, read.reference)
        ended = abatement is not None or bool(cond.abatementString) or cond.abatementRange is not None
        clinical = code_of(cond.clinicalStatus)
        recorded = date_span(cond.recordedDate) if cond.recordedDate else None
        codings = codings_of(cond.code)
        for stage in cond.stage or ():
            codings += codings_of(stage.summary)
        return ClinicalRecord(
            kind="condition",
            codings=codings,
            texts=texts_of(cond.code),
            status=clinical,
            verification=verification,
            start=onset,
            end=abatement,
            ended=ended,
            recorded=recorded.end if recorded else None,
            severity=codings_of(cond.severity),
            reference=read.reference,
            display=label_of(cond.code) or "condition",
        )

    def medication(self, read: Read, intake: Intake, facts: PatientFacts) -> ClinicalRecord | None:
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
            codings=codings_of(concept),
            texts=texts_of(concept),
            status=status,
            verification=None,
            start=start,
            end=end,
            ended=not ongoing,
            recorded=start.start if start else None,
            severity=(),
            reference=read.reference,
            display=label_of(concept) or "medication",
        )

    def procedure(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        proc = read.resource
        status = str(proc.status)
        if status in NOT_COUNTING_PROCEDURE:
            facts.warnings.append(f"{read.reference}: procedure not counted: status {status}")
            return None
        performed = proc.performedDateTime or proc.performedPeriod or proc.performedAge
        span = self._onset_span(performed, facts, read.reference)
        return ClinicalRecord(
            kind="procedure",
            codings=codings_of(proc.code),
            texts=texts_of(proc.code),
            status=status,
            verification=None,
            start=span,
            end=span,
            ended=status not in ("in-progress", "preparation"),
            recorded=span.end if span else None,
            severity=(),
            reference=read.reference,
            display=label_of(proc.code) or "procedure",
        )

    def allergy(self, read: Read) -> AllergyRecord | None:
        allergy = read.resource
        if code_of(allergy.verificationStatus) in RETRACTED_ALLERGY:
            return None
        severities = [str(r.severity) for r in allergy.reaction or () if r.severity]
        order = {"mild": 0, "moderate": 1, "severe": 2}
        worst = max(severities, key=lambda s: order.get(s, -1)) if severities else None
        return AllergyRecord(
            codings=codings_of(allergy.code),
            display=label_of(allergy.code) or "allergy",
            criticality=str(allergy.criticality) if allergy.criticality else None,
            severity=worst,
            categories=tuple(str(c) for c in allergy.category or ()),
            reference=read.reference,
            status=code_of(allergy.clinicalStatus),
        )


def when_is_point(rtype: str, med: Any) -> bool:
    """Return whether an ongoing medication's end is open: statements and requests without an end."""
    if rtype == "MedicationRequest":
        period = med.dispenseRequest.validityPeriod if med.dispenseRequest else None
        return period is None or period.end is None
    if rtype == "MedicationStatement":
        return med.effectivePeriod is None or med.effectivePeriod.end is None
    return med.effectivePeriod is None or med.effectivePeriod.end is None


# The oldest verified human lived 122 years; an age beyond this bound is an error in the record.
MAX_AGE_YEARS = 150


def _add_years(day: dt.date, years: float) -> dt.date | None:
    """Return the day ``years`` whole years after ``day``, or None for an age out of range or off the calendar."""
    if not 0 <= years <= MAX_AGE_YEARS + 1 or not dt.MINYEAR <= day.year + int(years) <= dt.MAXYEAR:
        return None
    year = day.year + int(years)
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


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
    return record.start.end >= days_before(as_of, FINDING_CURRENT_DAYS)


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
    window_start = days_before(as_of, days)
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
