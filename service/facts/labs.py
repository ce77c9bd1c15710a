"""Lab facts: Observations -> results in canonical units (or why they cannot be read), and coded findings.

Which result decides (documented in the README, "Labs"):
- Every counted result is kept, readable or not. A result whose unit cannot be converted, whose
  value is not a finite number, overflows or is implausible is kept as *unreadable*, so that as
  the newest result it makes a criterion unknown instead of letting an older value decide.
- A corrected or amended result supersedes the results it corrects: those it names in the
  ``observation-replaces`` extension, those sharing one of its identifiers, and otherwise the
  results of the same analyte from the same specimen (or, without specimens, the same effective
  time, or without times the same day) that were not issued after it. Superseded results are
  dropped with a warning.
- Results are ordered by effective day, then by ``issued``; two results of one day that the
  issued instants cannot order are equally newest (never ordered by resource id).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from service.facts.model import (
    COUNTING_OBSERVATION_STATUSES,
    NOT_COUNTING_OBSERVATION_REASON,
    ClinicalRecord,
    LabValue,
    PatientFacts,
    codings_of,
    date_span,
    finite,
    format_number,
    label_of,
    printable,
    texts_of,
)
from service.intake import Read
from service.terminology import Analyte, AnalyteTable, unit_key
from service.units import Conversion, UnitTable

REPLACES_EXTENSION = "http://hl7.org/fhir/StructureDefinition/observation-replaces"  # FHIR R4 core extension
CORRECTING_STATUSES = frozenset({"corrected", "amended"})
FHIR_COMPARATORS = frozenset({"<", "<=", ">=", ">"})  # FHIR R4 QuantityComparator
REFERENCE_RANGE_NORMAL = "normal"  # http://terminology.hl7.org/CodeSystem/referencerange-meaning
# Sex codes of Observation.referenceRange.appliesTo: SNOMED CT (the R4 example value set
# referencerange-appliesto), FHIR administrative-gender, and HL7 v3 AdministrativeGender.
SEX_CODES = {
    ("http://snomed.info/sct", "248153007"): "male",
    ("http://snomed.info/sct", "248152002"): "female",
    ("http://hl7.org/fhir/administrative-gender", "male"): "male",
    ("http://hl7.org/fhir/administrative-gender", "female"): "female",
    ("http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender", "M"): "male",
    ("http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender", "F"): "female",
}
SEX_WORDS = {"male": "male", "men": "male", "man": "male", "female": "female", "women": "female", "woman": "female"}
# UCUM units of time an age range may be written in, in years.
AGE_UNITS = {"a": 1.0, "yr": 1.0, "year": 1.0, "years": 1.0, "mo": 1 / 12, "month": 1 / 12, "months": 1 / 12,
             "wk": 7 / 365.25, "d": 1 / 365.25}  # fmt: skip
TITER = re.compile(r"^\s*1\s*:\s*[1-9]\d*\s*$")  # a reported titer ("1:8") means reactive


class LabReader:
    """Reads Observations into lab values (by the analyte table) or coded findings."""

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
        self._index_units = frozenset(unit_key(u) for u in q.index_units)
        self._index_positive_interp = frozenset(q.index_positive_interpretations)

    def observation(self, read: Read, facts: PatientFacts) -> None:
        obs = read.resource
        analyte_name = None
        code_label = ""
        code_key = ""
        for system, code, display in codings_of(obs.code):
            analyte_name = self._by_code.get((system, code))
            if analyte_name is not None:
                code_label = f"LOINC {code}" + (f" {display}" if display else "")
                code_key = code
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
        value = self._lab_value(read, analyte_name, analyte, code_label, span.end, facts)
        if value is None:
            return
        identity = {
            "code_key": code_key,
            "issued": _instant(obs.issued),
            "effective_at": _instant(when) if isinstance(when, dt.datetime) else None,
            "specimen": obs.specimen.reference if obs.specimen is not None and obs.specimen.reference else None,
            "identifiers": tuple(f"{i.system or ''}|{i.value}" for i in obs.identifier or () if i.value),
            "replaces": tuple(
                e.valueReference.reference
                for e in obs.extension or ()
                if e.url == REPLACES_EXTENSION and e.valueReference is not None and e.valueReference.reference
            ),
        }
        facts.labs.setdefault(analyte_name, []).append(_with(value, identity))

    def finish(self, facts: PatientFacts) -> None:
        """Drop superseded results and order every analyte's results newest first."""
        for name, values in facts.labs.items():
            kept = _supersede(values, self.table.analytes[name].display, facts.warnings)
            kept.sort(key=lambda v: (v.effective, math.inf if v.issued is None else v.issued), reverse=True)
            facts.labs[name] = kept

    # -- reading one result --------------------------------------------------------------------

    def _interpretation(self, obs: Any, positive: Iterable[str], negative: Iterable[str]) -> bool | None:
        yes, no = frozenset(positive), frozenset(negative)
        for concept in obs.interpretation or ():
            for coding in concept.coding or ():
                if coding.code in yes:
                    return True
                if coding.code in no:
                    return False
        return None

    def _words(self, text: str) -> bool | None:
        lowered = text.lower()
        # Negative phrases contain positive words ("not detected"), so test them first.
        if any(word in lowered for word in self._negative_words):
            return False
        if any(word in lowered for word in self._positive_words):
            return True
        if TITER.match(text):
            return True
        return None

    def _reads_positive(self, obs: Any) -> tuple[bool | None, str]:
        """Return whether a qualitative result reads positive (None: neither) and its value as written."""
        quantity = obs.valueQuantity
        interpretation = self._interpretation(obs, self._positive_interp, self._negative_interp)
        positive: bool | None = None
        original = ""
        if obs.valueCodeableConcept is not None:
            for system, code, _display in codings_of(obs.valueCodeableConcept):
                if (system, code) in self._positive:
                    positive = True
                elif (system, code) in self._negative:
                    positive = False
            if positive is None:
                positive = self._words(" ".join(texts_of(obs.valueCodeableConcept)))
            original = label_of(obs.valueCodeableConcept)
        elif obs.valueString is not None:
            positive = self._words(obs.valueString)
            original = printable(str(obs.valueString), 60)
        elif obs.valueBoolean is not None:
            positive = bool(obs.valueBoolean)
            original = "true" if obs.valueBoolean else "false"
        elif quantity is not None and quantity.value is not None:
            original = f"{format_number(float(quantity.value))} {printable(quantity.code or quantity.unit or '')}"
        return (interpretation if positive is None else positive), original

    def _lab_value(
        self, read: Read, name: str, analyte: Analyte, code_label: str, effective: dt.date, facts: PatientFacts
    ) -> LabValue | None:
        obs = read.resource
        quantity = obs.valueQuantity
        has_value = (quantity is not None and quantity.value is not None) or any(
            v is not None for v in (obs.valueCodeableConcept, obs.valueString, obs.valueBoolean)
        )
        if not has_value and not obs.interpretation:
            # A panel header or a result without any value (dataAbsentReason): nothing to read,
            # so it is not a result at all (its members, if any, are read on their own).
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: no value")
            return None
        if quantity is not None and quantity.value is not None:
            if analyte.kind != "qualitative":
                return self._quantity(read, name, analyte, code_label, effective, facts)
            unit = quantity.code or quantity.unit or ""
            if analyte.index_cutoff is not None and (not unit or unit_key(unit) in self._index_units):
                return self._index(read, name, analyte, code_label, effective, facts)
        positive, original = self._reads_positive(obs)
        base = _blank(name, code_label, effective, read.reference, str(obs.status))
        if positive is None:
            why = "result could not be read as positive or negative"
            facts.warnings.append(f"{read.reference}: {analyte.display}: {why}")
            return _replace(base, original=original or "no readable value", unreadable=why)
        word = "positive/detected" if positive else "negative/not detected"
        return _replace(base, original=f"{original} ({word})" if original else word, positive=positive)

    def _unreadable(self, base: LabValue, analyte: Analyte, why: str, original: str, facts: PatientFacts) -> LabValue:
        facts.warnings.append(f"{base.reference}: {analyte.display} cannot be read: {why}")
        return _replace(base, original=original, unreadable=why)

    def _index(
        self, read: Read, name: str, analyte: Analyte, code_label: str, effective: dt.date, facts: PatientFacts
    ) -> LabValue:
        """A signal-to-cutoff result of a qualitative test: reactive at or above the analyte's cutoff."""
        obs = read.resource
        quantity = obs.valueQuantity
        base = _blank(name, code_label, effective, read.reference, str(obs.status))
        raw = finite(quantity.value)
        unit = quantity.code or quantity.unit or ""
        comparator = str(quantity.comparator) if quantity.comparator else None
        original = f"{printable(comparator or '', 8)}{format_number(raw) if raw is not None else '?'} {printable(unit)}"
        original = original.strip()
        cutoff = analyte.index_cutoff
        assert cutoff is not None
        if raw is None or raw < 0:
            return self._unreadable(base, analyte, "index value not a number", original, facts)
        if comparator is not None and comparator not in FHIR_COMPARATORS:
            return self._unreadable(base, analyte, "the comparator is not < <= >= or >", original, facts)
        numeric: bool | None
        if comparator in ("<", "<="):
            numeric = False if raw <= cutoff else None
        elif comparator in (">", ">="):
            numeric = True if raw >= cutoff else None
        else:
            numeric = raw >= cutoff
        flag = self._interpretation(obs, self._positive_interp | self._index_positive_interp, self._negative_interp)
        if numeric is None or (flag is not None and flag != numeric):
            why = (
                f"index {original} and its flag do not agree"
                if numeric is not None
                else f"index {original} is censored across the cutoff"
            )
            return self._unreadable(base, analyte, why, original, facts)
        word = "reactive" if numeric else "non-reactive"
        return _replace(base, original=f"{original} ({word}, cutoff {format_number(cutoff)})", positive=numeric)

    def _quantity(
        self, read: Read, name: str, analyte: Analyte, code_label: str, effective: dt.date, facts: PatientFacts
    ) -> LabValue:
        obs = read.resource
        quantity = obs.valueQuantity
        raw = finite(quantity.value)
        reported_unit = quantity.code or quantity.unit or ""
        comparator = str(quantity.comparator) if quantity.comparator else None
        shown = f"{printable(comparator or '', 8)}{format_number(raw) if raw is not None else '?'} "
        shown = (shown + printable(reported_unit)).strip()
        base = _blank(name, code_label, effective, read.reference, str(obs.status))
        if raw is None:
            return self._unreadable(base, analyte, "value not a finite number", shown, facts)
        if comparator is not None and comparator not in FHIR_COMPARATORS:
            return self._unreadable(base, analyte, "the comparator is not < <= >= or >", shown, facts)
        conversion = self.units.resolve(analyte, quantity.code, quantity.unit)
        if conversion is None:
            why = f"unit '{printable(reported_unit)}' cannot be converted to {analyte.canonical_unit}"
            return self._unreadable(base, analyte, why, shown, facts)
        converted = self.units.to_canonical(analyte, conversion, raw)
        if converted is None:
            return self._unreadable(base, analyte, f"value out of range ({shown})", shown, facts)
        plausible = analyte.plausible
        if raw < 0 or (plausible and not plausible.min <= converted.value <= plausible.max):
            return self._unreadable(base, analyte, f"value implausible ({shown})", shown, facts)
        ulns, high_limit = self._reference_limits(read, analyte, conversion, facts, effective)
        positive = self._detected(obs, analyte, converted.value, comparator, high_limit)
        original = f"{comparator or ''}{format_number(raw)} {conversion.unit}"
        if not conversion.exact:
            spread = f"{format_number(converted.low)} to {format_number(converted.high)}"
            original += f" (= {spread} {analyte.canonical_unit} by assay)"
        return _replace(
            base,
            value=converted.value,
            unit=converted.unit,
            comparator=comparator,
            original=original,
            positive=positive,
            uln=ulns[0] if len(ulns) == 1 else None,
            ulns=ulns,
            converted=converted.converted,
            low=converted.low,
            high=converted.high,
        )

    def _detected(
        self, obs: Any, analyte: Analyte, value: float, comparator: str | None, high_limit: float | None
    ) -> bool | None:
        """Whether a quantity means positive/detected: by the interpretation, the analyte's cut-off, or > 0."""
        interpretation = self._interpretation(obs, self._positive_interp, self._negative_interp)
        if interpretation is not None:
            return interpretation
        cutoff = analyte.cutoff
        if cutoff is None:
            if comparator in ("<", "<="):
                # "<20 IU/mL" is below the assay's quantitation limit, which lies at or above its
                # detection limit: the target may be detected but not quantifiable. Without a "not
                # detected" statement (interpretation or words) detection is unknown.
                return None
            return value > 0
        negative_below = high_limit if high_limit is not None else cutoff.negative_below
        positive_at = max(cutoff.positive_at, negative_below)
        if comparator in ("<", "<="):
            return False if value <= negative_below else None
        if value >= positive_at:
            return True
        if value < negative_below and comparator is None:
            return False
        return None  # equivocal zone: neither negative nor positive

    def _reference_limits(
        self, read: Read, analyte: Analyte, conversion: Conversion, facts: PatientFacts, effective: dt.date
    ) -> tuple[tuple[float, ...], float | None]:
        """Return the ULNs of the reference ranges that apply to the patient, and the single high limit if one."""
        sure: list[tuple[int, float]] = []
        maybe: list[tuple[int, float]] = []
        for ref_range in read.resource.referenceRange or ():
            high = ref_range.high
            if high is None or high.value is None:
                continue
            if ref_range.type is not None and not (
                any(c.code == REFERENCE_RANGE_NORMAL for c in ref_range.type.coding or ())
                or (ref_range.type.text or "").strip().lower() == REFERENCE_RANGE_NORMAL
            ):
                continue  # a therapeutic, treatment or other non-normal range is not the ULN
            applies, specificity = self._applies(ref_range, facts, effective)
            if applies is False:
                continue
            unit = self.units.resolve(analyte, high.code, high.unit) if (high.code or high.unit) else conversion
            value = finite(high.value)
            limit = self.units.to_canonical(analyte, unit, value) if unit is not None and value is not None else None
            if limit is None or limit.low != limit.high:
                facts.warnings.append(f"{read.reference}: {analyte.display} reference range cannot be read; not used")
                continue
            (sure if applies else maybe).append((specificity, limit.value))
        if sure:
            best = max(s for s, _ in sure)
            chosen = [v for s, v in sure if s == best] + [v for s, v in maybe if s >= best]
        else:
            chosen = [v for _, v in maybe]
        ulns = tuple(sorted(set(chosen)))
        return ulns, ulns[0] if len(ulns) == 1 else None

    def _applies(self, ref_range: Any, facts: PatientFacts, effective: dt.date) -> tuple[bool | None, int]:
        """Return whether a reference range applies to the patient (None: cannot tell) and how specific it is."""
        verdicts: list[bool | None] = []
        for concept in ref_range.appliesTo or ():
            sexes = {SEX_CODES.get((s, c)) for s, c, _ in codings_of(concept)} - {None}
            if not sexes and concept.text:
                sexes = {SEX_WORDS.get(concept.text.strip().lower())} - {None}
            if not sexes:
                return False, 0  # a subpopulation the record cannot confirm (pregnancy, ethnicity)
            if facts.sex not in ("male", "female"):
                verdicts.append(None)
            else:
                verdicts.append(facts.sex in sexes)
        if ref_range.age is not None:
            verdicts.append(self._age_applies(ref_range.age, facts, effective))
        if any(v is False for v in verdicts):
            return False, 0
        return (None if any(v is None for v in verdicts) else True), len(verdicts)

    def _age_applies(self, age: Any, facts: PatientFacts, effective: dt.date) -> bool | None:
        ages = facts.age_range(effective)
        if ages is None:
            return None
        youngest, oldest = ages
        bounds: list[float | None] = []
        for end in (age.low, age.high):
            if end is None or end.value is None:
                bounds.append(None)
                continue
            scale = AGE_UNITS.get(str(end.code or end.unit or "a"))
            number = finite(end.value)
            if scale is None or number is None:
                return None
            bounds.append(number * scale)
        low, high = bounds
        if (low is not None and oldest < low) or (high is not None and youngest > high):
            return False
        if (low is None or youngest >= low) and (high is None or oldest <= high):
            return True
        return None

    def _finding(self, read: Read, facts: PatientFacts) -> None:
        """Read an Observation no analyte claims as findings (README, "Records outside a Condition").

        Its coded value (a NYHA class) is a finding that counts as recorded. Its code and words
        ('Ascites' on an ultrasound, a West Haven grade, a local 'HEP C AB' screen) only suggest
        the concept: a finding to confirm, left out when the value reads negative ('Not detected',
        'Absent', false, an N interpretation).
        """
        obs = read.resource
        status = str(obs.status)
        if status not in COUNTING_OBSERVATION_STATUSES:
            return
        when = obs.effectiveDateTime or obs.effectiveInstant or obs.issued
        if when is None and obs.effectivePeriod is not None:
            when = obs.effectivePeriod.start
        span = date_span(when) if when is not None else None
        positive, original = self._reads_positive(obs)
        value = f" '{original}'" if original else ""
        value_finding = ClinicalRecord(
            kind="finding",
            codings=codings_of(obs.valueCodeableConcept),
            texts=texts_of(obs.valueCodeableConcept),
            status=status,
            verification=None,
            start=span,
            end=None,  # a point-in-time finding: current for FINDING_CURRENT_DAYS after it
            ended=False,
            recorded=span.end if span else None,
            severity=(),
            reference=read.reference,
            display=f"{label_of(obs.code)}: {label_of(obs.valueCodeableConcept) or original}",
        )
        if obs.valueCodeableConcept is not None:
            facts.findings.append(value_finding)
        if positive is False:
            return
        written = (printable(str(obs.valueString), 60).lower(),) if obs.valueString is not None else ()
        facts.findings.append(
            dataclasses.replace(
                value_finding,
                codings=codings_of(obs.code),
                texts=texts_of(obs.code) + written,
                confirm=f"recorded as {read.reference}{value}, not as a diagnosis; confirm",
            )
        )


