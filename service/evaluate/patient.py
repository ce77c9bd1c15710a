"""Patient-level nodes: scores (Child-Pugh, MELD variants, BMI), age, administrative sex."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.criteria import (
    AgeTest,
    NumericTest,
    Score,
    Sex,
    SexSpecific,
)
from service.evaluate.numeric import describe_test, number_text, numeric_truth
from service.evaluate.result import NodeResult
from service.logic import Truth

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator


SCORE_NAMES = {
    "child_pugh": "Child-Pugh score",
    "meld": "MELD",
    "meld_na": "MELD-Na",
    "meld_3": "MELD 3.0",
    "bmi": "BMI",
}


def score(ev: Evaluator, node: Score) -> NodeResult:
    test = node.score
    name = SCORE_NAMES[test.score]
    result = ev.facts.scores.get(test.score)
    wanted = describe_test(test, "kg/m2" if test.score == "bmi" else "")
    if result is None or result.value is None:
        missing = list(result.missing) if result is not None else [name]
        return NodeResult(
            Truth.UNKNOWN,
            [f"{name} cannot be computed: needs {', '.join(missing)}; criterion needs {name} {wanted}"],
            missing=[f"{m} (for {name})" for m in missing],
        )
    high = result.high if result.high is not None else result.value
    truth = numeric_truth((result.value, False, high, False), test, 1.0)
    detail = result.detail_text
    value_text = (
        number_text(result.value) if high == result.value else f"{number_text(result.value)} to {number_text(high)}"
    )
    shown = f"{name} {value_text}" + (f" ({detail})" if detail else "")
    verdicts = {Truth.TRUE: f"{shown} {wanted}", Truth.FALSE: f"{shown}, not {wanted}"}
    reason = verdicts.get(truth, f"{shown}: may or may not be {wanted}")
    if result.flags:
        reason += f"; note: {'; '.join(result.flags)}"
    evidence = list(ev.score_evidence(test.score, result))
    missing = [f"grades of the {name} inputs recorded without one"] if truth is Truth.UNKNOWN else []
    return NodeResult(truth, [reason], evidence, missing)


def age(ev: Evaluator, test: AgeTest) -> NodeResult:
    ages = ev.facts.age_range(ev.as_of)
    bounds = NumericTest(min=test.min, max=test.max) if (test.min is not None or test.max is not None) else None
    wanted = describe_test(bounds, "years") if bounds else "any age"
    if ages is None:
        return NodeResult(Truth.UNKNOWN, [f"no birth date; needs age {wanted}"], missing=["birth date"])
    low, high = ages
    truth = numeric_truth((float(low), False, float(high), False), bounds, 1.0) if bounds else Truth.TRUE
    age_text = f"{low}" if low == high else f"{low} to {high} (partial birth date)"
    if truth is Truth.UNKNOWN:
        return NodeResult(
            truth,
            [f"age {age_text} on {ev.as_of} may or may not be {wanted}"],
            missing=["full birth date"],
        )
    verb = "" if truth is Truth.TRUE else "not "
    return NodeResult(truth, [f"age {age_text} on {ev.as_of}, {verb}{wanted}"])


def sex(ev: Evaluator, node: Sex) -> NodeResult:
    wanted = " or ".join(node.sex.is_)
    if ev.facts.sex is None:
        return NodeResult(
            Truth.UNKNOWN, [f"administrative sex not recorded; needs {wanted}"], missing=["administrative sex"]
        )
    truth = Truth.of(ev.facts.sex in node.sex.is_)
    return NodeResult(truth, [f"administrative sex {ev.facts.sex}"])


def sex_specific(ev: Evaluator, node: SexSpecific) -> NodeResult:
    test = node.sex_specific
    inner = ev.node(test.logic)
    sex = ev.facts.sex
    if sex is None or sex in test.sex or sex in ("other", "unknown"):
        return inner
    if inner.truth is Truth.TRUE:
        reason = f"administrative sex {sex}, yet the record holds this evidence: {'; '.join(inner.reasons)}; confirm"
        return NodeResult(Truth.UNKNOWN, [reason], inner.evidence, ["confirmation of the record (sex or evidence)"])
    return NodeResult(Truth.FALSE, [f"administrative sex {sex}; applies to {' or '.join(test.sex)} only"])
