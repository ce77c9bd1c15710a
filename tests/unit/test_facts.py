"""Facts: unit conversion, which values count, partial dates, comparators, coded results, scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service.criteria import Catalog
from service.errors import BundleInvalid
from service.facts import PatientFacts
from service.pipeline import read_facts
from tests.fhir_builders import ICD10CM, LOINC, SNOMED, bundle, coded_obs, condition, patient, procedure, quantity_obs

AS_OF = dt.date(2026, 11, 22)


def facts_of(catalog: Catalog, *resources: dict[str, Any], birth: str | None = "1972-03-15", **kw: Any) -> PatientFacts:
    return read_facts(bundle(patient(birth), *resources, **kw), catalog, AS_OF)


# (case id, LOINC, value, unit, send unit as UCUM code?, analyte, canonical value)
CONVERSIONS = [
    ("bilirubin-mg-dl", "1975-2", 2.0, "mg/dL", True, "bilirubin_total", 2.0),
    ("bilirubin-umol-l", "14631-6", 34.2, "umol/L", True, "bilirubin_total", 34.2 * 584.66 / 10000),
    ("bilirubin-micro-sign-text", "14631-6", 34.2, "µmol/l", False, "bilirubin_total", 34.2 * 584.66 / 10000),
    ("creatinine-umol-l", "14682-9", 133, "umol/L", True, "creatinine", 133 * 113.12 / 10000),
    ("creatinine-mg-dl-text", "2160-0", 1.5, "mg/dl", False, "creatinine", 1.5),
    ("albumin-g-l", "1751-7", 35, "g/L", True, "albumin", 3.5),
    ("sodium-meq-l", "2951-2", 136, "mEq/L", False, "sodium", 136),
    ("wbc-per-ul", "6690-2", 4500, "/uL", True, "wbc", 4.5),
    ("wbc-per-mm3", "6690-2", 4500, "/mm3", True, "wbc", 4.5),
    ("wbc-10-3-ul", "26464-8", 4.5, "10*3/uL", True, "wbc", 4.5),
    ("wbc-k-ul-text", "6690-2", 4.5, "K/uL", False, "wbc", 4.5),
    ("wbc-10-9-l", "6690-2", 0.8, "10*9/L", True, "wbc", 0.8),
    ("platelets-10-3-ul", "777-3", 85, "10*3/uL", True, "platelets", 85),
    ("glucose-mg-dl", "1558-6", 180.16, "mg/dL", True, "glucose_fasting", 10.0),
    ("glucose-mmol-l", "14771-0", 10.0, "mmol/L", True, "glucose_fasting", 10.0),
    ("hba1c-ifcc", "59261-8", 48, "mmol/mol", True, "hba1c", 0.0915 * 48 + 2.15),
    ("hba1c-ngsp", "4548-4", 8.0, "%", True, "hba1c", 8.0),
    ("hbv-dna-iu", "42595-9", 1000, "[IU]/mL", True, "hbv_dna", 1000),
    ("hbv-dna-iu-text", "42595-9", 1000, "IU/mL", False, "hbv_dna", 1000),
    ("hbv-dna-copies", "29615-2", 5820, "{copies}/mL", True, "hbv_dna", 1000),
    ("hbv-dna-copies-text", "29615-2", 116, "copies/ml", False, "hbv_dna", 116 / 5.82),
    ("hbv-dna-log-iu", "42595-9", 3.0, "{log_IU}/mL", True, "hbv_dna", 1000),
    ("hbv-dna-log-copies", "42595-9", 4.0, "{log_copies}/mL", True, "hbv_dna", 10000 / 5.82),
    ("afp-ng-ml", "1834-1", 450, "ng/mL", True, "afp", 450),
    ("inr-unitless", "6301-6", 1.8, None, True, "inr", 1.8),
    ("height-inches", "8302-2", 68, "[in_i]", True, "height", 172.72),
    ("height-m", "8302-2", 1.72, "m", True, "height", 172),
    ("weight-pounds", "29463-7", 150, "[lb_av]", True, "weight", 150 * 0.45359237),
    ("bmi", "39156-5", 22.9, "kg/m2", True, "bmi", 22.9),
]


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "ucum", "analyte", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in CONVERSIONS],
)
def test_unit_conversion_to_canonical(
    catalog: Catalog, loinc: str, value: float, unit: str | None, ucum: bool, analyte: str, expected: float
) -> None:
    """Each accepted unit converts to the analyte's canonical unit with the documented factor."""
    facts = facts_of(catalog, quantity_obs("o1", loinc, value, unit, ucum=ucum))
    (lab,) = facts.labs[analyte]
    assert lab.value == pytest.approx(expected, rel=1e-6)
    assert lab.unit == catalog.analytes.analytes[analyte].canonical_unit


