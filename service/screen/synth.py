"""A seeded synthetic population written as a FHIR Bulk Data export (``trialmatch synth-population``).

There is no public export of cirrhosis patients, so this writes one shaped like real exports
(Synthea's and US Core's, as in shared/corpus/external): one NDJSON file per resource type,
rolled over past ``FILE_BYTES``, and a ``manifest.json`` as a Bulk Data server writes it.
Records of a patient are spread across the type files; references are ``Patient/<id>``.

The mix: hepatitis B cirrhosis (compensated and decompensated), other liver disease
(alcohol-related, MASLD, hepatitis C, autoimmune hepatitis) and patients without liver disease,
with SNOMED CT and ICD-10-CM codings, labs in several unit conventions (mg/dL and µmol/L,
g/dL and g/L, 10*9/L and /µL, IU/mL, copies/mL and log IU/mL, % and mmol/mol) and dates,
corrected results (an amended value beside the original), refill orders, and the bulk of
resources no criterion reads (vital signs, encounters, claims, explanations of benefit).

Codes come from the catalogue itself (its value sets and analyte table), so that the
population keeps exercising every criterion when a value set grows; each patient draws from
its own random stream (seed, index), so a population is the same however it is written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any, cast

import orjson

from service.criteria import Catalog, CatalogReads, RecordTest, catalog_reads, walk_trial

FILE_BYTES = 256 * 1024 * 1024
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"


class ExportWriter:
    """Writes resources into per-type NDJSON files (optionally gzip) and a Bulk Data manifest."""

    def __init__(self, folder: Path, *, gzip_files: bool = False, file_bytes: int = FILE_BYTES) -> None:
        self.folder = folder
        self.gzip = gzip_files
        self.file_bytes = file_bytes
        self.streams: dict[str, tuple[IO[bytes], Path, int]] = {}
        self.outputs: list[dict[str, Any]] = []
        self.counts: dict[Path, int] = {}
        self.resources = 0
        folder.mkdir(parents=True, exist_ok=True)

    def _open(self, rtype: str, part: int) -> tuple[IO[bytes], Path, int]:
        name = f"{rtype}.{part:03d}.ndjson" + (".gz" if self.gzip else "")
        path = self.folder / name
        opened = gzip.GzipFile(path, "wb", compresslevel=1) if self.gzip else path.open("wb")
        stream = cast(IO[bytes], opened)
        self.outputs.append({"type": rtype, "url": name})
        self.counts[path] = 0
        return stream, path, part

    def write(self, resource: dict[str, Any]) -> None:
        """Append one resource to its type's current file."""
        rtype = resource["resourceType"]
        entry = self.streams.get(rtype)
        if entry is None:
            entry = self.streams[rtype] = self._open(rtype, 0)
        stream, path, part = entry
        if stream.tell() >= self.file_bytes:
            stream.close()
            entry = self.streams[rtype] = self._open(rtype, part + 1)
            stream, path, part = entry
        stream.write(orjson.dumps(resource) + b"\n")
        self.counts[path] += 1
        self.resources += 1

    def close(self, transaction_time: str) -> None:
        """Close every file and write manifest.json (the $export status response's body)."""
        for stream, _, _ in self.streams.values():
            stream.close()
        for output in self.outputs:
            output["count"] = self.counts[self.folder / output["url"]]
        manifest = {
            "transactionTime": transaction_time,
            "request": "[base]/$export?_type=" + ",".join(sorted(self.streams)),
            "requiresAccessToken": False,
            "output": sorted(self.outputs, key=lambda o: (o["type"], o["url"])),
            "error": [],
        }
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# -- the population ----------------------------------------------------------------------------------

