"""Criteria shapes of issue 9 round 2: grade/stage filters, readings that must agree, review only when on record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from service.criteria import Catalog, Criterion, Node, Part, RecordTest
from service.evaluate import Evaluator
from service.logic import Outcome
from service.pipeline import read_facts
from tests.fhir_builders import ICD10CM, SNOMED, bundle, condition, patient, quantity_obs

AS_OF = dt.date(2026, 11, 22)
NODE: TypeAdapter[Node] = TypeAdapter(Node)

HE_GRADE_2_OR_LOWER = {
    "condition": {
        "valueset": "hepatic-encephalopathy",
        "when": "current",
        "stage": {"counts": "he-west-haven-grade-0-2", "other": "he-west-haven-grade-3-4"},
    }
}


def _evaluator(catalog: Catalog, *resources: dict[str, Any], birth: str | None = "1972-03-15") -> Evaluator:
    return Evaluator(catalog, read_facts(bundle(patient(birth), *resources), catalog, AS_OF), AS_OF)


def _he(text: str | None) -> dict[str, Any]:
    cond = condition("he", ICD10CM, "K76.82", onset={"onsetDateTime": "2026-11-01"})
    if text is not None:
        cond["code"]["text"] = text
    return cond


@pytest.mark.parametrize(
    ("text", "ungraded", "truth"),
    [
        ("Hepatic encephalopathy, West Haven grade 2", "set_aside", "TRUE"),
        ("Hepatic encephalopathy grade II", "set_aside", "TRUE"),
        ("Hepatic encephalopathy, West Haven grade 3", "unknown", "FALSE"),
        (None, "unknown", "UNKNOWN"),
        (None, "set_aside", "FALSE"),
    ],
)
def test_a_west_haven_grade_filter_reads_the_grade_from_the_words(
    catalog: Catalog, text: str | None, ungraded: str, truth: str
) -> None:
    """'Hepatic encephalopathy grade II or lower' counts grades 0-2, sets 3-4 aside, and an ungraded one as told."""
    node = NODE.validate_python({"condition": {**HE_GRADE_2_OR_LOWER["condition"], "ungraded": ungraded}})
    assert _evaluator(catalog, _he(text)).node(node).truth.name == truth


@pytest.mark.parametrize(
    ("stage", "truth"),
    [("420913000", "TRUE"), ("422293003", "TRUE"), ("421704003", "FALSE"), (None, "UNKNOWN")],
)
def test_a_nyha_stage_filter_reads_condition_stage_codes(catalog: Catalog, stage: str | None, truth: str) -> None:
    """Heart failure staged NYHA III or IV counts, I or II does not, and no stage leaves it to a person."""
    hf = condition("hf", SNOMED, "84114007", onset={"onsetDateTime": "2023-05-10"})
    if stage is not None:
        hf["stage"] = [{"summary": {"coding": [{"system": SNOMED, "code": stage}]}}]
    node = NODE.validate_python(
        {
            "condition": {
                "valueset": "heart-failure",
                "when": "current",
                "stage": {"counts": "nyha-class-3-or-4", "other": "nyha-class-1-or-2"},
                "ungraded": "unknown",
            }
        }
    )
    assert _evaluator(catalog, hf).node(node).truth.name == truth


def test_ungraded_needs_a_filter() -> None:
    """'ungraded' means nothing without a severity or stage filter, so the schema refuses it alone."""
    with pytest.raises(ValidationError, match="ungraded applies only"):
        RecordTest.model_validate({"valueset": "ascites", "when": "current", "ungraded": "unknown"})


def _age(low: int, high: int) -> dict[str, Any]:
    return {"age": {"min": low, "max": high}}


@pytest.mark.parametrize(
    ("children", "birth", "truth"),
    [
        ([_age(18, 60), _age(50, 70)], "1972-03-15", "TRUE"),
        ([_age(18, 40), _age(60, 70)], "1972-03-15", "FALSE"),
        ([_age(18, 60), _age(60, 70)], "1972-03-15", "UNKNOWN"),
        ([_age(18, 60), _age(50, 70)], None, "UNKNOWN"),
    ],
)
def test_readings_that_must_agree(catalog: Catalog, children: list[Any], birth: str | None, truth: str) -> None:
    """'agree' is true when every reading is, false when every reading is false, and unknown otherwise."""
    result = _evaluator(catalog, birth=birth).node(NODE.validate_python({"agree": children}))
    assert result.truth.name == truth
    if truth == "UNKNOWN" and birth is not None:
        assert "readings disagree" in result.reasons[0]


def _reviewed_when(on_record: dict[str, Any]) -> Part:
    return Part.model_validate(
        {"id": "x-1", "text": "significant disease", "review": "a person weighs it", "on_record": on_record}
    )


def test_review_only_when_something_is_on_record(catalog: Catalog) -> None:
    """A review part passes with nothing related on record and is unknown, naming the record, when there is."""
    part = _reviewed_when({"condition": {"valueset": "diabetes-mellitus", "when": "current"}})
    (nothing,) = _evaluator(catalog).criterion(_line(part))[1:]
    assert nothing.outcome is Outcome.PASS and nothing.reason.startswith("nothing related on record")
    diabetes = condition("dm", ICD10CM, "E11.9", onset={"onsetDateTime": "2015-01-01"})
    (found,) = _evaluator(catalog, diabetes).criterion(_line(part))[1:]
    assert found.outcome is Outcome.UNKNOWN and "needs a person: a person weighs it" in found.reason
    assert [e.reference for e in found.evidence] == ["Condition/dm"]


def test_a_missing_result_is_nothing_on_record(catalog: Catalog) -> None:
    """A lab with no result is unknown for want of data, which is not something on record: the part passes."""
    part = _reviewed_when({"lab": {"analyte": "afp", "op": ">", "value": 400, "unit": "ng/mL"}})
    (none,) = _evaluator(catalog).criterion(_line(part))[1:]
    assert none.outcome is Outcome.PASS
    afp = quantity_obs("afp", "1834-1", 520, "ng/mL")
    (high,) = _evaluator(catalog, afp).criterion(_line(part))[1:]
    assert high.outcome is Outcome.UNKNOWN


def test_on_record_goes_with_review() -> None:
    """on_record with logic instead of review is refused: it only says when a person must judge."""
    with pytest.raises(ValidationError, match="on_record goes with review"):
        Part.model_validate(
            {"id": "x-1", "text": "t", "logic": {"age": {"min": 18}}, "on_record": {"age": {"min": 18}}}
        )


def _line(part: Part) -> Criterion:
    return Criterion(id="exc-1", type="exclusion", text="line", parts=(part,))
