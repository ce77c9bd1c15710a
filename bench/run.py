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
from service.criteria import Catalog, load_catalog
from service.intake import read_bundle
from service.pipeline import compile_catalog, match

GROWTH_SIZES_MB = (0.1, 1, 4, 12)
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


# -- section 1 -------------------------------------------------------------------------------


def section_match_vs_parse(bodies: list[Body], catalog: Catalog, plan: Plan) -> list[Verdict]:
    """Print match() against orjson.loads for every bundle; return the ratio verdicts."""
    print("\n## 1. In-process `match()` against `orjson.loads` of the same bytes\n")
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
    parse: dict[str, list[float]] = {b.name: [] for b in bodies}
    matched: dict[str, list[float]] = {b.name: [] for b in bodies}
    late: dict[str, list[float]] = {b.name: [] for b in bodies}
    paused: dict[str, list[float]] = {b.name: [] for b in bodies}
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
            late_report = match(document, catalog, late_day[body.name])
            late[body.name].append(time.perf_counter() - matched_at)
            del report, late_report
            parse[body.name].append(parsed - started)
            matched[body.name].append(matched_at - parsed)
            del document  # freeing it must not land in the next bundle's parse time
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                document = orjson.loads(body.data)
                paused[body.name].append(time.perf_counter() - started)
                del document
            finally:
                gc.enable()

    rows = []
    checked: list[tuple[float, str, bool, bool]] = []
    verdicts = []
    for body in bodies:
        p, m, m_late = median(parse[body.name]), median(matched[body.name]), median(late[body.name])
        p_paused = median(paused[body.name])
        typical = body.name.startswith("typical")
        limit = 3.0 if typical else 2.0 if body.megabytes >= 1 else None
        met = limit is not None and m / p <= limit
        if limit is not None and not typical:
            checked.append((m / p, label(body), met, m / p_paused <= limit))
        if typical:
            verdicts.append(Verdict("match / parse <= 3.0, typical bundle", f"{m / p:.2f}", met))
        rows.append(
            [
                label(body),
                f"{body.megabytes:.2f}",
                body.entries,
                validated[body.name],
                ms(p),
                ms(m),
                f"{m / p:.2f}",
                f"<= {limit:.1f}" if limit else "-",
                yes_no(met) if limit else "-",
                ms(p_paused),
                f"{m / p_paused:.2f}",
                str(late_day[body.name]),
                ms(m_late),
            ]
        )
    headers = ["bundle", "MB", "entries", "validated", "parse ms", "match ms", "match / parse", "target", ""]
    headers += ["parse ms, GC paused", "match / parse, GC paused", "late as-of", "match ms, late as-of"]
    print(table(headers, rows, "lrrrrrrrlrrlr"))
    print(
        f"\nMain columns at as-of {AS_OF} (the typical bundle's date; the service's default is today). "
        "'late as-of' is the day after the bundle's last clinical date, where the look-back pre-filter "
        "passes over the fewest Observations: the slowest case for each bundle, for information. "
        "'validated' counts the resources intake keeps and validates with fhir.resources at the main as-of "
        "(the rest are passed over unvalidated by its pre-filter). "
        "'GC paused' times the same parse with Python's cyclic garbage collector disabled: parsing a large "
        "document allocates millions of containers, which triggers full collections that the service also "
        "pays (the GC is on in the service), but which make the parse look slower, and the ratio better, "
        f"than the parsing itself. match() gets a freshly parsed document each time; {plan.rounds} interleaved "
        f"rounds ({plan.rounds_big} for bundles over 5 MB). Targets apply to the main columns (GC on)."
    )
    worst = max(checked)
    met_on = sum(c[2] for c in checked)
    met_paused = sum(c[3] for c in checked)
    verdicts.append(
        Verdict(
            "match / parse <= 2.0, every bundle >= 1 MB",
            f"{met_on} of {len(checked)} met; worst {worst[0]:.2f} ({worst[1]}); against the parse with the GC "
            f"paused, {met_paused} of {len(checked)}",
            met_on == len(checked),
        )
    )
    return verdicts


