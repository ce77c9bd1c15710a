"""Resource types a caller could not provide make the facts they supply unknown, never absent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from service.criteria import Catalog, load_catalog
from service.logic import Outcome
from service.pipeline import MatchReport, match
from service.rank import Status
from service.settings import default_criteria_dir
from tests.api.conftest import BASELINE

AS_OF = dt.date(2026, 11, 22)
NOT_SENT = "records were not provided"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The real catalogue."""
    return load_catalog(default_criteria_dir())


def _baseline(without: frozenset[str] = frozenset()) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BASELINE.read_text(encoding="utf-8"))
    document["entry"] = [e for e in document["entry"] if e["resource"]["resourceType"] not in without]
    return document


def _fails(report: MatchReport) -> set[tuple[str, str]]:
    return {(m.trial.id, r.id) for m in report.results for r in m.criteria if r.outcome is Outcome.FAIL}


def test_dropped_conditions_without_the_flag_read_as_no_record(catalog: Catalog) -> None:
    """The closed-world reading the flag exists for: without Conditions, criteria fail that pass on the full record."""
    full = match(_baseline(), catalog, AS_OF)
    partial = match(_baseline(frozenset({"Condition"})), catalog, AS_OF)
    assert _fails(partial) - _fails(full)


@pytest.mark.parametrize(
    "types",
    [
        {"Condition"},
        {"MedicationStatement"},
        {"Observation"},
        {"Condition", "MedicationStatement", "Procedure", "AllergyIntolerance"},
    ],
)
def test_types_not_provided_never_add_a_failure(catalog: Catalog, types: set[str]) -> None:
    """Dropping resource types the caller flags as not provided adds no failed criterion and no ineligible trial."""
    full = match(_baseline(), catalog, AS_OF)
    partial = match(_baseline(frozenset(types)), catalog, AS_OF, not_provided=frozenset(types))
    assert _fails(partial) <= _fails(full)
    before = {m.trial.id: m.status for m in full.results}
    for trial in partial.results:
        if before[trial.trial.id] is not Status.INELIGIBLE:
            assert trial.status is not Status.INELIGIBLE, trial.trial.id
        assert trial.status is not Status.ELIGIBLE or before[trial.trial.id] is Status.ELIGIBLE


def test_unknown_reasons_name_the_records_not_provided(catalog: Catalog) -> None:
    """A record criterion left undecided by missing Conditions says so in its reason and in the data needed."""
    report = match(_baseline(frozenset({"Condition"})), catalog, AS_OF, not_provided=frozenset({"Condition"}))
    named = [r for m in report.results for r in m.criteria if NOT_SENT in r.reason]
    assert named
    for result in named:
        assert result.outcome is Outcome.UNKNOWN
        assert any("Condition" in item and NOT_SENT in item for item in result.missing)


def test_scores_resting_on_absent_records_are_unknown(catalog: Catalog) -> None:
    """Child-Pugh without Conditions and MELD without Procedures are unknown, naming what was not provided."""
    full = match(_baseline(), catalog, AS_OF).facts.scores
    assert full["child_pugh"].value is not None and full["meld"].value is not None
    types = frozenset({"Condition", "Procedure"})
    scores = match(_baseline(types), catalog, AS_OF, not_provided=types).facts.scores
    assert scores["child_pugh"].value is None
    assert any("Condition" in m and NOT_SENT in m for m in scores["child_pugh"].missing)
    for name in ("meld", "meld_na", "meld_3"):
        assert scores[name].value is None
        assert any("Procedure" in m and NOT_SENT in m for m in scores[name].missing)


def test_types_provided_but_empty_keep_the_closed_world(catalog: Catalog) -> None:
    """Flagging a type the criteria never read changes nothing: the flag is about data, not about the caller."""
    plain = match(_baseline(), catalog, AS_OF)
    flagged = match(_baseline(), catalog, AS_OF, not_provided=frozenset({"Immunization"}))
    assert [(m.trial.id, m.status, m.score) for m in plain.results] == [
        (m.trial.id, m.status, m.score) for m in flagged.results
    ]


MRN = "http://hospital.example/mrn"