# Codes of what a real export carries that no criterion reads, as Synthea and Inferno's US Core
# data write them (shared/corpus/external: synthea-smart/Fletcher_Hyatt..., Wendell_Lesch...,
# Dennis_Durgan..., Chadwick_Von...; inferno-uscore/uscore_bundle_patient_355.json and
# uscore_bundle_patient_client_test.json).
OTHER_CONDITIONS = (
    ("38341003", "Hypertension"),
    ("55822004", "Hyperlipidemia"),
    ("239873007", "Osteoarthritis of knee"),
    ("82423001", "Chronic pain"),
    ("15777000", "Prediabetes"),
    ("44465007", "Sprain of ankle"),
    ("162864005", "Body mass index 30+ - obesity (finding)"),
)
OTHER_MEDICATIONS = (
    ("316672", "Simvistatin 10 MG"),
    ("316049", "Hydrochlorothiazide 25 MG"),
    ("849574", "Naproxen sodium 220 MG Oral Tablet"),
    ("313782", "Acetaminophen 325 MG Oral Tablet"),
    ("197361", "Amlodipine 5 MG Oral Tablet"),
)
ENCOUNTER_TYPES = (
    ("185349003", "Encounter for check up (procedure)"),
    ("185347001", "Encounter for problem (procedure)"),
    ("390906007", "Follow-up encounter"),
)
VITALS = (
    ("8867-4", "Heart rate", "/min", 60, 100),
    ("9279-1", "Respiratory rate", "/min", 12, 20),
    ("8310-5", "Body temperature", "Cel", 36.1, 37.6),
    ("2708-6", "Oxygen saturation in Arterial blood", "%", 93, 100),
)
OTHER_LABS = (
    ("2093-3", "Total Cholesterol", "mg/dL", 140, 260),
    ("2571-8", "Triglycerides", "mg/dL", 60, 240),
    ("6299-2", "Urea Nitrogen", "mg/dL", 7, 30),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 10, 120),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 10, 140),
)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
LOCAL_DRUGS = "urn:oid:2.16.840.1.113883.3.9999.1"  # a hospital's local drug dictionary (synthetic)
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
POSITIVE = (SNOMED, "10828004", "Positive")
NEGATIVE = (SNOMED, "260385009", "Negative")
NOT_DETECTED = (SNOMED, "260415000", "Not detected")
PREGNANT = (SNOMED, "77386006", "Pregnant")
NOT_PREGNANT = (SNOMED, "60001007", "Not pregnant")

# Value sets that define who the patient is, drawn by the patient's kind rather than as a comorbidity.
CORE_SETS = frozenset(
    {
        "chronic-hepatitis-b",
        "cirrhosis",
        "decompensated-cirrhosis",
        "ascites",
        "alcoholic-liver-disease",
        "metabolic-fatty-liver-disease",
        "hepatitis-c",
        "autoimmune-hepatitis",
    }
)
KINDS = (("hbv-decompensated", 0.24), ("hbv-compensated", 0.12), ("other-liver", 0.24), ("no-liver", 0.40))


@dataclass(frozen=True)
class Written:
    """What write_population wrote."""

    patients: int
    resources: int


@dataclass(frozen=True)
class _Code:
    system: str
    code: str
    display: str


def _valueset_codes(catalog_dir: Path) -> dict[str, list[_Code]]:
    """Return each value set's codes (exact codes first, then ICD categories) with their displays."""
    import yaml

    from service.terminology import ValueSet

    out: dict[str, list[_Code]] = {}
    for path in sorted((catalog_dir / "valuesets").glob("*.yaml")):
        vs = ValueSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        excluded = tuple(p.prefix for p in vs.exclude_prefixes)
        codes = [_Code(c.system, c.code, c.display) for c in vs.codes]
        codes += [
            _Code(p.system, p.prefix, p.display) for p in vs.prefixes if not p.prefix.startswith(excluded or ("\0",))
        ]
        names = [_Code(LOCAL_DRUGS, "", n.name) for n in vs.names]
        out[vs.id] = codes or names
    return out


