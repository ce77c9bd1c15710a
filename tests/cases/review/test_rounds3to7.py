"""Review rounds 3 to 7 as a regression suite: each bundle's verdicts against the adjudicated expectations.

A verdict agrees when it is the reviewer's status (or one it also accepts), or the engine verdict
an adjudication records (ADJUDICATION.round34.md, ADJUDICATION.round3to7.md). An open adjudication also accepts
possibly_eligible, the safe middle a pending fix may land on. Anything else fails: a new false
"eligible" or hidden candidate, or a kept verdict that changed without a new adjudication.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.criteria import Catalog
from service.pipeline import match

HERE = Path(__file__).parent
ROUNDS = ("round3", "round4", "round5", "round6", "round7")


def _entries() -> list[Any]:
    params = []
    for name in ROUNDS:
        for entry in yaml.safe_load((HERE / name / "expected.yaml").read_text(encoding="utf-8")):
            params.append(pytest.param(name, entry, id=f"{name}:{entry['file']}"))
    return params


def accepted(want: dict[str, Any]) -> set[str]:
    """Return the statuses that agree with one trial's adjudicated expectation."""
    allowed = {want["status"], *want.get("also_acceptable", ())}
    adjudication = want.get("adjudication")
    if adjudication is not None:
        allowed.add(adjudication["engine"])
        if adjudication["decision"].startswith("open"):
            allowed.add("possibly_eligible")
    return allowed


@pytest.mark.parametrize(("round_name", "entry"), _entries())
def test_review_bundle(round_name: str, entry: dict[str, Any], catalog: Catalog) -> None:
    """Every trial's verdict on the bundle is one its adjudicated expectation accepts."""
    document = json.loads((HERE / round_name / entry["file"]).read_text(encoding="utf-8"))
    report = match(document, catalog, dt.date.fromisoformat(str(entry["as_of"])))
    got = {result.trial.id: result.status.value for result in report.results}
    wrong = {
        trial: (got[trial], sorted(accepted(want)))
        for trial, want in entry["trials"].items()
        if got[trial] not in accepted(want)
    }
    assert not wrong, wrong


def test_open_rows_are_never_accepted_as_eligible() -> None:
    """An adjudication that accepts eligible against the reviewer is open (a fault) or says why the words allow it."""
    for name in ROUNDS:
        for entry in yaml.safe_load((HERE / name / "expected.yaml").read_text(encoding="utf-8")):
            for trial, want in entry["trials"].items():
                adjudication = want.get("adjudication")
                if adjudication and adjudication["engine"] == "eligible" and want["status"] != "eligible":
                    assert adjudication["decision"].startswith(("open", "engine right")), (entry["file"], trial)
                    assert adjudication["why"], (entry["file"], trial)
