"""Encounters as events to count: inpatient stays by class, with their days and reasons.

The class is an HL7 v3 ActCode (FHIR R4 Encounter.class, binding v3-ActEncounterCode). The
inpatient codes are the is-a IMP expansion of the HL7 Terminology value set
v3-ActInpatientEncounterCode (OID 2.16.840.1.113883.1.11.16847): IMP inpatient encounter,
ACUTE inpatient acute, NONAC inpatient non-acute. OBSENC (observation encounter) and SS (short
stay) may or may not be counted as a hospitalisation by a registry's words, so they leave the
question open, as does a class from another code system or no class at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.facts.model import EncounterRecord, Span, codings_of, date_span, label_of, texts_of
from service.intake import Read

V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INPATIENT_CLASSES = frozenset({"IMP", "ACUTE", "NONAC"})
"""v3-ActInpatientEncounterCode (is-a IMP), HL7 Terminology (THO)."""
UNDECIDED_CLASSES = frozenset({"OBSENC", "SS"})
"""Observation encounters and short stays: whether they are a hospitalisation is the words' call."""
NOT_TAKEN_PLACE = frozenset({"planned", "cancelled", "entered-in-error"})
"""FHIR R4 encounter-status codes of an Encounter that did not take place: never an event."""


def inpatient_class(system: str | None, code: str | None) -> bool | None:
    """Return whether an Encounter.class coding is an inpatient stay (None: the class does not say)."""
    if system != V3_ACT_CODE or not code or code in UNDECIDED_CLASSES:
        return None
    return code in INPATIENT_CLASSES


def may_be_admission(raw: Mapping[str, Any]) -> bool:
    """Return whether a raw Encounter's class leaves room for an inpatient stay (intake keeps it then)."""
    klass = raw.get("class")
    if not isinstance(klass, Mapping):
        return True  # validation decides
    return inpatient_class(klass.get("system"), klass.get("code")) is not False


def read_encounter(read: Read) -> EncounterRecord | None:
    """Return an Encounter as an event, or None when it did not take place (planned, cancelled, in error)."""
    enc = read.resource
    status = str(enc.status) if enc.status else None
    if status in NOT_TAKEN_PLACE:
        return None
    klass = getattr(enc, "class_fhir", None)
    inpatient = inpatient_class(getattr(klass, "system", None), getattr(klass, "code", None))
    period = enc.period
    start: Span | None = date_span(period.start) if period is not None and period.start else None
    end: Span | None = date_span(period.end) if period is not None and period.end else None
    reasons = tuple((codings_of(reason), texts_of(reason)) for reason in enc.reasonCode or ())
    labels = [label_of(reason) for reason in enc.reasonCode or ()]
    display = f"encounter ({', '.join(label for label in labels if label) or 'no reason recorded'})"
    return EncounterRecord(status, inpatient, start, end, reasons, read.reference, display)