# -- section 2 -------------------------------------------------------------------------------


def _pool(results: list[LoadResult]) -> tuple[float, float, float, int]:
    """Return (requests per second, p50, p99, failures) of several runs taken together."""
    samples = [s for r in results for s in r.samples]
    elapsed = sum(r.elapsed for r in results)
    latencies = [s.latency for s in samples]
    failures = sum(r.errors + r.wrong for r in results)
    return len(samples) / elapsed, percentile(latencies, 50), percentile(latencies, 99), failures


def _server_peak(server: Server, call: Call, body: Body) -> str:
    """Return the server's memory peak over one request, above its resident memory just before."""
    before = server.rss_kib()
    try:
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
    except OSError:
        return f"{label(body)}: not measurable (cannot reset VmHWM)"
    run_load(server.port, always(call), 1, 1, 60)
    extra = (proc_status_kib(server.pid, "VmHWM") - before) / 1024
    return f"{label(body)} +{extra:.1f} MiB ({extra / (len(body.data) / MIB):.1f} x the body)"


def section_http(typical: Body, big: Body, plan: Plan) -> list[Verdict]:
    """Print /match against /floor over loopback at concurrency 1, 8 and 32."""
    print("\n## 2. HTTP: uvicorn, one worker, loopback; `POST /match` against the floor route\n")
    verdicts = []
    rows = []
    memory = []
    with serving("bench.floor_app:app") as server:
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
            memory.append(_server_peak(server, calls["match"], body))
            for concurrency in (1, 8, 32):
                runs: dict[str, list[LoadResult]] = {"floor": [], "match": []}
                for round_ in range(plan.http_rounds):
                    for name in ("floor", "match") if round_ % 2 == 0 else ("match", "floor"):
                        runs[name].append(run_load(port, always(calls[name]), concurrency, count, plan.http_cap))
                f_rps, f50, f99, f_fail = _pool(runs["floor"])
                m_rps, m50, m99, m_fail = _pool(runs["match"])
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
                        f_fail + m_fail,
                    ]
                )
                if body is typical and concurrency == 8:
                    verdicts.append(
                        Verdict(
                            "HTTP, typical bundle, concurrency 8: /match rps >= 50 % of the floor's",
                            f"{m_rps:.1f} / {f_rps:.1f} rps = {m_rps / f_rps:.0%}",
                            m_rps / f_rps >= 0.5 and m_fail == 0,
                        )
                    )
        rss_end = server.rss_kib()
    headers = ["bundle", "MB", "concurrency", "requests", "floor rps", "floor p50 ms", "floor p99 ms", "match rps"]
    headers += ["match p50 ms", "match p99 ms", "match / floor rps", "errors + wrong"]
    print(table(headers, rows))
    print(
        "\nOne uvicorn worker serving `bench.floor_app:app`: the service's app plus the floor route, which reads "
        "and parses the body with the same code and middleware as /match and returns a constant. Loopback, "
        f"keep-alive; the load client (asyncio, raw HTTP/1.1) runs on the same {os.cpu_count()} CPUs as the "
        f"server. Per run at most {plan.http_typical} (typical) or {plan.http_big} (3.9 MB) requests or "
        f"{plan.http_cap:.0f} s; {plan.http_rounds} interleaved round(s) per cell, pooled. Latency percentiles "
        f"are nearest-rank, so with {plan.http_big * plan.http_rounds} requests p99 is the maximum. Every answer "
        "is compared with the single-request answer. Server RSS "
        f"{rss_start / 1024:.0f} MiB at start, {rss_end / 1024:.0f} MiB at the end. Server memory peak over one "
        "/match request on its own, above its RSS just before (VmHWM reset through /proc/<pid>/clear_refs): "
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
    for key in CATALOGS:
        started = time.perf_counter()
        current = catalog if key[0] <= len(catalog.trials) else grown_catalog(catalog, *key)
        built[key] = time.perf_counter() - started
        compiled[key] = timed(partial(compile_catalog, current))
        nodes[key] = distinct_nodes(current)
        match(orjson.loads(typical.data), current, AS_OF)  # warm-up
        for _ in range(plan.rounds):
            document = orjson.loads(typical.data)
            gc.collect()
            by_trials[key].append(timed(partial(match, document, current, AS_OF)))
            document = orjson.loads(big.data)
            gc.collect()
            big_by_trials[key].append(timed(partial(match, document, current, AS_OF)))
            del document
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
        limit = idle + 5 * body_mib
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
    headers += ["peak above idle MiB: read", "+ parse", "+ match", "peak / body", "peak < idle + 5 x body"]
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
        "after reading the file, after orjson.loads and after match(): the columns are cumulative, so "
        "'+ match' is the whole peak. tracemalloc counts Python allocations as requested, including parse "
        "buffers orjson reserves but never touches, so it can exceed the resident peak."
    )
    peak_ratios = [
        (probes[b.name]["peak_kib"] - probes[b.name]["idle_kib"]) / 1024 / (len(b.data) / MIB) for b in bodies
    ]
    verdicts = [
        Verdict("time grows linearly with bundle size", f"R^2 {r2:.3f}, {slope:.1f} ms/MB, bend {bend:.2f}", linear),
        Verdict(
            "peak memory < idle + 5 x body, every size",
            ", ".join(f"{b.name}: {ratio:.1f} x body" for b, ratio in zip(bodies, peak_ratios, strict=True)),
            memory_ok,
        ),
    ]

    print("\n### Against catalogue size (typical bundle; clones of the real trials with shifted thresholds)\n")
    first = CATALOGS[0]
    base = median(by_trials[first])
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
                ms(median(big_by_trials[key])),
                f"{probe['idle_kib'] / 1024:.0f}",
                f"{(probe['peak_kib'] - probe['idle_kib']) / 1024:.1f}",
            ]
        )
    headers = ["trials", "distinct / all logic nodes", "build clones ms", "compile_catalog ms (once)", "match ms"]
    headers += ["us per added trial", "x 5 trials", f"match ms, {label(big)} ({big.megabytes:.1f} MB)"]
    headers += ["idle RSS MiB", "peak above idle MiB"]
    print(table(headers, rows))
    print(
        "\nClone n copies real trial n mod 5 under id NCT9xxxxxxx and a title saying it is a benchmark clone, "
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
    verdicts.append(Verdict("500 trials cost <= 10 x 5 trials (typical bundle)", text, ratio <= 10))
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


def profile_match(name: str, trials: int, share_nothing: bool, catalog: Catalog) -> None:
    """Print the top cumulative and own-time cProfile entries of match() on one bundle."""
    body = _find_body(name)
    if trials > len(catalog.trials):
        catalog = grown_catalog(catalog, trials, share_nothing)
    document = orjson.loads(body.data)
    match(document, catalog, AS_OF)
    repeats = max(3, min(50, int(1.0 / max(timed(lambda: match(document, catalog, AS_OF)), 1e-3))))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        match(document, catalog, AS_OF)
    profiler.disable()
    title = f"cProfile of match() on {label(body)} ({body.megabytes:.2f} MB), {len(catalog.trials)} trials"
    _print_profile(profiler, f"{title}, {repeats} calls, as-of {AS_OF}")


def profile_http(name: str) -> None:
    """Print a cProfile of POST /match driven through the ASGI app in-process (no sockets)."""
    os.environ.setdefault("TRIALMATCH_CRITERIA_DIR", str(CRITERIA))
    os.environ.setdefault("TRIALMATCH_LOG_LEVEL", "warning")
    from service.main import create_app
    from service.settings import Settings

    app = create_app(Settings())
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
        "match_out": "shape the answer (match_out)",
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
    args = parser.parse_args()
    catalog = load_catalog(CRITERIA)
    if args.profile:
        profile_match(args.profile, args.trials, args.share_nothing, catalog)
        return
    if args.profile_http:
        profile_http(args.profile_http)
        return
    plan = QUICK if args.quick else FULL
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
        verdicts += section_http(typical, synthea[-1], plan)
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
