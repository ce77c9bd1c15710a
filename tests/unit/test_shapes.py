"""The criteria shapes for real registry records: onset duration, lab series over a span, newest of
several analytes, family history by degree of kinship, and review items labelled judgement or not
computable; each made to pass, fail and stay unknown by a bundle."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.criteria import Catalog, load_catalog
from service.pipeline import match
from tests.catalogue import criteria_dir
from tests.fhir_builders import ICD10CM, bundle, condition, patient, quantity_obs

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