class _Patient:
    """One synthetic patient's resources, built from its own random stream."""

    def __init__(
        self, rng: random.Random, index: int, as_of: dt.date, sets: dict[str, list[_Code]], catalog: Catalog
    ) -> None:
        self.rng = rng
        self.as_of = as_of
        self.sets = sets
        self.catalog = catalog
        self.id = self.uuid()
        self.ref = {"reference": f"Patient/{self.id}"}
        self.resources: list[dict[str, Any]] = []
        self.index = index

    # -- small helpers -------------------------------------------------------------------------

    def uuid(self) -> str:
        value = self.rng.getrandbits(128)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:32]}"

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def recent(self) -> dt.date:
        """A date weighted toward the last weeks, where look-back windows (14 to 730 days) fall."""
        roll = self.rng.random()
        if roll < 0.35:
            return self.days_ago(0, 14)
        if roll < 0.5:
            return self.days_ago(15, 30)
        if roll < 0.65:
            return self.days_ago(31, 120)
        return self.days_ago(121, 3000)

    def stamp(self, day: dt.date) -> str:
        return f"{day.isoformat()}T{self.rng.randint(7, 17):02d}:{self.rng.randint(0, 59):02d}:00+00:00"

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(resource)
        return resource

    def concept(self, code: _Code) -> dict[str, Any]:
        if not code.code:  # a drug known only by name, as a local dictionary spells it
            return {
                "coding": [
                    {
                        "system": code.system,
                        "code": str(self.rng.randint(10000, 99999)),
                        "display": code.display.capitalize() + " tablet",
                    }
                ],
                "text": code.display.capitalize(),
            }
        return {"coding": [{"system": code.system, "code": code.code, "display": code.display}], "text": code.display}

    def pick(self, valueset: str, systems: tuple[str, ...] = ()) -> _Code:
        codes = self.sets[valueset]
        preferred = [c for c in codes if c.system in systems] if systems else codes
        return self.rng.choice(preferred or codes)

    # -- record builders -----------------------------------------------------------------------

    def condition(
        self,
        valueset: str,
        onset: dt.date,
        *,
        active: bool = True,
        severity: str | None = None,
        stage: str | None = None,
    ) -> None:
        code = self.pick(valueset, (SNOMED, ICD10CM, "http://hl7.org/fhir/sid/icd-10"))
        concept = self.concept(code)
        if code.system == SNOMED and self.rng.random() < 0.5:
            icd = [c for c in self.sets[valueset] if c.system == ICD10CM]
            if icd:  # real exports often carry both codings of the problem
                concept["coding"].append(self.concept(self.rng.choice(icd))["coding"][0])
        verification = self.rng.choices(("confirmed", "provisional", "refuted"), (0.92, 0.05, 0.03))[0]
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self.uuid(),
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active" if active else "resolved"}]},
            "verificationStatus": {"coding": [{"system": VERIFICATION, "code": verification}]},
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "problem-list-item",
                        }
                    ]
                }
            ],
            "code": concept,
            "subject": self.ref,
            "onsetDateTime": self.stamp(onset),
            "recordedDate": self.stamp(onset),
        }
        if not active:
            end = min(self.as_of, onset + dt.timedelta(days=self.rng.randint(3, 400)))
            resource["abatementDateTime"] = self.stamp(end)
        if severity is not None:
            resource["severity"] = {"coding": [{"system": SNOMED, **severity_code(severity)}]}
        if stage is not None and self.sets.get(stage):
            resource["stage"] = [{"summary": self.concept(self.pick(stage))}]
        self.add(resource)

    def condition_other(self, code: str, display: str) -> None:
        """A problem no criterion reads (hypertension, osteoarthritis...), as Synthea codes it."""
        onset = self.days_ago(100, 6000)
        self.add(
            {
                "resourceType": "Condition",
                "id": self.uuid(),
                "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
                "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
                "code": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display},
                "subject": self.ref,
                "onsetDateTime": self.stamp(onset),
                "recordedDate": self.stamp(onset),
            }
        )

    def procedure(self, valueset: str, day: dt.date) -> None:
        code = self.pick(valueset, (SNOMED, "http://www.cms.gov/Medicare/Coding/ICD10"))
        self.add(
            {
                "resourceType": "Procedure",
                "id": self.uuid(),
                "status": "completed",
                "code": self.concept(code),
                "subject": self.ref,
                "performedPeriod": {"start": self.stamp(day), "end": self.stamp(day)},
            }
        )

    def medication(self, valueset: str, start: dt.date, *, ongoing: bool, refills: bool = False) -> None:
        code = self.pick(valueset)
        concept = self.concept(code)
        style = self.rng.random()
        if style < 0.2:
            self.add(
                {
                    "resourceType": "MedicationStatement",
                    "id": self.uuid(),
                    "status": "active" if ongoing else "completed",
                    "medicationCodeableConcept": concept,
                    "subject": self.ref,
                    "effectivePeriod": {"start": start.isoformat()}
                    if ongoing
                    else {
                        "start": start.isoformat(),
                        "end": min(self.as_of, start + dt.timedelta(days=60)).isoformat(),
                    },
                }
            )
            return
        reference = None
        if style < 0.3 and code.code:
            reference = {"reference": f"Medication/{medication_id(code)}"}
        base: dict[str, Any] = {"resourceType": "MedicationRequest", "intent": "order", "subject": self.ref}
        if reference is not None:
            base["medicationReference"] = reference
        else:
            base["medicationCodeableConcept"] = concept
        first = dict(
            base,
            id=self.uuid(),
            status="active" if ongoing else "stopped",
            authoredOn=self.stamp(start),
            dispenseRequest={
                "numberOfRepeatsAllowed": 3,
                "expectedSupplyDuration": {"value": 90, "unit": "days", "system": UCUM, "code": "d"},
            },
        )
        self.add(first)
        if refills:  # refill orders: each a 90-day validity period, the last one open
            day = start + dt.timedelta(days=90)
            while day < self.as_of - dt.timedelta(days=90):
                end = day + dt.timedelta(days=90)
                self.add(
                    dict(
                        base,
                        id=self.uuid(),
                        status="completed",
                        authoredOn=self.stamp(day),
                        dispenseRequest={"validityPeriod": {"start": day.isoformat(), "end": end.isoformat()}},
                    )
                )
                day = end

    def lab(
        self,
        analyte: str,
        value: float,
        unit: str,
        day: dt.date,
        *,
        comparator: str | None = None,
        high: float | None = None,
        status: str = "final",
        code_index: int = 0,
    ) -> None:
        codes = self.catalog.analytes.analytes[analyte].codes
        code = codes[min(code_index, len(codes) - 1)]
        quantity: dict[str, Any] = {
            "value": round(value, 2 if abs(value) < 100 else 0),
            "unit": unit,
            "system": UCUM,
            "code": unit,
        }
        if comparator:
            quantity["comparator"] = comparator
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": self.uuid(),
            "status": status,
            "category": [{"coding": [{"system": CATEGORY, "code": "laboratory", "display": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code.code, "display": code.display}], "text": code.display},
            "subject": self.ref,
            "effectiveDateTime": self.stamp(day),
            "issued": self.stamp(day),
            "valueQuantity": quantity,
        }
        if high is not None:
            resource["referenceRange"] = [{"high": {"value": high, "unit": unit, "system": UCUM, "code": unit}}]
        self.add(resource)

    def coded(self, analyte: str, answer: tuple[str, str, str], day: dt.date) -> None:
        code = self.catalog.analytes.analytes[analyte].codes[0]
        system, value, display = answer
        self.add(
            {
                "resourceType": "Observation",
                "id": self.uuid(),
                "status": "final",
                "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
                "code": {"coding": [{"system": LOINC, "code": code.code, "display": code.display}]},
                "subject": self.ref,
                "effectiveDateTime": self.stamp(day),
                "valueCodeableConcept": {
                    "coding": [{"system": system, "code": value, "display": display}],
                    "text": display,
                },
            }
        )


