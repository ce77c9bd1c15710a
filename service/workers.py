"""Where the CPU work of a request runs: worker processes (the default) or worker threads.

Parsing a 9 MB body with orjson holds the interpreter lock for the whole parse (100 to 700 ms
on the development machine, depending on its load), and nothing else in the process runs
meanwhile: with several large bundles queued, health checks waited seconds in worker threads
(README, load). In worker processes the event loop of the server never waits for them.

``Settings.work_processes`` processes (default 2), started with the app, each load the
catalogue once and run parse, match and serialise for one request at a time; requests beyond
them wait in order. A request's cancellation token is a byte in shared memory, one per slot:
when a request's time limit passes, its byte is set and the worker stops at the next entry or
trial. With ``work_processes = 0`` the work runs in threads of the server's process (tests, and
tools that embed the app), at most ``max_parallel_work`` at once.

Recycling. Memory a large request left fragmented in a worker is given back only when the worker
exits, so the workers are replaced after about ``RECYCLE_AFTER`` requests each. The whole pool is
replaced, not one worker at a time: with ``max_tasks_per_child`` (how this was done before),
CPython 3.11's executor thread joins a retiring worker before it delivers any other worker's
result, and the retiring interpreter's teardown of its frozen catalogue heap took about 3 s under
load, so every request in flight stalled that long (bench/recycle.py; bench/README.md, "Worker
recycling"). Ending a worker with ``os._exit`` instead lost requests. So after ``recycle_after``
x ``processes`` requests the pool starts a second executor (same cancellation bytes, same
start-up), waits in a background thread until each of its workers has loaded the catalogue, then
sends new requests to it and shuts the old one down without waiting: the old executor finishes
and delivers the work it holds, then joins only its own workers. Until the new executor is ready
requests keep going to the old one; one replacement runs at a time; while it runs the machine
holds both sets of workers (twice the workers' memory for a few seconds).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

from starlette.responses import Response

from service.criteria import Catalog, load_catalog
from service.errors import Cancelled, ClientError, Issue
from service.pipeline import compile_catalog

RECYCLE_AFTER = 200
WORK_MODULES = ("service.api", "service.cds")  # where the work functions (parse, match, answer) live
SLOTS = 256  # cancellation bytes: more than requests can be in flight (admission bounds them)

Work = Callable[..., Response]
Outcome = tuple[str, Any]

_catalog: Catalog | None = None
_flags: Any = None


def _start_worker(criteria_dir: Path, copies_per_iu: float | None, flags: Any) -> None:
    """Worker start-up: load and compile the catalogue once, as the app does."""
    global _catalog, _flags
    for module in WORK_MODULES:
        importlib.import_module(module)  # imported now, not by the first request that unpickles its work
    _catalog = load_catalog(criteria_dir, copies_per_iu)
    compile_catalog(_catalog)
    _flags = flags
    gc.collect()
    gc.freeze()


def _run(work: Work, slot: int, body: bytearray, args: tuple[Any, ...]) -> Outcome:
    """Run one request's work in a worker process; return its answer or its client error as plain data."""
    assert _catalog is not None, "worker not started"
    flags = _flags

    def stop() -> bool:
        return bool(flags[slot])

    try:
        response = work(body, _catalog, *args, stop)  # the unpickled buffer itself: no copy of a large body
    except ClientError as error:
        return "client", (error.status, [(i.code, i.diagnostics, i.expression, i.severity) for i in error.issues])
    except Cancelled:
        return "cancelled", None
    return "ok", (response.status_code, response.media_type, bytes(response.body))


def _ready() -> bool:
    return _catalog is not None


def _started(pause: float) -> int:
    """Return this worker's id once it has loaded the catalogue, after ``pause`` s (the next probe goes elsewhere)."""
    time.sleep(pause)
    return os.getpid()


@dataclass
class WorkPool:
    """The worker processes of one app, and the cancellation slots of the requests they run."""

    processes: int
    criteria_dir: Path
    copies_per_iu: float | None
    recycle_after: int = RECYCLE_AFTER  # requests per process before the pool is replaced
    executor: ProcessPoolExecutor | None = None
    flags: SynchronizedArray[Any] | None = None
    free: list[int] = field(default_factory=lambda: list(range(SLOTS)))
    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: int = 0  # requests sent to the current executor
    replacement: ProcessPoolExecutor | None = None  # the executor starting to replace it, if any

    def _executor(self) -> ProcessPoolExecutor:
        """A new executor whose workers load the catalogue and share the cancellation bytes."""
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.criteria_dir, self.copies_per_iu, self.flags),
        )

    def start(self) -> list[Future[bool]]:
        """Start the processes, each loading the catalogue; return futures done once they are ready."""
        self.flags = multiprocessing.get_context("spawn").Array("b", SLOTS, lock=False)
        with self.lock:
            self.executor, self.submitted = self._executor(), 0
            return [self.executor.submit(_ready) for _ in range(self.processes)]

    def stop(self) -> None:
        """Stop the processes (work still running is cancelled), and those of a replacement still starting."""
        with self.lock:
            executors = (self.executor, self.replacement)
            self.executor = self.replacement = None
        for executor in executors:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def _replace(self, new: ProcessPoolExecutor) -> None:
        """Wait until each worker of ``new`` has loaded the catalogue, then send new requests to it (background)."""
        seen: set[int] = set()
        try:
            while len(seen) < self.processes:
                probes = [new.submit(_started, 0.05) for _ in range(self.processes)]
                seen.update(probe.result() for probe in probes)
        except Exception:  # stopped meanwhile, or its workers could not start: the old executor keeps serving
            seen.clear()
        with self.lock:
            current = self.replacement is new  # not after stop()
            switch = current and len(seen) == self.processes and self.executor is not None
            old = self.executor if switch else new
            if current:
                self.replacement, self.submitted = None, 0  # a failed start is tried again after as many requests
            if switch:
                self.executor = new
        if old is not None:
            old.shutdown(wait=False)  # its work in flight finishes and is delivered; then it joins its own workers

    async def run(self, work: Work, body: bytearray, args: tuple[Any, ...], token: threading.Event | None) -> Response:
        """Run ``work(body, catalog, *args, stop)`` in a worker; raise its client error; honour the token."""
        if self.executor is None or self.flags is None:
            self.start()
        assert self.executor is not None and self.flags is not None
        flags = self.flags
        with self.lock:
            slot = self.free.pop()
            flags[slot] = 0
            future = self.executor.submit(_run, work, slot, body, args)  # pickled as it is, not copied first
            self.submitted += 1
            if self.submitted >= self.recycle_after * self.processes and self.replacement is None:
                self.replacement = self._executor()
                replace = threading.Thread(target=self._replace, args=(self.replacement,), daemon=True)
                replace.start()

        def finished(_: object) -> None:
            with self.lock:
                self.free.append(slot)  # reused only once the worker is done with it

        future.add_done_callback(finished)
        try:
            kind, value = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            flags[slot] = 1  # the request is gone (time limit, disconnect): its work stops
            raise
        if token is not None and token.is_set():
            raise Cancelled
        if kind == "client":
            status, issues = value
            raise ClientError([Issue(code, text, tuple(where), level) for code, text, where, level in issues], status)
        if kind == "cancelled":
            raise Cancelled
        status, media_type, content = value
        return Response(content, status_code=status, media_type=media_type)
