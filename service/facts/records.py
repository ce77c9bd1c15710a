"""Record facts: Conditions, medications, Procedures and allergies, and when a record counts in time.

The timing rules (README, "What counts as current"):

- Condition.clinicalStatus active, recurrence or relapse is current; inactive, remission and
  resolved are history. An abatement date in the past ends a condition; when it contradicts an
  'active' status the end is unknown (FHIR con-4 forbids the pair). A recurrence or relapse
  after an abated episode is current.
- A Condition without clinicalStatus (and without abatement) was present on its own dates
  (onset, recordedDate). After them whether it is still present is unknown, except for an
  encounter diagnosis (US Core category encounter-diagnosis), which describes one encounter:
  ENCOUNTER_DIAGNOSIS_HISTORY_DAYS after its last date it is history.
- A record that is over but whose end is not recorded (resolved with no abatement date, a
  completed medication with no end) ended at an unknown day between its start and the as-of
  date: a "within N" window that does not reach back to its start is unknown, never false.
- Medication records: active, in-progress and on-hold are ongoing; completed and stopped are
  past; intended and unknown leave it unknown. A request's end is its validity period's end,
  else its expected supply duration times (1 + refills). An ongoing status with an end already
  past contradicts itself: unknown.
- Procedures: completed and stopped were performed; in-progress is current; preparation is a
  plan and never counts as done (kept apart in PatientFacts.planned, read only by tests of plans);
  status unknown leaves every timing unknown.
- A MedicationStatement 'not-taken' says the drug is not taken: it is never exposure or a course
  (kept apart in PatientFacts.not_taken); a test of such statements reads it, and one current in a
  value set makes a current order of that set, or a course of it, unknown (a contradiction).
- A plan or a not-taken statement counts for a window if it is undated, its period is open, or
  its latest date lies in or after the window's start (stated_within).
- A coded Observation finding is current for FINDING_CURRENT_DAYS after it was observed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.dates import shift
from service.facts.model import (
    CLINICAL_STATUSES,
    CURRENT_CLINICAL,
    ENCOUNTER_DIAGNOSIS,
    LIST_CATEGORIES,
    NOT_COUNTING_MEDICATION,
    NOT_COUNTING_PROCEDURE,
    NOT_TAKEN_MEDICATION,
    ONGOING_MEDICATION,
    PLANNED_PROCEDURE,
    RETRACTED_ALLERGY,
    RETRACTED_CONDITION,
    UNSURE_MEDICATION,
    AllergyRecord,
    ClinicalRecord,
    PatientFacts,
    Span,
    code_of,
    codings_of,
    date_span,
    finding,
    finite,
    format_number,
    label_of,
    texts_of,
)
from service.intake import Intake, Read
from service.terminology import CodeMatcher

FINDING_CURRENT_DAYS = 365
ENCOUNTER_DIAGNOSIS_HISTORY_DAYS = 365
COURSE_GAP_DAYS = 45
"""Two records of a drug course are one course when the next starts no more than this many days
after the previous one's last covered day (its end, its supply, or its start when neither is
recorded): a monthly refill without an end date joins, a pause of more than six weeks does not."""
OLDEST_AGE_YEARS = 150
MEDICATION_RECORDS = ("MedicationStatement", "MedicationRequest", "MedicationAdministration", "MedicationDispense")
NOT_COUNTING_ENCOUNTER = frozenset({"planned", "cancelled", "entered-in-error"})
"""Encounter statuses (FHIR R4 encounter-status) whose reasons are no evidence: it did not take place."""

# UCUM time units (and the words systems send instead) -> (calendar months per unit, days per unit).
_AGE_UNITS: dict[str, tuple[int, float]] = {
    "a": (12, 0),
    "mo": (1, 0),
    "wk": (0, 7),
    "d": (0, 1),
    "h": (0, 1 / 24),
    "min": (0, 1 / 1440),
}
_AGE_WORDS = {
    "y": "a",
    "yr": "a",
    "yrs": "a",
    "year": "a",
    "years": "a",
    "month": "mo",
    "months": "mo",
    "week": "wk",
    "weeks": "wk",
    "day": "d",
    "days": "d",
    "hour": "h",
    "hours": "h",
    "hr": "h",
    "minute": "min",
    "minutes": "min",
}

SEVERITY_CODES = {"24484000": "severe", "6736007": "moderate", "255604002": "mild"}
"""SNOMED CT condition-severity codes (FHIR R4 condition-severity value set; clinical.md E.1)."""
_SEVERITY_ORDER = ("mild", "moderate", "severe")


def time_unit(quantity: Any) -> str | None:
    """Return the UCUM time unit of an Age or Duration (its code, else its unit word), or None."""
    for raw in (getattr(quantity, "code", None), getattr(quantity, "unit", None)):
        if isinstance(raw, str) and raw.strip():
            key = raw.strip()
            if key in _AGE_UNITS:
                return key
            word = _AGE_WORDS.get(key.lower().rstrip("."))
            if word is not None:
                return word
    return None


def age_span(birth: Span, value: float, unit: str) -> Span | None:
    """Return the days an age in completed units can mean, from a (possibly partial) birth date.

    An age of 6 'mo' is from the day six months after birth to the day before seven months; a
    fractional age widens the span to whole units. A negative age or one beyond
    OLDEST_AGE_YEARS is not a date (None).
    """
    months_per, days_per = _AGE_UNITS[unit]
    if not math.isfinite(value) or value < 0 or value * (months_per or days_per) > OLDEST_AGE_YEARS * 366:
        return None
    if months_per:
        low, high = math.floor(value * months_per), math.ceil((value + 1) * months_per)
        if high > OLDEST_AGE_YEARS * 12:
            return None
        return Span(shift(birth.start, months=low), shift(birth.end, months=high, days=-1))
    low = math.floor(value * days_per)
    high = math.ceil((value + 1) * days_per) - (1 if days_per >= 1 else 0)
    if high > OLDEST_AGE_YEARS * 366:
        return None
    return Span(shift(birth.start, days=low), shift(birth.end, days=max(low, high)))


class RecordReader:
    """Reads Conditions, medication records, Procedures and allergies into one record shape."""

    def _age(self, quantity: Any, facts: PatientFacts, where: str) -> Span | None:
        number = finite(getattr(quantity, "value", None))
        unit = time_unit(quantity)
        written = unit or getattr(quantity, "unit", "") or ""
        shown = f"{format_number(number) if number is not None else '?'} {written}".strip()
        if number is None or unit is None:
            facts.warnings.append(f"{where}: an age needs a number and a UCUM time unit ({shown}); date unknown")
            return None
        if facts.birth is None:
            facts.warnings.append(f"{where}: an age with no birth date; date unknown")
            return None
        span = age_span(facts.birth, number, unit)
        if span is None:
            facts.warnings.append(f"{where}: age {shown} is negative or out of range; date unknown")
        return span

    def _when(self, value: Any, facts: PatientFacts, where: str) -> Span | None:
        """Return the days a dateTime, Period, Age or Range of ages can mean, or None (also before birth)."""
        return _born_before(self._span(value, facts, where), facts, where)

    def _span(self, value: Any, facts: PatientFacts, where: str) -> Span | None:
        if value is None:
            return None
        if hasattr(value, "low") and hasattr(value, "high"):  # Range of ages
            low = self._age(value.low, facts, where) if value.low is not None else None
            high = self._age(value.high, facts, where) if value.high is not None else None
            if low is None and high is None:
                return None
            if low is not None and high is not None:
                return Span(low.start, high.end)
            birth = facts.birth.start if facts.birth else dt.date.min
            return Span(low.start, shift(birth, years=OLDEST_AGE_YEARS)) if low else Span(birth, high.end)  # type: ignore[union-attr]
        if hasattr(value, "value") and not hasattr(value, "start"):  # Age
            return self._age(value, facts, where)
        if hasattr(value, "start"):  # Period
            first = date_span(value.start) if value.start else None
            last = date_span(value.end) if value.end else None
            if first is None and last is None:
                return None
            return Span((first or last).start, (last or first).end)  # type: ignore[union-attr]
        return date_span(value)

    def condition(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        cond = read.resource
        verification = _status_code(cond.verificationStatus)
        if verification in RETRACTED_CONDITION:
            facts.warnings.append(f"{read.reference}: condition not counted: {verification}")
            return None
        if cond.code is not None and any(c.code and not c.system for c in cond.code.coding or ()):
            facts.warnings.append(f"{read.reference}: a coding without a system cannot be identified; ignored")
        onset = self._when(
            cond.onsetDateTime or cond.onsetPeriod or cond.onsetAge or cond.onsetRange, facts, f"{read.reference} onset"
        )
        abatement = self._when(
            cond.abatementDateTime or cond.abatementPeriod or cond.abatementAge or cond.abatementRange,
            facts,
            f"{read.reference} abatement",
        )
        ended = abatement is not None or bool(cond.abatementString) or cond.abatementRange is not None
        ended = ended or cond.abatementAge is not None
        clinical = _status_code(cond.clinicalStatus)
        if clinical is not None and clinical not in CLINICAL_STATUSES:
            facts.warnings.append(f"{read.reference}: clinicalStatus '{clinical[:40]}' is not a known code; ignored")
            clinical = None
        recorded = date_span(cond.recordedDate) if cond.recordedDate else None
        codings = codings_of(cond.code)
        stage_texts: tuple[str, ...] = ()
        for stage in cond.stage or ():
            codings += codings_of(stage.summary)
            stage_texts += texts_of(stage.summary)
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
            category=_category(cond.category),
            severity_text=" ".join(texts_of(cond.severity)),
            stage_text=" ".join(stage_texts),
        )

    def medication(self, read: Read, intake: Intake, facts: PatientFacts) -> ClinicalRecord | None:
        med = read.resource
        status = str(med.status) if med.status else None
        if status == NOT_TAKEN_MEDICATION and type(med).__name__ == "MedicationStatement":
            facts.warnings.append(f"{read.reference}: stated not taken: never a course of therapy; read as such")
        elif status in NOT_COUNTING_MEDICATION:
            facts.warnings.append(f"{read.reference}: medication not counted: status {status}")
            return None
        concept = med.medicationCodeableConcept
        texts: tuple[str, ...] = ()
        if concept is None and med.medicationReference is not None:
            found = intake.resolve(read, med.medicationReference.reference)
            if found is not None and type(found.resource).__name__ == "Medication":
                concept = found.resource.code
            else:
                facts.warnings.append(f"{read.reference}: medicationReference does not resolve; drug not identified")
            # The reference's own words name the drug when the target does not (the safety net reads them).
            shown = med.medicationReference.display
            texts = (shown.lower(),) if isinstance(shown, str) and shown.strip() and concept is None else ()
        by_display = bool(texts)  # the display's words, only when no concept was found
        codings = codings_of(concept)
        texts = texts_of(concept) + texts
        start: Span | None = None
        end: Span | None = None
        confirm = ""
        rtype = type(med).__name__
        if by_display:
            confirm = f"named only by the display of an unresolved medicationReference ({read.reference}); confirm"
        if rtype == "MedicationDispense":
            start, end, confirm = self._dispense(med, read, facts)
        elif rtype == "MedicationRequest":
            request = med.dispenseRequest
            period = request.validityPeriod if request else None
            start = date_span(med.authoredOn) if med.authoredOn else None
            if period is not None:
                start = date_span(period.start) if period.start else start
                end = date_span(period.end) if period.end else None
            if end is None and start is not None and request is not None:
                end = self._supply_end(start, request)
        else:
            when = med.effectiveDateTime
            effective = med.effectivePeriod
            if when is not None:
                start = end = date_span(when)
            elif effective is not None:
                start = date_span(effective.start) if effective.start else None
                end = date_span(effective.end) if effective.end else None
            if rtype == "MedicationStatement" and start is None and med.dateAsserted:
                # dateAsserted is when the statement was made: the drug was taken since some day
                # up to then, so the start is any day from the birth date (or unknown) to it.
                asserted = date_span(med.dateAsserted)
                if asserted is not None:
                    earliest = facts.birth.start if facts.birth is not None else dt.date(1900, 1, 1)
                    start = Span(min(earliest, asserted.start), asserted.end)
            if status in ONGOING_MEDICATION and when is not None:
                end = None  # an ongoing statement dated by one day: taken since then
        start = _born_before(start, facts, f"{read.reference} start")
        end = _born_before(end, facts, f"{read.reference} end")
        identified = any(code for _, code, _ in codings) or any(t.strip() for t in texts)
        if not identified:
            facts.warnings.append(f"{read.reference}: the drug has no code and no name; medication criteria unknown")
        return ClinicalRecord(
            kind="medication",
            codings=codings,
            texts=texts,
            status=status,
            verification=None,
            start=start,
            end=end,
            ended=status not in ONGOING_MEDICATION and status not in UNSURE_MEDICATION,
            recorded=start.start if start else None,
            severity=(),
            reference=read.reference,
            display=label_of(concept) or (texts[0] if texts else "unidentified medication"),
            confirm=confirm,
            unidentified=not identified,
        )

    def _dispense(self, med: Any, read: Read, facts: PatientFacts) -> tuple[Span | None, Span | None, str]:
        """Return a dispense's start (handed over, else prepared), supply end and why it needs confirming.

        A dispense shows the drug was handed to the patient, not that it was taken: it never counts
        alone (README, "Records outside a Condition"). Its days of supply, when given in time units,
        end it; without them it covers its own day.
        """
        when = med.whenHandedOver or med.whenPrepared
        start = date_span(when) if when else None
        end = start
        if start is not None:
            end = supply_end(start, med.daysSupply, 1) or start
        day = f" on {start.start}" if start is not None and start.start == start.end else ""
        return start, end, f"dispensed{day} ({read.reference}): handed over, whether taken is not recorded; confirm"

    @staticmethod
    def _supply_end(start: Span, request: Any) -> Span | None:
        """Return the last day a request's expected supply (times 1 + refills) covers, or None."""
        repeats = int(request.numberOfRepeatsAllowed or 0)
        return supply_end(start, request.expectedSupplyDuration, 1 + min(repeats, 1000))

    def procedure(self, read: Read, facts: PatientFacts) -> ClinicalRecord | None:
        proc = read.resource
        status = str(proc.status)
        if status == PLANNED_PROCEDURE:
            facts.warnings.append(f"{read.reference}: planned (status preparation): never counted as done")
        elif status in NOT_COUNTING_PROCEDURE:
            facts.warnings.append(f"{read.reference}: procedure not counted: status {status}")
            return None
        span = self._when(
            proc.performedDateTime or proc.performedPeriod or proc.performedAge or proc.performedRange,
            facts,
            f"{read.reference} performed",
        )
        return ClinicalRecord(
            kind="procedure",
            codings=codings_of(proc.code),
            texts=texts_of(proc.code),
            status=status,
            verification=None,
            start=span,
            end=span,
            ended=status not in ("in-progress", "on-hold"),
            recorded=span.end if span else None,
            severity=(),
            reference=read.reference,
            display=label_of(proc.code) or "procedure",
        )

    def encounter(self, read: Read, facts: PatientFacts) -> list[ClinicalRecord]:
        """Return an Encounter's reasons as findings to confirm: a condition named only as why the patient came.

        The reason says what the encounter was for, not that it was diagnosed: it never counts
        alone (README, "Records outside a Condition"); it is dated by the encounter's period.
        """
        enc = read.resource
        status = str(enc.status) if enc.status else None
        if status in NOT_COUNTING_ENCOUNTER:
            return []
        span = self._when(enc.period, facts, f"{read.reference} period")
        confirm = f"named only as the reason for {read.reference}, not as a diagnosis; confirm"
        return [
            finding(
                reason,
                span,
                status,
                read.reference,
                f"reason for encounter: {label_of(reason) or 'not named'}",
                confirm,
            )
            for reason in enc.reasonCode or ()
        ]

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


