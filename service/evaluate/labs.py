"""Lab nodes: a value against a threshold or the ULN, positive/negative results, series and newest-of."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.criteria import (
    Lab,
    LabPositive,
    LabSeriesTest,
    LabTest,
    LabUln,
    NewestOf,
    NumericTest,
    PositiveResults,
)
from service.dates import shift
from service.evaluate.numeric import OP_WORDS, compare_interval, describe_test, lab_interval, number_text, numeric_truth
from service.evaluate.result import MAX_EVIDENCE, NodeResult, agreeing
from service.facts import (
    RECORD_TYPES,
    LabValue,
)
from service.logic import Truth
from service.terminology import Analyte

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator


def lab(ev: Evaluator, node: Lab) -> NodeResult:
    test = node.lab
    analyte = ev.catalog.analytes.analytes[test.analyte]
    days = test.within_days or analyte.lookback_days
    wanted = describe_test(test, test.unit)
    group = ev.newest(test.analyte, days)
    if not group:
        return _no_result(analyte.display, days, ev.as_of, f"; needs {analyte.display} {wanted}")
    results = []
    for value in group:
        limit = analyte.detection_limit_max
        if value.value is None and value.positive is False and limit is not None and not value.unreadable:
            conversion = ev.catalog.units.declared(analyte, test.unit)
            assert conversion is not None  # the loader checked the criterion's unit
            results.append(_not_detected(ev, test, value, limit.value, conversion.factor, wanted))
            continue
        if value.unreadable is not None or value.value is None:
            results.append(_unreadable(analyte.display, value))
            continue
        truth, shown = value_truth(ev, value, test, analyte, test.unit)
        result = _lab_result(ev, truth, analyte.display, value, shown, test.unit, wanted)
        if truth is Truth.UNKNOWN and value.low != value.high:
            result.missing = [f"{analyte.display} reported in {test.unit} (its conversion depends on the assay)"]
        results.append(result)
    return agreeing(results, analyte.display)


def _not_detected(
    ev: Evaluator, test: LabTest, value: LabValue, limit: float, factor: float, wanted: str
) -> NodeResult:
    """A "not detected" result is a value from 0 up to the highest detection limit in use (analytes.yaml)."""
    display = ev.catalog.analytes.analytes[test.analyte].display
    truth = numeric_truth((0.0, False, limit, True), test, factor)
    under = f"under {number_text(limit / factor)} {test.unit}"
    stated = f"{value.original} on {value.effective} (below the detection limit, {under})"
    verdicts = {Truth.TRUE: f"{display} {stated} {wanted}", Truth.FALSE: f"{display} {stated}, not {wanted}"}
    reason = verdicts.get(truth, f"{display} {stated} cannot be compared with {wanted}")
    missing = [f"a quantified {display} result"] if truth is Truth.UNKNOWN else []
    return NodeResult(truth, [reason], [ev.evidence(value)], missing)


def value_truth(ev: Evaluator, value: LabValue, test: NumericTest, analyte: Analyte, unit: str) -> tuple[Truth, float]:
    """Return whether a readable result meets a numeric test given in ``unit``, and its value in that unit."""
    units = ev.catalog.units
    conversion = units.declared(analyte, unit)
    assert conversion is not None and value.value is not None  # the loader checked the unit
    low, low_open, high, high_open = lab_interval(value)
    if conversion.offset or conversion.log10:
        # Affine or log units: express the patient's interval in the criterion's unit.
        interval = (
            units.from_canonical(conversion, low) if math.isfinite(low) else low,
            low_open,
            units.from_canonical(conversion, high) if math.isfinite(high) else high,
            high_open,
        )
        return numeric_truth(interval, test, 1.0), units.from_canonical(conversion, value.value)
    truth = numeric_truth((low, low_open, high, high_open), test, conversion.factor)
    return truth, value.value / conversion.factor


def newest_of(ev: Evaluator, node: NewestOf) -> NodeResult:
    """The newest result among several analytes decides, by that analyte's own test."""
    table = ev.catalog.analytes.analytes
    names = " or ".join(table[test.analyte].display for test in node.newest_of)
    newest: list[tuple[LabValue, LabTest]] = []
    for test in node.newest_of:
        days = test.within_days or table[test.analyte].lookback_days
        group = ev.newest(test.analyte, days)
        if group:
            newest.append((group[0], test))
    if not newest:
        return NodeResult(Truth.UNKNOWN, [f"no result of {names} on record"], [], [f"a result of {names}"])
    # Keep the results no other result is known to be newer than (one, or several not orderable).
    deciding = [(v, t) for v, t in newest if not any(o.newer_than(v) is True for o, _ in newest if o is not v)]
    results = [lab(ev, Lab(lab=test)) for _, test in deciding]
    out = agreeing(results, names)
    out.reasons = [f"newest of {names}: {reason}" for reason in out.reasons]
    return out


