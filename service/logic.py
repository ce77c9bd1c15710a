"""Three-valued (Kleene) truth, and the only place truths are combined.

``Truth.TRUE`` / ``Truth.FALSE`` are decided; ``Truth.UNKNOWN`` means the data needed is
missing. Kleene's strong logic: ``and`` is the minimum and ``or`` the maximum under
FALSE < UNKNOWN < TRUE, and ``not`` swaps TRUE and FALSE. So an unknown operand decides
nothing unless the other operands already decide the result, and learning a fact can turn
UNKNOWN into TRUE or FALSE but never flips a decided result (monotonicity).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Truth(enum.IntEnum):
    """A Kleene truth value, ordered FALSE < UNKNOWN < TRUE."""

    FALSE = 0
    UNKNOWN = 1
    TRUE = 2

    @classmethod
    def of(cls, value: bool | None) -> Truth:
        """Return the truth of a Python boolean, with None as UNKNOWN."""
        if value is None:
            return cls.UNKNOWN
        return cls.TRUE if value else cls.FALSE


def all_of(values: Iterable[Truth]) -> Truth:
    """Return the Kleene conjunction; the empty conjunction is TRUE."""
    result = Truth.TRUE
    for value in values:
        if value < result:
            result = value
            if result is Truth.FALSE:
                break
    return result


def any_of(values: Iterable[Truth]) -> Truth:
    """Return the Kleene disjunction; the empty disjunction is FALSE."""
    result = Truth.FALSE
    for value in values:
        if value > result:
            result = value
            if result is Truth.TRUE:
                break
    return result


def not_(value: Truth) -> Truth:
    """Return the Kleene negation."""
    return Truth(2 - value)


class Outcome(enum.StrEnum):
    """A criterion's verdict, as a coordinator reads it."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    REVIEW = "review"


# How parts of one registry line combine: a failed part fails the line, then a part that
# lacks data makes it unknown, then a part only a person can decide makes it review.
_OUTCOME_WEIGHT = {Outcome.PASS: 0, Outcome.REVIEW: 1, Outcome.UNKNOWN: 2, Outcome.FAIL: 3}


def worst_outcome(outcomes: Iterable[Outcome]) -> Outcome:
    """Return the outcome that stands most in the way (fail > unknown > review > pass)."""
    result = Outcome.PASS
    for outcome in outcomes:
        if _OUTCOME_WEIGHT[outcome] > _OUTCOME_WEIGHT[result]:
            result = outcome
    return result


def outcome_of(truth: Truth, *, exclusion: bool) -> Outcome:
    """Turn the truth of a criterion's condition into its outcome.

    An inclusion passes when its condition holds; an exclusion fails when its condition
    (the reason to exclude) holds.
    """
    if truth is Truth.UNKNOWN:
        return Outcome.UNKNOWN
    holds = truth is Truth.TRUE
    if exclusion:
        return Outcome.FAIL if holds else Outcome.PASS
    return Outcome.PASS if holds else Outcome.FAIL
