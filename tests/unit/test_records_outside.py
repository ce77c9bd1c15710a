"""Facts-layer rules for records that are not plain Conditions or prescriptions (issue 9, engine3).

Contained Medications, MedicationDispense, unidentified drugs, Observation findings and Encounter
reasons (README, "Records outside a Condition").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service.criteria import Catalog
from service.facts import PatientFacts
from service.pipeline import read_facts
from tests.fhir_builders import SNOMED, bundle, patient

AS_OF = dt.date(2026, 11, 22)
ATC = "http://www.whocc.no/atc"
LOCAL = "urn:oid:2.16.840.1.113883.19.5.99999.1"
ENTECAVIR = {"coding": [{"system": ATC, "code": "J05AF10", "display": "entecavir"}]}


def facts_of(catalog: Catalog, *resources: dict[str, Any]) -> PatientFacts:
    return read_facts(bundle(patient(), *resources), catalog, AS_OF)


def request(rid: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-01-10", **fields}  # fmt: skip


def observation(rid: str, code: dict[str, Any], **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "code": code,
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-11-14", **value}  # fmt: skip


ASCITES = {"coding": [{"system": SNOMED, "code": "389026000", "display": "Ascites"}]}


def test_contained_medication_resolves(catalog: Catalog) -> None:
    """A '#id' medicationReference reads the contained Medication's code."""
    med = request("r1", contained=[{"resourceType": "Medication", "id": "m", "code": ENTECAVIR}],
                  medicationReference={"reference": "#m"})  # fmt: skip
    facts = facts_of(catalog, med)
    assert [c for _, c, _ in facts.medications[0].codings] == ["J05AF10"]
    assert not facts.medications[0].unidentified


def test_contained_id_is_local_to_its_container(catalog: Catalog) -> None:
    """A '#id' names only the container's own contained resource, never another record's."""
    owner = request("r1", contained=[{"resourceType": "Medication", "id": "m", "code": ENTECAVIR}],
                    medicationReference={"reference": "#m"})  # fmt: skip
    other = request("r2", medicationReference={"reference": "#m"})
    facts = facts_of(catalog, owner, other)
    by_ref = {m.reference: m for m in facts.medications}
    assert by_ref["MedicationRequest/r2"].unidentified


@pytest.mark.parametrize(
    ("reference", "unidentified", "confirm"),
    [
        ({"reference": "Medication/gone"}, True, False),
        ({"reference": "Medication/gone", "display": "Entecavir 0.5 mg"}, False, True),
    ],
)
def test_unresolved_reference(catalog: Catalog, reference: dict[str, Any], unidentified: bool, confirm: bool) -> None:
    """An unresolved reference is unidentified, unless its display names a drug (then it is to be confirmed)."""
    med = facts_of(catalog, request("r1", medicationReference=reference)).medications[0]
    assert med.unidentified is unidentified
    assert bool(med.confirm) is confirm


@pytest.mark.parametrize(
    ("status", "supply", "counted", "end"),
    [
        (
            "completed",
            {"value": 30, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"},
            True,
            "2026-12-09",
        ),
        ("completed", None, True, "2026-11-10"),
        ("declined", None, False, None),
        ("preparation", None, False, None),
    ],
)
def test_dispense_dates_and_status(
    catalog: Catalog, status: str, supply: dict[str, Any] | None, counted: bool, end: str | None
) -> None:
    """A dispense starts when handed over, ends with its days of supply, and always asks for confirmation."""
    raw: dict[str, Any] = {"resourceType": "MedicationDispense", "id": "d1", "status": status,
                           "medicationCodeableConcept": ENTECAVIR, "subject": {"reference": "Patient/p1"},
                           "whenHandedOver": "2026-11-10"}  # fmt: skip
    if supply is not None:
        raw["daysSupply"] = supply
    meds = facts_of(catalog, raw).medications
    assert bool(meds) is counted
    if counted:
        assert meds[0].end is not None and str(meds[0].end.end) == end
        assert "dispensed" in meds[0].confirm


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ({"valueCodeableConcept": {"text": "Large volume ascites"}}, True),
        ({"valueBoolean": True}, True),
        ({"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260385009", "display": "Negative"}]}}, False),
        ({"valueString": "Not detected"}, False),
        ({"valueBoolean": False}, False),
    ],
)
def test_observation_coded_as_a_condition(catalog: Catalog, value: dict[str, Any], read: bool) -> None:
    """An Observation coded as ascites is a finding to confirm unless its value reads negative."""
    findings = facts_of(catalog, observation("o1", ASCITES, **value)).findings
    confirmed = [f for f in findings if f.confirm and any(c == "389026000" for _, c, _ in f.codings)]
    assert bool(confirmed) is read


def test_encounter_reason_is_a_finding_to_confirm(catalog: Catalog) -> None:
    """An Encounter's reasonCode naming a condition read becomes a finding dated by the period."""
    enc = {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p1"},
           "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
           "period": {"start": "2026-11-06", "end": "2026-11-12"},
           "reasonCode": [{"coding": [{"system": SNOMED, "code": "17709002", "display": "Bleeding"}]}]}  # fmt: skip
    found = facts_of(catalog, enc).findings
    assert len(found) == 1 and found[0].confirm and found[0].start is not None
    assert str(found[0].start.start) == "2026-11-06" and str(found[0].start.end) == "2026-11-12"


def test_local_code_west_haven_grade_is_read(catalog: Catalog) -> None:
    """A local-code West Haven grade Observation passes the intake filter and is a finding to confirm."""
    code = {"coding": [{"system": LOCAL, "code": "WHGRADE", "display": "West Haven grade"}]}
    findings = facts_of(catalog, observation("o1", code, valueString="Grade 2")).findings
    assert any(f.confirm and "west haven grade" in f.texts for f in findings)