def supply_end(start: Span, supply: Any, times: int) -> Span | None:
    """Return the last day a supply (a time Duration or Quantity, times ``times``) from start covers, or None."""
    if supply is None:
        return None
    number, unit = finite(supply.value), time_unit(supply)
    if number is None or unit is None or number <= 0:
        return None
    months_per, days_per = _AGE_UNITS[unit]
    total = number * times
    if months_per:
        months = math.floor(total * months_per)
        return Span(shift(start.start, months=months, days=-1), shift(start.end, months=months, days=-1))
    days = max(math.floor(total * days_per), 1)
    return Span(shift(start.start, days=days - 1), shift(start.end, days=days - 1))


def _born_before(span: Span | None, facts: PatientFacts, where: str) -> Span | None:
    """Return the span, or None with a warning when it lies wholly before the birth date."""
    if span is not None and facts.birth is not None and span.end < facts.birth.start:
        facts.warnings.append(f"{where}: dated before the birth date; date unknown")
        return None
    return span


def _status_code(concept: Any) -> str | None:
    """Return a status CodeableConcept's code, or its text when that is a bare code ('Active')."""
    code = code_of(concept)
    if code is None and concept is not None and isinstance(concept.text, str):
        code = concept.text
    return code.strip().lower() or None if code is not None else None


