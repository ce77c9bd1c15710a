"""Hypothesis strategies for random but valid patient Bundles, drawn from the real catalogue.

Every Bundle holds one Patient and a mix of the resources the service reads (Observations of
the analytes in criteria/analytes.yaml with their LOINC codes and units, Conditions,
MedicationStatements and Procedures coded from criteria/valuesets/, AllergyIntolerances) and of
types it passes over (Encounter, Claim, Immunization). Values, statuses and dates vary; every
resource is valid FHIR R4, so the service must answer each Bundle with a 200.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from service.criteria import Catalog, load_catalog
from service.settings import default_criteria_dir
from service.terminology import Analyte
from tests.fhir_builders import ICD10CM, SNOMED, UCUM

AS_OF = dt.date(2026, 11, 22)
PATIENT_ID = "p1"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBSERVATION_STATUSES = (
    "final",
    "amended",
    "corrected",
    "preliminary",
    "registered",
    "cancelled",
    "entered-in-error",
    "unknown",
)
CLINICAL_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
VERIFICATION_STATUSES = ("unconfirmed", "provisional", "differential", "confirmed", "refuted")
MEDICATION_STATUSES = ("active", "completed", "intended", "stopped", "on-hold", "unknown", "not-taken")
PROCEDURE_STATUSES = ("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "unknown")
CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


@cache
def catalog() -> Catalog:
    """The real catalogue, loaded once per process."""
    return load_catalog(default_criteria_dir())


@dataclass(frozen=True)
class Coded:
    """A code a value set lists (or a code under one of its prefixes), with a display."""

    system: str
    code: str
    display: str


@cache
def valueset_codes() -> tuple[Coded, ...]:
    """Every code and prefix of criteria/valuesets/, sorted so draws are reproducible."""
    found: set[Coded] = set()
    for path in sorted(Path(default_criteria_dir(), "valuesets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("codes", ()):
            found.add(Coded(entry["system"], str(entry["code"]), entry.get("display", "")))
        for entry in data.get("prefixes", ()):
            found.add(Coded(entry["system"], str(entry["prefix"]), entry.get("display", "")))
    return tuple(sorted(found, key=lambda c: (c.system, c.code)))


def _codes_in(*systems: str) -> tuple[Coded, ...]:
    return tuple(c for c in valueset_codes() if c.system in systems)


def analyte_names(*kinds: str) -> list[str]:
    """Names of the analytes of these kinds (all kinds when none are given), sorted."""
    table = catalog().analytes.analytes
    return sorted(name for name, a in table.items() if not kinds or a.kind in kinds)


def analyte(name: str) -> Analyte:
    """The analyte table's entry for a name."""
    return catalog().analytes.analytes[name]


def analyte_of_code(system: str, code: str) -> str | None:
    """The analyte a LOINC code reports, if any."""
    for name, entry in catalog().analytes.analytes.items():
        if any(c.system == system and c.code == code for c in entry.codes):
            return name
    return None


# -- dates -----------------------------------------------------------------------------------


def days_before(low: int, high: int) -> st.SearchStrategy[dt.date]:
    """A day between `high` and `low` days before the as-of date (negative: after it)."""
    return st.integers(low, high).map(lambda n: AS_OF - dt.timedelta(days=n))


def fhir_date_time(low: int = -30, high: int = 800) -> st.SearchStrategy[str]:
    """A FHIR date or dateTime around the as-of date: a day, or a day with a UTC time."""
    return st.one_of(
        days_before(low, high).map(dt.date.isoformat),
        st.tuples(days_before(low, high), st.integers(0, 23)).map(lambda p: f"{p[0].isoformat()}T{p[1]:02d}:00:00Z"),
    )


