"""Regenerate tests/cases/bundles/hbv_decompensated_baseline.json (run by hand, output committed).

The baseline is a typical patient for this catalogue: a 54-year-old man with chronic hepatitis B
and cirrhosis decompensated by mild ascites, on entecavir for almost three years, HBV DNA below
detection, Child-Pugh 9 (B), MELD 16, plus the Encounters and vital signs a real EHR export
carries (about 100 entries). Case files add, remove or replace resources to pin one edge each.
"""

from __future__ import annotations

import json
from pathlib import Path

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
PATIENT = "Patient/baseline"
LAB_DAY = "2026-11-10"


def concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def lab(
    rid: str,
    code: str,
    display: str,
    value: float,
    unit: str,
    high: float | None = None,
    comparator: str | None = None,
    day: str = LAB_DAY,
    not_detected: bool = False,
) -> dict:
    quantity: dict = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    if comparator:
        quantity["comparator"] = comparator
    obs: dict = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
        "code": concept(LOINC, code, display),
        "subject": {"reference": PATIENT},
        "effectiveDateTime": f"{day}T08:00:00Z",
        "valueQuantity": quantity,
    }
    if high is not None:
        obs["referenceRange"] = [{"high": {"value": high, "unit": unit, "system": UCUM, "code": unit}}]
    if not_detected:  # '<20 IU/mL' says below quantitation; the lab's 'ND' says not detected
        obs["interpretation"] = [
            concept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "ND", "Not detected")
        ]
    return obs


def serology(rid: str, code: str, display: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": concept(LOINC, code, display),
        "subject": {"reference": PATIENT},
        "effectiveDateTime": f"{LAB_DAY}T08:00:00Z",
        "valueCodeableConcept": concept(SNOMED, "260385009", "Negative"),
    }


def condition(rid: str, codings: list[tuple[str, str, str]], onset: str, severity: str | None = None) -> dict:
    cond: dict = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
        "verificationStatus": concept(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"
        ),
        "category": [
            concept(
                "http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"
            )
        ],
        "code": {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings], "text": codings[0][2]},
        "subject": {"reference": PATIENT},
        "onsetDateTime": onset,
        "recordedDate": onset,
    }
    if severity:
        cond["severity"] = concept(SNOMED, "255604002", "Mild")
    return cond


def build() -> dict:
    resources: list[dict] = [
        {
            "resourceType": "Patient",
            "id": "baseline",
            "gender": "male",
            "birthDate": "1972-03-15",
            "name": [{"family": "Baseline", "given": ["Case"]}],
        },
        condition(
            "chb",
            [
                (ICD10CM, "B18.1", "Chronic viral hepatitis B without delta-agent"),
                (SNOMED, "61977001", "Chronic type B viral hepatitis"),
            ],
            "2015-04-02",
        ),
        condition(
            "cirrhosis",
            [(ICD10CM, "K74.60", "Unspecified cirrhosis of liver"), (SNOMED, "19943007", "Cirrhosis of liver")],
            "2023-09-12",
        ),
        condition(
            "ascites",
            [(SNOMED, "389026000", "Ascites"), (ICD10CM, "R18.8", "Other ascites")],
            "2026-06-01",
            severity="mild",
        ),
        lab("bili", "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", 2.5, "mg/dL", 1.2),
        lab("alb", "1751-7", "Albumin [Mass/volume] in Serum or Plasma", 3.0, "g/dL"),
        lab("inr", "6301-6", "INR in Platelet poor plasma by Coagulation assay", 1.8, "{INR}"),
        lab("creat", "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", 1.0, "mg/dL", 1.2),
        lab("na", "2951-2", "Sodium [Moles/volume] in Serum or Plasma", 136, "mmol/L", 145),
        lab("wbc", "6690-2", "Leukocytes [#/volume] in Blood by Automated count", 4.2, "10*9/L", 10),
        lab("plt", "777-3", "Platelets [#/volume] in Blood by Automated count", 85, "10*9/L", 400),
        lab(
            "hbvdna",
            "42595-9",
            "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection",
            20,
            "[IU]/mL",
            comparator="<",
            not_detected=True,
        ),
        lab("afp", "1834-1", "Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma", 5.1, "ng/mL", 8.8),
        lab("hba1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 5.6, "%"),
        lab("glucose", "1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma", 94, "mg/dL"),
        lab("height", "8302-2", "Body height", 172, "cm"),
        lab("weight", "29463-7", "Body weight", 68, "kg"),
        serology("hiv", "56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay"),
        serology("hcv", "13955-0", "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay"),
        serology("syphilis", "20507-0", "Reagin Ab [Presence] in Serum by RPR"),
        serology("treponemal", "24110-9", "Treponema pallidum Ab [Presence] in Serum by Immunoassay"),
        {
            "resourceType": "MedicationStatement",
            "id": "entecavir",
            "status": "active",
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": "J05AF10", "display": "entecavir"}],
                "text": "Entecavir 0.5 MG Oral Tablet",
            },
            "subject": {"reference": PATIENT},
            "effectivePeriod": {"start": "2024-01-10"},
        },
    ]
    # What a real export also carries: encounters and vital signs no criterion reads.
    for i in range(40):
        month = 1 + i % 10
        day = f"2026-{month:02d}-{1 + i % 27:02d}"
        resources.append(
            {
                "resourceType": "Encounter",
                "id": f"enc-{i}",
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                "subject": {"reference": PATIENT},
                "period": {"start": day, "end": day},
            }
        )
        resources.append(
            {
                "resourceType": "Observation",
                "id": f"hr-{i}",
                "status": "final",
                "code": concept(LOINC, "8867-4", "Heart rate"),
                "subject": {"reference": PATIENT},
                "effectiveDateTime": day,
                "valueQuantity": {"value": 70 + i % 15, "unit": "/min", "system": UCUM, "code": "/min"},
            }
        )
    return as_bundle(resources)


def as_bundle(resources: list[dict]) -> dict:
    """Return the resources as a collection Bundle, each subject pointing at the Patient's urn:uuid."""
    entries = [
        {"fullUrl": f"urn:uuid:baseline-{r['resourceType'].lower()}-{r['id']}", "resource": r} for r in resources
    ]
    for entry in entries:
        resource = entry["resource"]
        if "subject" in resource:
            resource["subject"] = {"reference": "urn:uuid:baseline-patient-baseline"}
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


if __name__ == "__main__":
    target = Path(__file__).parent / "bundles" / "hbv_decompensated_baseline.json"
    target.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