def _category(categories: Any) -> str | None:
    """Return the Condition category that decides timing: encounter-diagnosis, else a list category."""
    found = {str(c.code).strip().lower() for concept in categories or () for c in concept.coding or () if c.code}
    if ENCOUNTER_DIAGNOSIS in found and not found & LIST_CATEGORIES:
        return ENCOUNTER_DIAGNOSIS
    listed = sorted(found & LIST_CATEGORIES)
    return listed[0] if listed else (ENCOUNTER_DIAGNOSIS if ENCOUNTER_DIAGNOSIS in found else None)


def severity_of(record: ClinicalRecord) -> str | None:
    """Return a Condition's grade (mild, moderate, severe) from its SNOMED severity code, else its words.

    Words are read only when no code is known; the worst word wins ('moderate to severe' is severe).
    """
    coded = [SEVERITY_CODES[code] for _, code, _ in record.severity if code in SEVERITY_CODES]
    words = " ".join([record.severity_text, *(display.lower() for _, _, display in record.severity)])
    found = coded or [grade for grade in _SEVERITY_ORDER if grade in words.split()]
    return max(found, key=_SEVERITY_ORDER.index) if found else None


def stage_of(record: ClinicalRecord, counts: CodeMatcher, other: CodeMatcher) -> bool | None:
    """Return whether a Condition's grade or stage is one that counts, False if another, None if not graded.

    Codes (Condition.code and Condition.stage.summary) decide first; else the words of the stage
    and of the Condition itself (a set's names or suspect words: "NYHA class II").
    """
    for matcher, verdict in ((counts, True), (other, False)):
        if any(matcher.match_code(system, code) for system, code, _ in record.codings):
            return verdict
    words = [record.stage_text, *record.texts, *(display for _, _, display in record.codings if display)]
    for matcher, verdict in ((counts, True), (other, False)):
        if any(text and (matcher.match_text(text) or matcher.has_suspect_words(text)) for text in words):
            return verdict
    return None


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
    """Return whether a record is current on the as-of date; None if it cannot be told (module rules)."""
    if record.start is not None and record.start.start > as_of:
        return False
    if record.kind == "condition":
        return _condition_current(record, as_of)
    if record.kind == "finding":
        if record.start is None:
            return None
        return record.start.end >= shift(as_of, days=-FINDING_CURRENT_DAYS)
    if record.status == "unknown" or record.status in UNSURE_MEDICATION:
        return None
    ended = _ended_by(record.end, as_of)
    if ended is True and record.kind == "medication" and record.status in ONGOING_MEDICATION:
        return None  # 'active' with an end already past contradicts itself: the drug may still be taken
    if ended is not False:
        return None if ended is None else False
    if record.kind == "medication":
        if record.status == "stopped":
            return False
        # An end on or after the as-of date (validity, supply, effective period) keeps a
        # completed or ongoing record current; without one only an ongoing status does.
        return True if record.end is not None else not record.ended
    if record.kind == "procedure":
        return None if record.status == "on-hold" else record.status == "in-progress"
    return None