def severity_code(severity: str) -> dict[str, str]:
    """Return the SNOMED CT severity code of mild, moderate or severe (FHIR condition-severity value set)."""
    return {
        "mild": {"code": "255604002", "display": "Mild"},
        "moderate": {"code": "6736007", "display": "Moderate"},
        "severe": {"code": "24484000", "display": "Severe"},
    }[severity]


def medication_id(code: _Code) -> str:
    """Return the id of the formulary Medication resource for a drug code."""
    return "med-" + code.code.lower().replace(".", "-")


# Allergy codes as Inferno's US Core reference data writes them (uscore_bundle_patient_355.json);
# categories and criticality are drawn per record.
ALLERGIES = (
    ("300916003", "Latex allergy"),
    ("232350006", "House dust mite allergy"),
    ("418689008", "Allergy to grass pollen"),
    ("300913006", "Shellfish allergy"),
    ("417532002", "Allergy to fish"),
    ("91935009", "Allergy to peanuts"),
    ("714035009", "Allergy to soya"),
)
SKIN_RASH = {"coding": [{"system": SNOMED, "code": "271807003", "display": "skin rash"}], "text": "skin rash"}
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"


def _lab_panel(p: _Patient, kind: str, day: dt.date, severe: bool) -> None:
    """A liver panel on one day, each value in one of the unit conventions labs use."""
    rng = p.rng
    decompensated = kind == "hbv-decompensated"
    bili = rng.lognormvariate(2.1 if severe else (0.9 if decompensated else 0.1), 0.55)
    if rng.random() < 0.4:
        p.lab("bilirubin_total", bili * 17.1, "umol/L", day, high=20.5)
    else:
        p.lab("bilirubin_total", bili, "mg/dL", day, high=1.2)
    albumin = rng.uniform(1.9, 2.8) if severe else rng.uniform(2.4, 3.8) if decompensated else rng.uniform(3.2, 4.6)
    if rng.random() < 0.3:
        p.lab("albumin", albumin * 10, "g/L", day)
    else:
        p.lab("albumin", albumin, "g/dL", day)
    inr = rng.uniform(2.0, 3.5) if severe else rng.uniform(1.2, 2.4) if decompensated else rng.uniform(0.9, 1.4)
    p.lab("inr", inr, rng.choice(("{INR}", "1")), day)
    creatinine = rng.uniform(1.6, 4.5) if rng.random() < 0.12 else rng.uniform(0.55, 1.4)
    high = rng.choice((None, 1.2, 1.3))
    if rng.random() < 0.35:
        p.lab("creatinine", creatinine * 88.4, "umol/L", day, high=None if high is None else round(high * 88.4))
    else:
        p.lab("creatinine", creatinine, "mg/dL", day, high=high, code_index=2 if rng.random() < 0.2 else 0)
    sodium = rng.uniform(116, 124.9) if rng.random() < 0.07 else rng.uniform(126, 145)
    p.lab("sodium", sodium, rng.choice(("mmol/L", "mmol/L", "meq/L")), day)
    wbc = rng.uniform(0.4, 0.99) if rng.random() < 0.05 else rng.uniform(1.5, 11)
    convention = rng.random()
    if convention < 0.6:
        p.lab("wbc", wbc, "10*9/L", day)
    elif convention < 0.85:
        p.lab("wbc", wbc, "10*3/uL", day)
    else:
        p.lab("wbc", wbc * 1000, "/uL", day)
    p.lab("platelets", rng.uniform(35, 260), rng.choice(("10*9/L", "10*3/uL")), day)
    if rng.random() < 0.8:
        afp = rng.uniform(401, 4000) if rng.random() < 0.05 else rng.uniform(1.5, 40)
        p.lab("afp", afp, "ng/mL", day)
    if kind.startswith("hbv") and rng.random() < 0.9:
        roll = rng.random()
        if roll < 0.55:
            p.lab("hbv_dna", 20, "[IU]/mL", day, comparator="<")
        elif roll < 0.6:
            p.coded("hbv_dna", NOT_DETECTED, day)
        else:
            iu = 10 ** rng.uniform(1.5, 2.9) if roll < 0.8 else 10 ** rng.uniform(3.1, 7)
            form = rng.random()
            if form < 0.6:
                p.lab("hbv_dna", iu, "[IU]/mL", day)
            elif form < 0.85:
                p.lab("hbv_dna", iu * 5.82, "{copies}/mL", day)
            else:
                p.lab("hbv_dna", round(__import__("math").log10(iu), 2), "{log_IU}/mL", day)
    if rng.random() < 0.6:
        a1c = rng.uniform(8.1, 11) if rng.random() < 0.1 else rng.uniform(4.8, 7.5)
        if rng.random() < 0.25:
            p.lab("hba1c", (a1c - 2.15) / 0.0915, "mmol/mol", day)
        else:
            p.lab("hba1c", a1c, "%", day)
    if rng.random() < 0.5:
        glucose = rng.uniform(10.2, 16) if rng.random() < 0.08 else rng.uniform(4.2, 7.5)
        if rng.random() < 0.5:
            p.lab("glucose_fasting", glucose / 0.0555, "mg/dL", day)
        else:
            p.lab("glucose_fasting", glucose, "mmol/L", day)


