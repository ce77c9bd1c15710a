"""The benchmark: one command, markdown tables for match vs parse, HTTP, growth and the naive way.

    .venv/bin/python bench/run.py            # full run, about 5 minutes on 2 cores
    .venv/bin/python bench/run.py --quick    # fewer repetitions, under 90 s
    .venv/bin/python bench/run.py --profile Courtney             # cProfile of match() on one bundle
    .venv/bin/python bench/run.py --profile typical --trials 500 # ... with a 500-trial catalogue
    .venv/bin/python bench/run.py --profile-http typical         # cProfile of POST /match through the ASGI app

Sections: (1) in-process ``match()`` against ``orjson.loads`` of the same bytes; (2) uvicorn
over loopback, ``POST /match`` against a floor route that only reads and parses the body;
(3) time and peak memory against bundle size and catalogue size; (4) full fhir.resources
validation of the Bundle followed by the same matching. Repetitions are interleaved (every
bundle once per round, rounds repeated) so a burst of noise from other work on the machine
spreads over all rows instead of landing on one; every figure is a median.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import math
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    CODE,
    CRITERIA,
    MB,
    REPO,
    Body,
    Call,
    LoadResult,
    Server,
    always,
    bundle_bytes,
    changed_during_run,
    day_after_last_record,
    distinct_nodes,
    grown_catalog,
    linear_fit,
    load_body,
    machine_header,
    median,
    merged_entries,
    ms,
    percentile,
    post,
    prefix_body,
    proc_status_kib,
    run_load,
    serving,
    short_name,
    single_answer,
    synthea_patient_files,
    table,
    typical_body,
)
from service.answer import View, match_bytes
from service.api import with_bundle
from service.criteria import Catalog, load_catalog
from service.intake import read_bundle
from service.pipeline import compile_catalog, match

GROWTH_SIZES_MB = (0.1, 1, 4, 12)
TINY_BUNDLE = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient"}}]}
# (trials, share_nothing): the real catalogue, clones as the issue asks, and clones sharing no test.
CATALOGS = ((5, False), (50, False), (500, False), (500, True))
MIB = 2**20


@dataclass(frozen=True)
class Plan:
    """How much work each section does: the full run or --quick."""

    rounds: int  # interleaved repetitions for sections 1 and 3
    rounds_big: int  # for bundles over 5 MB
    http_rounds: int  # interleaved floor/match rounds per cell
    http_typical: int  # requests per run, typical bundle
    http_big: int  # requests per run, 3.9 MB bundle
    http_cap: float  # seconds per run at most
    naive_rounds: int
    naive_merged: bool  # also validate the 12 MB bundle the naive way


FULL = Plan(9, 5, 2, 200, 40, 30.0, 5, True)
QUICK = Plan(3, 2, 1, 80, 12, 8.0, 1, False)


@dataclass(frozen=True)
class Verdict:
    """One target of the issue, what was measured, and whether it is met."""

    target: str
    measured: str
    met: bool


def yes_no(met: bool) -> str:
    """Return the table cell for a verdict."""
    return "met" if met else "**NOT met**"


def timed(function: Callable[[], Any]) -> float:
    """Return the seconds one call takes; its result is freed after the clock stops."""
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    del result
    return elapsed


def label(body: Body) -> str:
    """Return a body's name without the parenthesised source."""
    return body.name.split(" (")[0]


def answer(data: bytes, catalog: Catalog, day: Any = AS_OF, view: View = "full") -> bytes:
    """Return the answer bytes of one request in process as the Bundle routes make them (what a worker does).

    The Bundle is decoded from its bytes (service.api.with_bundle, service.fhir_decode.decode_bundle),
    matched and written as JSON.
    """
    return with_bundle(bytearray(data), lambda document: match_bytes(match(document, catalog, day), view))


def freeze_start_up() -> None:
    """Move every object alive after start-up out of the collector's reach, as the service's workers do."""
    gc.collect()
    gc.freeze()


# -- section 1 -------------------------------------------------------------------------------


