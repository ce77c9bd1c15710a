"""A lab against its control (``lab_control``): the newest result minus, or divided by, the same day's control.

A coagulation time is reported beside the control plasma run with it ("prothrombin time
prolonged by more than 3 seconds over control"). The control is read from its own Observation
(a LOINC control code, its own analyte in analytes.yaml) of the same day as the result; when
several results or controls share that day, every pairing must give the same verdict. The
result's reference range is never taken for the control: its upper limit lies above the
control, so "over control" read against it would understate the prolongation and could let an
exclusion pass. No control of that day, or a value that cannot be read, is unknown, never pass.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from service.criteria import LabControlTest
from service.evaluate.numeric import compare_interval, lab_interval
from service.evaluate.result import NodeResult, agreeing
from service.facts import LabValue
from service.facts.model import format_number
from service.logic import Truth
from service.units import Conversion

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator

Interval = tuple[float, bool, float, bool]


def _in_unit(evaluator: Evaluator, conversion: Conversion, value: LabValue) -> Interval:
    """Return a result's interval in the criterion's unit."""
    low, low_open, high, high_open = lab_interval(value)
    units = evaluator.catalog.units

    def convert(x: float) -> float:
        return units.from_canonical(conversion, x) if math.isfinite(x) else x

    return convert(low), low_open, convert(high), high_open


def _difference(result: Interval, control: Interval) -> Interval:
    """Return the interval of result - control."""
    return result[0] - control[2], result[1] or control[3], result[2] - control[0], result[3] or control[1]


def _ratio(result: Interval, control: Interval) -> Interval | None:
    """Return the interval of result / control for positive values, or None when the control may be 0 or less."""
    if control[0] <= 0 or result[0] < 0:
        return None
    high = result[2] / control[0] if math.isfinite(result[2]) else math.inf
    return result[0] / control[2], result[1] or control[3], high, result[3] or control[1]


def lab_control(test: LabControlTest, evaluator: Evaluator) -> NodeResult:
    """Compare the newest result with the same day's control by difference or ratio (README, lab against a control)."""
    analyte = evaluator.catalog.analytes.analytes[test.analyte]
    days = test.within_days or analyte.lookback_days
    how = (
        f"{test.op} {format_number(test.offset)} {test.unit} over the control"
        if test.offset is not None
        else f"{test.op} {format_number(test.ratio or 0)} x the control"
    )
    group = evaluator.facts.newest(test.analyte, evaluator.as_of, days)
    if not group:
        reason = f"no {analyte.display} result within {days} days before {evaluator.as_of}; needs {how}"
        return NodeResult(Truth.UNKNOWN, [reason], [], [f"{analyte.display} within {days} days, with its control"])
    return agreeing([_pair(test, evaluator, value, how) for value in group], analyte.display)


def _pair(test: LabControlTest, evaluator: Evaluator, value: LabValue, how: str) -> NodeResult:
    """Judge one newest result against every control of its day."""
    table = evaluator.catalog.analytes.analytes
    analyte, control = table[test.analyte], table[test.control]
    units = evaluator.catalog.units
    stated = f"{analyte.display} {value.original} on {value.effective}"
    if value.unreadable is not None or value.value is None:
        why = value.unreadable or "no value"
        return NodeResult(
            Truth.UNKNOWN, [f"{stated} cannot be read: {why}"], [value.evidence()], [f"a readable {analyte.display}"]
        )
    controls = [c for c in evaluator.facts.labs.get(test.control, ()) if c.effective == value.effective]
    if not controls:
        reason = f"{stated}, but no {control.display} of the same day on record, so not known whether {how}"
        needs = f"the {control.display} run with the {analyte.display} of {value.effective}"
        return NodeResult(Truth.UNKNOWN, [reason], [value.evidence()], [needs])
    result_unit = units.declared(analyte, test.unit)
    control_unit = units.declared(control, test.unit)
    assert result_unit is not None and control_unit is not None  # the loader checked the unit for both
    verdicts: list[tuple[Truth, str, LabValue]] = []
    for run in controls:
        if run.unreadable is not None or run.value is None:
            verdicts.append((Truth.UNKNOWN, f"{control.display} {run.original} cannot be read", run))
            continue
        mine, theirs = _in_unit(evaluator, result_unit, value), _in_unit(evaluator, control_unit, run)
        if test.offset is not None:
            low, low_open, high, high_open = _difference(mine, theirs)
            truth = compare_interval(low, low_open, high, high_open, test.op, test.offset)
            shown = f"{format_number(value.value / result_unit.factor - run.value / control_unit.factor)} {test.unit}"
            verdicts.append((truth, f"{control.display} {run.original}: {shown} over the control", run))
            continue
        ratio = _ratio(_in_unit(evaluator, result_unit, value), _in_unit(evaluator, control_unit, run))
        if ratio is None:
            verdicts.append((Truth.UNKNOWN, f"{control.display} {run.original} gives no ratio", run))
            continue
        truth = compare_interval(*ratio, test.op, test.ratio or 0)
        shown = format_number(value.value / run.value) if run.value else "?"
        verdicts.append((truth, f"{control.display} {run.original}: {shown} x the control", run))
    truths = {truth for truth, _, _ in verdicts}
    truth = truths.pop() if len(truths) == 1 else Truth.UNKNOWN
    pairing = "; ".join(words for _, words, _ in verdicts)
    verdict = {Truth.TRUE: f"so {how}", Truth.FALSE: f"so not {how}"}.get(truth, f"cannot tell whether {how}")
    evidence = [value.evidence(), *(run.evidence() for _, _, run in verdicts)]
    missing = [f"a readable {control.display} of {value.effective}"] if truth is Truth.UNKNOWN else []
    return NodeResult(truth, [f"{stated}, {pairing}, {verdict}"], evidence, missing)