def _encounter(p: _Patient, day: dt.date, body: bool, height: float, bmi: float) -> None:
    """An encounter with its claim, explanation of benefit and vital signs: what exports are mostly made of."""
    rng = p.rng
    code, display = rng.choice(ENCOUNTER_TYPES)
    encounter = p.uuid()
    start = p.stamp(day)
    p.add(
        {
            "resourceType": "Encounter",
            "id": encounter,
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [{"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display}],
            "subject": p.ref,
            "period": {"start": start, "end": start},
            "serviceProvider": {"reference": "Organization/hospital-1", "display": "General Hospital"},
        }
    )
    item = {
        "sequence": 1,
        "productOrService": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "encounter": [{"reference": f"Encounter/{encounter}"}],
    }
    claim = p.uuid()
    billing = {
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
        "use": "claim",
        "patient": p.ref,
        "billablePeriod": {"start": start, "end": start},
        "created": start,
        "provider": {"reference": "Organization/hospital-1"},
    }
    p.add(
        {
            "resourceType": "Claim",
            "id": claim,
            **billing,
            "priority": {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]
            },
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "private"}}],
            "item": [item],
            "total": {"value": rng.randint(80, 900), "currency": "USD"},
        }
    )
    p.add(
        {
            "resourceType": "ExplanationOfBenefit",
            "id": p.uuid(),
            **billing,
            "insurer": {"display": "private"},
            "claim": {"reference": f"Claim/{claim}"},
            "outcome": "complete",
            "insurance": [{"focal": True, "coverage": {"display": "private"}}],
            "item": [
                dict(
                    item,
                    servicedDate=day.isoformat(),
                    adjudication=[
                        {
                            "category": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/adjudication",
                                        "code": "submitted",
                                    }
                                ]
                            },
                            "amount": {"value": rng.randint(80, 900), "currency": "USD"},
                        }
                    ],
                )
            ],
            "payment": {"amount": {"value": rng.randint(50, 700), "currency": "USD"}},
        }
    )
    for loinc, name, unit, low, high in VITALS:
        p.add(
            {
                "resourceType": "Observation",
                "id": p.uuid(),
                "status": "final",
                "category": [{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}],
                "code": {"coding": [{"system": LOINC, "code": loinc, "display": name}], "text": name},
                "subject": p.ref,
                "encounter": {"reference": f"Encounter/{encounter}"},
                "effectiveDateTime": start,
                "valueQuantity": {
                    "value": round(rng.uniform(low, high), 1),
                    "unit": unit,
                    "system": UCUM,
                    "code": unit,
                },
            }
        )
    if body:
        weight = bmi * (height / 100) ** 2 * rng.uniform(0.98, 1.02)
        if rng.random() < 0.15:
            p.lab("height", height / 2.54, "[in_i]", day)
            p.lab("weight", weight / 0.45359237, "[lb_av]", day)
        else:
            p.lab("height", height, "cm", day)
            p.lab("weight", weight, "kg", day)
        if rng.random() < 0.5:
            p.lab("bmi", weight / (height / 100) ** 2, "kg/m2", day)


