"""Kleene three-valued logic: truth tables, laws and outcome mapping."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.logic import Outcome, Truth, all_of, any_of, not_, outcome_of, worst_outcome

T, U, F = Truth.TRUE, Truth.UNKNOWN, Truth.FALSE
truths = st.sampled_from(list(Truth))

AND_TABLE = {
    (T, T): T, (T, U): U, (T, F): F,
    (U, T): U, (U, U): U, (U, F): F,
    (F, T): F, (F, U): F, (F, F): F,
}  # fmt: skip
OR_TABLE = {
    (T, T): T, (T, U): T, (T, F): T,
    (U, T): T, (U, U): U, (U, F): U,
    (F, T): T, (F, U): U, (F, F): F,
}  # fmt: skip


@pytest.mark.parametrize(("pair", "expected"), list(AND_TABLE.items()))
def test_and_truth_table(pair: tuple[Truth, Truth], expected: Truth) -> None:
    """Conjunction follows Kleene's strong truth table."""
    assert all_of(pair) is expected


@pytest.mark.parametrize(("pair", "expected"), list(OR_TABLE.items()))
def test_or_truth_table(pair: tuple[Truth, Truth], expected: Truth) -> None:
    """Disjunction follows Kleene's strong truth table."""
    assert any_of(pair) is expected


def test_not_truth_table() -> None:
    """Negation swaps TRUE and FALSE and keeps UNKNOWN."""
    assert (not_(T), not_(U), not_(F)) == (F, U, T)


def test_identities() -> None:
    """The empty conjunction is TRUE and the empty disjunction FALSE."""
    assert all_of([]) is T
    assert any_of([]) is F


@pytest.mark.parametrize(("a", "b"), list(itertools.product(list(Truth), repeat=2)))
def test_de_morgan(a: Truth, b: Truth) -> None:
    """not(a and b) == not a or not b, and not(a or b) == not a and not b, for all pairs."""
    assert not_(all_of([a, b])) is any_of([not_(a), not_(b)])
    assert not_(any_of([a, b])) is all_of([not_(a), not_(b)])


def _refine(values: list[Truth], knowledge: list[Truth]) -> list[Truth]:
    return [k if v is U else v for v, k in zip(values, knowledge, strict=True)]


@given(st.lists(truths, min_size=1, max_size=6), st.data())
def test_learning_a_fact_never_flips_a_decided_result(values: list[Truth], data: st.DataObject) -> None:
    """Replacing unknowns with known truths keeps a decided conjunction/disjunction decided."""
    knowledge = data.draw(st.lists(st.sampled_from([T, F]), min_size=len(values), max_size=len(values)))
    refined = _refine(values, knowledge)
    for combine in (all_of, any_of):
        before, after = combine(values), combine(refined)
        if before is not U:
            assert after is before
    assert not_(all_of(values)) in (not_(all_of(refined)), U)


@given(st.lists(truths, max_size=6))
def test_combinators_are_order_independent(values: list[Truth]) -> None:
    """Conjunction and disjunction do not depend on operand order."""
    assert all_of(values) is all_of(reversed(values))
    assert any_of(values) is any_of(reversed(values))


@pytest.mark.parametrize(
    ("truth", "exclusion", "outcome"),
    [
        (T, False, Outcome.PASS),
        (F, False, Outcome.FAIL),
        (U, False, Outcome.UNKNOWN),
        (T, True, Outcome.FAIL),
        (F, True, Outcome.PASS),
        (U, True, Outcome.UNKNOWN),
    ],
)
def test_outcome_of_inclusion_and_exclusion(truth: Truth, exclusion: bool, outcome: Outcome) -> None:
    """An exclusion whose condition holds fails; unknown stays unknown either way."""
    assert outcome_of(truth, exclusion=exclusion) is outcome


def test_worst_outcome_order() -> None:
    """A failed part outweighs an unknown one, which outweighs review, which outweighs pass."""
    assert worst_outcome([Outcome.PASS, Outcome.REVIEW]) is Outcome.REVIEW
    assert worst_outcome([Outcome.REVIEW, Outcome.UNKNOWN]) is Outcome.UNKNOWN
    assert worst_outcome([Outcome.UNKNOWN, Outcome.FAIL, Outcome.PASS]) is Outcome.FAIL
    assert worst_outcome([]) is Outcome.PASS
