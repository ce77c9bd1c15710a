"""The criteria shapes for real registry records: onset duration, lab series over a span, newest of
several analytes, family history by degree of kinship, a lab against its control, counts of events
in a window, and review items labelled judgement or not computable; each made to pass, fail and
stay unknown by a bundle."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.researchstudy import ResearchStudy

from service.catalogue_fhir import research_study
from service.cds import templates
from service.criteria import Catalog, load_catalog
from service.evaluate.counts import count_truth
from service.facts.encounters import may_be_admission
from service.logic import Truth
from service.pipeline import match
from service.web.view import definitions
from tests.cases.test_added_trial import add_analytes
from tests.catalogue import criteria_dir
from tests.fhir_builders import ICD10CM, SNOMED, bundle, condition, patient, procedure, quantity_obs

AS_OF = dt.date(2026, 11, 22)
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
TRIAL = "NCT00000008"
SHAPES: dict[str, Any] = {
    "schema_version": 1,
    "id": TRIAL,
    "title": "Criteria shapes (test trial)",
    "phase": "n/a",
    "sponsor": "n/a",
    "url": "https://example.org",
    "source": "none.txt",
    "criteria": [
        {"id": "inc-1", "type": "inclusion", "text": "a disease course of more than 5 years",
         "logic": {"condition_onset": {"valueset": "cirrhosis", "op": ">", "years": 5}}},
        {"id": "inc-2", "type": "inclusion", "text": "viral load below 20 IU/mL for more than 6 months",
         "logic": {"lab_series": {"analyte": "hbv_dna", "op": "<", "value": 20, "unit": "[IU]/mL", "months": 6}}},
        {"id": "inc-3", "type": "inclusion", "text": "the newer of INR above 1.5 or platelets below 50",
         "logic": {"newest_of": [{"analyte": "inr", "op": ">", "value": 1.5, "unit": "{INR}"},
                                 {"analyte": "platelets", "op": "<", "value": 50, "unit": "10*9/L"}]}},
        {"id": "exc-3", "type": "exclusion", "text": "liver cancer in relatives up to the third degree",
         "logic": {"family_history": {"valueset": "hepatocellular-carcinoma", "max_degree": 3}}},
        {"id": "inc-4", "type": "inclusion", "text": "prothrombin time prolonged by more than 3 seconds over control",
         "logic": {"lab_control": {"analyte": "prothrombin_time", "control": "prothrombin_time_control",
                                   "unit": "s", "op": ">", "offset": 3, "within_days": 30}}},
        {"id": "exc-5", "type": "exclusion", "text": "prothrombin time more than 1.5 times control",
         "logic": {"lab_control": {"analyte": "prothrombin_time", "control": "prothrombin_time_control",
                                   "unit": "s", "op": ">", "ratio": 1.5}}},
        {"id": "inc-5", "type": "inclusion",
         "text": "at least one hospitalisation for hepatic encephalopathy in the past year",
         "logic": {"event_count": {"admissions": "hepatic-encephalopathy", "op": ">=", "count": 1, "years": 1}}},
        {"id": "exc-4", "type": "exclusion",
         "text": "two or more courses of corticosteroids or TIPS procedures in 12 months",
         "logic": {"event_count": {"medications": "systemic-corticosteroids", "procedures": "tips",
                                   "op": ">=", "count": 2, "months": 12}}},
        {"id": "exc-1", "type": "exclusion", "text": "taking part in another trial",
         "review": "Not in the clinical record.", "review_kind": "not_computable"},
        {"id": "exc-2", "type": "exclusion", "text": "unsuitable in the investigator's opinion",
         "review": "The investigator's opinion."},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def shapes_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A copy of the catalogue with a trial that uses each shape."""
    target = tmp_path_factory.mktemp("shapes") / "criteria"
    shutil.copytree(criteria_dir(), target)
    add_analytes(target)
    (target / "trials" / f"{TRIAL}.yaml").write_text(yaml.safe_dump(SHAPES), encoding="utf-8")
    return load_catalog(target)