@cache
def _reads(catalog: Catalog) -> CatalogReads:
    return catalog_reads(catalog.trials.values())


def _stage_sets(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Return, per condition value set a grade/stage filter reads, the stage value sets it names."""
    found: dict[str, set[str]] = {}
    for trial in catalog.trials.values():
        for _, node in walk_trial(trial):
            test = getattr(node, "condition", None)
            if isinstance(test, RecordTest) and test.stage is not None:
                found.setdefault(test.valueset, set()).update((test.stage.counts, test.stage.other))
    return {valueset: tuple(sorted(stages)) for valueset, stages in found.items()}


def build_patient(index: int, seed: int, as_of: dt.date, sets: dict[str, list[_Code]], catalog: Catalog) -> _Patient:
    """Return one synthetic patient: a kind, demographics, problems, medications, labs and the export's bulk."""
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 (synthetic data, not security)
    p = _Patient(rng, index, as_of, sets, catalog)
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    liver = kind != "no-liver"
    male = rng.random() < (0.65 if kind.startswith("hbv") else 0.5)
    age = int(min(90, max(16, rng.gauss(54, 12)))) if liver else rng.randint(16, 90)
    birth = as_of.replace(year=as_of.year - age) - dt.timedelta(days=rng.randint(1, 364))
    birth_text = birth.isoformat()
    if rng.random() < 0.015:
        birth_text = birth_text[:4] if rng.random() < 0.5 else birth_text[:7]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": p.id,
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.9999.2", "value": f"MRN{seed:02d}{index:08d}"}],
        "name": [
            {
                "use": "official",
                "family": f"Synthetic{index}",
                "given": [rng.choice(("Alex", "Sam", "Kim", "Lee", "Ana"))],
            }
        ],
        "gender": "male" if male else "female",
        "birthDate": birth_text,
        "address": [{"city": "Springfield", "state": "MA", "country": "US"}],
    }
    if rng.random() < 0.005:
        patient["deceasedDateTime"] = p.stamp(p.days_ago(1, 300))
    p.add(patient)
    severe = kind == "hbv-decompensated" and rng.random() < 0.2

    # -- problems --------------------------------------------------------------------------------
    if kind.startswith("hbv"):
        p.condition("chronic-hepatitis-b", p.days_ago(2000, 9000))
        p.condition("cirrhosis", p.days_ago(200, 3000), active=rng.random() < 0.96)
    if kind == "hbv-decompensated":
        grade = "severe" if severe else rng.choice(("mild", "moderate"))
        p.condition("ascites", p.days_ago(0, 400), severity=grade)
        for valueset in rng.sample(
            (
                "variceal-bleeding",
                "hepatic-encephalopathy",
                "spontaneous-bacterial-peritonitis",
                "hepatorenal-syndrome",
            ),
            rng.randint(0, 2),
        ):
            onset = p.days_ago(0, 30) if rng.random() < 0.25 else p.days_ago(31, 900)
            p.condition(valueset, onset, active=rng.random() < 0.6)
        if rng.random() < 0.3:
            p.condition("decompensated-cirrhosis", p.days_ago(0, 600))
    if kind == "other-liver":
        cause = rng.choice(
            ("alcoholic-liver-disease", "metabolic-fatty-liver-disease", "hepatitis-c", "autoimmune-hepatitis")
        )
        p.condition(cause, p.days_ago(300, 5000), active=cause != "hepatitis-c" or rng.random() < 0.5)
        if rng.random() < 0.4:
            p.condition("cirrhosis", p.days_ago(100, 3000))
        if rng.random() < 0.15:
            p.condition("ascites", p.days_ago(0, 300), severity=rng.choice(("mild", "moderate")))
        if cause == "hepatitis-c" and rng.random() < 0.5:
            p.medication("hcv-antivirals", p.days_ago(5, 400), ongoing=True)
        if cause == "autoimmune-hepatitis" and rng.random() < 0.7:
            p.medication("systemic-corticosteroids", p.days_ago(5, 500), ongoing=True)
    reads = _reads(catalog)
    stages = _stage_sets(catalog)
    female_fertile = not male and 16 <= age <= 50
    # Two in five patients have none of the comorbidities trials exclude; the rest have each with
    # a small chance, so that every exclusion is met somewhere in a few hundred patients.
    burden = 0.0 if rng.random() < 0.4 else 1.0
    for valueset in sorted(reads.conditions - CORE_SETS):
        if valueset in ("pregnancy", "lactation"):
            chance = 0.1 if female_fertile else 0.0
        else:
            chance = burden * (0.05 if liver else 0.02)
            if valueset in stages:
                # A staged set is met on the deciding side only in its counting stage: three times as
                # often, so both sides of its filter occur in a few hundred patients whatever the seed.
                chance *= 3
        if valueset in sets and rng.random() < chance:
            # Graded and staged as real problem lists sometimes are, so severity and stage filters
            # meet both sides (a severe bleeding disorder, heart failure in NYHA class III).
            severity = rng.choice((None, "mild", "moderate", "severe", "severe"))
            staging = stages.get(valueset, ())
            stage = rng.choice((None, *staging)) if staging else None
            p.condition(valueset, p.recent(), active=rng.random() < 0.75, severity=severity, stage=stage)
    for code, display in rng.sample(OTHER_CONDITIONS, rng.randint(0, 3)):
        p.condition_other(code, display)

    # -- procedures and medications ---------------------------------------------------------------
    for valueset in sorted(reads.procedures):
        if valueset in sets and rng.random() < burden * (0.07 if liver else 0.01):
            day = p.recent()
            p.procedure(valueset, day)
            if valueset == "dialysis" and rng.random() < 0.5:
                for back in (2, 4):
                    p.procedure(valueset, p.as_of - dt.timedelta(days=back))
    if kind.startswith("hbv") and rng.random() < 0.9:
        ongoing = rng.random() < 0.93
        p.medication("hbv-antivirals", p.days_ago(10, 2600), ongoing=ongoing, refills=ongoing)
    for valueset, chance in (
        ("methadone", 0.02),
        ("systemic-corticosteroids", 0.03),
        ("albumin-human", 0.06 if liver else 0.0),
    ):
        if rng.random() < chance:
            p.medication(valueset, p.recent(), ongoing=valueset != "albumin-human" and rng.random() < 0.7)
    for code, display in rng.sample(OTHER_MEDICATIONS, rng.randint(0, 2)):
        p.add(
            {
                "resourceType": "MedicationRequest",
                "id": p.uuid(),
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {
                    "coding": [{"system": RXNORM, "code": code, "display": display}],
                    "text": display,
                },
                "subject": p.ref,
                "authoredOn": p.stamp(p.days_ago(30, 1500)),
            }
        )
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
        code, display = rng.choice(ALLERGIES)
        severity = rng.choices(("mild", "moderate", "severe"), (0.6, 0.3, 0.1))[0]
        p.add(
            {
                "resourceType": "AllergyIntolerance",
                "id": p.uuid(),
                "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
                "category": [rng.choice(("food", "medication", "environment", "biologic"))],
                "criticality": "high" if rng.random() < 0.12 else "low",
                "code": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display},
                "patient": p.ref,
                "reaction": [{"manifestation": [SKIN_RASH], "severity": severity}],
            }
        )

    # -- labs, serology and the bulk ------------------------------------------------------------------
    if liver and rng.random() < 0.93:
        lab_day = p.days_ago(0, 45)
        _lab_panel(p, kind, lab_day, severe)
        for _ in range(rng.randint(1, 3)):
            _lab_panel(p, kind, p.days_ago(60, 1500), severe=False)
        _correct_some(p)
    elif rng.random() < 0.5:
        day = p.days_ago(0, 700)
        p.lab("creatinine", rng.uniform(0.6, 1.3), "mg/dL", day, high=1.3)
        p.lab("sodium", rng.uniform(134, 145), "mmol/L", day)
    serology_days = (0, 500) if liver else (0, 2000)
    for analyte, chance, positive in (
        ("hiv_antibody", 0.75 if liver else 0.2, 0.04),
        ("hcv_antibody", 0.7 if liver else 0.1, 0.05),
        ("syphilis_treponemal", 0.6 if liver else 0.1, 0.05),
    ):
        if rng.random() < chance:
            p.coded(analyte, POSITIVE if rng.random() < positive else NEGATIVE, p.days_ago(*serology_days))
    if female_fertile and rng.random() < 0.6:
        pregnant = rng.random() < 0.1
        if rng.random() < 0.5:
            p.coded("hcg", POSITIVE if pregnant else NEGATIVE, p.days_ago(0, 40))
        else:
            p.coded("pregnancy_status", PREGNANT if pregnant else NOT_PREGNANT, p.days_ago(0, 40))
    height = rng.gauss(176 if male else 163, 7)
    bmi = rng.uniform(16.5, 34)
    for number in range(rng.randint(3, 10) if liver else rng.randint(1, 6)):
        day = p.days_ago(0, 60) if number == 0 else p.days_ago(61, 1100)
        _encounter(p, day, body=number == 0 or rng.random() < 0.3, height=height, bmi=bmi)
        for loinc, name, unit, low, high in rng.sample(OTHER_LABS, rng.randint(0, 2)):
            p.add(
                {
                    "resourceType": "Observation",
                    "id": p.uuid(),
                    "status": "final",
                    "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
                    "code": {"coding": [{"system": LOINC, "code": loinc, "display": name}], "text": name},
                    "subject": p.ref,
                    "effectiveDateTime": p.stamp(day),
                    "valueQuantity": {
                        "value": round(rng.uniform(low, high), 1),
                        "unit": unit,
                        "system": UCUM,
                        "code": unit,
                    },
                }
            )
    return p


