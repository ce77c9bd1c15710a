"""Properties of /match over random valid Bundles: no 5xx, coherent statuses, determinism, monotonicity.

The first two properties go through the HTTP API; the rest call ``service.pipeline.match``
directly, which is the same core without the HTTP cost. Examples are derandomized so CI runs
the same Bundles every time.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.criteria import walk_logic
from service.main import create_app
from service.pipeline import match
from service.schemas import match_out
from service.settings import Settings, default_criteria_dir
from tests.properties.strategies import (
    AS_OF,
    PatientRecord,
    analyte,
    analyte_names,
    analyte_of_code,
    bundles,
    catalog,
    days_before,
    ignored_resources,
    lab_observations,
    patient_records,
    retracted_records,
)

FHIR = {"content-type": "application/fhir+json"}
MATCH = f"/match?asOf={AS_OF.isoformat()}"


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """A client of the app on the real catalogue; server errors come back as 500 answers."""
    with TestClient(create_app(Settings(criteria_dir=default_criteria_dir())), raise_server_exceptions=False) as c:
        yield c


def answer(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON answer of the core for a Bundle on the as-of date, as the API would send it."""
    report = match(document, catalog(), AS_OF)
    data: dict[str, Any] = match_out(report).model_dump(mode="json", by_alias=True)
    return data


def without_warnings(data: dict[str, Any]) -> dict[str, Any]:
    """The answer minus its warnings, which count passed-over entries."""
    return {key: value for key, value in data.items() if key != "warnings"}


