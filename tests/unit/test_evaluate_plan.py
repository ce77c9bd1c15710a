"""Compiled plans (service/evaluate/plan.py): verdicts shared across trials never change a trial's results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from service.criteria import Catalog, Trial
from service.evaluate import Evaluator, compile_plans, evaluate_trial
from service.evaluate.plan import Line
from service.pipeline import compile_catalog, read_facts

AS_OF = dt.date(2026, 11, 22)
BUNDLES = sorted((Path(__file__).resolve().parents[1] / "cases" / "bundles").glob("*.json"))


def _doubled(catalog: Catalog, flipped: bool = False) -> Catalog:
    """Return the catalogue with a copy of every trial under another id.

    An exact copy shares every verdict; a flipped one reads every line on the other side
    (inclusion as exclusion and back), so its tests are equal but none of its verdicts is.
    """
    trials = dict(catalog.trials)
    for number, trial in enumerate(catalog.trials.values()):
        data = trial.model_dump(by_alias=True, exclude_none=True)
        data["id"] = f"NCT8{number:07d}"
        for line in data["criteria"] if flipped else ():
            line["type"] = "exclusion" if line["type"] == "inclusion" else "inclusion"
            line["id"] = line["id"].replace("inc-", "in_").replace("exc-", "inc-").replace("in_", "exc-")
        trials[data["id"]] = Trial.model_validate(data)
    return dataclasses.replace(catalog, trials=trials)


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("copies", ["none", "exact", "flipped"])
def test_shared_plans_give_each_trial_its_own_results(catalog: Catalog, path: Path, copies: str) -> None:
    """Every trial read through the catalogue's shared plans gets the results it gets compiled alone."""
    chosen = catalog if copies == "none" else _doubled(catalog, flipped=copies == "flipped")
    facts = read_facts(json.loads(path.read_bytes()), chosen, AS_OF)
    shared = Evaluator(chosen, facts, AS_OF, compile_catalog(chosen).plans)
    for trial in chosen.trials.values():
        alone = Evaluator(chosen, facts, AS_OF)  # no plans: nothing shared with other trials
        assert evaluate_trial(trial, shared) == evaluate_trial(trial, alone), trial.id


def test_copies_share_every_verdict_and_line(catalog: Catalog) -> None:
    """A trial's exact copy adds steps but no distinct verdict or line verdict to the table."""
    keys = compile_catalog(catalog).plans.node_keys
    doubled = _doubled(catalog)
    once = compile_plans(catalog.trials.values(), keys)
    twice = compile_catalog(doubled).plans
    assert len(twice.trials) == 2 * len(once.trials)
    assert (len(twice.sources), twice.lines) == (len(once.sources), once.lines)
    assert any(isinstance(step, Line) for _, steps in once.trials.values() for step in steps)
