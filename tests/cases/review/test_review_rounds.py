"""The review rounds of issue 9 as a regression suite: every bundle, every trial, the adjudicated status.

Each round's bundles are the independent reviewers' own files (never edited); `expected.yaml`
beside them is the reviewer's expectation as adjudicated in ADJUDICATION.md.
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


def _entries() -> list[Any]:
    cases = []
    for folder in (HERE / "round1", HERE / "round2"):  # rounds 3-7: test_rounds3to7.py
        for entry in yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")):
            cases.append(pytest.param(folder, entry, id=f"{folder.name}/{entry['file'].removesuffix('.json')}"))
    return cases


ENTRIES = _entries()


def test_both_rounds_are_here() -> None:
    """Both review rounds are committed with every bundle their expectation file names."""
    rounds = {p.values[0].name for p in ENTRIES}  # type: ignore[union-attr]
    assert rounds == {"round1", "round2"} and len(ENTRIES) == 99 + 118


@pytest.mark.parametrize(("folder", "entry"), ENTRIES)
def test_review_bundle(folder: Path, entry: dict[str, Any], catalog: Catalog) -> None:
    """The bundle gets the adjudicated status (or an accepted alternative) for every trial, never a false eligible."""
    bundle = json.loads((folder / entry["file"]).read_text(encoding="utf-8"))
    report = match(bundle, catalog, dt.date.fromisoformat(str(entry["as_of"])))
    got = {m.trial.id: m.status.value for m in report.results}
    wrong = {}
    for trial, want in entry["trials"].items():
        accepted = {want["status"], *(want.get("also_acceptable") or ())}
        if got[trial] == "eligible" and want["status"] != "eligible":
            wrong[trial] = f"false eligible: adjudicated {want['status']}"
        elif got[trial] not in accepted:
            wrong[trial] = f"got {got[trial]}, accepted {sorted(accepted)}"
    assert not wrong, wrong