def lab_series(ev: Evaluator, test: LabSeriesTest) -> NodeResult:
    """Every result of the span meets the test, and the newest before the span does too (the span covered)."""
    analyte = ev.catalog.analytes.analytes[test.analyte]
    period = test.period
    assert period is not None  # the schema requires one
    first_day = period.before(ev.as_of)
    wanted = describe_test(test, test.unit)
    span = f"the {period.words()} before {ev.as_of} (since {first_day})"
    values = [v for v in ev.facts.labs.get(test.analyte, ()) if v.effective <= ev.as_of]
    inside = [v for v in values if v.effective > first_day]
    anchor = next((v for v in values if v.effective <= first_day), None)
    verdicts: list[tuple[LabValue, Truth, str]] = []
    for value in [*inside, *([anchor] if anchor else [])]:
        if value.unreadable is not None or value.value is None:
            verdicts.append((value, Truth.UNKNOWN, f"{analyte.display} on {value.effective} cannot be read"))
            continue
        truth, shown = value_truth(ev, value, test, analyte, test.unit)
        stated = f"{analyte.display} {value.comparator or ''}{number_text(shown)} {test.unit} on {value.effective}"
        verdicts.append((value, truth, stated))
    failing = [(v, why) for v, truth, why in verdicts if truth is Truth.FALSE and v in inside]
    if failing:
        value, why = failing[0]
        return NodeResult(Truth.FALSE, [f"{why}, not {wanted}, within {span}"], [ev.evidence(value)])
    needs = f"{analyte.display} results {wanted} covering {span}"
    evidence = [ev.evidence(v) for v, _, _ in verdicts][:MAX_EVIDENCE]
    unclear = [why for _, truth, why in verdicts if truth is not Truth.TRUE]
    if not inside or anchor is None or unclear:
        if unclear:
            gap = unclear[0]
        elif not inside:
            gap = f"no {analyte.display} result within {span}"
        else:
            gap = f"no {analyte.display} result on or before {first_day}"
        return NodeResult(Truth.UNKNOWN, [f"{gap}: the span is not shown covered"], evidence, [needs])
    reason = (
        f"{analyte.display} {wanted} in all {len(verdicts)} results from {anchor.effective} "
        f"to {inside[0].effective}, covering {span}"
    )
    return NodeResult(Truth.TRUE, [reason], evidence)


def _lab_result(
    ev: Evaluator, truth: Truth, display: str, value: LabValue, shown: float, unit: str, wanted: str
) -> NodeResult:
    reported = "" if value.original.endswith(f" {unit}") else f" (reported {value.original})"
    stated = f"{value.comparator or ''}{number_text(shown)} {unit}{reported}"
    if truth is Truth.TRUE:
        reason = f"{display} {stated} on {value.effective} {wanted}"
    elif truth is Truth.FALSE:
        reason = f"{display} {stated} on {value.effective}, not {wanted}"
    else:
        reason = f"{display} {stated} on {value.effective} cannot be compared with {wanted}"
    missing = [f"a quantified {display} result"] if truth is Truth.UNKNOWN else []
    evidence = [ev.evidence(value)]
    return NodeResult(truth, [reason], evidence, missing)