def cirrhosis(rid: str, onset: dict[str, Any] | None, verification: str = "confirmed") -> dict[str, Any]:
    """A cirrhosis Condition with the given onset fields."""
    return condition(rid, ICD10CM, "K74.60", onset=onset, verification=verification)


def hbv_dna(rid: str, day: str, value: float, comparator: str | None = None) -> dict[str, Any]:
    """An HBV DNA result in IU/mL."""
    return quantity_obs(rid, "42595-9", value, "[IU]/mL", day=day, comparator=comparator)


def inr(rid: str, day: str, value: float) -> dict[str, Any]:
    """An INR result."""
    return quantity_obs(rid, "6301-6", value, "{INR}", day=day)


def platelets(rid: str, day: str, value: float) -> dict[str, Any]:
    """A platelet count in 10*9/L."""
    return quantity_obs(rid, "777-3", value, "10*9/L", day=day)


def relative(rid: str, relationship: str, code: str = "C22.0") -> dict[str, Any]:
    """A FamilyMemberHistory: a relative (v3 RoleCode) with one condition (ICD-10-CM)."""
    return {
        "resourceType": "FamilyMemberHistory",
        "id": rid,
        "status": "completed",
        "patient": {"reference": "Patient/p1"},
        "relationship": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": relationship}]
        },
        "condition": [{"code": {"coding": [{"system": ICD10CM, "code": code}]}}],
    }


def pt(rid: str, day: str, seconds: float, control: bool = False) -> dict[str, Any]:
    """A prothrombin time in seconds (LOINC 5902-2), or its control run (5901-4)."""
    return quantity_obs(rid, "5901-4" if control else "5902-2", seconds, "s", day=day)


def pt_with_range(rid: str, day: str, seconds: float, high: float) -> dict[str, Any]:
    """A prothrombin time whose report gives a reference range (never read as the control)."""
    resource = pt(rid, day, seconds)
    resource["referenceRange"] = [{"low": {"value": 10, "unit": "s"}, "high": {"value": high, "unit": "s"}}]
    return resource


V3 = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def stay(
    rid: str,
    start: str | None = "2026-03-01",
    end: str | None = "2026-03-05",
    klass: str = "IMP",
    reason: str | None = "K76.82",
    status: str = "finished",
) -> dict[str, Any]:
    """An Encounter (v3 ActCode class, or a local one written 'local:CODE') with an ICD-10-CM reason (K76.82: HE)."""
    system, code = ("http://hospital.example.org/class", klass[6:]) if klass.startswith("local:") else (V3, klass)
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": rid,
        "status": status,
        "class": {"system": system, "code": code},
        "subject": {"reference": "Patient/p1"},
    }
    if start is not None or end is not None:
        resource["period"] = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
    if reason is not None:
        resource["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": reason}]}]
    return resource  # fmt: skip


def stay_for(rid: str, words: str) -> dict[str, Any]:
    """An inpatient stay in March 2026 whose reason is given in words only."""
    resource = stay(rid, reason=None)
    resource["reasonCode"] = [{"text": words}]
    return resource


def prednisone(rid: str, start: str, end: str, status: str = "completed") -> dict[str, Any]:
    """A MedicationStatement of prednisone (ATC H02AB07) over a period."""
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB07"}]},
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": start, "end": end},
    }


def tips(rid: str, day: str, status: str = "completed") -> dict[str, Any]:
    """A TIPS procedure (SNOMED 233445008)."""
    return procedure(rid, SNOMED, "233445008", day, status)