def _correct_some(p: _Patient) -> None:
    """Mark a few labs corrected or amended (they count) and a few preliminary or entered in error (they do not)."""
    for resource in p.resources:
        if resource["resourceType"] == "Observation" and "valueQuantity" in resource:
            roll = p.rng.random()
            if roll < 0.03:
                resource["status"] = p.rng.choice(("corrected", "amended"))
            elif roll < 0.045:
                resource["status"] = p.rng.choice(("preliminary", "entered-in-error"))


@cache
def _catalogue(criteria_dir: Path) -> tuple[Catalog, dict[str, list[_Code]]]:
    from service.criteria import load_catalog

    return load_catalog(criteria_dir), _valueset_codes(criteria_dir)


def write_population(
    out: Path, patients: int, criteria_dir: Path, as_of: dt.date, *, seed: int = 0, gzip_files: bool = False
) -> Written:
    """Write a seeded synthetic Bulk Data export of ``patients`` patients whose records lead up to ``as_of``."""
    catalog, sets = _catalogue(criteria_dir)
    writer = ExportWriter(out, gzip_files=gzip_files)
    formulary: dict[str, dict[str, Any]] = {}
    for index in range(patients):
        patient = build_patient(index, seed, as_of, sets, catalog)
        for resource in patient.resources:
            reference = resource.get("medicationReference")
            if reference is not None:
                formulary.setdefault(reference["reference"], resource)
            writer.write(resource)
    for reference in sorted(formulary):
        code = _formulary_code(reference, sets)
        writer.write(
            {
                "resourceType": "Medication",
                "id": reference.split("/", 1)[1],
                "code": {
                    "coding": [{"system": code.system, "code": code.code, "display": code.display}],
                    "text": code.display,
                },
            }
        )
    writer.write({"resourceType": "Organization", "id": "hospital-1", "name": "General Hospital", "active": True})
    writer.close(f"{as_of.isoformat()}T23:59:59Z")
    return Written(patients, writer.resources)


def _formulary_code(reference: str, sets: dict[str, list[_Code]]) -> _Code:
    wanted = reference.split("/", 1)[1]
    for codes in sets.values():
        for code in codes:
            if code.code and medication_id(code) == wanted:
                return code
    raise KeyError(reference)