def section_match_vs_parse(bodies: list[Body], catalog: Catalog, plan: Plan) -> list[Verdict]:
    """Print the answer (bytes in to bytes out) against orjson.loads for every bundle; return the verdicts."""
    print("\n## 1. In-process: bytes in to answer bytes out, against `orjson.loads` of the same bytes\n")
    late_day = {b.name: day_after_last_record(b.data) for b in bodies}
    read_filter = compile_catalog(catalog).read_filter
    validated: dict[str, int] = {}
    for body in bodies:  # warm-up, and check each bundle is accepted as one patient's
        document = orjson.loads(body.data)
        report = match(document, catalog, AS_OF)
        if len(report.results) != len(catalog.trials) or any("another patient" in w for w in report.facts.warnings):
            raise RuntimeError(f"{body.name}: not matched as one patient's bundle")
        intake = read_bundle(document, read_filter, 100_000, AS_OF)
        validated[body.name] = 1 + sum(len(reads) for reads in intake.resources.values())
        del document, report, intake
    names = ("parse", "match", "write", "answer", "late", "paused")
    took: dict[str, dict[str, list[float]]] = {n: {b.name: [] for b in bodies} for n in names}
    for round_ in range(plan.rounds):
        for body in bodies:
            if body.megabytes > 5 and round_ >= plan.rounds_big:
                continue
            gc.collect()
            started = time.perf_counter()
            document = orjson.loads(body.data)
            parsed = time.perf_counter()
            report = match(document, catalog, AS_OF)
            matched_at = time.perf_counter()
            written = match_bytes(report)
            done = time.perf_counter()
            late_report = match(document, catalog, late_day[body.name])
            took["late"][body.name].append(time.perf_counter() - done)
            del report, late_report, written
            took["parse"][body.name].append(parsed - started)
            took["match"][body.name].append(matched_at - parsed)
            took["write"][body.name].append(done - matched_at)
            del document  # freeing it must not land in the next bundle's parse time
            gc.collect()
            buffer = bytearray(body.data)  # the body as a worker holds it
            started = time.perf_counter()
            with_bundle(buffer, lambda document: match_bytes(match(document, catalog, AS_OF)))
            took["answer"][body.name].append(time.perf_counter() - started)
            del buffer
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                document = orjson.loads(body.data)
                took["paused"][body.name].append(time.perf_counter() - started)
                del document
            finally:
                gc.enable()

    rows = []
    verdicts = []
    biggest = max((b for b in bodies if not b.name.startswith(("typical", "merged"))), key=lambda b: b.megabytes)
    for body in bodies:
        p, m, w, a = (median(took[n][body.name]) for n in ("parse", "match", "write", "answer"))
        typical = body.name.startswith("typical")
        limit = 5.0 if typical else 1.5 if body is biggest else None
        met = limit is not None and a / p <= limit
        if limit is not None:
            which = "typical bundle" if typical else f"the {body.megabytes:.1f} MB Synthea bundle ({label(body)})"
            verdicts.append(Verdict(f"answer / orjson.loads <= {limit:.1f}, {which}", f"{a / p:.2f}", met))
        rows.append(
            [
                label(body),
                f"{body.megabytes:.2f}",
                body.entries,
                validated[body.name],
                ms(p),
                ms(m),
                ms(w),
                ms(a),
                f"{a / p:.2f}",
                f"<= {limit:.1f}" if limit else "-",
                yes_no(met) if limit else "-",
                ms(median(took["paused"][body.name])),
                str(late_day[body.name]),
                ms(median(took["late"][body.name])),
            ]
        )
    headers = ["bundle", "MB", "entries", "validated", "parse ms", "match ms", "write ms", "answer ms"]
    headers += ["answer / parse", "target", "", "parse ms, GC paused", "late as-of", "match ms, late as-of"]
    print(table(headers, rows, "lrrrrrrrrrlrlr"))
    print(
        f"\nAs-of {AS_OF} (the typical bundle's date; the service's default is today). 'answer' is what one "
        "request costs a worker, bytes in to bytes out, as the Bundle routes do it: the Bundle decoded from its "
        "bytes (service.api.with_bundle: only resources of read types are built), match() and writing the full "
        "JSON answer (service/answer.py); 'parse' is orjson.loads of the whole body, and 'match' and 'write' "
        "split the answer of that parsed body, for comparison; the ratio is median(answer) / "
        "median(parse) of the same bytes in the same run. Objects alive after start-up (catalogue, compiled "
        "criteria, imports) are frozen out of the garbage collector's reach with gc.freeze(), as the service's "
        "workers do; the collector stays on. 'late as-of' is the day after the bundle's last clinical date, "
        "where the look-back pre-filter passes over the fewest Observations, for information. 'validated' "
        "counts the resources intake keeps and validates with fhir.resources (the rest are passed over "
        "unvalidated by its pre-filter). 'GC paused' times the same parse with the collector disabled: a large "
        "document allocates enough containers to trigger collections the service also pays. "
        f"{plan.rounds} interleaved rounds ({plan.rounds_big} for bundles over 5 MB)."
    )
    return verdicts


# -- section 2 -------------------------------------------------------------------------------


def _pool(results: list[LoadResult]) -> tuple[float, float, float, int, int]:
    """Return (answers per second, p50, p99, failures, busy) of several runs taken together.

    Answers are the 200s with the expected body; rate and latencies count only those. Busy counts
    the 503s of admission control (service/admission.py: the bodies in flight are bounded by count
    and bytes, so 32 callers sending 3.9 MB at once are partly turned away by design); failures are
    every other error and every wrong answer.
    """
    samples = [s for r in results for s in r.samples]
    elapsed = sum(r.elapsed for r in results)
    answered = [s for r in results for s in r.ok]
    busy = sum(1 for s in samples if s.error is None and s.status == 503)
    failures = sum(r.errors + r.wrong for r in results) - busy
    latencies = [s.latency for s in answered] or [math.nan]
    return len(answered) / elapsed, percentile(latencies, 50), percentile(latencies, 99), failures, busy