def _hcc(subject: dict[str, Any]) -> dict[str, Any]:
    """An active, confirmed hepatocellular carcinoma (ICD-10-CM C22.0) with the given subject."""
    return {
        "fullUrl": "urn:uuid:extra-hcc",
        "resource": {
            "resourceType": "Condition",
            "id": "extra-hcc",
            "clinicalStatus": {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
            },
            "verificationStatus": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}
                ]
            },
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C22.0"}]},
            "subject": subject,
            "onsetDateTime": "2026-10-01",
        },
    }


def _with_mrn(document: dict[str, Any], value: str = "MRN-1") -> dict[str, Any]:
    for entry in document["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["identifier"] = [{"system": MRN, "value": value}]
    return document


def _statuses(report: MatchReport) -> dict[str, Status]:
    return {m.trial.id: m.status for m in report.results}


def test_the_baseline_has_eligible_trials(catalog: Catalog) -> None:
    """The tests below mean something only because the baseline record makes some trial eligible."""
    assert Status.ELIGIBLE in _statuses(match(_baseline(), catalog, AS_OF)).values()


@pytest.mark.parametrize(
    "cut",
    [
        {"link": [{"relation": "self", "url": "Patient/baseline/$everything"}, {"relation": "next", "url": "page=2"}]},
        {
            "entry": [
                {
                    "resource": {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "information", "code": "too-costly", "diagnostics": "result truncated"}],
                    },
                    "search": {"mode": "outcome"},
                }
            ]
        },
        {
            "entry": [
                {
                    "resource": {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "warning", "code": "processing"}],
                    }
                }
            ]
        },
    ],
    ids=["next_link", "truncated_outcome", "warning_outcome"],
)
def test_one_page_of_a_paged_search_is_never_eligible(catalog: Catalog, cut: dict[str, Any]) -> None:
    """A searchset that is one page, or that its server says is cut short, reads every record type as not provided."""
    document = _baseline()
    document["type"] = "searchset"
    document.setdefault("link", []).extend(cut.get("link", []))
    document["entry"].extend(cut.get("entry", []))
    report = match(document, catalog, AS_OF)
    assert Status.ELIGIBLE not in _statuses(report).values()
    assert any("read as not provided" in w for w in report.facts.warnings)
    assert "Condition" in report.facts.not_provided and "Observation" in report.facts.not_provided


def test_a_subject_identifier_of_another_patient_is_left_out(catalog: Catalog) -> None:
    """A record naming another value in the Patient's own identifier system is another patient's: left out, named."""
    document = _with_mrn(_baseline())
    document["entry"].append(_hcc({"identifier": {"system": MRN, "value": "MRN-2"}}))
    report = match(document, catalog, AS_OF)
    assert _statuses(report) == _statuses(match(_with_mrn(_baseline()), catalog, AS_OF))
    assert any("another patient" in w for w in report.facts.warnings)


def test_a_subject_identifier_of_this_patient_counts(catalog: Catalog) -> None:
    """A record naming the Patient by one of its identifiers is this patient's record (the HCC excludes)."""
    document = _with_mrn(_baseline())
    document["entry"].append(_hcc({"identifier": {"system": MRN, "value": "MRN-1"}}))
    assert Status.ELIGIBLE not in _statuses(match(document, catalog, AS_OF)).values()
    assert Status.INELIGIBLE in _statuses(match(document, catalog, AS_OF)).values()


@pytest.mark.parametrize(
    "subject",
    [
        {"identifier": {"system": "http://other.example/id", "value": "X-9"}},
        {"reference": "Patient/baseline", "identifier": {"system": MRN, "value": "MRN-2"}},
    ],
    ids=["unknown_system", "contradicts_reference"],
)
def test_a_subject_that_cannot_be_settled_makes_its_type_not_provided(
    catalog: Catalog, subject: dict[str, Any]
) -> None:
    """A record whose patient the Bundle cannot settle is left out and its resource type reads as not provided."""
    document = _with_mrn(_baseline())
    document["entry"].append(_hcc(subject))
    report = match(document, catalog, AS_OF)
    assert report.facts.not_provided == frozenset({"Condition"})
    assert Status.ELIGIBLE not in _statuses(report).values()
    assert any("patient not established" in w for w in report.facts.warnings)