# -- helpers ---------------------------------------------------------------------------------


def _blank(name: str, code: str, effective: dt.date, reference: str, status: str) -> LabValue:
    return LabValue(
        analyte=name,
        code=code,
        value=None,
        unit="",
        comparator=None,
        original="",
        positive=None,
        effective=effective,
        uln=None,
        reference=reference,
        status=status,
        converted=False,
    )


def _replace(lab: LabValue, **changes: Any) -> LabValue:
    return dataclasses.replace(lab, **changes)


def _with(value: LabValue, identity: dict[str, Any]) -> LabValue:
    return _replace(value, **identity)


def _instant(value: object) -> float | None:
    """Return a FHIR dateTime/instant with a time as a POSIX timestamp (naive times read as UTC)."""
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def _same_event(newer: LabValue, older: LabValue) -> bool:
    """Whether two results of one analyte report the same measurement (specimen, else time, else day)."""
    if newer.specimen is not None and older.specimen is not None:
        return newer.specimen == older.specimen
    if newer.effective_at is not None and older.effective_at is not None:
        return newer.effective_at == older.effective_at
    return newer.effective == older.effective


def _supersedes(fix: LabValue, original: LabValue) -> bool:
    if fix is original or fix.status not in CORRECTING_STATUSES:
        return False
    if original.reference in fix.replaces:
        return True
    if fix.newer_than(original) is False:
        return False  # the other result was issued after the correction
    if set(fix.identifiers) & set(original.identifiers):
        return True
    if not _same_event(fix, original):
        return False
    # Two corrections the issued instants cannot order stay side by side (equally newest).
    return original.status not in CORRECTING_STATUSES or fix.newer_than(original) is True


def _supersede(values: list[LabValue], display: str, warnings: list[str]) -> list[LabValue]:
    corrections = [v for v in values if v.status in CORRECTING_STATUSES]
    if not corrections:
        return list(values)
    kept = []
    for value in values:
        by = next((fix for fix in corrections if _supersedes(fix, value)), None)
        if by is None:
            kept.append(value)
        else:
            warnings.append(f"{value.reference}: {display} superseded by {by.reference} ({by.status})")
    return kept