def _tree(pid: int) -> list[int]:
    """Return a process and its descendants (the server and its worker processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += _tree(int(child))
    return found


def _server_peak(server: Server, call: Call, body: Body) -> tuple[str, float]:
    """Return the memory peak over one request of the server and its workers, above their memory just before.

    Each process's high-water mark is reset just before the request and read after it; the peaks
    above each process's resident memory are added up (an upper bound: they need not coincide).
    """
    pids = _tree(server.pid)
    before = {pid: proc_status_kib(pid, "VmRSS") for pid in pids}
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return f"{label(body)}: not measurable (cannot reset VmHWM)", math.nan
    run_load(server.port, always(call), 1, 1, 120)
    extra = sum(max(0, proc_status_kib(pid, "VmHWM") - before[pid]) for pid in pids) / 1024
    ratio = extra / (len(body.data) / MIB)
    return f"{label(body)} +{extra:.1f} MiB ({ratio:.1f} x the body, {len(pids)} processes)", ratio


# The service refuses bodies over 10 MiB by default (Settings.max_body_bytes); the benchmark's
# servers accept the 12 MB merged bundle so that its memory over HTTP can be measured. Their time
# limit per request is raised from 30 s too: on the shared machine under load, queued requests at
# concurrency 32 were cut with 503 (the limit counts the wait in the queue).
BENCH_BODY_LIMIT = {"TRIALMATCH_MAX_BODY_BYTES": str(32 * MIB), "TRIALMATCH_REQUEST_TIMEOUT_SECONDS": "300"}


def section_http(typical: Body, big: Body, merged: Body, plan: Plan) -> list[Verdict]:
    """Print /match against /floor over loopback at concurrency 1, 8 and 32."""
    print("\n## 2. HTTP: uvicorn, one worker, loopback; `POST /match` against the floor route\n")
    verdicts = []
    rows = []
    memory = []
    with serving("bench.floor_app:app", env_extra=BENCH_BODY_LIMIT) as server:
        port = server.port
        rss_start = server.rss_kib()
        for body, count in ((typical, plan.http_typical), (big, plan.http_big)):
            path = f"/match?asOf={AS_OF}"
            status, answer = single_answer(port, post(port, path, body.data, "match"))
            if status != 200:
                raise RuntimeError(f"/match answered {status} for {body.name}: {answer[:300]!r}")
            calls = {
                "floor": post(port, "/floor", body.data, "floor", b'{"ok":true}'),
                "match": post(port, path, body.data, "match", answer),
            }
            for call in calls.values():  # warm-up
                run_load(port, always(call), 1, 3, 30)
            memory.append(_server_peak(server, calls["match"], body)[0])
            for concurrency in (1, 8, 32):
                runs: dict[str, list[LoadResult]] = {"floor": [], "match": []}
                for round_ in range(plan.http_rounds):
                    for name in ("floor", "match") if round_ % 2 == 0 else ("match", "floor"):
                        runs[name].append(run_load(port, always(calls[name]), concurrency, count, plan.http_cap))
                f_rps, f50, f99, f_fail, f_busy = _pool(runs["floor"])
                m_rps, m50, m99, m_fail, m_busy = _pool(runs["match"])
                rows.append(
                    [
                        label(body),
                        f"{body.megabytes:.2f}",
                        concurrency,
                        sum(len(r.samples) for r in runs["match"]),
                        f"{f_rps:.1f}",
                        ms(f50),
                        ms(f99),
                        f"{m_rps:.1f}",
                        ms(m50),
                        ms(m99),
                        f"{m_rps / f_rps:.0%}",
                        f_busy + m_busy,
                        f_fail + m_fail,
                    ]
                )
                if body is typical and concurrency == 8:
                    verdicts.append(
                        Verdict(
                            "HTTP, typical bundle, concurrency 8: /match rps >= 25 % of the floor's",
                            f"{m_rps:.1f} / {f_rps:.1f} rps = {m_rps / f_rps:.0%}",
                            m_rps / f_rps >= 0.25 and m_fail == 0,
                        )
                    )
        status, _ = single_answer(port, post(port, f"/match?asOf={AS_OF}", merged.data, "match"))
        if status != 200:
            raise RuntimeError(f"/match answered {status} for the merged bundle")
        text, ratio = _server_peak(server, post(port, f"/match?asOf={AS_OF}", merged.data, "match"), merged)
        memory.append(text)
        verdicts.append(
            Verdict("peak memory of one 12 MB request over HTTP <= 2 x the body", f"{ratio:.1f} x", ratio <= 2)
        )
        rss_end = server.rss_kib()
    headers = ["bundle", "MB", "concurrency", "requests", "floor rps", "floor p50 ms", "floor p99 ms", "match rps"]
    headers += ["match p50 ms", "match p99 ms", "match / floor rps", "503 busy", "errors + wrong"]
    print(table(headers, rows))
    print(
        "\nOne uvicorn worker serving `bench.floor_app:app`: the service's app plus the floor route, which reads "
        "and parses the body with the same code and middleware as /match and returns a constant. Loopback, "
        f"keep-alive; the load client (asyncio, raw HTTP/1.1) runs on the same {os.cpu_count()} CPUs as the "
        f"server. Per run at most {plan.http_typical} (typical) or {plan.http_big} (3.9 MB) requests or "
        f"{plan.http_cap:.0f} s; {plan.http_rounds} interleaved round(s) per cell, pooled. Latency percentiles "
        f"are nearest-rank, so with {plan.http_big * plan.http_rounds} requests p99 is the maximum. Every answer "
        "is compared with the single-request answer; rates and latencies count the 200 answers only, '503 busy' "
        "the requests admission control turned away (the bodies in flight are bounded by count and bytes, "
        "service/admission.py: by design, many callers sending 3.9 MB at once are partly refused with Retry-After). "
        "The servers accept bodies up to 32 MiB (the service's "
        "default limit, 10 MiB, would refuse the 12 MB bundle with a 413) and give a request 300 s (default 30 s). "
        "Server RSS "
        f"{rss_start / 1024:.0f} MiB at start, {rss_end / 1024:.0f} MiB at the end. Server memory peak over one "
        "/match request on its own, above the resident memory just before, of the server and its worker "
        "processes added up (VmHWM of each reset through /proc/<pid>/clear_refs): "
        f"{'; '.join(memory)}."
    )
    return verdicts


# -- section 3 -------------------------------------------------------------------------------


def _probe(path: Path, trials: int = 0, share_nothing: bool = False) -> dict[str, Any]:
    """Run memprobe.py in a fresh process and return its measurements."""
    command = [sys.executable, str(REPO / "bench" / "memprobe.py"), str(path)]
    if trials:
        command += ["--trials", str(trials)] + (["--share-nothing"] if share_nothing else [])
    out = subprocess.run(command, cwd=CODE, capture_output=True, text=True, timeout=300, check=True)
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def section_growth(
    entries: list[dict[str, Any]], typical: Body, big: Body, catalog: Catalog, plan: Plan
) -> list[Verdict]:
    """Print time and peak memory against bundle size and catalogue size."""
    print("\n## 3. Growth\n")
    bodies = [prefix_body(entries, int(size * MB), f"{size:g} MB") for size in GROWTH_SIZES_MB]
    times: dict[str, list[float]] = {b.name: [] for b in bodies}
    parses: dict[str, list[float]] = {b.name: [] for b in bodies}
    for body in bodies:
        match(orjson.loads(body.data), catalog, AS_OF)  # warm-up
    for round_ in range(plan.rounds):
        for body in bodies:
            if body.megabytes > 5 and round_ >= plan.rounds_big:
                continue
            gc.collect()
            started = time.perf_counter()
            document = orjson.loads(body.data)
            parsed = time.perf_counter()
            report = match(document, catalog, AS_OF)
            times[body.name].append(time.perf_counter() - parsed)
            parses[body.name].append(parsed - started)
            del document, report

    # One catalogue at a time, the real one first: a catalogue's objects stay alive for the life of
    # the process and every full garbage collection walks them, so a grown catalogue left alive
    # would slow the measurement of the next one. The compiled-catalogue cache is cleared after each.
    built: dict[tuple[int, bool], float] = {}
    compiled: dict[tuple[int, bool], float] = {}
    nodes: dict[tuple[int, bool], tuple[int, int]] = {}
    by_trials: dict[tuple[int, bool], list[float]] = {key: [] for key in CATALOGS}
    big_by_trials: dict[tuple[int, bool], list[float]] = {key: [] for key in CATALOGS}
    summary_by_trials: dict[tuple[int, bool], list[float]] = {key: [] for key in CATALOGS}
    for key in CATALOGS:
        started = time.perf_counter()
        current = catalog if key[0] <= len(catalog.trials) else grown_catalog(catalog, *key)
        built[key] = time.perf_counter() - started
        compiled[key] = timed(partial(compile_catalog, current))
        freeze_start_up()  # the catalogue and its compiled form, as a worker holds them
        nodes[key] = distinct_nodes(current)
        answer(typical.data, current, AS_OF, "summary")  # warm-up
        for _ in range(plan.rounds):
            gc.collect()
            by_trials[key].append(timed(partial(answer, typical.data, current, AS_OF)))
            gc.collect()
            summary_by_trials[key].append(timed(partial(answer, typical.data, current, AS_OF, "summary")))
            gc.collect()
            big_by_trials[key].append(timed(partial(answer, big.data, current, AS_OF)))
        gc.unfreeze()
        del current
        compile_catalog.cache_clear()
        compile_catalog(catalog)
        gc.collect()

    with tempfile.TemporaryDirectory(prefix="trialmatch-bench-") as folder:
        probes = {}
        for body in bodies:
            path = Path(folder) / f"{body.name.split()[0]}.json"
            path.write_bytes(body.data)
            probes[body.name] = _probe(path)
        typical_path = Path(folder) / "typical.json"
        typical_path.write_bytes(typical.data)
        catalog_probes = {key: _probe(typical_path, *key) for key in CATALOGS}

    print("### Against bundle size (prefixes of the merged Synthea bundle, 5 trials)\n")
    rows = []
    memory_ok = True
    for body in bodies:
        probe = probes[body.name]
        idle = probe["idle_kib"] / 1024
        body_mib = len(body.data) / MIB
        above = {key: (probe[key] - probe["idle_kib"]) / 1024 for key in ("read_hwm_kib", "parsed_hwm_kib", "peak_kib")}
        limit = idle + 2 * body_mib
        memory_ok &= idle + above["peak_kib"] <= limit
        m = median(times[body.name])
        rows.append(
            [
                body.name,
                f"{body.megabytes:.2f}",
                body.entries,
                ms(median(parses[body.name])),
                ms(m),
                f"{m * 1000 / body.megabytes:.1f}",
                f"{idle:.0f}",
                f"{above['read_hwm_kib']:.1f}",
                f"{above['parsed_hwm_kib']:.1f}",
                f"{above['peak_kib']:.1f}",
                f"{above['peak_kib'] / body_mib:.1f}",
                yes_no(idle + above["peak_kib"] <= limit),
                f"{probe['traced_peak_bytes'] / MIB:.0f}",
            ]
        )
    headers = ["bundle", "MB", "entries", "parse ms", "match ms", "match ms / MB", "idle RSS MiB"]
    headers += ["peak above idle MiB: read", "+ parse", "+ match and answer", "peak / body", "peak <= idle + 2 x body"]
    headers += ["tracemalloc peak MiB"]
    print(table(headers, rows, "lrrrrrrrrrrlr"))
    sizes = [b.megabytes for b in bodies]
    medians = [median(times[b.name]) * 1000 for b in bodies]
    intercept, slope, r2 = linear_fit(sizes, medians)
    bend = (medians[-1] / sizes[-1]) / (medians[1] / sizes[1])
    linear = r2 > 0.95 and bend <= 1.5
    print(
        f"\nTime: least squares through the {len(bodies)} medians gives match ms = {intercept:.1f} + {slope:.1f} "
        f"x MB, R^2 = {r2:.3f}; time per MB at {bodies[-1].name} / at {bodies[1].name} = {bend:.2f}. Linear "
        "means R^2 > 0.95 and no upward bend (that ratio <= 1.5); the 0.1 MB point is left out of the ratio "
        "because a fixed cost (evaluating the trials) dominates it. Memory: each size in a fresh process "
        "(bench/memprobe.py). Idle = RSS after imports, catalogue load and a warm-up match of a one-Patient "
        "bundle. Peak = VmHWM, reset through /proc/self/clear_refs just before the bundle is read, and read "
        "after reading the file, after orjson.loads and after match() and writing the answer: the columns are "
        "cumulative, so '+ match and answer' is the whole peak. tracemalloc counts Python allocations as "
        "requested, including parse buffers orjson reserves but never touches, so it can exceed the resident peak."
    )
    peak_ratios = [
        (probes[b.name]["peak_kib"] - probes[b.name]["idle_kib"]) / 1024 / (len(b.data) / MIB) for b in bodies
    ]
    verdicts = [
        Verdict("time grows linearly with bundle size", f"R^2 {r2:.3f}, {slope:.1f} ms/MB, bend {bend:.2f}", linear),
        Verdict(
            "peak memory <= idle + 2 x body, every size (in process)",
            ", ".join(f"{b.name}: {ratio:.1f} x body" for b, ratio in zip(bodies, peak_ratios, strict=True)),
            memory_ok,
        ),
    ]

    print("\n### Against catalogue size (typical bundle; clones of the real trials with shifted thresholds)\n")
    first = CATALOGS[0]
    base = median(by_trials[first])
    summary_base = median(summary_by_trials[first])
    rows = []
    for key in CATALOGS:
        size, share_nothing = key
        probe = catalog_probes[key]
        m = median(by_trials[key])
        rows.append(
            [
                f"{size}, clones share no test" if share_nothing else size,
                f"{nodes[key][0]} / {nodes[key][1]}",
                ms(built[key]),
                ms(compiled[key]),
                ms(m),
                f"{(m - base) / (size - first[0]) * 1e6:.0f}" if size > first[0] else "-",
                f"{m / base:.1f}",
                ms(median(summary_by_trials[key])),
                f"{median(summary_by_trials[key]) / summary_base:.1f}",
                ms(median(big_by_trials[key])),
                f"{probe['idle_kib'] / 1024:.0f}",
                f"{(probe['peak_kib'] - probe['idle_kib']) / 1024:.1f}",
            ]
        )
    headers = ["trials", "distinct / all logic nodes", "build clones ms", "compile_catalog ms (once)", "answer ms"]
    headers += ["us per added trial", "x 5 trials", "summary answer ms", "summary x 5 trials"]
    headers += [f"answer ms, {label(big)} ({big.megabytes:.1f} MB)"]
    headers += ["idle RSS MiB", "peak above idle MiB"]
    print(table(headers, rows))
    print(
        "\n'answer' is bytes in to answer bytes out in process (orjson.loads, match(), the full JSON answer); "
        "'summary answer' the same with view=summary (status, score, failed and unknown criteria per trial). "
        "Clone n copies real trial n mod 5 under id NCT9xxxxxxx and a title saying it is a benchmark clone, "
        "with every numeric threshold (lab and score values, ULN multiples, look-back windows, durations, ages) "
        "moved by a factor of its own between 0.93 and 1.07; tests without a number (value sets, sex) stay "
        "equal to the real trial's, as they would be across trials of one disease. The last row also gives "
        "every clone's 'ever' record tests a window of its own (100 years and more), so that clones share no "
        "test: the service evaluates equal logic nodes once per request, and that row shows the cost without "
        "that sharing. Clones exist only in memory. compile_catalog runs once per catalogue (at start-up in the "
        "service). Each catalogue is measured alone, in the order of the rows. Memory again from a fresh process "
        "per catalogue (typical "
        "bundle). A catalogue's objects stay alive for the life of the process, and every full collection of "
        "Python's cyclic garbage collector walks them, so a bigger catalogue also slows the intake of a large "
        "bundle, which allocates enough objects to trigger such collections."
    )
    ratio = median(by_trials[(500, False)]) / base
    apart = median(by_trials[(500, True)]) / base
    text = f"{ratio:.1f} x ({apart:.1f} x when clones share no test)"
    verdicts.append(Verdict("500 trials cost <= 10 x 5 trials, full answer (typical bundle)", text, ratio <= 10))
    ratio = median(summary_by_trials[(500, False)]) / summary_base
    apart = median(summary_by_trials[(500, True)]) / summary_base
    text = f"{ratio:.1f} x ({apart:.1f} x when clones share no test)"
    verdicts.append(Verdict("500 trials cost <= 3 x 5 trials, view=summary (typical bundle)", text, ratio <= 3))
    return verdicts


# -- section 4 -------------------------------------------------------------------------------


def section_naive(bodies: list[Body], catalog: Catalog, plan: Plan) -> list[Verdict]:
    """Print full fhir.resources validation plus matching against match() alone."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    print("\n## 4. The naive way: full `fhir.resources` R4B validation of the Bundle, then the same matching\n")
    validate: dict[str, list[float]] = {b.name: [] for b in bodies}
    naive: dict[str, list[float]] = {b.name: [] for b in bodies}
    ours: dict[str, list[float]] = {b.name: [] for b in bodies}
    invalid: dict[str, int] = {}
    for body in bodies:  # warm-up: the first validation of each resource type costs more
        if body.megabytes < 1.5:
            with contextlib.suppress(ValidationError):
                Bundle.model_validate(orjson.loads(body.data))
    for round_ in range(plan.naive_rounds):
        for body in bodies:
            if body.megabytes > 5 and round_ >= 2:
                continue
            gc.collect()
            document = orjson.loads(body.data)
            ours[body.name].append(timed(partial(match, document, catalog, AS_OF)))
            document = orjson.loads(body.data)
            gc.collect()
            started = time.perf_counter()
            try:
                model = Bundle.model_validate(document)
            except ValidationError as error:
                invalid[body.name] = error.error_count()
                validate[body.name].append(time.perf_counter() - started)
                continue
            validated = time.perf_counter()
            report = match(document, catalog, AS_OF)
            naive[body.name].append(time.perf_counter() - started)
            validate[body.name].append(validated - started)
            del model, report, document  # freed outside the timing, as for match() alone
    rows = []
    speedups: list[tuple[float, str]] = []
    for body in bodies:
        synthea = not body.name.startswith(("typical", "merged"))
        m = median(ours[body.name])
        if body.name in invalid:
            speedups += [(math.nan, label(body))] if synthea else []
            cells = [f"invalid ({invalid[body.name]} errors)", "-", ms(m), "-"]
            rows.append([label(body), f"{body.megabytes:.2f}", *cells, ">= 20" if synthea else "-", "-"])
            continue
        n = median(naive[body.name])
        speedups += [(n / m, label(body))] if synthea else []
        cells = [ms(median(validate[body.name])), ms(n), ms(m), f"{n / m:.1f}"]
        verdict = yes_no(n / m >= 20) if synthea else "-"
        rows.append([label(body), f"{body.megabytes:.2f}", *cells, ">= 20" if synthea else "-", verdict])
    headers = ["bundle", "MB", "full validation ms", "naive total ms", "match ms", "naive / match", "target", ""]
    print(table(headers, rows, "lrrrrrrl"))
    print(
        "\n`fhir.resources.R4B.bundle.Bundle.model_validate(document)` on the parsed document, then match(); "
        f"match() alone on another fresh parse of the same bytes; {plan.naive_rounds} interleaved round(s) "
        f"({min(2, plan.naive_rounds)} for bundles over 5 MB); "
        f"as-of {AS_OF}. Parsing is outside both timings; a bundle failing full validation is reported as invalid."
    )
    measured = [s for s in speedups if not math.isnan(s[0])]
    slowest = min(measured) if measured else (math.nan, "-")
    return [
        Verdict(
            ">= 20 x faster than the naive way, every Synthea bundle",
            f"{sum(1 for s, _ in measured if s >= 20)} of {len(speedups)}; lowest {slowest[0]:.1f} x ({slowest[1]})",
            len(measured) == len(speedups) and all(s >= 20 for s, _ in measured),
        )
    ]


