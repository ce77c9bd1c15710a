"""The fact builder: an Intake -> PatientFacts, through the lab and record readers."""

from __future__ import annotations

from service.facts.encounters import read_encounter
from service.facts.family import read_family
from service.facts.labs import LabReader
from service.facts.model import (
    ADMINISTRATIVE_GENDER,
    NOT_TAKEN_MEDICATION,
    PLANNED_PROCEDURE,
    PatientFacts,
    date_span,
)
from service.facts.records import MEDICATION_RECORDS, RecordReader
from service.intake import Intake
from service.terminology import AnalyteTable
from service.units import UnitTable


class FactBuilder:
    """Builds PatientFacts from an Intake, using the analyte table and the value sets."""

    def __init__(self, table: AnalyteTable, units: UnitTable) -> None:
        self.labs = LabReader(table, units)
        self.records = RecordReader()

    def build(self, intake: Intake) -> PatientFacts:
        """Read the patient, labs, conditions, medications, procedures and allergies."""
        warnings = list(intake.warnings)
        patient = intake.patient.resource
        birth = date_span(patient.birthDate) if patient.birthDate else None
        deceased: bool | None = None
        deceased_note = ""
        if patient.deceasedBoolean is not None:
            deceased = bool(patient.deceasedBoolean)
            deceased_note = "Patient.deceasedBoolean is true" if deceased else ""
        elif patient.deceasedDateTime is not None:
            deceased = True
            died = date_span(patient.deceasedDateTime)
            deceased_note = f"Patient.deceasedDateTime {died.start if died else patient.deceasedDateTime}"
        facts = PatientFacts(
            patient_id=patient.id or intake.patient.reference,
            sex=patient.gender if patient.gender in ADMINISTRATIVE_GENDER else None,
            birth=birth,
            deceased=deceased,
            labs={},
            conditions=[],
            findings=[],
            medications=[],
            procedures=[],
            allergies=[],
            warnings=warnings,
            deceased_note=deceased_note,
        )
        if patient.gender is not None and patient.gender not in ADMINISTRATIVE_GENDER:
            warnings.append("Patient.gender is not an administrative-gender code; sex unknown")
        for read in intake.resources.get("Observation", ()):
            self.labs.observation(read, facts)
        self.labs.finish(facts)
        for read in intake.resources.get("Condition", ()):
            record = self.records.condition(read, facts)
            if record is not None:
                facts.conditions.append(record)
        for rtype in MEDICATION_RECORDS:
            for read in intake.resources.get(rtype, ()):
                med = self.records.medication(read, intake, facts)
                if med is not None:
                    (facts.not_taken if med.status == NOT_TAKEN_MEDICATION else facts.medications).append(med)
        for read in intake.resources.get("Encounter", ()):
            facts.findings.extend(self.records.encounter(read, facts))
            encounter = read_encounter(read)
            if encounter is not None:
                facts.encounters.append(encounter)
        for read in intake.resources.get("Procedure", ()):
            proc = self.records.procedure(read, facts)
            if proc is not None:
                (facts.planned if proc.status == PLANNED_PROCEDURE else facts.procedures).append(proc)
        for read in intake.resources.get("FamilyMemberHistory", ()):
            facts.family_read = True
            relative = read_family(read)
            if relative is not None:
                facts.family.append(relative)
        for read in intake.resources.get("AllergyIntolerance", ()):
            allergy = self.records.allergy(read)
            if allergy is not None:
                facts.allergies.append(allergy)
        return facts

    # -- observations ----------------------------------------------------------------------