CASES: list[tuple[str, list[dict[str, Any]], str, str]] = [
    # (name, resources, criterion, outcome)
    ("onset_2015_more_than_5_years", [cirrhosis("c", {"onsetDateTime": "2015-01-01"})], "inc-1", "pass"),
    ("onset_2024_less_than_5_years", [cirrhosis("c", {"onsetDateTime": "2024-01-01"})], "inc-1", "fail"),
    ("onset_year_2021_straddles_the_bound", [cirrhosis("c", {"onsetDateTime": "2021"})], "inc-1", "unknown"),
    ("no_condition_no_course", [], "inc-1", "fail"),
    ("recorded_2015_without_onset_began_before", [cirrhosis("c", {"recordedDate": "2015-06-01"})], "inc-1", "pass"),
    ("earliest_of_two_records_decides",
     [cirrhosis("a", {"onsetDateTime": "2024-01-01"}), cirrhosis("b", {"onsetDateTime": "2012-05-01"})],
     "inc-1", "pass"),
    ("provisional_earlier_onset_leaves_unknown",
     [cirrhosis("a", {"onsetDateTime": "2024-01-01"}), cirrhosis("b", {"onsetDateTime": "2010-01-01"}, "provisional")],
     "inc-1", "unknown"),
    ("series_below_across_the_span",
     [hbv_dna("h1", "2026-04-01", 20, "<"), hbv_dna("h2", "2026-08-01", 20, "<"), hbv_dna("h3", "2026-11-01", 20, "<")],
     "inc-2", "pass"),
    ("series_detected_inside_the_span",
     [hbv_dna("h1", "2026-04-01", 20, "<"), hbv_dna("h2", "2026-08-01", 150), hbv_dna("h3", "2026-11-01", 20, "<")],
     "inc-2", "fail"),
    ("series_starts_inside_the_span",
     [hbv_dna("h2", "2026-08-01", 20, "<"), hbv_dna("h3", "2026-11-01", 20, "<")], "inc-2", "unknown"),
    ("series_detected_just_before_the_span",
     [hbv_dna("h1", "2026-04-01", 150), hbv_dna("h3", "2026-11-01", 20, "<")], "inc-2", "unknown"),
    ("series_without_results", [], "inc-2", "unknown"),
    ("newest_is_the_inr_above", [inr("i", "2026-11-10", 1.8), platelets("p", "2026-11-01", 100)], "inc-3", "pass"),
    ("newest_is_the_platelets_not_below", [inr("i", "2026-11-01", 1.8), platelets("p", "2026-11-10", 100)],
     "inc-3", "fail"),
    ("same_day_results_disagree", [inr("i", "2026-11-10", 1.8), platelets("p", "2026-11-10", 100)], "inc-3", "unknown"),
    ("newest_of_nothing", [], "inc-3", "unknown"),
    ("father_with_liver_cancer_excludes", [relative("f", "FTH")], "exc-3", "fail"),
    ("first_cousin_is_third_degree", [relative("c", "PCOUSN")], "exc-3", "fail"),
    ("adoptive_father_shares_no_genes", [relative("a", "ADOPTF")], "exc-3", "pass"),
    ("father_with_diabetes_only", [relative("f", "FTH", "E11.9")], "exc-3", "pass"),
    ("relative_of_unstated_kinship", [relative("r", "FAMMEMB")], "exc-3", "unknown"),
    ("no_family_history_in_the_bundle", [], "exc-3", "unknown"),
    # a lab against its control (inc-4: > 3 s over control; exc-5: > 1.5 x control)
    ("pt_4_5_seconds_over_the_same_day_control",
     [pt("p", "2026-11-10", 16.5), pt("c", "2026-11-10", 12.0, control=True)], "inc-4", "pass"),
    ("pt_2_seconds_over_control", [pt("p", "2026-11-10", 14.0), pt("c", "2026-11-10", 12.0, control=True)],
     "inc-4", "fail"),
    ("pt_exactly_3_seconds_over_is_not_more", [pt("p", "2026-11-10", 15.0), pt("c", "2026-11-10", 12.0, control=True)],
     "inc-4", "fail"),
    ("pt_without_a_control_is_unknown", [pt("p", "2026-11-10", 16.5)], "inc-4", "unknown"),
    ("pt_with_a_reference_range_only_is_unknown", [pt_with_range("p", "2026-11-10", 16.5, 13.0)], "inc-4", "unknown"),
    ("control_of_another_day_is_not_paired",
     [pt("p", "2026-11-10", 16.5), pt("c", "2026-11-01", 12.0, control=True)], "inc-4", "unknown"),
    ("two_same_day_controls_that_disagree",
     [pt("p", "2026-11-10", 16.5), pt("c1", "2026-11-10", 12.0, control=True),
      pt("c2", "2026-11-10", 14.0, control=True)],
     "inc-4", "unknown"),
    ("no_pt_at_all", [], "inc-4", "unknown"),
    ("pt_1_7_times_control_excludes", [pt("p", "2026-11-10", 20.0), pt("c", "2026-11-10", 12.0, control=True)],
     "exc-5", "fail"),
    ("pt_1_2_times_control_passes", [pt("p", "2026-11-10", 14.4), pt("c", "2026-11-10", 12.0, control=True)],
     "exc-5", "pass"),
    # counts of admissions (inc-5: >= 1 inpatient stay for hepatic encephalopathy in 1 year)
    ("inpatient_stay_for_he_in_march", [stay("e")], "inc-5", "pass"),
    ("acute_inpatient_class_counts", [stay("e", klass="ACUTE")], "inc-5", "pass"),
    ("ambulatory_visit_is_no_admission", [stay("e", klass="AMB")], "inc-5", "fail"),
    ("stay_before_the_year", [stay("e", "2025-06-01", "2025-06-04")], "inc-5", "fail"),
    ("cancelled_stay_never_counts", [stay("e", status="cancelled")], "inc-5", "fail"),
    ("entered_in_error_stay_never_counts", [stay("e", status="entered-in-error")], "inc-5", "fail"),
    ("stay_for_another_reason", [stay("e", reason="E11.9")], "inc-5", "fail"),
    ("no_encounter_no_admission", [], "inc-5", "fail"),
    ("stay_of_a_local_class_may_count", [stay("e", klass="local:IP")], "inc-5", "unknown"),
    ("observation_stay_may_count", [stay("e", klass="OBSENC")], "inc-5", "unknown"),
    ("inpatient_stay_without_reason_may_count", [stay("e", reason=None)], "inc-5", "unknown"),
    ("inpatient_stay_without_period_may_count", [stay("e", start=None, end=None)], "inc-5", "unknown"),
    ("reason_in_words_that_suggest_it_may_count", [stay_for("e", "hepatic precoma")], "inc-5", "unknown"),
    ("reason_in_words_of_something_else", [stay_for("e", "fractured wrist")], "inc-5", "fail"),
    ("stay_across_the_first_day_may_count", [stay("e", "2025-11-01", "2025-11-30")], "inc-5", "unknown"),
    # counts across drug courses and procedures (exc-4: >= 2 in 12 months)
    ("one_course_and_one_tips_exclude",
     [prednisone("m", "2026-02-01", "2026-02-14"), tips("t", "2026-05-01")], "exc-4", "fail"),
    ("one_tips_only_passes", [tips("t", "2026-05-01")], "exc-4", "pass"),
    ("refill_within_the_gap_is_one_course",
     [prednisone("m1", "2026-02-01", "2026-02-14"), prednisone("m2", "2026-02-20", "2026-03-01")], "exc-4", "pass"),
    ("two_courses_months_apart_exclude",
     [prednisone("m1", "2026-02-01", "2026-02-14"), prednisone("m2", "2026-08-01", "2026-08-10")], "exc-4", "fail"),
    ("the_same_tips_told_twice_is_unknown", [tips("t1", "2026-05-01"), tips("t2", "2026-05-01")], "exc-4", "unknown"),
    ("a_tips_of_unknown_status_may_count", [tips("t1", "2026-05-01"), tips("t2", "2026-07-01", "unknown")],
     "exc-4", "unknown"),
    ("a_tips_before_the_window", [tips("t1", "2025-05-01"), tips("t2", "2026-07-01")], "exc-4", "pass"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "resources", "criterion", "outcome"), CASES, ids=[c[0] for c in CASES])