def lab_uln(ev: Evaluator, node: LabUln) -> NodeResult:
    test = node.lab_uln
    analyte = ev.catalog.analytes.analytes[test.analyte]
    days = test.within_days or analyte.lookback_days
    group = ev.newest(test.analyte, days)
    if not group:
        return _no_result(analyte.display, days, ev.as_of, "")
    unit = analyte.canonical_unit
    results = []
    for value in group:
        if value.unreadable is not None or value.value is None:
            results.append(_unreadable(analyte.display, value))
            continue
        ulns, source = _ulns(ev, value, analyte)
        if not ulns:
            results.append(
                NodeResult(
                    Truth.UNKNOWN,
                    [f"{analyte.display} {value.original} on {value.effective}: no reference range and no ULN"],
                    [ev.evidence(value)],
                    [f"the reference range of {analyte.display}"],
                )
            )
            continue
        interval = lab_interval(value)
        truths = [compare_interval(*interval, test.op, test.factor * uln) for uln in ulns]
        truth = truths[0] if len(set(truths)) == 1 else Truth.UNKNOWN
        thresholds = " or ".join(f"{number_text(test.factor * uln)} {unit}" for uln in ulns)
        wanted = f"{OP_WORDS[test.op]} {number_text(test.factor)} x ULN ({thresholds}; ULN from {source})"
        result = _lab_result(ev, truth, analyte.display, value, value.value, unit, wanted)
        if truth is Truth.UNKNOWN and len(ulns) > 1:
            result.missing = ["the reference range that applies to the patient (sex, age)"]
        results.append(result)
    return agreeing(results, analyte.display)


def _ulns(ev: Evaluator, value: LabValue, analyte: Analyte) -> tuple[tuple[float, ...], str]:
    """Return the candidate ULNs in the canonical unit and where they come from."""
    if value.ulns:
        many = " (several apply; the patient's sex or age cannot choose)" if len(value.ulns) > 1 else ""
        return value.ulns, f"the report's reference range{many}"
    table = analyte.uln
    if table is None:
        return (), ""
    conversion = ev.catalog.units.declared(analyte, table.unit)
    assert conversion is not None  # the loader checked it
    by_sex = {"male": table.male, "female": table.female}
    sexes = (ev.facts.sex,) if ev.facts.sex in by_sex else ("male", "female")
    ulns = tuple(sorted({by_sex[sex] * conversion.factor for sex in sexes}))
    shown = ", ".join(f"{sex} {number_text(by_sex[sex])} {table.unit}" for sex in sexes)
    why = "" if len(sexes) == 1 else "; sex unknown, both apply"
    return ulns, f"the fallback ULN table, {shown}{why} ({table.source.split(':')[0].strip()})"


def lab_positive(ev: Evaluator, node: LabPositive) -> NodeResult:
    test = node.lab_positive
    names = (test.analyte, *test.or_analytes)
    table = ev.catalog.analytes.analytes
    windows = []
    results: list[_Ranked] = []
    for rank, name in enumerate(names):
        analyte = table[name]
        days = test.within_days or analyte.lookback_days
        windows.append(f"{analyte.display} within {days} days")
        earliest = shift(ev.as_of, days=-days)
        confirmatory = frozenset(analyte.persistence.confirmatory) if analyte.persistence else None
        for value in ev.facts.labs.get(name, ()):
            if value.effective <= ev.as_of:
                results.append(_Ranked(value, len(names) - rank, confirmatory, value.effective >= earliest))
    need = " or ".join(windows)
    sure: list[_Ranked] = []
    doubtful: list[tuple[_Ranked, str]] = []
    for candidate in results:
        if candidate.value.positive is False:
            continue
        if not (candidate.in_window or candidate.persistent):
            continue
        fate = _fate(candidate, results)
        if fate == "cancelled":
            continue
        if candidate.value.positive is True and fate == "stands":
            sure.append(candidate)
        else:
            doubtful.append((candidate, fate))
    if sure:
        value = max(sure, key=lambda r: (r.value.effective, r.authority)).value
        return NodeResult(Truth.TRUE, [_positive_text(ev, value)], [ev.evidence(r.value) for r in sure[:3]])
    if doubtful:
        reasons, evidence = [], []
        for ranked, fate in doubtful[:3]:
            value = ranked.value
            display = table[value.analyte].display
            if value.positive is None:
                why = value.unreadable or (
                    f"reported only as {value.original}, below the quantitation limit, not as not detected"
                    if value.comparator in ("<", "<=") and table[value.analyte].cutoff is None
                    else "equivocal (between the negative and positive cut-offs)"
                )
                reasons.append(
                    f"{display} {value.reference} on {value.effective} is neither positive nor negative: {why}"
                )
            else:
                reasons.append(f"{_positive_text(ev, value)}, but {fate}")
            evidence.append(ev.evidence(value))
        return NodeResult(Truth.UNKNOWN, reasons, evidence, [f"a readable result: {need}"])
    negatives = [r for r in results if r.value.positive is False and r.in_window]
    if negatives:
        value = max(negatives, key=lambda r: (r.value.effective, r.authority)).value
        display = table[value.analyte].display
        reason = f"{display} {value.original} on {value.effective}"
        if not value.original.endswith(")"):
            reason += ": negative/not detected"
        if not any(r.authority == len(names) for r in negatives):
            # Only a lesser test is negative (a reagin test, a stated pregnancy status): it cannot
            # rule out what the first-named test answers (a treponemal antibody, an hCG test).
            first = windows[0]
            return NodeResult(
                Truth.UNKNOWN,
                [f"{reason}, which cannot rule out the first-named test: needs {first}"],
                [ev.evidence(value)],
                [first],
            )
        return NodeResult(Truth.FALSE, [reason], [ev.evidence(value)])
    return NodeResult(Truth.UNKNOWN, [f"no result before {ev.as_of}: needs {need}"], missing=[need])