# -- profiles --------------------------------------------------------------------------------


def _find_body(name: str) -> Body:
    if "merged" in name.lower():
        entries, sources = merged_entries(12 * MB)
        return Body(f"merged {len(sources)} Synthea patients", bundle_bytes(entries), len(entries))
    bodies = [typical_body(), *(load_body(p, short_name(p)) for p in synthea_patient_files())]
    found = [b for b in bodies if name.lower() in b.name.lower()]
    if not found:
        raise SystemExit(f"no bundle named like {name!r}; try merged, {', '.join(label(b) for b in bodies)}")
    return found[0]


def _print_profile(profiler: cProfile.Profile, title: str, restrict: str = "", *more: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    for other in more:  # profiles of worker threads
        stats.add(other)
    if restrict:  # keep only the frames of these files, then the top entries
        stats.sort_stats("cumulative").print_stats(restrict, 15)
        stats.sort_stats("tottime").print_stats(10)
    else:
        stats.strip_dirs().sort_stats("cumulative").print_stats(15)
        stats.sort_stats("tottime").print_stats(10)
    text = out.getvalue().strip()
    for prefix in (CODE, REPO, Path(sys.prefix)):  # shorter paths: the measured copy, the repo, the venv
        text = text.replace(f"{prefix}/", "")
    print(f"# {title}\n\n```\n{text}\n```")


def profile_match(name: str, trials: int, share_nothing: bool, catalog: Catalog, view: View) -> None:
    """Print the top cumulative and own-time cProfile entries of one answer (bytes in to bytes out), and its split."""
    body = _find_body(name)
    if trials > len(catalog.trials):
        catalog = grown_catalog(catalog, trials, share_nothing)
    compile_catalog(catalog)
    freeze_start_up()
    answer(body.data, catalog, AS_OF, view)
    repeats = max(3, min(50, int(1.0 / max(timed(lambda: answer(body.data, catalog, AS_OF, view)), 1e-3))))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        answer(body.data, catalog, AS_OF, view)
    profiler.disable()
    title = f"cProfile of one answer (view={view}) on {label(body)} ({body.megabytes:.2f} MB), {len(catalog.trials)}"
    _print_profile(profiler, f"{title} trials, {repeats} calls, as-of {AS_OF}")
    steps = {
        "answer": "bytes in to answer bytes out",
        "loads": "  orjson.loads",
        "read_bundle": "  intake (read_bundle)",
        "model_validate": "    of which fhir.resources validation",
        "build": "  facts (FactBuilder.build)",
        "compute_scores": "  scores",
        "evaluate_trial": "  evaluating the trials (nodes, reasons)",
        "summarise": "  status, score, ranking inputs (summarise)",
        "match_bytes": "  writing the JSON answer (match_bytes)",
    }
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total: dict[str, float] = dict.fromkeys(steps, 0.0)
    for (_, _, name), (_, _, _, cumulative, callers) in raw.items():
        function = "loads" if name == "<orjson.loads>" else name
        if function not in steps:
            continue
        if function == "model_validate":  # count only the outermost calls (intake's), not nested ones
            cumulative = sum(c[3] for caller, c in callers.items() if "intake" in caller[0])
        total[function] += cumulative
    whole = total["answer"] or 1.0
    rows = [[text, f"{total[k] / repeats * 1000:.2f}", f"{total[k] / whole:.0%}"] for k, text in steps.items()]
    print(table(["step", "ms per answer (under cProfile)", "share"], rows, "lrr"))


def profile_http(name: str) -> None:
    """Print a cProfile of POST /match driven through the ASGI app in-process (no sockets)."""
    os.environ.setdefault("TRIALMATCH_CRITERIA_DIR", str(CRITERIA))
    os.environ.setdefault("TRIALMATCH_LOG_LEVEL", "warning")
    from service.main import create_app
    from service.settings import Settings

    app = create_app(Settings(max_body_bytes=32 * MIB))
    body = _find_body(name)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/match",
        "raw_path": b"/match",
        "query_string": f"asOf={AS_OF}".encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/fhir+json"),
            (b"content-length", str(len(body.data)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }

    async def request() -> int:
        delivered = False
        status = 0

        async def receive() -> MutableMapping[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body.data, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope), receive, send)
        return status

    async def many(count: int) -> None:
        for _ in range(count):
            if await request() != 200:
                raise RuntimeError("POST /match did not answer 200")

    asyncio.run(many(3))
    one = timed(lambda: asyncio.run(many(1)))
    repeats = max(3, min(100, int(1.0 / max(one, 1e-3))))
    # The service runs match() in a worker thread; each new thread gets a profiler of its own.
    workers: list[cProfile.Profile] = []

    def profile_thread(*_: object) -> None:
        worker = cProfile.Profile()
        workers.append(worker)
        worker.enable()

    profiler = cProfile.Profile()
    threading.setprofile(profile_thread)
    profiler.enable()
    asyncio.run(many(repeats))
    profiler.disable()
    threading.setprofile(None)
    title = f"cProfile of POST /match through the ASGI app on {label(body)}, {repeats} requests"
    title += f" (event loop and {len(workers)} worker thread(s) together)"
    _print_profile(profiler, title, r"/service/|serialize_response|run_endpoint_function", *workers)
    steps = {
        "post_match": "the /match route on the event loop (without the work it hands to a thread)",
        "read_body": "read and parse the body",
        "match": "match()",
        "read_facts": "  intake and facts",
        "evaluate_trial": "  evaluating the trials",
        "match_bytes": "write the JSON answer (match_bytes)",
        "serialize_response": "FastAPI response validation and serialisation",
    }
    merged = pstats.Stats(profiler)
    for worker in workers:
        merged.add(worker)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = merged.stats  # type: ignore[attr-defined]
    total: dict[str, float] = dict.fromkeys(steps, 0.0)
    for (filename, _, function), (_, _, _, cumulative, _) in raw.items():
        if function in steps and ("/service/" in filename or "fastapi" in filename):
            total[function] += cumulative
    rows = [[text, f"{total[name] / repeats * 1000:.2f}"] for name, text in steps.items() if total[name]]
    print(table(["step", "ms per request (under cProfile)"], rows))


# -- the command -----------------------------------------------------------------------------


def main() -> None:
    """Parse the arguments and run every section, or one profile."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under 90 s)")
    parser.add_argument("--sections", default="1234", help="which sections to run, e.g. 13 (default all)")
    parser.add_argument("--profile", metavar="BUNDLE", help="cProfile match() on the bundle whose name has BUNDLE")
    parser.add_argument("--profile-http", metavar="BUNDLE", help="cProfile POST /match through the ASGI app")
    parser.add_argument("--trials", type=int, default=5, help="catalogue size for --profile (clones beyond 5)")
    parser.add_argument("--share-nothing", action="store_true", help="with --trials: clones share no logic node")
    parser.add_argument("--view", choices=("full", "summary"), default="full", help="answer view for --profile")
    parser.add_argument("--readme", action="store_true", help="also write the tables into README.md's Performance")
    args = parser.parse_args()
    if args.readme:
        with contextlib.redirect_stdout(Tee(sys.stdout)) as out:
            run(args)
        write_readme(out.getvalue())
        return
    run(args)


class Tee(io.StringIO):
    """A text buffer that also passes everything written on to another stream."""

    def __init__(self, passed_to: Any) -> None:
        super().__init__()
        self.passed_to = passed_to

    def write(self, text: str) -> int:
        """Write to both."""
        self.passed_to.write(text)
        self.passed_to.flush()
        return super().write(text)


README_BEGIN = "<!-- bench/run.py --readme: begin -->"
README_END = "<!-- bench/run.py --readme: end -->"


def write_readme(output: str) -> None:
    """Replace the tables between the README's markers by this run's, one heading level down."""
    lines = output.strip().splitlines()
    body = [("#" + line) if line.startswith("## ") else line for line in lines if not line.startswith("# ")]
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(README_BEGIN, 1)
    _, after = rest.split(README_END, 1)
    readme.write_text(before + README_BEGIN + "\n\n" + "\n".join(body).strip() + "\n\n" + README_END + after)
    print(f"wrote the tables into {readme}", file=sys.stderr)


def run(args: argparse.Namespace) -> None:
    """Run the profile asked for, or every section asked for."""
    catalog = load_catalog(CRITERIA)
    if args.profile:
        profile_match(args.profile, args.trials, args.share_nothing, catalog, args.view)
        return
    if args.profile_http:
        profile_http(args.profile_http)
        return
    plan = QUICK if args.quick else FULL
    compile_catalog(catalog)
    answer(orjson.dumps(TINY_BUNDLE), catalog)
    freeze_start_up()
    print(machine_header("trialmatch benchmark" + (" (--quick)" if args.quick else ""), sys.argv))
    started = time.perf_counter()
    typical = typical_body()
    synthea = [load_body(path, short_name(path)) for path in synthea_patient_files()]
    entries, sources = merged_entries(12 * MB)
    merged = Body(f"merged {len(sources)} Synthea patients", bundle_bytes(entries), len(entries))
    print(
        f"\nInputs: the typical bundle is tests/cases/bundles/hbv_decompensated_baseline.json ({typical.entries} "
        f"entries); the Synthea bundles are every patient bundle under synthea-smart/ and synthea-hiv-google/ of "
        f"the corpus, as shipped; the merged bundle ({merged.megabytes:.2f} MB, 2-space indent) holds "
        f"{', '.join(sources)}, every reference to the other patients rewritten to the first Patient."
    )
    verdicts: list[Verdict] = []
    if "1" in args.sections:
        verdicts += section_match_vs_parse([typical, *synthea, merged], catalog, plan)
    if "2" in args.sections:
        verdicts += section_http(typical, synthea[-1], merged, plan)
    if "3" in args.sections:
        verdicts += section_growth(entries, typical, synthea[-1], catalog, plan)
    if "4" in args.sections:
        verdicts += section_naive([typical, *synthea] + ([merged] if plan.naive_merged else []), catalog, plan)
    print("\n## Targets\n")
    print(table(["target", "measured", ""], [[v.target, v.measured, yes_no(v.met)] for v in verdicts], "lll"))
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s.")
    if note := changed_during_run():
        print(note)


if __name__ == "__main__":
    main()