def test_shape_outcome(shapes_catalog: Catalog, name: str, resources: list[Any], criterion: str, outcome: str) -> None:
    """The bundle gives the expected outcome for the shape's criterion."""
    report = match(bundle(patient(), *resources), shapes_catalog, AS_OF, [TRIAL])
    result = next(c for c in report.results[0].criteria if c.id == criterion)
    assert result.outcome.value == outcome, result.reason


def test_newest_of_names_the_value_that_decided(shapes_catalog: Catalog) -> None:
    """The reason of a newest-of verdict quotes the analyte and value that decided it."""
    report = match(
        bundle(patient(), inr("i", "2026-11-01", 1.8), platelets("p", "2026-11-10", 100)),
        shapes_catalog,
        AS_OF,
        [TRIAL],
    )
    result = next(c for c in report.results[0].criteria if c.id == "inc-3")
    assert result.reason.startswith("newest of ") and "100 10*9/L on 2026-11-10" in result.reason


def test_review_items_say_whether_a_person_judges_or_the_data_is_not_in_fhir(shapes_catalog: Catalog) -> None:
    """A not-computable review item is labelled so in the answer and the review list; a judgement is not relabelled."""
    (result,) = match(bundle(patient()), shapes_catalog, AS_OF, [TRIAL]).results
    kinds = {c.id: (c.review_kind, c.reason) for c in result.criteria if c.outcome.value == "review"}
    assert kinds["exc-1"] == ("not_computable", "not computable from FHIR data: Not in the clinical record.")
    assert kinds["exc-2"] == ("judgement", "needs a person: The investigator's opinion.")
    assert "exc-1: taking part in another trial (not computable from FHIR data)" in result.to_review


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"condition_onset": {"valueset": "cirrhosis", "op": ">"}}, "give exactly one of days, weeks, months or years"),
        ({"condition_onset": {"valueset": "cirrhosis", "op": "==", "years": 5}}, "Input should be"),
        ({"lab_series": {"analyte": "hbv_dna", "op": "<", "value": 20, "unit": "[IU]/mL"}}, "exactly one of days"),
        ({"newest_of": [{"analyte": "inr", "op": ">", "value": 1.5, "unit": "{INR}"}]}, "at least 2 items"),
        ({"lab_control": {"analyte": "inr", "control": "sodium", "unit": "{INR}", "op": ">"}}, "exactly one of offset"),
        (
            {"lab_control": {"analyte": "inr", "control": "inr", "unit": "{INR}", "op": ">", "ratio": 2}},
            "another analyte",
        ),
        ({"event_count": {"op": ">=", "count": 1, "years": 1}}, "at least one of admissions"),
        (
            {"event_count": {"admissions": "hepatic-encephalopathy", "op": ">", "count": 1, "years": 1}},
            "Input should be",
        ),
        ({"event_count": {"admissions": "hepatic-encephalopathy", "op": ">=", "count": 1}}, "exactly one of days"),
    ],
)
def test_shapes_reject_incomplete_forms(tmp_path: Path, node: dict[str, Any], message: str) -> None:
    """A shape without its period, with an equality on a duration, or a newest-of of one lab is refused."""
    target = tmp_path / "criteria"
    shutil.copytree(criteria_dir(), target)
    trial = {**SHAPES, "criteria": [{"id": "inc-1", "type": "inclusion", "text": "x", "logic": node}]}
    (target / "trials" / f"{TRIAL}.yaml").write_text(yaml.safe_dump(trial), encoding="utf-8")
    with pytest.raises(Exception, match=message) as caught:
        load_catalog(target)
    assert len(caught.value.problems) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("certain", "possible", "op", "count", "truth"),
    [
        (1, 1, ">=", 1, Truth.TRUE),
        (0, 1, ">=", 1, Truth.UNKNOWN),
        (0, 0, ">=", 1, Truth.FALSE),
        (2, 2, "<=", 1, Truth.FALSE),
        (0, 2, "<=", 1, Truth.UNKNOWN),
        (1, 1, "<=", 1, Truth.TRUE),
        (2, 2, "==", 2, Truth.TRUE),
        (1, 3, "==", 2, Truth.UNKNOWN),
        (3, 4, "==", 2, Truth.FALSE),
        (0, float("inf"), ">=", 1, Truth.UNKNOWN),
        (2, float("inf"), ">=", 1, Truth.TRUE),
    ],
)
def test_count_interval_comparison(certain: int, possible: float, op: str, count: int, truth: Truth) -> None:
    """A count known to lie in [certain, possible] decides a comparison only when both ends agree."""
    assert count_truth(certain, possible, op, count) is truth