def _positive_text(ev: Evaluator, value: LabValue) -> str:
    display = ev.catalog.analytes.analytes[value.analyte].display
    reason = f"{display} {value.original} on {value.effective}"
    return reason if value.original.endswith(")") else f"{reason}: positive/detected"


def positive_results(ev: Evaluator, node: PositiveResults) -> NodeResult:
    test = node.positive_results
    display = ev.catalog.analytes.analytes[test.analyte].display
    positives = sorted(
        (v for v in ev.facts.labs.get(test.analyte, ()) if v.positive and v.effective <= ev.as_of),
        key=lambda v: (v.effective, v.reference),
    )
    apart = test.apart.period if test.apart is not None else None
    spread = f" at least {apart.words()} apart" if apart is not None else ""
    if len(positives) >= test.min_count:
        first, last = positives[0], positives[-1]
        if apart is None or apart.before(last.effective) >= first.effective:
            dates = f"from {first.effective} to {last.effective}"
            reason = f"{len(positives)} positive {display} results {dates}{spread}"
            return NodeResult(Truth.TRUE, [reason], [ev.evidence(first), ev.evidence(last)])
    reason = f"no {test.min_count} positive {display} results{spread} on record ({len(positives)} positive)"
    return ev.absent(Truth.FALSE, reason, [], RECORD_TYPES["lab"], f"positive {display} results")


@dataclass(frozen=True)
class _Ranked:
    """A qualitative result with the authority of its analyte in a lab_positive test."""

    value: LabValue
    authority: int
    confirmatory: frozenset[str] | None  # the analyte's confirmatory codes if its positives persist
    in_window: bool

    @property
    def persistent(self) -> bool:
        return self.confirmatory is not None


def _fate(candidate: _Ranked, results: list[_Ranked]) -> str:
    """Return 'cancelled', 'stands', or why a possible positive may have been overruled."""
    doubt = ""
    for other in results:
        if other is candidate or other.value.positive is True or other.authority < candidate.authority:
            continue
        if candidate.confirmatory is not None and other.value.code_key not in candidate.confirmatory:
            continue  # a persistent positive yields only to a confirmatory test
        order = other.value.newer_than(candidate.value)
        if order is False:
            continue
        if other.value.positive is False and order is True:
            return "cancelled"
        if not doubt:
            what = "negative" if other.value.positive is False else "unreadable"
            when = "later" if order else "same-day (not orderable by issued time)"
            doubt = f"a {when} {what} result {other.value.reference} may overrule it"
    return doubt or "stands"


def _no_result(display: str, days: int, as_of: dt.date, needs: str) -> NodeResult:
    return NodeResult(
        Truth.UNKNOWN,
        [f"no {display} result within {days} days before {as_of}{needs}"],
        missing=[f"{display} within {days} days"],
    )


def _unreadable(display: str, value: LabValue) -> NodeResult:
    """The newest result cannot be read: the criterion is unknown, naming it (never an older value)."""
    return NodeResult(
        Truth.UNKNOWN,
        [f"newest {display} {value.reference} on {value.effective} cannot be read: {value.unreadable or 'no value'}"],
        [value.evidence()],
        [f"a readable {display} result"],
    )