def test_unconvertible_unit_is_kept_unreadable_and_warned(catalog: Catalog) -> None:
    """A unit nothing can convert keeps the result as unreadable, with a warning naming the unit."""
    facts = facts_of(catalog, quantity_obs("o1", "1975-2", 2.0, "mg/furlong"))
    (lab,) = facts.labs["bilirubin_total"]
    assert lab.value is None and lab.unreadable is not None and "mg/furlong" in lab.unreadable
    assert any("'mg/furlong' cannot be converted" in w for w in facts.warnings)


@pytest.mark.parametrize(("status", "counts"), [
    ("final", True), ("amended", True), ("corrected", True), ("preliminary", False),
    ("registered", False), ("cancelled", False), ("entered-in-error", False), ("unknown", False),
])  # fmt: skip
def test_observation_status_rules(catalog: Catalog, status: str, counts: bool) -> None:
    """final/amended/corrected count; preliminary, registered, cancelled, entered-in-error, unknown do not."""
    facts = facts_of(catalog, quantity_obs("o1", "1975-2", 2.0, "mg/dL", status=status))
    assert ("bilirubin_total" in facts.labs) is counts
    if not counts:
        assert any(f"status {status}" in w for w in facts.warnings)


@pytest.mark.parametrize(
    ("loinc", "value", "unit"), [("1975-2", -5, "mg/dL"), ("2951-2", 5000, "mmol/L"), ("2160-0", 0.5e9, "mg/dL")]
)
def test_absurd_values_are_unreadable(catalog: Catalog, loinc: str, value: float, unit: str) -> None:
    """A negative or physically impossible value is an error: kept as unreadable, never a number, and warned."""
    facts = facts_of(catalog, quantity_obs("o1", loinc, value, unit))
    ((lab,),) = facts.labs.values()
    assert lab.value is None and "implausible" in (lab.unreadable or "")
    assert any("implausible" in w for w in facts.warnings)


def test_latest_value_wins_and_window_applies(catalog: Catalog) -> None:
    """latest() returns the newest value inside the window, ignoring older or future ones."""
    facts = facts_of(
        catalog,
        quantity_obs("old", "1975-2", 12.0, "mg/dL", day="2026-11-01"),
        quantity_obs("new", "1975-2", 1.0, "mg/dL", day="2026-11-20"),
        quantity_obs("future", "1975-2", 5.0, "mg/dL", day="2026-12-01"),
    )
    latest = facts.latest("bilirubin_total", AS_OF, 30)
    assert latest is not None and latest.reference == "Observation/new"
    assert facts.latest("bilirubin_total", dt.date(2026, 11, 19), 30).reference == "Observation/old"  # type: ignore[union-attr]
    assert facts.latest("bilirubin_total", dt.date(2026, 12, 31), 10) is None


def test_comparator_and_reference_range_are_kept(catalog: Catalog) -> None:
    """A '<' value keeps its comparator, detection unknown (maybe detected below quantitation); high is the ULN."""
    facts = facts_of(
        catalog,
        quantity_obs("dna", "42595-9", 20, "[IU]/mL", comparator="<"),
        quantity_obs("cr", "14682-9", 100, "umol/L", high=106),
    )
    (dna,) = facts.labs["hbv_dna"]
    assert (dna.comparator, dna.positive) == ("<", None)
    (cr,) = facts.labs["creatinine"]
    assert cr.uln == pytest.approx(106 * 113.12 / 10000)


