"""Screening fixtures: the committed trial cases turned into one Bulk Data export, and helpers to read outputs."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.screen.synth import ExportWriter
from tests.cases.test_trial_cases import _all_cases, build_bundle

AS_OF = dt.date(2026, 11, 22)


@dataclass(frozen=True)
class CasePatient:
    """One trial case as a patient of an export: its original Bundle and its exported resources."""

    patient_id: str
    name: str
    bundle: dict[str, Any]
    resources: list[dict[str, Any]]


def _rewrite(node: Any, references: dict[str, str]) -> None:
    """Point every reference the case bundle resolves at the exported Type/id."""
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str) and ref in references:
            node["reference"] = references[ref]
        for value in node.values():
            _rewrite(value, references)
    elif isinstance(node, list):
        for value in node:
            _rewrite(value, references)


def exported(bundle: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Return a case Bundle's resources as a Bulk export holds them: unique ids, Type/id references, no fullUrls."""
    references: dict[str, str] = {}
    resources = []
    for index, entry in enumerate(bundle["entry"]):
        resource = copy.deepcopy(entry["resource"])
        old = resource.get("id", f"noid-{index}")
        resource["id"] = f"{prefix}-{old}"
        target = f"{resource['resourceType']}/{resource['id']}"
        references.setdefault(f"{resource['resourceType']}/{old}", target)
        if "fullUrl" in entry:
            references.setdefault(entry["fullUrl"], target)
        resources.append(resource)
    for resource in resources:
        _rewrite(resource, references)
    return resources


def case_patients() -> list[CasePatient]:
    """Return every committed case (tests/cases/NCT*.yaml applied to its base bundle) as an export patient.

    An export is screened at one as-of date. The few core cases pinned to another date (a calendar
    edge such as 0001-01-15, outside the 1900-2200 range the service and the screen command accept)
    are left out here; test_trial_cases runs them.
    """
    out = []
    for number, param in enumerate(_all_cases()):
        spec, case = param.values
        if str(case.get("as_of", spec["as_of"])) != AS_OF.isoformat():
            continue
        bundle = build_bundle(case.get("base", spec["base"]), case)
        prefix = f"c{number:03d}"
        resources = exported(bundle, prefix)
        patients = [r for r in resources if r["resourceType"] == "Patient"]
        out.append(CasePatient(patients[0]["id"], str(param.id), bundle, resources))
    return out


def write_export(folder: Path, patients: list[CasePatient], **options: Any) -> Path:
    """Write the patients' resources as a Bulk Data export folder and return it."""
    writer = ExportWriter(folder, **options)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for patient in patients:
        for resource in patient.resources:
            by_type.setdefault(resource["resourceType"], []).append(resource)
    for rtype in sorted(by_type):
        for resource in by_type[rtype]:
            writer.write(resource)
    writer.close("2026-11-22T00:00:00Z")
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows as dicts."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def verdict_rows(answer: dict[str, Any], patient_id: str, trial_order: list[str]) -> Iterator[list[str]]:
    """Yield the verdicts.csv rows a POST /match answer gives, trials in catalogue order."""
    results = {r["trial"]["id"]: r for r in answer["results"]}
    for trial_id in trial_order:
        result = results[trial_id]
        ids = {
            o: ";".join(c["id"] for c in result["criteria"] if c["outcome"] == o) for o in ("fail", "unknown", "review")
        }
        yield [
            patient_id,
            trial_id,
            result["status"],
            repr(result["score"]),
            ids["fail"],
            ids["unknown"],
            ids["review"],
        ]


@pytest.fixture(scope="session")
def cases() -> list[CasePatient]:
    """Every committed trial case as an export patient."""
    return case_patients()
