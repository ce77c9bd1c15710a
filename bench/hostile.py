"""Hostile load scenarios for bench/load.py: concurrent large bodies and header floods, on loopback.

Every scenario runs against a server this process started on 127.0.0.1, is bounded in count and
time, and measures while it runs: the peak resident memory of the server and its worker processes
together (the sum of their VmRSS, what a container is charged; sampled every 50 ms),
``GET /health`` latency from a probe that opens a new connection every 100 ms (as a Kubernetes
liveness probe does, 5 s timeout), and every answer's status, with 503s split by cause (admission
control ``transient``, time limit ``timeout``) from the OperationOutcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.common import _read_response, percentile, proc_status_kib

HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
PROBE_INTERVAL = 0.1
PROBE_TIMEOUT = 5.0
RSS_INTERVAL = 0.05


@dataclass
class Watch:
    """What the health probe and the memory sampler saw during a scenario."""

    health: list[float] = field(default_factory=list)  # seconds; PROBE_TIMEOUT for a failed probe
    health_failures: int = 0
    peak_rss_kib: int = 0

    def row(self) -> list[object]:
        """Return peak RSS MiB, /health p50 and max ms, and failed probes."""
        return [
            f"{self.peak_rss_kib / 1024:.0f}",
            f"{percentile(self.health, 50) * 1000:.0f}" if self.health else "-",
            f"{max(self.health) * 1000:.0f}" if self.health else "-",
            self.health_failures,
        ]


async def _probe_once(port: int) -> float | None:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), PROBE_TIMEOUT)
        try:
            writer.write(HEALTH)
            await writer.drain()
            status, _ = await asyncio.wait_for(_read_response(reader), PROBE_TIMEOUT)
        finally:
            writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        return None
    return time.perf_counter() - started if status == 200 else None


def tree_rss_kib(pid: int) -> int:
    """Return the resident memory of a process and all its descendants (what a container is charged), KiB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, KeyError):
            total += proc_status_kib(current, "VmRSS")
        todo.extend(children.get(current, ()))
    return total


async def watch(port: int, pid: int, done: asyncio.Event) -> Watch:
    """Probe /health and sample the memory of the server and its worker processes until ``done`` is set."""
    seen = Watch(peak_rss_kib=tree_rss_kib(pid))

    async def sample_memory() -> None:
        while not done.is_set():
            seen.peak_rss_kib = max(seen.peak_rss_kib, tree_rss_kib(pid))
            await asyncio.sleep(RSS_INTERVAL)

    async def probe() -> None:
        pending: set[asyncio.Task[float | None]] = set()

        def record(task: asyncio.Task[float | None]) -> None:
            pending.discard(task)
            latency = task.result()
            if latency is None:
                seen.health_failures += 1
                seen.health.append(PROBE_TIMEOUT)
            else:
                seen.health.append(latency)

        while not done.is_set():
            task = asyncio.ensure_future(_probe_once(port))
            pending.add(task)
            task.add_done_callback(record)
            await asyncio.sleep(PROBE_INTERVAL)
        if pending:
            await asyncio.wait(pending)

    await asyncio.gather(sample_memory(), probe())
    return seen