def outcomes(data: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Every criterion's outcome, keyed by (trial id, criterion id)."""
    return {
        (result["trial"]["id"], criterion["id"]): criterion["outcome"]
        for result in data["results"]
        for criterion in result["criteria"]
    }


@_settings(100)
@given(document=bundles())
def test_match_never_answers_5xx(client: TestClient, document: dict[str, Any]) -> None:
    """A valid Bundle is always answered 200, never with a server error."""
    response = client.post(MATCH, content=orjson.dumps(document), headers=FHIR)
    assert response.status_code == 200, response.text[:500]


@_settings(50)
@given(document=bundles())
def test_every_trial_appears_exactly_once(client: TestClient, document: dict[str, Any]) -> None:
    """The answer lists every catalogue trial once, ranked 1..n."""
    response = client.post(MATCH, content=orjson.dumps(document), headers=FHIR)
    assert response.status_code == 200, response.text[:500]
    ids = [result["trial"]["id"] for result in response.json()["results"]]
    assert sorted(ids) == sorted(catalog().trials)
    assert [result["rank"] for result in response.json()["results"]] == list(range(1, len(ids) + 1))


@_settings(150)
@given(document=bundles())
def test_status_agrees_with_criteria(document: dict[str, Any]) -> None:
    """A trial is ineligible iff a criterion fails, else possibly eligible iff one is unknown, else eligible."""
    for result in answer(document)["results"]:
        seen = {criterion["outcome"] for criterion in result["criteria"]}
        if "fail" in seen:
            expected = "ineligible"
        elif "unknown" in seen:
            expected = "possibly_eligible"
        else:
            expected = "eligible"
        assert result["status"] == expected, (result["trial"]["id"], seen)


@_settings(80)
@given(document=bundles())
def test_match_is_deterministic_and_leaves_input_alone(document: dict[str, Any]) -> None:
    """The same Bundle gives the identical answer twice, and matching does not change the Bundle."""
    before = copy.deepcopy(document)
    first = orjson.dumps(answer(document))
    assert document == before
    assert orjson.dumps(answer(copy.deepcopy(before))) == first


@_settings(100)
@given(record=patient_records(), extra=ignored_resources("ignored-extra"))
def test_ignored_resource_changes_nothing(record: PatientRecord, extra: dict[str, Any]) -> None:
    """Adding an Encounter, Claim or Immunization leaves results, scores and patient unchanged."""
    assert without_warnings(answer(record.bundle(extra))) == without_warnings(answer(record.bundle()))


@_settings(100)
@given(record=patient_records(), extra=retracted_records("retracted-extra"))
def test_entered_in_error_record_changes_nothing(record: PatientRecord, extra: dict[str, Any]) -> None:
    """Adding a record marked entered-in-error leaves results, scores and patient unchanged."""
    assert without_warnings(answer(record.bundle(extra))) == without_warnings(answer(record.bundle()))


@st.composite
def record_missing_an_analyte(draw: st.DrawFn) -> tuple[PatientRecord, dict[str, Any]]:
    """A record with no Observation of some analyte, and a counted, plausible, recent value of it."""
    record = draw(patient_records())
    name = draw(st.sampled_from(analyte_names()))
    # BMI is also computed from weight and height, so it is only missing when both are missing.
    gone = {name, "weight", "height"} if name == "bmi" else {name}

    def reports(resource: dict[str, Any]) -> str | None:
        if resource["resourceType"] != "Observation":
            return None
        coding = resource["code"]["coding"][0]
        return analyte_of_code(coding["system"], coding["code"])

    kept = tuple(r for r in record.resources if reports(r) not in gone)
    value = draw(
        lab_observations(
            "filled-in",
            name,
            status="final",
            plausible_only=True,
            day=days_before(0, 5).map(lambda d: d.isoformat()),
        )
    )
    assert analyte(name).lookback_days >= 5
    return PatientRecord(record.patient, kept, record.style), value


@_settings(200)
@given(case=record_missing_an_analyte())
def test_filling_in_a_missing_value_never_changes_a_decided_criterion(
    case: tuple[PatientRecord, dict[str, Any]],
) -> None:
    """Adding a missing lab value may decide unknown criteria but never flips a pass or a fail.

    Two exceptions, by design. Evidence that contradicts the record (a positive pregnancy test
    on a record whose administrative sex is outside a sex_specific node's list) turns that node's
    false into unknown, so a criterion reading it may go from decided to unknown, never further.
    And a criterion that weighs several analytes against each other (lab_positive with
    or_analytes: a newer hCG test overrules an older stated pregnancy status, a later negative
    treponemal test overrules a reactive reagin test) may change when one of those analytes is
    filled in. And a review item asked only when something is on record (on_record reading a lab:
    an AFP at or above 400 raises a suspicion) passes with nothing on record and becomes unknown,
    never fail, when the value that raises the question arrives. The other criteria may not change.
    """
    record, value = case
    before = outcomes(answer(record.bundle()))
    after = outcomes(answer(record.bundle(value)))
    assert before.keys() == after.keys()
    contradicted = _sex_specific_criteria() if record.patient.get("gender") in ("male",) else set()
    filled = analyte_of_code(*_code_of(value))
    weighed = _weighing_criteria(filled)
    asked = _on_record_criteria()
    flipped = {
        key: (before[key], after[key])
        for key in before
        if before[key] in ("pass", "fail")
        and after[key] != before[key]
        and not (key in contradicted | asked and after[key] == "unknown")
        and key not in weighed
    }
    assert not flipped, flipped


def _code_of(observation: dict[str, Any]) -> tuple[str, str]:
    coding = observation["code"]["coding"][0]
    return coding["system"], coding["code"]


def _weighing_criteria(analyte_name: str | None) -> set[tuple[str, str]]:
    """The (trial, criterion) ids whose logic weighs this analyte against others (lab_positive or_analytes)."""
    found = set()
    for trial in catalog().trials.values():
        for criterion in trial.criteria:
            for leaf in criterion.parts or (criterion,):
                if leaf.logic is None:
                    continue
                for _, node in walk_logic(leaf.logic):
                    test = getattr(node, "lab_positive", None)
                    if test is not None and test.or_analytes and analyte_name in (test.analyte, *test.or_analytes):
                        found.update({(trial.id, leaf.id), (trial.id, criterion.id)})
    return found


def _on_record_criteria() -> set[tuple[str, str]]:
    """The (trial, criterion) ids of review items asked only when something is on record (on_record).

    Any filled-in result may be what puts something on record (directly, or through a finding
    or implication), so every such item may go from pass to unknown, never to fail.
    """
    found = set()
    for trial in catalog().trials.values():
        for criterion in trial.criteria:
            for leaf in criterion.parts or (criterion,):
                if leaf.on_record is not None:
                    found.update({(trial.id, leaf.id), (trial.id, criterion.id)})
    return found


def _sex_specific_criteria() -> set[tuple[str, str]]:
    """The (trial, criterion) ids whose logic holds a sex_specific node, lines and their parts."""
    found = set()
    for trial in catalog().trials.values():
        for criterion in trial.criteria:
            for leaf in criterion.parts or (criterion,):
                if leaf.logic is not None and "sex_specific" in leaf.logic.model_dump_json(by_alias=True):
                    found.update({(trial.id, leaf.id), (trial.id, criterion.id)})
    return found