def test_count_names_the_events_counted(shapes_catalog: Catalog) -> None:
    """The reason of an event count names each event it counted and each it is unsure of."""
    report = match(bundle(patient(), stay("e1"), stay("e2", klass="local:IP")), shapes_catalog, AS_OF, [TRIAL])
    result = next(c for c in report.results[0].criteria if c.id == "inc-5")
    assert ": 1 counted (inpatient stay Encounter/e1" in result.reason and "Encounter/e1" in result.reason
    assert "Encounter/e2" in result.reason and "class" in result.reason


def test_encounters_not_provided_leave_a_count_unknown(shapes_catalog: Catalog) -> None:
    """With Encounters flagged as not provided, no admission on record is unknown, not a failed count."""
    report = match(bundle(patient()), shapes_catalog, AS_OF, [TRIAL], not_provided=frozenset({"Encounter"}))
    result = next(c for c in report.results[0].criteria if c.id == "inc-5")
    assert result.outcome.value == "unknown" and "Encounter records were not provided" in result.reason


def test_lab_control_names_the_missing_control(shapes_catalog: Catalog) -> None:
    """A result with no control of its day is unknown and asks for that day's control."""
    report = match(bundle(patient(), pt("p", "2026-11-10", 16.5)), shapes_catalog, AS_OF, [TRIAL])
    result = next(c for c in report.results[0].criteria if c.id == "inc-4")
    assert "prothrombin time control run with the prothrombin time of 2026-11-10" in result.missing[0]


