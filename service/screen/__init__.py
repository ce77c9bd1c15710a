"""Population screening: a Bulk FHIR export in, every trial's candidates and attrition out.

``screen(source, out, as_of)`` reads a FHIR Bulk Data export (NDJSON or ``.ndjson.gz`` files and
their manifest), a folder of Bundle files (one patient each) or NDJSON of Bundles; keeps
Patients and the resources a criterion reads; groups them by patient through a partitioned
spill (memory does not grow with the population); matches each patient with the same core as
``POST /match``; and writes verdicts, attrition, candidate Groups, a report page and the
skipped patients to ``out``. It runs on all local cores by default, or on a Dask cluster given
a ``distributed.Client`` or a scheduler address.

Modules: ``bulk`` (sources, chunks, lines), ``partition`` (the two passes), ``run`` (plan,
executors, progress, resume), ``report`` (the output files), ``synth`` (a seeded synthetic
population shaped like a real export).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

from service.screen.bulk import CHUNK_BYTES, SourceError
from service.screen.partition import Tally, catalog_fingerprint, catalog_of, layouts
from service.screen.report import RunInfo, write_attrition, write_outputs, write_report
from service.screen.run import (
    PARTITION_BYTES,
    WORK_NAME,
    Format,
    LocalRunner,
    Progress,
    Task,
    default_workers,
    execute,
    plan,
    prepare_work_dir,
    run_dask,
)
from service.settings import get_settings

__all__ = ["ScreenResult", "SourceError", "screen"]


@dataclass(frozen=True)
class ScreenResult:
    """What a screening run did: counts, per-stage seconds and where the outputs are."""

    out: Path
    patients: int
    skipped: int
    resumed: bool
    seconds: dict[str, float]
    tally: Tally


def screen(
    source: Path,
    out: Path,
    as_of: dt.date,
    *,
    trial_ids: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | Any | None = None,
    fmt: Format = "csv",
    criteria_dir: Path | None = None,
    work_dir: Path | None = None,
    progress: TextIO | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    partition_bytes: int = PARTITION_BYTES,
    keep_work: bool = False,
) -> ScreenResult:
    """Screen every patient of a Bulk FHIR export (or Bundle folder) against the catalogue; outputs go to ``out``.

    ``workers``: local processes (default: every core this process may use; 1 runs in-process).
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
    the source, ``out`` and the work folder must then be on storage every worker mounts.
    ``progress``: a stream for the progress line (the command passes stderr unless ``--quiet``).
    An interrupted run keeps its finished tasks in the work folder; the same call again resumes.
    """
    settings = get_settings()
    criteria = Path(criteria_dir) if criteria_dir is not None else settings.criteria_dir
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    clock = time.monotonic()
    out = Path(out)
    work = Path(work_dir) if work_dir is not None else out / WORK_NAME
    fields = {
        "as_of": as_of,
        "trial_ids": tuple(trial_ids),
        "criteria_dir": str(criteria.resolve()),
        "copies_per_iu": settings.copies_per_iu,
        "catalog_fingerprint": catalog_fingerprint(criteria, settings.copies_per_iu),
    }
    with ExitStack() as stack:
        if scheduler is not None:
            if isinstance(scheduler, str):
                from distributed import Client

                client = stack.enter_context(Client(scheduler))  # type: ignore[no-untyped-call]
            else:
                client = scheduler
            count = max(1, len(client.scheduler_info()["workers"]))
            executor = f"Dask cluster at {client.scheduler.address} ({count} workers)"
        else:
            count = workers if workers is not None else default_workers()
            executor = ""
        run = plan(Path(source), work, fields, chunk_bytes, partition_bytes)
        catalog = catalog_of(run.spec)
        unknown = [t for t in trial_ids if t not in catalog.trials]
        if unknown:
            raise SourceError(f"unknown trial id(s): {', '.join(unknown)}")
        trials = layouts(catalog, trial_ids)
        resumed = prepare_work_dir(run)
        if scheduler is not None:

            def runner(tasks: Sequence[Task]) -> Iterator[Tally]:
                return run_dask(tasks, client)
        else:
            count = max(1, min(count, max(len(run.chunks), run.spec.partitions)))
            executor = f"{count} local process{'es' if count != 1 else ''}"
            runner = stack.enter_context(LocalRunner(count))
        first, second, timings = execute(run, runner, Progress(progress))
    tick = time.monotonic()
    tally = Tally()
    tally.merge(first)
    tally.merge(second)
    out.mkdir(parents=True, exist_ok=True)
    write_attrition(out, trials, tally)
    counts = write_outputs(out, run.spec, catalog, trials, tally, fmt)
    write_seconds = time.monotonic() - tick
    seconds = {
        "read, filter and spill (pass 1)": round(timings.pass1, 3),
        "group and match (pass 2)": round(timings.pass2, 3),
        "write outputs": round(write_seconds, 3),
        "total": round(time.monotonic() - clock, 3),
    }
    info = RunInfo(str(source), str(out), started_at, executor, run.spec.partitions, len(run.chunks), seconds)
    write_report(out, run.spec, catalog, trials, tally, info)
    summary = {
        "source": str(source),
        "as_of": as_of.isoformat(),
        "trials": [t.id for t in trials],
        "catalog_version": catalog.version,
        "executor": executor,
        "partitions": run.spec.partitions,
        "chunks": len(run.chunks),
        "patients": tally.patients,
        "skipped": counts["skipped"],
        "resumed": resumed,
        "seconds": seconds,
        "task_seconds": {k: round(v, 3) for k, v in sorted(tally.seconds.items())},
        "counts": dict(sorted(tally.counts.items())),
    }
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    if not keep_work:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return ScreenResult(out, tally.patients, counts["skipped"], resumed, seconds, tally)