def partial_date(low: int, high: int) -> st.SearchStrategy[str]:
    """A FHIR date that may be partial: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    return st.tuples(days_before(low, high), st.sampled_from((4, 7, 10))).map(lambda p: p[0].isoformat()[: p[1]])


# -- resources -------------------------------------------------------------------------------


def _subject() -> dict[str, str]:
    return {"reference": f"Patient/{PATIENT_ID}"}


def _concept(coded: Coded, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": coded.system, "code": coded.code, "display": coded.display}]}
    if text:
        concept["text"] = text
    return concept


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    """A Patient with a random sex and a random full or partial birth date (or none)."""
    patient: dict[str, Any] = {"resourceType": "Patient", "id": PATIENT_ID}
    sex = draw(st.sampled_from(("male", "female", "other", "unknown", None)))
    if sex is not None:
        patient["gender"] = sex
    birth = draw(st.one_of(st.none(), partial_date(365 * 10, 365 * 95)))
    if birth is not None:
        patient["birthDate"] = birth
    return patient


def _round(value: float) -> float:
    return float(f"{value:.4g}")


@st.composite
def lab_values(draw: st.DrawFn, name: str, *, plausible_only: bool = False) -> dict[str, Any]:
    """An Observation's value part for an analyte: a quantity in one of its units, or a coded answer."""
    entry = analyte(name)
    quantitative = entry.kind != "qualitative" and entry.units
    if quantitative and (entry.kind == "quantity" or draw(st.booleans())):
        units = sorted(u for u, c in entry.units.items() if not c.log10) if plausible_only else sorted(entry.units)
        unit = draw(st.sampled_from(units))
        conversion = entry.units[unit]
        if plausible_only and entry.plausible is not None:
            span = entry.plausible.max - entry.plausible.min
            canonical = draw(
                st.floats(entry.plausible.min + span * 0.01, entry.plausible.min + span * 0.5, allow_nan=False)
            )
            raw = (canonical - conversion.offset) / conversion.factor
        elif conversion.log10:
            raw = draw(st.floats(0, 9, allow_nan=False))
        else:
            high = entry.plausible.max if entry.plausible else 1000.0
            raw = draw(st.floats(-1.0, high * 1.2, allow_nan=False))
        quantity: dict[str, Any] = {"value": _round(raw), "unit": unit, "system": UCUM, "code": unit}
        if not plausible_only and draw(st.integers(0, 5)) == 0:
            quantity["comparator"] = draw(st.sampled_from(("<", "<=", ">=", ">")))
        return {"valueQuantity": quantity}
    table = catalog().analytes.qualitative
    answers = list(table.positive_codes) + list(table.negative_codes)
    answer = draw(st.sampled_from(answers))
    return {
        "valueCodeableConcept": {"coding": [{"system": answer.system, "code": answer.code}], "text": answer.display}
    }


@st.composite
def lab_observations(
    draw: st.DrawFn,
    rid: str,
    name: str | None = None,
    *,
    status: str | None = None,
    plausible_only: bool = False,
    day: st.SearchStrategy[str] | None = None,
) -> dict[str, Any]:
    """An Observation of an analyte with one of its LOINC codes, a value, a status and a date."""
    name = name or draw(st.sampled_from(analyte_names()))
    entry = analyte(name)
    code = draw(st.sampled_from(sorted(entry.codes, key=lambda c: c.code)))
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status or draw(st.sampled_from(OBSERVATION_STATUSES)),
        "code": {"coding": [{"system": code.system, "code": code.code, "display": code.display}]},
        "subject": _subject(),
        "effectiveDateTime": draw(day if day is not None else fhir_date_time(-5, 400)),
    }
    observation.update(draw(lab_values(name, plausible_only=plausible_only)))
    return observation


def _status_concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _age(years: int) -> dict[str, Any]:
    return {"value": years, "unit": "a", "system": UCUM, "code": "a"}


@st.composite
def onsets(draw: st.DrawFn) -> dict[str, Any]:
    """A Condition onset in one of its forms: dateTime, Age, Period, Range or string, or none."""
    form = draw(st.sampled_from(("none", "dateTime", "age", "period", "range", "string")))
    if form == "dateTime":
        return {"onsetDateTime": draw(st.one_of(fhir_date_time(-10, 8000), partial_date(0, 8000)))}
    if form == "age":
        return {"onsetAge": _age(draw(st.integers(1, 80)))}
    if form == "period":
        start = draw(days_before(30, 8000))
        period: dict[str, Any] = {"start": start.isoformat()}
        if draw(st.booleans()):
            period["end"] = (start + dt.timedelta(days=draw(st.integers(0, 900)))).isoformat()
        return {"onsetPeriod": period}
    if form == "range":
        low = draw(st.integers(1, 70))
        return {"onsetRange": {"low": _age(low), "high": _age(low + draw(st.integers(0, 10)))}}
    if form == "string":
        return {"onsetString": "in childhood"}
    return {}