def test_every_shape_has_a_readable_form_and_a_valid_fhir_export(shapes_catalog: Catalog) -> None:
    """The web catalogue page words every shape; the trial exports as a valid R5 ResearchStudy naming its value sets."""
    trial = shapes_catalog.trials[TRIAL]
    rows = {row.id: row for row in definitions(trial, shapes_catalog)}
    assert "over the same day's prothrombin time control" in rows["inc-4"].logic.text  # type: ignore[union-attr]
    assert rows["exc-4"].logic.text.startswith("at least 2 of: courses of")  # type: ignore[union-attr]
    study = research_study(trial, shapes_catalog.version)
    ResearchStudy.model_validate(study)
    lines = {c["linkId"]: c for c in study["contained"][0]["characteristic"]}
    assert (
        lines["exc-4"]["definitionExpression"]["description"]
        == "Reads ValueSet/systemic-corticosteroids, ValueSet/tips"
    )
    expression = lines["inc-5"]["definitionExpression"]["expression"]
    assert expression == "event_count(years=1, admissions=hepatic-encephalopathy, op=>=, count=1)"


@pytest.mark.parametrize(
    ("klass", "kept"),
    [
        ({"system": V3, "code": "IMP"}, True),
        ({"system": V3, "code": "NONAC"}, True),
        ({"system": V3, "code": "OBSENC"}, True),
        ({"system": "http://hospital.example.org/class", "code": "IP"}, True),
        ({"system": V3, "code": "AMB"}, False),
        ({"system": V3, "code": "EMER"}, False),
    ],
)
def test_a_reasonless_encounter_is_read_only_if_it_may_be_an_admission(klass: dict[str, str], kept: bool) -> None:
    """Intake keeps an Encounter that gives no reason for an admission count only when its class leaves room for one."""
    assert may_be_admission({"resourceType": "Encounter", "class": klass}) is kept


def test_ambulatory_visits_without_reason_stay_passed_over(shapes_catalog: Catalog) -> None:
    """An ambulatory visit giving no reason is still passed over (and counted in warnings) when admissions count."""
    report = match(bundle(patient(), stay("e", klass="AMB", reason=None)), shapes_catalog, AS_OF, [TRIAL])
    assert not report.facts.encounters and any("Encounter" in w for w in report.facts.warnings)


def test_cds_prefetch_asks_for_encounters_when_admissions_are_counted(shapes_catalog: Catalog) -> None:
    """A catalogue that counts admissions prefetches every Encounter, closed world, so a missing key is not provided."""
    (encounters,) = [t for t in templates(shapes_catalog) if t.key == "encounters"]
    assert encounters.closed_world and encounters.resource_types == ("Encounter",)
