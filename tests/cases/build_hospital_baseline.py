"""Regenerate tests/cases/bundles/hbv_hospital_refills_baseline.json (run by hand, output committed).

The same patient as hbv_decompensated_baseline.json, exported the way a hospital's EHR does it:
the problem list is coded in SNOMED CT only; entecavir is not one MedicationStatement but 85
monthly MedicationRequests since November 2019 (30-day validity and supply, each completed
when the next is written, the last one active); and the export also carries encounter
diagnoses without a clinicalStatus: a pneumonia from 2019 (history now) and a cirrhosis coded at
an October 2026 visit. The patient is eligible for every trial, pending the review items, only
when the record rules read these patterns right (README, "What counts as current" and "Courses
of therapy").
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.cases.build_baseline import PATIENT, SNOMED, as_bundle, build, concept

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
FIRST_ORDER = dt.date(2019, 11, 5)
ORDERS = 85


def snomed_only(resource: dict[str, Any]) -> dict[str, Any]:
    """Keep only a Condition's SNOMED CT codings, as a SNOMED-coded problem list sends them."""
    codings = [c for c in resource["code"]["coding"] if c["system"] == SNOMED]
    resource["code"] = {"coding": codings, "text": codings[0]["display"]}
    return resource


def encounter_diagnosis(rid: str, system: str, code: str, display: str, day: str) -> dict[str, Any]:
    """An encounter diagnosis as many EHRs export it: category encounter-diagnosis, no clinicalStatus."""
    return {
        "resourceType": "Condition",
        "id": rid,
        "category": [concept(CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
        "code": concept(system, code, display),
        "subject": {"reference": PATIENT},
        "onsetDateTime": day,
        "recordedDate": day,
    }


def monthly_order(index: int) -> dict[str, Any]:
    """The index-th monthly entecavir order: 30-day validity and supply; completed unless it is the last."""
    month = FIRST_ORDER.month - 1 + index
    start = dt.date(FIRST_ORDER.year + month // 12, month % 12 + 1, FIRST_ORDER.day)
    end = start + dt.timedelta(days=29)
    return {
        "resourceType": "MedicationRequest",
        "id": f"etv-{index:03d}",
        "status": "active" if index == ORDERS - 1 else "completed",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Entecavir 0.5 mg tablet"},
        "subject": {"reference": PATIENT},
        "authoredOn": start.isoformat(),
        "dispenseRequest": {
            "validityPeriod": {"start": start.isoformat(), "end": end.isoformat()},
            "quantity": {"value": 30, "unit": "tablet"},
            "expectedSupplyDuration": {"value": 30, "unit": "days", "system": UCUM, "code": "d"},
        },
    }


def build_hospital() -> dict[str, Any]:
    bundle = build()
    resources = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Condition":
            resources.append(snomed_only(resource))
        elif resource["resourceType"] != "MedicationStatement":
            resources.append(resource)
    resources += [monthly_order(i) for i in range(ORDERS)]
    resources.append(
        encounter_diagnosis("enc-pneumonia-2019", ICD10CM, "J18.9", "Pneumonia, unspecified organism", "2019-03-02")
    )
    resources.append(encounter_diagnosis("enc-cirrhosis-2026", SNOMED, "19943007", "Cirrhosis of liver", "2026-10-13"))
    return as_bundle(resources)


if __name__ == "__main__":
    target = Path(__file__).parent / "bundles" / "hbv_hospital_refills_baseline.json"
    target.write_text(json.dumps(build_hospital(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
