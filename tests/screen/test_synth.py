"""The synthetic population is seeded, shaped like a Bulk export, and exercises every criterion both ways."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import orjson
import pytest

from service.criteria import Catalog
from service.screen import screen
from service.screen.partition import layouts
from service.screen.synth import write_population
from service.settings import default_criteria_dir
from tests.screen.conftest import read_csv

AS_OF = dt.date(2026, 11, 22)
PATIENTS = 400


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export of 400 patients (seed 0)."""
    folder = tmp_path_factory.mktemp("synth") / "export"
    write_population(folder, PATIENTS, default_criteria_dir(), AS_OF, seed=0)
    return folder


@pytest.fixture(scope="module")
def screened(population: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of screening that population."""
    out = tmp_path_factory.mktemp("synth-out") / "out"
    screen(population, out, AS_OF, workers=1)
    return out


def test_every_computed_criterion_passes_and_fails_somewhere(screened: Path, catalog: Catalog) -> None:
    """Over 400 generated patients, each criterion and part with data logic has both a pass and a fail."""
    rows = {layout.id: layout.rows for layout in layouts(catalog)}
    seen: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for row in read_csv(screened / "verdicts.csv"):
        marked = {
            cid: outcome
            for column, outcome in (("failed", "fail"), ("unknown", "unknown"), ("review", "review"))
            for cid in row[column].split(";")
            if cid
        }
        for cid, _, _ in rows[row["trial_id"]]:
            seen[(row["trial_id"], cid)].add(marked.get(cid, "pass"))
    gaps = [
        f"{trial.id} {leaf.id}: {sorted(seen[(trial.id, leaf.id)])}"
        for trial in catalog.trials.values()
        for criterion in trial.criteria
        for leaf in (criterion.parts or (criterion,))
        if leaf.logic is not None and not {"pass", "fail"} <= seen[(trial.id, leaf.id)]
    ]
    assert not gaps, gaps


def test_population_is_an_export_with_a_manifest(population: Path) -> None:
    """Files per resource type, each listed in manifest.json with its line count; Patients are all there."""
    manifest = orjson.loads((population / "manifest.json").read_bytes())
    listed = {o["url"]: o for o in manifest["output"]}
    assert set(listed) == {p.name for p in population.glob("*.ndjson")}
    for name, output in listed.items():
        lines = (population / name).read_bytes().splitlines()
        assert len(lines) == output["count"]
        assert {orjson.loads(line)["resourceType"] for line in lines} == {output["type"]}
    patients = sum(o["count"] for o in manifest["output"] if o["type"] == "Patient")
    assert patients == PATIENTS
    assert {"Encounter", "Claim", "ExplanationOfBenefit", "Medication"} <= {o["type"] for o in manifest["output"]}


def test_nothing_is_skipped_and_the_bulk_is_dropped_before_grouping(screened: Path, population: Path) -> None:
    """Every patient is screened; encounters, claims, vital signs and unread problems never reach the spill."""
    summary = orjson.loads((screened / "summary.json").read_bytes())
    assert summary["patients"] == PATIENTS
    assert read_csv(screened / "skipped.csv") == []
    counts = summary["counts"]
    for rtype in ("Encounter", "Claim", "ExplanationOfBenefit", "Organization"):
        lines = sum(len(p.read_bytes().splitlines()) for p in population.glob(f"{rtype}.*.ndjson"))
        assert counts[f"dropped {rtype}"] == lines
    assert counts["kept"] < counts["units"] / 3


def test_same_seed_same_bytes_other_seed_other_patients(tmp_path: Path) -> None:
    """Generation is deterministic for a seed and differs between seeds."""
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        write_population(tmp_path / name, 25, default_criteria_dir(), AS_OF, seed=seed)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "Patient.000.ndjson").read_bytes() != (tmp_path / "c" / "Patient.000.ndjson").read_bytes()
