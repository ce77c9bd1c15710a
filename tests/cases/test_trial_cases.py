"""Runs the per-trial case files: each case is a bundle edit named after the edge it pins.

A case file (tests/cases/<NCT id>.yaml) names a base bundle under tests/cases/bundles/, and
each case removes resources from it (by Type/id), adds resources, and lists the outcomes it
expects per criterion id (and optionally the trial status). Every criterion with data logic
must have at least one case that makes it pass and one that makes it fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.criteria import Catalog
from service.pipeline import match
from tests.catalogue import cases_dir

CASES_DIR = cases_dir()
BUNDLES_DIR = CASES_DIR / "bundles"


@cache
def _base(name: str) -> dict[str, Any]:
    return json.loads((BUNDLES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def build_bundle(base: str, case: dict[str, Any]) -> dict[str, Any]:
    """Return the base bundle with the case's removals and additions applied."""
    bundle = copy.deepcopy(_base(base))
    removed = set(case.get("remove", ()))
    entries = []
    # A resource added with the Type/id of a removed one replaces it and keeps its fullUrl, so
    # references to it (the base's subjects point at the Patient's urn:uuid) still resolve.
    kept_urls: dict[str, str] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        key = f"{resource['resourceType']}/{resource.get('id')}"
        if key not in removed:
            entries.append(entry)
        elif "fullUrl" in entry:
            kept_urls[key] = entry["fullUrl"]
    found = {f"{e['resource']['resourceType']}/{e['resource'].get('id')}" for e in bundle["entry"]}
    missing = removed - found
    assert not missing, f"case removes resources the base does not have: {sorted(missing)}"
    for index, resource in enumerate(case.get("add", ())):
        rid = resource.get("id", f"added-{index}")
        url = kept_urls.get(
            f"{resource['resourceType']}/{rid}", f"urn:uuid:case-{resource['resourceType'].lower()}-{rid}"
        )
        entries.append({"fullUrl": url, "resource": resource})
    bundle["entry"] = entries
    return bundle


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("NCT*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _all_cases() -> list[Any]:
    params = []
    for path in _case_files():
        data = _load(path)
        for case in data["cases"]:
            params.append(pytest.param(data, case, id=f"{data['trial']}:{case['name']}"))
    return params


@pytest.mark.parametrize(("spec", "case"), _all_cases())
def test_case(spec: dict[str, Any], case: dict[str, Any], catalog: Catalog) -> None:
    """The case's bundle gives the expected outcome for each listed criterion of its trial."""
    bundle = build_bundle(case.get("base", spec["base"]), case)
    as_of = dt.date.fromisoformat(str(case.get("as_of", spec["as_of"])))
    report = match(bundle, catalog, as_of, [spec["trial"]])
    (result,) = report.results
    outcomes = {c.id: c for c in result.criteria}
    unknown_ids = set(case["expect"]) - set(outcomes)
    assert not unknown_ids, f"expectations name unknown criteria: {sorted(unknown_ids)}"
    wrong = {
        cid: (want, outcomes[cid].outcome.value, outcomes[cid].reason)
        for cid, want in case["expect"].items()
        if outcomes[cid].outcome.value != want
    }
    assert not wrong, wrong
    if "status" in case:
        assert result.status.value == case["status"], [c.reason for c in result.criteria if c.outcome.value == "fail"]


def test_every_computed_criterion_has_a_passing_and_a_failing_case(catalog: Catalog) -> None:
    """Each criterion (or part) with data logic is made to pass and to fail by some case."""
    covered: dict[tuple[str, str], set[str]] = {}
    for path in _case_files():
        data = _load(path)
        for case in data["cases"]:
            for cid, outcome in case["expect"].items():
                covered.setdefault((data["trial"], cid), set()).add(outcome)
    gaps = []
    for trial in catalog.trials.values():
        for criterion in trial.criteria:
            leaves = criterion.parts or (criterion,)
            for leaf in leaves:
                if leaf.logic is None:
                    continue
                seen = covered.get((trial.id, leaf.id), set())
                if not {"pass", "fail"} <= seen:
                    gaps.append(f"{trial.id} {leaf.id}: has {sorted(seen)}")
    assert not gaps, "\n".join(gaps)