@st.composite
def conditions(draw: st.DrawFn, rid: str, *, retracted: bool = False) -> dict[str, Any]:
    """A Condition coded from a value set, with clinical and verification statuses and an onset."""
    coded = draw(st.sampled_from(_codes_in(SNOMED, ICD10CM, "http://hl7.org/fhir/sid/icd-10")))
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "code": _concept(coded),
        "subject": _subject(),
    }
    if retracted:
        # con-5: an entered-in-error Condition carries no clinical status.
        condition["verificationStatus"] = _status_concept(VERIFICATION_SYSTEM, "entered-in-error")
    else:
        verification = draw(st.sampled_from((*VERIFICATION_STATUSES, None)))
        if verification is not None:
            condition["verificationStatus"] = _status_concept(VERIFICATION_SYSTEM, verification)
        clinical = draw(st.sampled_from(CLINICAL_STATUSES))
        condition["clinicalStatus"] = _status_concept(CLINICAL_SYSTEM, clinical)
        if clinical in ("inactive", "remission", "resolved") and draw(st.booleans()):
            condition["abatementDateTime"] = draw(days_before(0, 2000)).isoformat()
    condition.update(draw(onsets()))
    if draw(st.booleans()):
        condition["recordedDate"] = draw(days_before(0, 8000)).isoformat()
    return condition


@st.composite
def medication_statements(draw: st.DrawFn, rid: str, *, retracted: bool = False) -> dict[str, Any]:
    """A MedicationStatement coded from a value set (ATC, RxNorm or SNOMED), with a status and period."""
    coded = draw(st.sampled_from(_codes_in(ATC, RXNORM, SNOMED)))
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "entered-in-error" if retracted else draw(st.sampled_from(MEDICATION_STATUSES)),
        "medicationCodeableConcept": _concept(coded, coded.display or None),
        "subject": _subject(),
    }
    form = draw(st.sampled_from(("dateTime", "period", "open", "none")))
    if form == "dateTime":
        statement["effectiveDateTime"] = draw(fhir_date_time(-10, 3000))
    elif form in ("period", "open"):
        start = draw(days_before(0, 3000))
        period = {"start": start.isoformat()}
        if form == "period":
            period["end"] = (start + dt.timedelta(days=draw(st.integers(0, 1000)))).isoformat()
        statement["effectivePeriod"] = period
    return statement


@st.composite
def procedures(draw: st.DrawFn, rid: str, *, retracted: bool = False) -> dict[str, Any]:
    """A Procedure coded from a value set, with a status and a performed date."""
    coded = draw(st.sampled_from(_codes_in(SNOMED, "http://www.cms.gov/Medicare/Coding/ICD10", ICD10CM)))
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": rid,
        "status": "entered-in-error" if retracted else draw(st.sampled_from(PROCEDURE_STATUSES)),
        "code": _concept(coded),
        "subject": _subject(),
    }
    if draw(st.integers(0, 4)) > 0:
        procedure["performedDateTime"] = draw(fhir_date_time(-5, 4000))
    return procedure


@st.composite
def allergies(draw: st.DrawFn, rid: str, *, retracted: bool = False) -> dict[str, Any]:
    """An AllergyIntolerance with a SNOMED code, statuses, criticality and maybe a reaction."""
    coded = draw(st.sampled_from(_codes_in(SNOMED)))
    allergy: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": rid,
        "code": _concept(coded),
        "patient": _subject(),
    }
    if retracted:
        allergy["verificationStatus"] = _status_concept(ALLERGY_VERIFICATION_SYSTEM, "entered-in-error")
    else:
        allergy["clinicalStatus"] = _status_concept(
            ALLERGY_CLINICAL_SYSTEM, draw(st.sampled_from(("active", "inactive", "resolved")))
        )
        allergy["verificationStatus"] = _status_concept(
            ALLERGY_VERIFICATION_SYSTEM, draw(st.sampled_from(("unconfirmed", "confirmed", "refuted")))
        )
    criticality = draw(st.sampled_from(("low", "high", "unable-to-assess", None)))
    if criticality:
        allergy["criticality"] = criticality
    if draw(st.booleans()):
        allergy["reaction"] = [
            {"manifestation": [_concept(coded)], "severity": draw(st.sampled_from(("mild", "moderate", "severe")))}
        ]
    return allergy