@pytest.mark.parametrize(
    ("resource", "analyte", "positive"),
    [
        pytest.param(
            coded_obs("o", "29610-3", SNOMED, "260415000", "Not detected"),
            "hbv_dna",
            False,
            id="hbv-dna-coded-not-detected",
        ),
        pytest.param(
            coded_obs("o", "29610-3", SNOMED, "260373001", "Detected"), "hbv_dna", True, id="hbv-dna-coded-detected"
        ),
        pytest.param(
            coded_obs("o", "56888-1", SNOMED, "10828004", "Positive"), "hiv_antibody", True, id="hiv-positive"
        ),
        pytest.param(
            coded_obs("o", "13955-0", SNOMED, "260385009", "Negative"), "hcv_antibody", False, id="hcv-negative"
        ),
        pytest.param(
            coded_obs("o", "20507-0", SNOMED, "131194007", "Non-reactive"),
            "syphilis_reagin",
            False,
            id="rpr-non-reactive",
        ),
        pytest.param(
            coded_obs("o", "82810-3", SNOMED, "77386006", "Pregnant"), "pregnancy_status", True, id="pregnant"
        ),
        pytest.param(
            quantity_obs("o", "42595-9", 15, "[IU]/mL", interpretation="ND"),
            "hbv_dna",
            False,
            id="hbv-dna-interpretation-nd",
        ),
        pytest.param(quantity_obs("o", "42595-9", 35, "[IU]/mL"), "hbv_dna", True, id="hbv-dna-quantified-detected"),
    ],
)
def test_qualitative_results(catalog: Catalog, resource: dict[str, Any], analyte: str, positive: bool) -> None:
    """Coded values, interpretation codes and quantities read as positive/detected or not."""
    facts = facts_of(catalog, resource)
    (lab,) = facts.labs[analyte]
    assert lab.positive is positive


def test_value_string_not_detected(catalog: Catalog) -> None:
    """A valueString 'Target Not Detected' reads as not detected (negation before the positive word)."""
    obs = coded_obs("o", "29610-3", SNOMED, "x")
    del obs["valueCodeableConcept"]
    obs["valueString"] = "Target Not Detected"
    facts = facts_of(catalog, obs)
    assert facts.labs["hbv_dna"][0].positive is False


@pytest.mark.parametrize(("birth", "ages"), [
    ("1972-03-15", (54, 54)), ("1970", (55, 56)), ("1970-11", (55, 56)), ("1970-12", (55, 55)),
    ("2008-11-22", (18, 18)), ("2008-11-23", (17, 17)), (None, None),
])  # fmt: skip
def test_age_from_full_and_partial_birth_dates(
    catalog: Catalog, birth: str | None, ages: tuple[int, int] | None
) -> None:
    """Age in completed years on the as-of date; a partial birth date gives a range."""
    assert facts_of(catalog, birth=birth).age_range(AS_OF) == ages


def test_leap_day_birthday_falls_on_28_february() -> None:
    """A 29 February birth turns a year older on 28 February in non-leap years (clinical.md E.4)."""
    from service.facts import age_on

    assert age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 28)) == 18
    assert age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 27)) == 17
    assert age_on(dt.date(2007, 6, 15), dt.date(2025, 6, 15)) == 18
    assert age_on(dt.date(2007, 6, 16), dt.date(2025, 6, 15)) == 17


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_retracted_conditions_never_count(catalog: Catalog, verification: str) -> None:
    """Refuted and entered-in-error conditions are dropped with a warning."""
    facts = facts_of(catalog, condition("c1", ICD10CM, "B18.1", clinical=None, verification=verification))
    assert facts.conditions == []
    assert any(verification in w for w in facts.warnings)


@pytest.mark.parametrize(
    ("onset", "start", "end"),
    [
        ({"onsetDateTime": "2020-05-01T10:00:00Z"}, "2020-05-01", "2020-05-01"),
        ({"onsetPeriod": {"start": "2020-05-01", "end": "2020-06-01"}}, "2020-05-01", "2020-06-01"),
        ({"onsetDateTime": "2020"}, "2020-01-01", "2020-12-31"),
        (
            {"onsetAge": {"value": 40, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}},
            "2012-03-15",
            "2013-03-14",
        ),
    ],
)
def test_condition_onset_forms(catalog: Catalog, onset: dict[str, Any], start: str, end: str) -> None:
    """Onset as dateTime, Period, partial date or Age becomes a span of possible days."""
    facts = facts_of(catalog, condition("c1", ICD10CM, "B18.1", onset=onset))
    span = facts.conditions[0].start
    assert span is not None and (str(span.start), str(span.end)) == (start, end)


