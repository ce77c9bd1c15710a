"""Facts: validated FHIR resources -> what the patient's record says, in canonical form.

The package reads as its stages: ``model`` (the shapes), ``labs`` (Observations),
``records`` (Conditions, medications, Procedures, allergies and their timing), ``encounters``
(Encounters as events an admission count reads), ``family`` (relatives by kinship), ``scoring``
(Child-Pugh, MELD variants, BMI) and ``builder`` (an Intake -> PatientFacts).

Which values count (documented in the README):
- Observation.status final, amended and corrected count. preliminary does not count for
  eligibility (a result can still change) and registered has no result yet; both are listed
  as warnings. cancelled, entered-in-error and unknown never count.
- A lab value outside its analyte's plausible range (a negative bilirubin, sodium 5000), whose
  unit cannot be converted or whose value overflows is kept as unreadable with a warning: as
  the newest result it makes a criterion unknown (service.facts.labs says which result decides).
- A value with no date cannot be placed in a look-back window and does not count.
- Condition.verificationStatus refuted and entered-in-error never count; unconfirmed,
  provisional and differential are kept and marked uncertain.
- Medication statuses entered-in-error, not-taken, not-done, cancelled and draft never count;
  nor do Procedure statuses not-done, entered-in-error and preparation (a plan); a not-taken
  MedicationStatement and a planned Procedure are kept apart (PatientFacts.not_taken, .planned)
  for the tests that read statements and plans; nor refuted or
  entered-in-error allergies. Inactive and resolved allergies are kept: criteria ask for a
  history of allergy.
- When a record counts in time (current, within a window, courses of therapy) is written in
  ``records``.
"""

from service.facts.builder import FactBuilder
from service.facts.model import (
    RECORD_TYPES,
    AllergyRecord,
    ClinicalRecord,
    Evidence,
    LabValue,
    PatientFacts,
    ScoreInput,
    ScoreResult,
    Span,
    age_on,
    date_span,
    not_provided_text,
    printable,
)
from service.facts.records import (
    COURSE_GAP_DAYS,
    ENCOUNTER_DIAGNOSIS_HISTORY_DAYS,
    FINDING_CURRENT_DAYS,
    Course,
    current_course,
    is_current,
    matching,
    occurred_within,
    severity_of,
    stage_of,
    stated_within,
)
from service.facts.scoring import ScoreMatchers, compute_scores

__all__ = [
    "COURSE_GAP_DAYS",
    "ENCOUNTER_DIAGNOSIS_HISTORY_DAYS",
    "FINDING_CURRENT_DAYS",
    "RECORD_TYPES",
    "AllergyRecord",
    "ClinicalRecord",
    "Course",
    "Evidence",
    "FactBuilder",
    "LabValue",
    "PatientFacts",
    "ScoreInput",
    "ScoreMatchers",
    "ScoreResult",
    "Span",
    "age_on",
    "compute_scores",
    "current_course",
    "date_span",
    "is_current",
    "matching",
    "not_provided_text",
    "occurred_within",
    "printable",
    "severity_of",
    "stage_of",
    "stated_within",
]
