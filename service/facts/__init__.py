"""Facts: validated FHIR resources -> what the patient's record says, in canonical form.

The package reads as its stages: ``model`` (the shapes), ``labs`` (Observations),
``records`` (Conditions, medications, Procedures, allergies and their timing), ``scoring``
(Child-Pugh, MELD variants, BMI) and ``builder`` (an Intake -> PatientFacts).

Which values count (documented in the README):
- Observation.status final, amended and corrected count. preliminary does not count for
  eligibility (a result can still change) and registered has no result yet; both are listed
  as warnings. cancelled, entered-in-error and unknown never count.
- A lab value outside its analyte's plausible range (a negative bilirubin, sodium 5000) is
  treated as an error: it does not count and a warning says so.
- A value whose unit the table cannot convert does not count; a warning names the unit.
- A value with no date cannot be placed in a look-back window and does not count.
- Condition.verificationStatus refuted and entered-in-error never count; unconfirmed,
  provisional and differential are kept and marked uncertain.
- Medication statuses entered-in-error, not-taken, not-done, cancelled and draft never count;
  nor do Procedure statuses not-done and entered-in-error; nor refuted or entered-in-error
  allergies. Inactive and resolved allergies are kept: criteria ask for a history of allergy.
"""

from service.facts.builder import FactBuilder
from service.facts.model import (
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
    printable,
)
from service.facts.records import FINDING_CURRENT_DAYS, is_current, matching, occurred_within
from service.facts.scoring import ScoreMatchers, compute_scores

__all__ = [
    "FINDING_CURRENT_DAYS",
    "AllergyRecord",
    "ClinicalRecord",
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
    "date_span",
    "is_current",
    "matching",
    "occurred_within",
    "printable",
]