def test_abatement_string_ends_a_condition(catalog: Catalog) -> None:
    """An abatementString marks the condition as over even without a date."""
    cond = condition("c1", SNOMED, "13920009", clinical=None, onset={"abatementString": "resolved last year"})
    facts = facts_of(catalog, cond)
    assert facts.conditions[0].ended


@pytest.mark.parametrize("full_urls", ["urn", "absolute", "relative"])
def test_references_resolve_in_every_form(catalog: Catalog, full_urls: str) -> None:
    """Subjects given as Patient/p1 resolve whether fullUrls are urn:uuid, absolute or absent."""
    facts = facts_of(catalog, quantity_obs("o1", "1975-2", 2.0, "mg/dL"), full_urls=full_urls)
    assert "bilirubin_total" in facts.labs


def test_urn_uuid_subject_reference_resolves(catalog: Catalog) -> None:
    """A subject given as the Patient's urn:uuid fullUrl is the patient."""
    obs = quantity_obs("o1", "1975-2", 2.0, "mg/dL")
    obs["subject"] = {"reference": "urn:uuid:patient-p1"}
    facts = read_facts(bundle(patient(), obs, full_urls="urn"), catalog, AS_OF)
    assert "bilirubin_total" in facts.labs


def test_resources_of_another_patient_are_left_out(catalog: Catalog) -> None:
    """An Observation whose subject is another patient is dropped with a warning."""
    obs = quantity_obs("o1", "1975-2", 2.0, "mg/dL")
    obs["subject"] = {"reference": "Patient/someone-else"}
    facts = facts_of(catalog, obs)
    assert not facts.labs
    assert any("another patient" in w for w in facts.warnings)


def test_unread_resource_types_are_counted_not_validated(catalog: Catalog) -> None:
    """Encounters and Claims are passed over without validation and counted in the warnings."""
    junk = {"resourceType": "Claim", "id": "c", "status": 12345, "nonsense": True}
    facts = facts_of(catalog, junk, {"resourceType": "Encounter", "id": "e"})
    assert "passed over 1 Claim entry" in facts.warnings
    assert "passed over 1 Encounter entry" in facts.warnings


def test_every_invalid_read_entry_is_listed(catalog: Catalog) -> None:
    """Validation lists each invalid read resource with entry index, type, id and element path."""
    bad1 = quantity_obs("bad1", "1975-2", 2.0, "mg/dL")
    bad1["valueQuantity"]["value"] = "two"
    bad2 = condition("bad2", ICD10CM, "B18.1", onset={"onsetDateTime": "2026-13-45"})
    with pytest.raises(BundleInvalid) as caught:
        read_facts(bundle(patient(), bad1, bad2), catalog, AS_OF)
    expressions = [e for issue in caught.value.issues for e in issue.expression]
    assert "Bundle.entry[1].resource.valueQuantity.value" in expressions
    assert "Bundle.entry[2].resource.onsetDateTime" in expressions
    assert all("two" not in issue.diagnostics for issue in caught.value.issues)


@pytest.mark.parametrize(("patients", "message"), [(0, "no Patient"), (2, "2 Patient resources")])
def test_exactly_one_patient(catalog: Catalog, patients: int, message: str) -> None:
    """A Bundle with no Patient or with two is rejected."""
    resources = [patient(rid=f"p{i}") for i in range(patients)]
    with pytest.raises(BundleInvalid) as caught:
        read_facts(bundle(*resources), catalog, AS_OF)
    assert message in str(caught.value)


def test_medication_reference_resolves_to_medication_resource(catalog: Catalog) -> None:
    """A MedicationStatement pointing at a Medication resource takes that resource's code."""
    med = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J05AF10", "display": "entecavir"}]},
    }
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationReference": {"reference": "Medication/m1"},
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2024-01-10"},
    }
    facts = facts_of(catalog, med, statement)
    (record,) = facts.medications
    assert record.codings[0][1] == "J05AF10"
    assert record.end is None and not record.ended


