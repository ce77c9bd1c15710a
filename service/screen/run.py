"""Run a screening: plan the tasks, run them on local processes or a Dask cluster, show progress, resume.

The work folder (``OUT/.screen-work`` unless given) holds ``run.json`` (what the run was started
with: the source's files with sizes and modification times, the as-of date, the trials, the
catalogue's fingerprint and the partition count), the pass-1 spill folders and the pass-2
result folders. A rerun with the same parameters on the same source keeps every finished task
and does the rest; anything else starts afresh. On a Dask cluster the source, the work folder
and the output folder must be paths every worker can read and write (a shared volume).
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import orjson

from service.screen.bulk import CHUNK_BYTES, Chunk, SourceFile, chunks, source_files
from service.screen.partition import RunSpec, Tally, filter_and_partition, match_partition

PARTITION_BYTES = 64 * 1024 * 1024
"""Source bytes per partition: a pass-2 task holds the kept part of about this much input."""
WORK_NAME = ".screen-work"
MIN_TASKS = 16
MIN_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """The tasks of a run and the spec they share."""

    spec: RunSpec
    files: tuple[SourceFile, ...]
    chunks: tuple[Chunk, ...]


def plan(
    source: Path,
    work_dir: Path,
    spec_fields: dict[str, Any],
    chunk_bytes: int = CHUNK_BYTES,
    partition_bytes: int = PARTITION_BYTES,
) -> Plan:
    """Return the run's tasks; the partition count grows with the source so a partition's size does not.

    Each pass also gets at least MIN_TASKS tasks, so that a small source still keeps several
    workers busy without stragglers; neither count depends on the workers (a rerun on another
    cluster resumes), nor do the outputs depend on either (rows are merged in patient-id order).
    """
    files = source_files(source)
    total = sum(f.size for f in files)
    partitions = max(MIN_TASKS, math.ceil(total / partition_bytes))
    chunk_bytes = min(chunk_bytes, max(MIN_CHUNK_BYTES, math.ceil(total / MIN_TASKS)))
    spec = RunSpec(work_dir=str(work_dir), partitions=partitions, **spec_fields)
    return Plan(spec, tuple(files), tuple(chunks(files, chunk_bytes)))


def prepare_work_dir(run: Plan) -> bool:
    """Keep the work folder if it belongs to the same run (return True: resuming), else start it afresh."""
    work = Path(run.spec.work_dir)
    identity = orjson.dumps(
        {"spec": asdict(run.spec), "files": [asdict(f) for f in run.files]},
        option=orjson.OPT_SORT_KEYS,
    )
    marker = work / "run.json"
    if marker.is_file() and marker.read_bytes() == identity:
        return True
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    marker.write_bytes(identity)
    return False


class Progress:
    """A one-line progress report on stderr: stage, done/total, rate and time left; silent when quiet."""

    def __init__(self, stream: TextIO | None, interval: float = 0.5) -> None:
        self.stream = stream
        self.interval = interval
        self.tty = bool(stream is not None and stream.isatty())
        self.last = 0.0

    def update(self, stage: str, done: float, total: float, started: float, rate_of: str, count: int) -> None:
        """Show a stage's progress; ``count`` items of ``rate_of`` per second so far."""
        if self.stream is None:
            return
        now = time.monotonic()
        final = done >= total
        if not final and now - self.last < (self.interval if self.tty else 10.0):
            return
        self.last = now
        elapsed = max(now - started, 1e-9)
        fraction = done / total if total else 1.0
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else math.inf
        width = 24
        bar = "#" * int(fraction * width) + "-" * (width - int(fraction * width))
        eta = (
            "--:--"
            if math.isinf(left)
            else time.strftime("%M:%S", time.gmtime(left))
            if left < 3600
            else f"{left / 3600:.1f} h"
        )
        line = f"{stage:<9} [{bar}] {fraction:6.1%}  {count / elapsed:7.1f} {rate_of}/s  eta {eta}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# -- executors -----------------------------------------------------------------------------------


Task = tuple[Callable[..., Tally], tuple[Any, ...]]


class LocalRunner:
    """Runs tasks in this process (one worker) or in one pool of worker processes kept for the whole run."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalRunner:
        if self.workers > 1:
            # forkserver: workers fork from a clean server that has imported the screening code
            # once, never from a caller that may run threads (a Dask client, a test runner).
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["service.screen.partition"])
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __call__(self, tasks: Sequence[Task]) -> Iterator[Tally]:
        """Yield each task's tally as it finishes."""
        if self.pool is None:
            for function, args in tasks:
                yield function(*args)
            return
        pending: set[Future[Tally]] = {self.pool.submit(function, *args) for function, args in tasks}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def run_dask(tasks: Sequence[Task], client: Any) -> Iterator[Tally]:
    """Run tasks on a Dask cluster through a distributed Client, yielding tallies as they finish."""
    from distributed import as_completed

    futures = [client.submit(function, *args, pure=False) for function, args in tasks]
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            yield future.result()
    finally:
        client.cancel([f for f in futures if not f.done()])


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds of each stage of a run."""

    pass1: float
    pass2: float
    write: float


def execute(
    run: Plan,
    runner: Callable[[Sequence[Task]], Iterator[Tally]],
    progress: Progress,
) -> tuple[Tally, Tally, Timings]:
    """Run pass 1 over every chunk, then pass 2 over every partition; return both tallies and their wall times."""
    spec = run.spec
    first = Tally()
    started = time.monotonic()
    total_bytes = sum(c.size for c in run.chunks) or 1
    tasks: list[Task] = [(filter_and_partition, (spec, i, c)) for i, c in enumerate(run.chunks)]
    progress.update("reading", 0, total_bytes, started, "patients", 0)
    for index, tally in enumerate(runner(tasks)):
        first.merge(tally)
        done = total_bytes if index + 1 == len(tasks) else min(first.counts["source bytes"], total_bytes - 1)
        progress.update("reading", done, total_bytes, started, "patients", first.counts["patients seen"])
    pass1 = time.monotonic() - started
    second = Tally()
    started = time.monotonic()
    expected = max(first.counts["patients seen"], 1)
    tasks = [(match_partition, (spec, p)) for p in range(spec.partitions)]
    progress.update("matching", 0, expected, started, "patients", 0)
    for index, tally in enumerate(runner(tasks)):
        second.merge(tally)
        done = second.patients + second.skipped
        final = index + 1 == len(tasks)
        progress.update("matching", expected if final else min(done, expected - 1), expected, started, "patients", done)
    return first, second, Timings(pass1, time.monotonic() - started, 0.0)


def default_workers() -> int:
    """Return the local cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def today_utc() -> dt.date:
    """Return today's date in UTC (the shell's default as-of date)."""
    return dt.datetime.now(dt.UTC).date()


def progress_stream(quiet: bool) -> TextIO | None:
    """Return where progress goes: stderr, or nowhere when quiet."""
    return None if quiet else sys.stderr


Format = Literal["csv", "parquet"]
