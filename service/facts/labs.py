"""Lab facts: Observations -> counted values in canonical units, qualitative answers and coded findings."""

from __future__ import annotations

import datetime as dt
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
from service.terminology import Analyte, AnalyteTable
from service.units import UnitTable

# http://hl7.org/fhir/R4/valueset-quantity-comparator.html
R4_COMPARATORS = frozenset({"<", "<=", ">=", ">"})


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

    def observation(self, read: Read, facts: PatientFacts) -> None:
        obs = read.resource
        analyte_name = None
        code_label = ""
        for system, code, display in codings_of(obs.code):
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
            original = str(obs.valueString)
        elif obs.valueBoolean is not None:
            positive = bool(obs.valueBoolean)
            original = "true" if obs.valueBoolean else "false"
        elif quantity is not None and quantity.value is not None:
            original = f"{format_number(float(quantity.value))} {quantity.code or quantity.unit or ''}"
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
        raw = finite(quantity.value)
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
                f"{read.reference}: {analyte.display} not counted: value implausible ({format_number(raw)} {unit})"
            )
            return None
        comparator = str(quantity.comparator) if quantity.comparator else None
        if comparator is not None and comparator not in R4_COMPARATORS:
            # FHIR R4 binds Quantity.comparator to < <= >= > (required); any other would be read as
            # an exact value. The value is unreadable, and the text sent is not echoed.
            facts.warnings.append(f"{read.reference}: {analyte.display} not counted: comparator is not < <= >= or >")
            return None
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
            high_value = finite(high.value)
            if high_value is None:
                continue
            high_converted = self.units.to_canonical(analyte, high_unit, high_value)
            if high_converted is None:
                facts.warnings.append(f"{read.reference}: {analyte.display} reference range out of range; not used")
                continue
            uln = high_converted.value
            break
        return LabValue(
            analyte=name,
            code=code_label,
            value=converted.value,
            unit=converted.unit,
            comparator=comparator,
            original=f"{comparator or ''}{format_number(raw)} {unit}",
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
                codings=codings_of(obs.code) + codings_of(obs.valueCodeableConcept),
                texts=texts_of(obs.valueCodeableConcept),
                status=status,
                verification=None,
                start=span,
                end=None,  # a point-in-time finding: current for FINDING_CURRENT_DAYS after it
                ended=False,
                recorded=span.end if span else None,
                severity=(),
                reference=read.reference,
                display=f"{label_of(obs.code)}: {label_of(obs.valueCodeableConcept)}",
            )
        )

    # -- conditions, medications, procedures, allergies -------------------------------------