def _ended_by(end: Span | None, as_of: dt.date) -> bool | None:
    """Return whether a recorded end lies before the as-of date (None: a partial end around it)."""
    if end is None:
        return False
    if end.end < as_of:
        return True
    if end.start < as_of:
        return None
    return False


def _condition_current(record: ClinicalRecord, as_of: dt.date) -> bool | None:
    abated = _ended_by(record.end, as_of)
    if record.status in CURRENT_CLINICAL:
        if abated is True:
            # An abatement before an 'active' status contradicts it (con-4); a recurrence or
            # relapse is a new episode after the abated one.
            return True if record.status != "active" else None
        return None if abated is None else True
    if record.status is not None:
        return False  # inactive, remission, resolved
    if abated is True or (record.ended and record.end is None):
        return False
    if abated is None:
        return None
    seen = record.last_seen
    if seen is not None and seen >= as_of:
        return True
    history = shift(as_of, days=-ENCOUNTER_DIAGNOSIS_HISTORY_DAYS)
    if record.category == ENCOUNTER_DIAGNOSIS and seen is not None and seen < history:
        return False
    return None


def _latest_certain(record: ClinicalRecord, as_of: dt.date, current: bool | None) -> dt.date | None:
    """Return the latest day the record is certainly present (None: no day known)."""
    if current:
        return as_of
    if record.end is not None:
        return record.end.start
    if record.kind == "condition" and record.status is None:
        return record.last_seen  # no status: present on its own dates, recordedDate included
    if record.start is not None:
        # A partial onset ('2026-10', an onsetAge in months) is certain only from its earliest day:
        # an onset span reaching back before a window leaves the window unknown, not met.
        return record.start.start
    # A recordedDate says when a resolved condition was written down, not that it was present.
    return None if record.kind == "condition" else record.recorded


