"""Numeric tests: intervals a reported value stands for, three-valued comparison, thresholds in words."""

from __future__ import annotations

import math
from functools import lru_cache

from service.criteria import (
    NumericTest,
)
from service.facts import (
    LabValue,
)
from service.logic import Truth, all_of

OP_WORDS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "="}


# Pure functions of one number, asked thousands of times per answer for a few hundred distinct
# thresholds and results (bench/README.md, engine profile): remembered, boundedly, across requests.
_REMEMBERED = 4096


@lru_cache(maxsize=_REMEMBERED, typed=True)
def number_text(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value:.3g}"
    if magnitude >= 100:
        return f"{value:.0f}" if value == round(value) else f"{value:.1f}"
    text = f"{value:.3g}" if magnitude < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    return text


@lru_cache(maxsize=_REMEMBERED, typed=True)
def _key(value: float) -> float:
    """Compare converted values at 10 significant digits so a unit round-trip cannot flip a bound."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.10g}")


def compare_interval(low: float, low_open: bool, high: float, high_open: bool, op: str, threshold: float) -> Truth:
    """Return whether every / no / some value in an interval satisfies ``x op threshold``."""
    t = _key(threshold)
    lo, hi = _key(low), _key(high)
    if op == "<":
        every, none = hi < t or (hi == t and high_open), lo >= t
    elif op == "<=":
        every, none = hi <= t, lo > t or (lo == t and low_open)
    elif op == ">":
        every, none = lo > t or (lo == t and low_open), hi <= t
    elif op == ">=":
        every, none = lo >= t, hi < t or (hi == t and high_open)
    else:
        every = lo == hi == t and not (low_open or high_open)
        none = t < lo or t > hi or (t == lo and low_open) or (t == hi and high_open)
    if every:
        return Truth.TRUE
    if none:
        return Truth.FALSE
    return Truth.UNKNOWN


def value_interval(value: float, comparator: str | None) -> tuple[float, bool, float, bool]:
    """Return the interval a reported value with a FHIR comparator stands for."""
    if comparator == "<":
        return -math.inf, True, value, True
    if comparator == "<=":
        return -math.inf, True, value, False
    if comparator == ">":
        return value, True, math.inf, True
    if comparator == ">=":
        return value, False, math.inf, True
    return value, False, value, False


def lab_interval(value: LabValue) -> tuple[float, bool, float, bool]:
    """Return the canonical interval a lab value stands for: its comparator, widened by an uncertain factor."""
    assert value.value is not None
    low = value.low if value.low is not None else value.value
    high = value.high if value.high is not None else value.value
    lo, lo_open, _, _ = value_interval(low, value.comparator)
    _, _, hi, hi_open = value_interval(high, value.comparator)
    return lo, lo_open, hi, hi_open


def numeric_truth(interval: tuple[float, bool, float, bool], test: NumericTest, convert: float) -> Truth:
    """Test an interval against a NumericTest whose thresholds are multiplied into canonical units."""
    low, low_open, high, high_open = interval
    if test.op is not None and test.value is not None:
        return compare_interval(low, low_open, high, high_open, test.op, test.value * convert)
    checks = []
    if test.min is not None:
        checks.append(compare_interval(low, low_open, high, high_open, ">=", test.min * convert))
    if test.max is not None:
        checks.append(compare_interval(low, low_open, high, high_open, "<=", test.max * convert))
    return all_of(checks)


def describe_test(test: NumericTest, unit: str) -> str:
    """Return a threshold as words, e.g. '>= 170 umol/L' or 'between 19 and 25 kg/m2'."""
    suffix = f" {unit}" if unit else ""
    if test.op is not None and test.value is not None:
        return f"{OP_WORDS[test.op]} {number_text(test.value)}{suffix}"
    if test.min is not None and test.max is not None:
        return f"between {number_text(test.min)} and {number_text(test.max)}{suffix}"
    if test.min is not None:
        return f">= {number_text(test.min)}{suffix}"
    return f"<= {number_text(test.max or 0)}{suffix}"
