"""What to order next: grouping of missing-data texts, which trials count, and the ranking."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from service.criteria import Catalog
from service.evaluate import CriterionResult
from service.facts import PatientFacts
from service.logic import Outcome
from service.order import OrderCriterion, order_next
from service.pipeline import MatchReport, match
from service.rank import Status, TrialMatch
from tests.cases.test_trial_cases import build_bundle

AS_OF = dt.date(2026, 11, 22)
BUNDLES = Path(__file__).resolve().parents[1] / "cases" / "bundles"
# (criterion id, parent id, outcome, missing texts): a compact criterion result.
Spec = tuple[str, str | None, str, tuple[str, ...]]


def report_of(catalog: Catalog, trials: dict[str, tuple[str, list[Spec]]]) -> MatchReport:
    """Return a report whose trials (catalogue trials, in the order given) have these statuses and results."""
    matches = []
    for rank, (trial_id, (status, specs)) in enumerate(trials.items(), start=1):
        results = tuple(
            CriterionResult(cid, parent, "inclusion", "words", Outcome(outcome), "reason", (), missing, None)
            for cid, parent, outcome, missing in specs
        )
        matches.append(TrialMatch(rank, catalog.trials[trial_id], Status(status), 0.5, (), (), (), results))
    facts = PatientFacts("p", None, None, None, {}, [], [], [], [], [])
    return MatchReport(AS_OF, "test", facts, tuple(matches))


A, B, C = "NCT05227846", "NCT05948982", "NCT03209986"

# (case id, trials, expected (label, trials, completes) in order)
GROUPING: list[tuple[str, dict[str, tuple[str, list[Spec]]], list[tuple[str, tuple[str, ...], tuple[str, ...]]]]] = [
    (
        "lab-criterion-and-score-input-are-one-item",
        {
            A: (
                "possibly_eligible",
                [
                    ("exc-9a", None, "unknown", ("total bilirubin within 30 days",)),
                    ("inc-4", None, "unknown", ("bilirubin within 30 days (for Child-Pugh score)",)),
                ],
            )
        },
        [("total bilirubin within 30 days", (A,), (A,))],
    ),
    (
        "shorter-window-wins",
        {
            A: ("possibly_eligible", [("inc-4", None, "unknown", ("albumin within 90 days",))]),
            B: ("possibly_eligible", [("inc-5", None, "unknown", ("albumin within 30 days (for Child-Pugh score)",))]),
        },
        [("albumin within 30 days", (A, B), (A, B))],
    ),
    (
        "alternatives-stay-one-item",
        {
            A: (
                "possibly_eligible",
                [
                    (
                        "exc-6",
                        None,
                        "unknown",
                        ("hCG (pregnancy test) within 30 days or pregnancy status within 30 days",),
                    )
                ],
            )
        },
        [("hCG (pregnancy test) within 30 days or pregnancy status within 30 days", (A,), (A,))],
    ),
    (
        "text-with-or-that-is-not-a-lab-is-not-split",
        {A: ("possibly_eligible", [("exc-1", None, "unknown", ("confirmation or dates of Malignancy (current)",))])},
        [("confirmation or dates of Malignancy (current)", (A,), (A,))],
    ),
    (
        "ineligible-and-eligible-trials-wait-on-nothing",
        {
            A: ("eligible", [("inc-2", None, "pass", ())]),
            B: (
                "ineligible",
                [("inc-2", None, "fail", ()), ("exc-5", None, "unknown", ("HIV screen within 365 days",))],
            ),
            C: ("possibly_eligible", [("exc-6", None, "unknown", ("HIV screen within 365 days",))]),
        },
        [("HIV screen within 365 days", (C,), (C,))],
    ),
    (
        "more-trials-rank-first-then-completes",
        {
            A: ("possibly_eligible", [("inc-4", None, "unknown", ("inr within 30 days", "HBV DNA within 90 days"))]),
            B: ("possibly_eligible", [("inc-4", None, "unknown", ("inr within 30 days",))]),
            C: ("possibly_eligible", [("exc-3", None, "unknown", ("HCV antibody within 365 days",))]),
        },
        [
            ("inr within 30 days", (A, B), (B,)),
            ("HCV antibody within 365 days", (C,), (C,)),
            ("HBV DNA within 90 days", (A,), ()),
        ],
    ),
    (
        "an-unknown-with-nothing-to-order-completes-nothing",
        {
            A: (
                "possibly_eligible",
                [("inc-4", None, "unknown", ("inr within 30 days",)), ("exc-2", None, "unknown", ())],
            )
        },
        [("inr within 30 days", (A,), ())],
    ),
    (
        "parts-count-not-their-line",
        {
            A: (
                "possibly_eligible",
                [
                    ("exc-9", None, "unknown", ("sodium within 30 days",)),
                    ("exc-9a", "exc-9", "unknown", ("sodium within 30 days",)),
                    ("exc-9b", "exc-9", "pass", ()),
                ],
            )
        },
        [("sodium within 30 days", (A,), (A,))],
    ),
]


@pytest.mark.parametrize(("trials", "expected"), [pytest.param(t, e, id=i) for i, t, e in GROUPING])
def test_items_are_grouped_and_ranked(
    catalog: Catalog, trials: dict[str, tuple[str, list[Spec]]], expected: list[tuple[str, tuple[str, ...], ...]]
) -> None:
    """Missing texts group into items keyed by what to order, ranked by the undecided trials waiting on them."""
    items = order_next(report_of(catalog, trials))
    assert [(i.label, i.trials, i.completes) for i in items] == expected


def test_leaf_criteria_are_listed_once_per_trial(catalog: Catalog) -> None:
    """An item lists each undecided part that names it, never the line that only repeats its parts."""
    report = report_of(
        catalog,
        {
            A: (
                "possibly_eligible",
                [
                    ("exc-9", None, "unknown", ("sodium within 30 days",)),
                    ("exc-9a", "exc-9", "unknown", ("sodium within 30 days",)),
                    ("exc-9c", "exc-9", "unknown", ("sodium within 30 days",)),
                ],
            )
        },
    )
    (item,) = order_next(report)
    assert item.criteria == (OrderCriterion(A, "exc-9a"), OrderCriterion(A, "exc-9c"))
    assert item.key == "lab:sodium"


def test_purposes_name_the_scores_an_item_feeds(catalog: Catalog) -> None:
    """An item needed for two scores lists both as its purposes, once each."""
    report = report_of(
        catalog,
        {
            A: (
                "possibly_eligible",
                [
                    ("inc-2b", "inc-2", "unknown", ("inr within 30 days (for Child-Pugh score)",)),
                    ("inc-2c", "inc-2", "unknown", ("inr within 30 days (for MELD)",)),
                ],
            )
        },
    )
    (item,) = order_next(report)
    assert item.purposes == ("Child-Pugh score", "MELD")


def _bundle(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((BUNDLES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def test_readme_example_orders_the_hiv_test_for_the_two_undecided_trials(catalog: Catalog) -> None:
    """The README patient needs an HIV test for the two possibly eligible trials; the ineligible ones are left out."""
    report = match(_bundle("readme_example_bilirubin_205_umol_no_hiv_test"), catalog, AS_OF)
    (item,) = order_next(report)
    assert item.label == "HIV antibody / antigen screen within 365 days"
    assert item.trials == ("NCT05948982", "NCT03209986") == item.completes
    assert item.criteria == (OrderCriterion("NCT05948982", "exc-15a"), OrderCriterion("NCT03209986", "exc-6a"))


def test_missing_inr_ranks_first_when_every_trial_waits_on_it(catalog: Catalog) -> None:
    """Without INR, HIV test and HBV DNA, the INR (all five trials, four scores) comes first and HBV DNA last."""
    removed = {"remove": ["Observation/inr", "Observation/hiv", "Observation/hbvdna"]}
    report = match(build_bundle("hbv_decompensated_baseline", removed), catalog, AS_OF)
    items = order_next(report)
    assert [i.key for i in items] == ["lab:inr", "lab:hiv antibody / antigen screen", "lab:hbv dna"]
    assert len(items[0].trials) == 5 and items[0].purposes == ("Child-Pugh score", "MELD", "MELD-Na", "MELD 3.0")
    assert items[0].completes == ("NCT01728727",)


def test_a_complete_record_orders_nothing(catalog: Catalog) -> None:
    """The baseline patient is decided for every trial, so there is nothing to order."""
    assert order_next(match(_bundle("hbv_decompensated_baseline"), catalog, AS_OF)) == ()
