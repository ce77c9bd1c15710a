"""Screening runs alike on local processes and on Dask, resumes after an interruption, and writes valid FHIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fhir.resources.R4B.group import Group

from service.screen import partition, run, screen
from tests.screen.conftest import AS_OF, CasePatient, read_csv, write_export

SMALL_PARTITIONS = {"chunk_bytes": 131_072, "partition_bytes": 262_144}


@pytest.fixture(scope="module")
def export(cases: list[CasePatient], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of 60 case patients."""
    return write_export(tmp_path_factory.mktemp("run") / "export", cases[:60])


@pytest.fixture(scope="module")
def reference(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs of an in-process run over many small partitions."""
    out = tmp_path_factory.mktemp("reference") / "out"
    result = screen(export, out, AS_OF, workers=1, **SMALL_PARTITIONS)
    assert result.patients == 60
    return out


def _same_outputs(out: Path, reference: Path) -> None:
    for name in ("verdicts.csv", "attrition.csv", "skipped.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    for group in (reference / "candidates").iterdir():
        assert (out / "candidates" / group.name).read_bytes() == group.read_bytes(), group.name


def test_partition_count_does_not_change_the_outputs(export: Path, reference: Path, tmp_path: Path) -> None:
    """One big partition or many small ones: the same bytes out (rows are merged in patient-id order)."""
    screen(export, tmp_path / "out", AS_OF, workers=1)
    _same_outputs(tmp_path / "out", reference)


@pytest.mark.slow
def test_two_local_processes_give_the_same_outputs(export: Path, reference: Path, tmp_path: Path) -> None:
    """The default executor, a pool of worker processes, writes the in-process run's outputs."""
    result = screen(export, tmp_path / "out", AS_OF, workers=2, **SMALL_PARTITIONS)
    assert result.patients == 60
    _same_outputs(tmp_path / "out", reference)


@pytest.mark.slow
def test_dask_local_cluster_of_two_workers_gives_the_same_outputs(
    export: Path, reference: Path, tmp_path: Path
) -> None:
    """On a Dask LocalCluster of two worker processes, partitions run as tasks and the outputs are the same."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        result = screen(export, tmp_path / "out", AS_OF, scheduler=client, **SMALL_PARTITIONS)
        assert set(client.run(lambda: "ok").values()) == {"ok"}
        assert len(client.scheduler_info()["workers"]) == 2
    assert result.patients == 60
    _same_outputs(tmp_path / "out", reference)
    assert "Dask cluster" in orjson.loads((tmp_path / "out" / "summary.json").read_bytes())["executor"]


def test_interrupted_run_resumes_and_keeps_finished_tasks(
    export: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped in pass 2 leaves whole task outputs; the same call again does only the rest."""
    calls: list[int] = []
    real = partition.match_partition

    def interrupting(spec: partition.RunSpec, part: int) -> partition.Tally:
        calls.append(part)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(spec, part)

    monkeypatch.setattr(run, "match_partition", interrupting)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        screen(export, out, AS_OF, workers=1, **SMALL_PARTITIONS)
    finished = sorted((out / ".screen-work" / "pass2").glob("[0-9]*[0-9]"))
    assert len(finished) == 2
    stamps = {p: (p / "results.ndjson").stat().st_mtime_ns for p in finished}
    assert not (out / "verdicts.csv").exists()
    monkeypatch.setattr(run, "match_partition", real)
    result = screen(export, out, AS_OF, workers=1, keep_work=True, **SMALL_PARTITIONS)
    assert result.resumed
    assert {p: (p / "results.ndjson").stat().st_mtime_ns for p in finished} == stamps
    _same_outputs(out, reference)


def test_changed_source_starts_afresh(export: Path, tmp_path: Path, cases: list[CasePatient]) -> None:
    """A work folder left by a run on another source (or as-of date) is not reused."""
    out = tmp_path / "out"
    first = screen(export, out, AS_OF, workers=1, keep_work=True)
    other = write_export(tmp_path / "other", cases[60:70])
    second = screen(other, out, AS_OF, workers=1, keep_work=True)
    assert not first.resumed
    assert not second.resumed
    assert second.patients == 10


def test_candidate_groups_validate_as_fhir_r4(reference: Path, cases: list[CasePatient]) -> None:
    """Each candidates file is a FHIR Group (actual, person) of the eligible and possibly eligible, status on each."""
    verdicts = read_csv(reference / "verdicts.csv")
    for path in sorted((reference / "candidates").glob("*.json")):
        document: dict[str, Any] = orjson.loads(path.read_bytes())
        group = Group.model_validate(document)
        assert group.actual is True
        assert group.type == "person"
        trial = path.stem
        expected = [
            (r["patient_id"], r["status"]) for r in verdicts if r["trial_id"] == trial and r["status"] != "ineligible"
        ]
        members = [(m.entity.reference.removeprefix("Patient/"), m.extension[0].valueCode) for m in group.member or []]
        assert members == expected
        assert group.quantity == len(expected)


def test_parquet_verdicts_hold_the_csv_rows(export: Path, reference: Path, tmp_path: Path) -> None:
    """--format parquet writes verdicts.parquet with the rows and columns of verdicts.csv."""
    import pyarrow.parquet as pq

    screen(export, tmp_path / "out", AS_OF, workers=1, fmt="parquet")
    table = pq.read_table(tmp_path / "out" / "verdicts.parquet")
    csv_rows = read_csv(reference / "verdicts.csv")
    assert table.column_names == list(csv_rows[0])
    parquet_rows = table.to_pylist()
    assert len(parquet_rows) == len(csv_rows)
    for got, want in zip(parquet_rows, csv_rows, strict=True):
        assert {k: (repr(v) if k == "score" else v) for k, v in got.items()} == want