def _latest_possible(record: ClinicalRecord, as_of: dt.date, current: bool | None) -> dt.date | None:
    """Return the latest day the record may have been present (None: up to the as-of date or beyond)."""
    if current is not False:
        return None
    if record.kind == "finding" and record.start is not None:
        return shift(record.start.end, days=FINDING_CURRENT_DAYS)
    if record.end is not None and _ended_by(record.end, as_of) is True:
        return record.end.end
    if record.kind == "condition" and record.status is None and not record.ended and record.last_seen is not None:
        return shift(record.last_seen, days=ENCOUNTER_DIAGNOSIS_HISTORY_DAYS)
    if record.kind == "procedure" and record.start is not None:
        return record.start.end
    return as_of  # over, but its end is not recorded


def occurred_within(record: ClinicalRecord, as_of: dt.date, since: dt.date | None) -> bool | None:
    """Return whether a record was present at any time in [since, as_of] (since None: at any time).

    A record that ended on an unrecorded day may have lasted into the window: unless it is
    known present inside it, the answer is None (unknown), never False.
    """
    if record.start is not None and record.start.start > as_of:
        return False
    if record.kind == "procedure" and record.status == "unknown":
        return None
    if record.kind == "medication" and record.status in UNSURE_MEDICATION:
        return None
    if since is None:
        return True
    current = is_current(record, as_of)
    certain = _latest_certain(record, as_of, current)
    if certain is not None and certain >= since and (record.start is None or record.start.end <= as_of):
        return True
    possible = _latest_possible(record, as_of, current)
    if possible is not None and possible < since:
        return False
    return None