@pytest.mark.parametrize(("severity", "extra", "points"), [
    ("255604002", None, 2),           # mild ascites
    ("24484000", None, 3),            # severe ascites
])  # fmt: skip
def test_child_pugh_ascites_grade_from_condition_severity(
    catalog: Catalog, severity: str | None, extra: Any, points: int
) -> None:
    """Condition.severity grades ascites for Child-Pugh (mild 2 points, moderate/severe 3)."""
    labs = [
        quantity_obs("b", "1975-2", 1.2, "mg/dL"),
        quantity_obs("a", "1751-7", 3.8, "g/dL"),
        quantity_obs("i", "6301-6", 1.2, "{INR}"),
    ]
    facts = facts_of(catalog, *labs, condition("asc", SNOMED, "389026000", severity=severity))
    cp = facts.scores["child_pugh"]
    assert dict(cp.detail)["ascites"] == str(points)
    assert cp.value == 4 + points and cp.high is None


def test_child_pugh_is_an_interval_when_ascites_has_no_severity(catalog: Catalog) -> None:
    """An ascites without severity may score 2 or 3 points, so Child-Pugh is the interval 6 to 7, flagged."""
    labs = [
        quantity_obs("b", "1975-2", 1.2, "mg/dL"),
        quantity_obs("a", "1751-7", 3.8, "g/dL"),
        quantity_obs("i", "6301-6", 1.2, "{INR}"),
    ]
    cp = facts_of(catalog, *labs, condition("asc", SNOMED, "389026000")).scores["child_pugh"]
    assert dict(cp.detail)["ascites"] == "2/3"
    assert (cp.value, cp.high) == (6, 7)
    assert any("without severity" in f for f in cp.flags)


def test_child_pugh_missing_inputs_are_named(catalog: Catalog) -> None:
    """Without albumin and INR, Child-Pugh is not computed and the missing inputs are named."""
    facts = facts_of(catalog, quantity_obs("b", "1975-2", 1.2, "mg/dL"))
    cp = facts.scores["child_pugh"]
    assert cp.value is None
    assert any("albumin" in m for m in cp.missing) and any("inr" in m.lower() for m in cp.missing)


def test_meld_uses_dialysis_rule_with_two_sessions_in_seven_days(catalog: Catalog) -> None:
    """Two dialysis procedures in the prior 7 days set creatinine to 4.0 (clinical.md D.2, M4 = 20)."""
    labs = [
        quantity_obs("c", "2160-0", 1.5, "mg/dL"),
        quantity_obs("b", "1975-2", 0.9, "mg/dL"),
        quantity_obs("i", "6301-6", 1.0, "{INR}"),
    ]
    one = facts_of(catalog, *labs, procedure("d1", SNOMED, "302497006", "2026-11-20"))
    two = facts_of(
        catalog,
        *labs,
        procedure("d1", SNOMED, "302497006", "2026-11-20"),
        procedure("d2", SNOMED, "302497006", "2026-11-18"),
    )
    assert one.scores["meld"].value != 20
    assert two.scores["meld"].value == 20


def test_bmi_from_weight_and_height_and_from_observation(catalog: Catalog) -> None:
    """BMI comes from a BMI observation when present, else weight / height squared (B1 = 22.9)."""
    derived = facts_of(catalog, quantity_obs("w", "29463-7", 70, "kg"), quantity_obs("h", "8302-2", 175, "cm"))
    assert derived.scores["bmi"].value == 22.9
    observed = facts_of(catalog, quantity_obs("bmi", "39156-5", 24.04, "kg/m2"))
    assert observed.scores["bmi"].value == 24.0


def test_loinc_codes_are_exact_per_analyte(catalog: Catalog) -> None:
    """A glucose code that is not fasting (2345-7) is not read as fasting glucose."""
    facts = facts_of(catalog, quantity_obs("g", "2345-7", 200, "mg/dL"))
    assert "glucose_fasting" not in facts.labs
    assert LOINC  # the builders' system constant is the one the table uses


def test_values_outside_every_look_back_are_passed_over(catalog: Catalog) -> None:
    """A value older than the longest window any criterion reads is not validated and is counted."""
    stale = quantity_obs("stale", "1975-2", 2.0, "mg/dL", day="2020-01-01")
    stale["valueQuantity"]["value"] = "not a number"  # never validated, so never an error
    facts = facts_of(catalog, stale, quantity_obs("future", "1975-2", 2.0, "mg/dL", day="2027-01-01"))
    assert "bilirubin_total" not in facts.labs
    assert "passed over 2 Observation (outside every look-back window) entries" in facts.warnings