def _cause(status: int, body: bytes) -> str:
    """Return the status, with a 503's OperationOutcome code (transient: admission; timeout: time limit)."""
    if status != 503:
        return str(status)
    with contextlib.suppress(orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return f"503 {orjson.loads(body)['issue'][0]['code']}"
    return "503"


@dataclass
class BodiesResult:
    """The answers of the concurrent-large-body scenario."""

    final: Counter[str] = field(default_factory=Counter)  # each client's last answer
    refusals: int = 0  # 503 transient answers that were retried
    elapsed: float = 0.0


async def large_bodies(port: int, body: bytes, clients: int, time_cap: float, retry: bool) -> BodiesResult:
    """``clients`` connections each POST ``body`` to /match at once; with ``retry`` a 503 is retried later."""
    result = BodiesResult()
    head = (
        f"POST /match?asOf=2026-11-22 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    deadline = started + time_cap

    async def client() -> None:
        outcome = "no answer"
        while time.perf_counter() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
                try:
                    writer.write(head)
                    writer.write(body)
                    await writer.drain()
                    left = max(deadline - time.perf_counter(), 1.0)
                    status, answer = await asyncio.wait_for(_read_response(reader), left)
                finally:
                    writer.close()
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                outcome = type(error).__name__
                break
            outcome = _cause(status, answer)
            if not (retry and outcome == "503 transient"):
                break
            result.refusals += 1
            await asyncio.sleep(2.0)
        result.final[outcome] += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    result.elapsed = time.perf_counter() - started
    return result


@dataclass
class FloodResult:
    """What each flooding connection got: the status line (or how it ended), bytes sent, seconds to the end."""

    endings: Counter[str] = field(default_factory=Counter)
    sent: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def record(self, ending: str, sent: int, started: float) -> None:
        """Record how one connection ended, what it sent, and how long it lasted since ``started``."""
        self.endings[ending] += 1
        self.sent.append(sent)
        self.seconds.append(time.perf_counter() - started)


async def _read_status(reader: asyncio.StreamReader, timeout: float) -> str:
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return "no answer"
    return line.decode("latin-1").split(" ")[1] if line.startswith(b"HTTP/") else "closed without answer"


async def header_flood(port: int, connections: int, megabytes: int, time_cap: float) -> FloodResult:
    """``connections`` connections each send one header of ``megabytes`` MB as fast as the server takes it."""
    result = FloodResult()
    chunk = b"a" * 1_000_000

    async def flood() -> None:
        started = time.perf_counter()
        sent = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
            for _ in range(megabytes):
                if time.perf_counter() - started > time_cap or reader.at_eof():
                    break
                writer.write(chunk)
                await asyncio.wait_for(writer.drain(), max(time_cap - (time.perf_counter() - started), 0.1))
                sent += len(chunk)
            else:
                writer.write(b"\r\n\r\n")
                await writer.drain()
            ending = await _read_status(reader, max(time_cap - (time.perf_counter() - started), 0.1))
        except (OSError, TimeoutError):
            ending = await _read_status(reader, 1.0)
            ending = ending if ending != "no answer" else "reset while sending"
        finally:
            writer.close()
        result.record(ending, sent, started)

    await asyncio.gather(*(flood() for _ in range(connections)))
    return result


async def slow_heads(port: int, connections: int, time_cap: float, send_nothing: bool) -> FloodResult:
    """``connections`` connections send a head one short line a second (or nothing: idle) until the server ends them."""
    result = FloodResult()

    async def slow() -> None:
        started = time.perf_counter()
        sent = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        ending = "still open at the time cap"
        try:
            if not send_nothing:
                writer.write(b"GET /health HTTP/1.1\r\n")
            while time.perf_counter() - started < time_cap:
                if not send_nothing:
                    writer.write(b"X-Slow: a\r\n")
                    await writer.drain()
                    sent += 11
                with contextlib.suppress(TimeoutError):
                    line = await asyncio.wait_for(reader.readline(), 1.0)
                    ending = line.decode("latin-1").split(" ")[1] if line.startswith(b"HTTP/") else "closed"
                    break
        except (OSError, asyncio.IncompleteReadError):
            ending = "closed"
        finally:
            writer.close()
        result.record(ending, sent, started)

    await asyncio.gather(*(slow() for _ in range(connections)))
    return result


def _watch_process(port: int, pid: int, ready: Any, done: Any, results: Any) -> None:
    """Child process body: say when the first probe is answered, watch until ``done`` is set, send what was seen."""

    async def run() -> Watch:
        stop = asyncio.Event()
        first = await _probe_once(port)
        ready.set()

        async def poll() -> None:
            while not done.is_set():
                await asyncio.sleep(0.05)
            stop.set()

        seen, _ = await asyncio.gather(watch(port, pid, stop), poll())
        if first is not None:
            seen.health.insert(0, first)
        return seen

    results.put(asyncio.run(run()))


MIN_WATCH_SECONDS = 3.0


async def watched(port: int, pid: int, scenario: Any) -> tuple[object, Watch]:
    """Run a scenario coroutine while another process watches the server; return its result and what was seen.

    The probe runs in its own process so that the load this process generates (50 writers on
    its event loop) does not delay the probe's own timing. The scenario starts once the probe
    has been answered, and the watch lasts at least MIN_WATCH_SECONDS.
    """
    context = multiprocessing.get_context("spawn")
    ready, done, results = context.Event(), context.Event(), context.Queue()
    watcher = context.Process(target=_watch_process, args=(port, pid, ready, done, results))
    watcher.start()
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(None, ready.wait, 120):
        raise RuntimeError("the health probe did not start")
    await asyncio.sleep(0.5)  # a baseline of probes before the scenario
    started = time.perf_counter()
    try:
        outcome = await scenario
    finally:
        await asyncio.sleep(max(0.5, MIN_WATCH_SECONDS - (time.perf_counter() - started)))
        done.set()
    seen: Watch = await loop.run_in_executor(None, results.get, True, 60)
    watcher.join(10)
    return outcome, seen
