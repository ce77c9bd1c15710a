"""Small builders for FHIR R4 test resources (tests only)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
PATIENT_REF = "Patient/p1"


def patient(birth_date: str | None = "1972-03-15", gender: str | None = "male", rid: str = "p1") -> dict[str, Any]:
    """A Patient with the given birth date and administrative sex."""
    resource: dict[str, Any] = {"resourceType": "Patient", "id": rid}
    if birth_date is not None:
        resource["birthDate"] = birth_date
    if gender is not None:
        resource["gender"] = gender
    return resource


def quantity_obs(
    rid: str,
    loinc: str,
    value: float,
    unit: str | None,
    *,
    day: str = "2026-11-10",
    status: str = "final",
    comparator: str | None = None,
    ucum: bool = True,
    high: float | None = None,
    interpretation: str | None = None,
) -> dict[str, Any]:
    """An Observation with a valueQuantity; ``ucum=False`` sends the unit as text only."""
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity["unit"] = unit
        if ucum:
            quantity.update(system=UCUM, code=unit)
    if comparator:
        quantity["comparator"] = comparator
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": PATIENT_REF},
        "effectiveDateTime": day,
        "valueQuantity": quantity,
    }
    if high is not None:
        obs["referenceRange"] = [{"high": {"value": high, "unit": unit, "system": UCUM, "code": unit}}]
    if interpretation:
        obs["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": interpretation,
                    }
                ]
            }
        ]
    return obs


def coded_obs(
    rid: str, loinc: str, system: str, code: str, display: str = "", *, day: str = "2026-11-10"
) -> dict[str, Any]:
    """An Observation with a valueCodeableConcept."""
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": PATIENT_REF},
        "effectiveDateTime": day,
        "valueCodeableConcept": {"coding": [{"system": system, "code": code, "display": display}]},
    }


def condition(
    rid: str,
    system: str,
    code: str,
    *,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    onset: dict[str, Any] | None = None,
    severity: str | None = None,
) -> dict[str, Any]:
    """A Condition; ``onset`` is e.g. {"onsetDateTime": "2026-01-01"}."""
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": PATIENT_REF},
    }
    if clinical:
        resource["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]
        }
    if verification:
        resource["verificationStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]
        }
    if severity:
        resource["severity"] = {"coding": [{"system": SNOMED, "code": severity}]}
    resource.update(onset or {})
    return resource


def procedure(rid: str, system: str, code: str, day: str, status: str = "completed") -> dict[str, Any]:
    """A Procedure performed on a day."""
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": PATIENT_REF},
        "performedDateTime": day,
    }


def bundle(*resources: dict[str, Any], bundle_type: str = "collection", full_urls: str = "relative") -> dict[str, Any]:
    """A Bundle holding the resources; fullUrls are urn:uuid, absolute, or absent ("relative")."""
    entries = []
    for resource in resources:
        key = f"{resource['resourceType']}/{resource.get('id', 'x')}"
        if full_urls == "urn":
            url = f"urn:uuid:{resource['resourceType'].lower()}-{resource.get('id', 'x')}"
        elif full_urls == "absolute":
            url = f"https://ehr.example.org/fhir/{key}"
        else:
            entries.append({"resource": resource})  # no fullUrl: references use Type/id
            continue
        entries.append({"fullUrl": url, "resource": resource})
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}