@st.composite
def ignored_resources(draw: st.DrawFn, rid: str) -> dict[str, Any]:
    """A resource of a type no criterion reads: Encounter, Claim or Immunization."""
    kind = draw(st.sampled_from(("Encounter", "Claim", "Immunization")))
    day = draw(days_before(0, 400)).isoformat()
    if kind == "Encounter":
        return {
            "resourceType": "Encounter",
            "id": rid,
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": _subject(),
            "period": {"start": day, "end": day},
        }
    if kind == "Claim":
        return {
            "resourceType": "Claim",
            "id": rid,
            "status": "active",
            "type": {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional"}]
            },
            "use": "claim",
            "patient": _subject(),
            "created": day,
            "provider": {"display": "Clinic"},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Plan"}}],
        }
    return {
        "resourceType": "Immunization",
        "id": rid,
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "08"}]},
        "patient": _subject(),
        "occurrenceDateTime": day,
    }


def retracted_records(rid: str) -> st.SearchStrategy[dict[str, Any]]:
    """A record marked entered-in-error, of any type the service reads."""
    return st.one_of(
        lab_observations(rid, status="entered-in-error"),
        conditions(rid, retracted=True),
        medication_statements(rid, retracted=True),
        procedures(rid, retracted=True),
        allergies(rid, retracted=True),
    )


def _read_resource(rid: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        lab_observations(rid),
        conditions(rid),
        medication_statements(rid),
        procedures(rid),
        allergies(rid),
        ignored_resources(rid),
    )


def to_bundle(patient: dict[str, Any], resources: list[dict[str, Any]], style: str = "relative") -> dict[str, Any]:
    """A collection Bundle of the patient and resources; fullUrls are urn:uuid, absolute, or absent."""
    entries = []
    for resource in [patient, *resources]:
        entry: dict[str, Any] = {"resource": resource}
        if style == "urn":
            entry["fullUrl"] = f"urn:uuid:{resource['resourceType'].lower()}-{resource['id']}"
        elif style == "absolute":
            entry["fullUrl"] = f"https://ehr.example.org/fhir/{resource['resourceType']}/{resource['id']}"
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@dataclass(frozen=True)
class PatientRecord:
    """A generated patient: the Patient, the other resources and how fullUrls are written."""

    patient: dict[str, Any]
    resources: tuple[dict[str, Any], ...]
    style: str

    def bundle(self, *extra: dict[str, Any]) -> dict[str, Any]:
        """The Bundle of this record, with extra resources appended."""
        return to_bundle(self.patient, [*self.resources, *extra], self.style)


def _is_lab(resource: dict[str, Any]) -> bool:
    if resource["resourceType"] != "Observation":
        return False
    coding = resource["code"]["coding"][0]
    return analyte_of_code(coding["system"], coding["code"]) is not None


@cache
def baseline_record() -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """The baseline patient (tests/cases/bundles) and its records, re-pointed at Patient/p1.

    Random patients fail almost every trial on age or diagnosis; starting from part of a
    patient who is eligible for every trial lets the properties see all three statuses.
    """
    path = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    patient: dict[str, Any] = {}
    records = []
    for entry in document["entry"]:
        resource = copy.deepcopy(entry["resource"])
        if resource["resourceType"] == "Patient":
            patient = {**resource, "id": PATIENT_ID}
        elif resource["resourceType"] in ("Condition", "MedicationStatement") or _is_lab(resource):
            resource["subject"] = _subject()
            records.append(resource)
    return patient, tuple(records)


@st.composite
def patient_records(draw: st.DrawFn, max_resources: int = 12) -> PatientRecord:
    """A valid patient record: one Patient, part of the baseline's records, and up to `max_resources` random ones."""
    base_patient, base_records = baseline_record()
    patient = copy.deepcopy(base_patient) if draw(st.booleans()) else draw(patients())
    # Keep most baseline records (nine in ten) and add few random ones more often than many:
    # nearly every random value-set code is an exclusion.
    keep = draw(st.lists(st.integers(0, 9), min_size=len(base_records), max_size=len(base_records)))
    resources = [copy.deepcopy(r) for r, kept in zip(base_records, keep, strict=True) if kept]
    count = draw(st.one_of(st.integers(0, 2), st.integers(0, max_resources)))
    resources.extend(draw(_read_resource(f"r{i}")) for i in range(count))
    style = draw(st.sampled_from(("relative", "urn", "absolute")))
    return PatientRecord(patient, tuple(resources), style)


def bundles(max_resources: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """A valid Bundle: one Patient and a random mix of read and passed-over resources."""
    return patient_records(max_resources).map(lambda record: record.bundle())