def stated_within(record: ClinicalRecord, since: dt.date | None) -> bool:
    """Return whether a plan or a not-taken statement is live for a window starting at ``since``.

    Undated, or open-ended (a not-taken period with no end): yes, the safe reading for a record
    that can only raise a question. Otherwise its latest date must be on or after ``since``.
    """
    if since is None or record.start is None:
        return True
    if record.end is None and record.kind == "medication":
        return True
    latest = max(span.end for span in (record.start, record.end) if span is not None)
    return latest >= since


# -- courses of therapy ----------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    """A continuous course of drugs of one value set: its first record's start and its records."""

    start: Span
    records: tuple[ClinicalRecord, ...]
    current: bool | None


def current_course(records: Iterable[ClinicalRecord], as_of: dt.date) -> Course | None:
    """Return the course that reaches the as-of date, chaining refills and switches; None if there is none.

    Records are joined in order of start while each starts (at the latest) no more than
    COURSE_GAP_DAYS after the last day the course so far certainly covered. The course is
    current if one of its records is; if none is but its last covered day is within the gap
    tolerance of the as-of date (the last refill may not be recorded yet) it is unknown.
    """
    dated = sorted(
        (r for r in records if r.start is not None and r.start.start <= as_of),
        key=lambda r: (r.start.start, r.reference),  # type: ignore[union-attr]
    )
    chain: list[ClinicalRecord] = []
    covered = dt.date.min
    for record in dated:
        assert record.start is not None
        now = is_current(record, as_of)
        last = as_of if now else (record.end.start if record.end is not None else record.start.end)
        if chain and record.start.end > shift(covered, days=COURSE_GAP_DAYS):
            chain, covered = [], dt.date.min
        chain.append(record)
        covered = max(covered, min(last, as_of))
    if not chain:
        return None
    states = [is_current(r, as_of) for r in chain]
    first = chain[0].start
    assert first is not None
    if any(states):
        return Course(first, tuple(chain), True)
    if any(s is None for s in states) or (
        chain[-1].status != "stopped" and covered >= shift(as_of, days=-COURSE_GAP_DAYS)
    ):
        return Course(first, tuple(chain), None)
    return None
