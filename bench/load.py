"""Load and soak test: the service under uvicorn, realistic bundles, several concurrency levels; hostile scenarios.

    .venv/bin/python bench/load.py                    # levels 1, 8, 32, then a 180 s soak at 8
    .venv/bin/python bench/load.py --soak-seconds 30  # a short check
    .venv/bin/python bench/load.py --scenario hostile # large bodies and header floods (about 4 min)
    .venv/bin/python bench/load.py --scenario hostile --server httptools  # the same against plain uvicorn

Serves ``service.main:app`` (the product, no benchmark routes) with one worker on a loopback
port through ``service.server.serve``, as ``trialmatch serve`` does. Every request is one of the realistic bundles,
chosen by a seeded generator: the typical hepatology bundle 70 % of the time, otherwise one of
the corpus's Synthea patient bundles (0.2 to 3.9 MB) as shipped. Checks, printed as PASS/FAIL:

- zero errors: every request is answered 200 (no connection error, no timeout);
- zero wrong answers: every answer is byte-for-byte the answer the same bundle got when it
  was sent on its own before the load started;
- memory does not keep growing: the server's resident memory (VmRSS from /proc) is sampled
  every few seconds during the soak; the first 20 % of the soak is warm-up and left out, the
  rest is cut into thirds, and the median of the last third may exceed the median of the
  first third by at most max(8 MiB, 5 %). The least-squares slope is printed beside it.

The hostile scenarios (bench/hostile.py) measure peak RSS, /health latency and every status
while 50 clients POST a 9 MB bundle at once (a merged Synthea record, retried after a 503 from
admission control; then a worst case, 9 MB of lab values inside their look-back, not retried),
while 4 connections each send a 100 MB header, while 100 connections send a head one line a
second, and while 100 connections send nothing. Checks: no 5xx other than the documented 503s
(admission, time limit), every failed probe counted, peak RSS under 768 MiB.

Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    Body,
    Call,
    LoadResult,
    Server,
    bundle_bytes,
    changed_during_run,
    drive,
    linear_fit,
    load_body,
    machine_header,
    median,
    merged_entries,
    ms,
    percentile,
    post,
    proc_status_kib,
    run_load,
    serving,
    short_name,
    single_answer,
    synthea_patient_files,
    table,
    typical_body,
)
from bench.hostile import (
    BodiesResult,
    FloodResult,
    Watch,
    header_flood,
    large_bodies,
    slow_heads,
    tree_rss_kib,
    watched,
)

TYPICAL_SHARE = 0.7
WARM_UP_SHARE = 0.2
GROWTH_ALLOWED_MIB = 8.0
GROWTH_ALLOWED_SHARE = 0.05


def mix(calls: list[Call], seed: int) -> Callable[[int], Call]:
    """Return a request picker: the typical bundle 70 % of the time, else a Synthea bundle."""
    chooser = random.Random(seed)
    picks = [calls[0] if chooser.random() < TYPICAL_SHARE else chooser.choice(calls[1:]) for _ in range(4096)]
    return lambda index: picks[index % len(picks)]


def describe(result: LoadResult, level: str) -> list[object]:
    """Return one table row for a run: counts, throughput and latency percentiles."""
    all_ = result.latencies()
    typical = [s.latency for s in result.samples if s.label == "typical"]
    synthea = [s.latency for s in result.samples if s.label != "typical"]
    return [
        level,
        len(result.samples),
        f"{result.elapsed:.1f}",
        f"{result.rps():.1f}",
        ms(percentile(all_, 50)),
        ms(percentile(all_, 90)),
        ms(percentile(all_, 99)),
        ms(max(all_) if all_ else float("nan")),
        f"{ms(percentile(typical, 50))} / {ms(percentile(typical, 99))}",
        f"{ms(percentile(synthea, 50))} / {ms(percentile(synthea, 99))}",
        result.errors,
        result.wrong,
    ]


HEADERS = ["run", "requests", "seconds", "rps", "p50 ms", "p90 ms", "p99 ms", "max ms"]
HEADERS += ["typical p50 / p99 ms", "Synthea p50 / p99 ms", "errors", "wrong"]


async def soak(
    server: Server, pick: Callable[[int], Call], concurrency: int, seconds: float, interval: float
) -> tuple[LoadResult, list[tuple[float, int]]]:
    """Drive the server for ``seconds`` while sampling its resident memory every ``interval`` seconds."""
    samples: list[tuple[float, int]] = []
    done = asyncio.Event()
    started = time.perf_counter()

    async def sampler() -> None:
        while not done.is_set():
            samples.append((time.perf_counter() - started, proc_status_kib(server.pid, "VmRSS")))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), interval)
        samples.append((time.perf_counter() - started, proc_status_kib(server.pid, "VmRSS")))

    async def load() -> LoadResult:
        try:
            return await drive(server.port, pick, concurrency, 10**9, seconds)
        finally:
            done.set()

    result, _ = await asyncio.gather(load(), sampler())
    return result, samples


def windows(result: LoadResult, memory: list[tuple[float, int]], width: float) -> list[list[object]]:
    """Return one row per ``width`` seconds of the soak: throughput, latency, errors, RSS at its end."""
    rows = []
    start = 0.0
    while result.elapsed - start > 1.0:  # no row for a last sliver of under a second
        inside = [s for s in result.samples if start <= s.start < start + width]
        rss = [kib for t, kib in memory if t <= start + width]
        latencies = [s.latency for s in inside]
        span = min(width, result.elapsed - start)
        rows.append(
            [
                f"{start:.0f}-{start + span:.0f} s",
                len(inside),
                f"{len(inside) / span:.1f}" if span > 0 else "-",
                ms(percentile(latencies, 50)),
                ms(percentile(latencies, 99)),
                sum(1 for s in inside if s.error is not None or s.status != 200),
                sum(1 for s in inside if s.wrong),
                f"{rss[-1] / 1024:.1f}" if rss else "-",
            ]
        )
        start += width
    return rows


def memory_verdict(memory: list[tuple[float, int]], seconds: float) -> tuple[bool, str]:
    """Apply the growth criterion to the RSS samples; return (passed, explanation)."""
    kept = [(t, kib / 1024) for t, kib in memory if t >= WARM_UP_SHARE * seconds]
    if len(kept) < 6:
        return False, f"too few samples after warm-up ({len(kept)}); soak longer"
    third = len(kept) // 3
    first, last = median([m for _, m in kept[:third]]), median([m for _, m in kept[-third:]])
    allowed = max(GROWTH_ALLOWED_MIB, GROWTH_ALLOWED_SHARE * first)
    _, slope, _ = linear_fit([t for t, _ in kept], [m for _, m in kept])
    text = (
        f"RSS median {first:.1f} MiB in the first third after warm-up, {last:.1f} MiB in the last third: "
        f"{last - first:+.1f} MiB (allowed {allowed:.1f} MiB); slope {slope * 60:+.2f} MiB/min over "
        f"{len(kept)} samples; min {min(m for _, m in kept):.1f}, max {max(m for _, m in kept):.1f} MiB"
    )
    return last - first <= allowed, text


CONTAINER_LIMIT_MIB = 768
HEALTH_LIMIT_SECONDS = 1.0


def in_window_labs(target_bytes: int) -> bytes:
    """A Bundle of one Patient and bilirubin results inside the look-back window, about ``target_bytes`` long."""
    patient = '{"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1972-03-15"}}'
    entries = [patient]
    size, index = len(patient), 0
    while size < target_bytes:
        entry = (
            f'{{"resource": {{"resourceType": "Observation", "id": "o{index}", "status": "final", '
            '"code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]}, '
            f'"subject": {{"reference": "Patient/p1"}}, "effectiveDateTime": "2026-11-{1 + index % 21:02d}", '
            '"valueQuantity": {"value": 2.5, "unit": "mg/dL", "system": "http://unitsofmeasure.org", '
            '"code": "mg/dL"}}}'
        )
        entries.append(entry)
        size += len(entry) + 2
        index += 1
    return ('{"resourceType": "Bundle", "type": "collection", "entry": [' + ", ".join(entries) + "]}").encode()


def watch_verdicts(name: str, seen: Watch) -> list[tuple[str, bool, str]]:
    """Return the memory and health verdicts of one scenario."""
    healthy = bool(seen.health) and max(seen.health) < HEALTH_LIMIT_SECONDS and not seen.health_failures
    slowest = max(seen.health, default=0) * 1000
    return [
        (
            f"{name}: peak RSS under {CONTAINER_LIMIT_MIB} MiB",
            seen.peak_rss_kib / 1024 < CONTAINER_LIMIT_MIB,
            f"{seen.peak_rss_kib / 1024:.0f} MiB",
        ),
        (
            f"{name}: /health within {HEALTH_LIMIT_SECONDS:.0f} s",
            healthy,
            f"max {slowest:.0f} ms over {len(seen.health)} probes, {seen.health_failures} failed",
        ),
    ]


def hostile(launcher: str, bodies_too: bool = True) -> tuple[list[tuple[str, bool, str]], int]:
    """Run the hostile scenarios against one server; print their table; return verdicts and other-5xx count."""
    synthea = bundle_bytes(merged_entries(9 * 1024 * 1024)[0])
    labs = in_window_labs(9 * 1024 * 1024)
    rows: list[list[object]] = []
    verdicts: list[tuple[str, bool, str]] = []
    other_5xx = 0
    with serving("service.main:app", launcher=launcher) as server:
        idle = tree_rss_kib(server.pid)

        def run(name: str, scenario: object) -> tuple[object, Watch]:
            outcome, seen = asyncio.run(watched(server.port, server.pid, scenario))
            if server.process.poll() is not None:
                raise SystemExit(f"server died during {name}:\n{server.log_tail()}")
            return outcome, seen

        large = (
            (f"50 x {len(synthea) / 2**20:.1f} MiB Synthea bundle at once, 503 retried", synthea, True, 150.0),
            (f"50 x {len(labs) / 2**20:.1f} MiB of in-window labs at once, no retry", labs, False, 60.0),
        )
        for name, body, retry, cap in large if bodies_too else ():
            bodies, seen = run(name, large_bodies(server.port, body, 50, cap, retry))
            assert isinstance(bodies, BodiesResult)
            answers = ", ".join(f"{count} x {status}" for status, count in sorted(bodies.final.items()))
            fives = sum(
                c for s, c in bodies.final.items() if s.startswith("5") and s not in ("503 transient", "503 timeout")
            )
            other_5xx += fives
            rows.append([name, answers, bodies.refusals, *seen.row(), f"{bodies.elapsed:.0f}"])
            verdicts += watch_verdicts(name, seen)
        for name, scenario in (
            ("4 connections, one 100 MB header each", header_flood(server.port, 4, 100, 60.0)),
            ("100 connections sending a head one line a second", slow_heads(server.port, 100, 30.0, False)),
            ("100 idle connections (nothing sent)", slow_heads(server.port, 100, 30.0, True)),
        ):
            flood, seen = run(name, scenario)
            assert isinstance(flood, FloodResult)
            answers = ", ".join(f"{count} x {ending}" for ending, count in sorted(flood.endings.items()))
            sent = max(flood.sent, default=0) / 1e6
            ends = f"{min(flood.seconds, default=0):.1f}-{max(flood.seconds, default=0):.1f}"
            rows.append(
                [
                    name,
                    f"{answers} (at most {sent:.2f} MB sent; ended after {ends} s)",
                    "-",
                    *seen.row(),
                    f"{max(flood.seconds, default=0):.0f}",
                ]
            )
            verdicts += watch_verdicts(name, seen)
        log_errors = [line for line in server.log_path.read_text(errors="replace").splitlines() if " ERROR " in line]
    print(f"\n## Hostile scenarios ({launcher})\n")
    what = "`python -m service.server` (what `trialmatch serve` runs)" if launcher == "service" else ""
    what = what or f"plain `uvicorn --http {launcher}`"
    print(
        f"Server: {what}, one worker, loopback; RSS {idle / 1024:.0f} MiB idle (server and worker processes). "
        "/health probed every 100 ms on a "
        "new connection (5 s timeout; a failed probe counts 5000 ms).\n"
    )
    headers = ["scenario", "answers", "503 retried", "peak RSS MiB", "/health p50 ms", "/health max ms"]
    headers += ["failed probes", "seconds"]
    print(table(headers, rows, "lllrrrrr"))
    print(
        f"\nServer log: {len(log_errors)} ERROR lines" + (f", first: {log_errors[0][:200]}" if log_errors else "") + "."
    )
    verdicts.append(
        ("no 5xx besides the documented 503s (admission, time limit)", other_5xx == 0, f"{other_5xx} other 5xx")
    )
    return verdicts, other_5xx


def main() -> int:
    """Run the levels and the soak; print tables and verdicts; return the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=400, help="requests per level at most")
    parser.add_argument("--level-seconds", type=float, default=60, help="seconds per level at most")
    parser.add_argument("--soak-seconds", type=float, default=180, help="soak duration (0: no soak)")
    parser.add_argument("--soak-concurrency", type=int, default=8)
    parser.add_argument("--sample-seconds", type=float, default=2.0, help="RSS sampling interval")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--scenario", choices=("soak", "hostile", "hostile-headers", "all"), default="soak")
    parser.add_argument(
        "--server", choices=("service", "httptools", "h11"), default="service", help="launcher (hostile scenarios)"
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]

    print(machine_header("trialmatch load and soak test", sys.argv))
    if args.scenario.startswith("hostile"):
        verdicts, _ = hostile(args.server, bodies_too=args.scenario == "hostile")
        print("\n## Verdict\n")
        print(table(["check", "result", "detail"], [[c, "PASS" if ok else "FAIL", d] for c, ok, d in verdicts], "lll"))
        passed = all(ok for _, ok, _ in verdicts)
        print(f"\nOverall: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1
    bodies: list[Body] = [typical_body(), *(load_body(p, short_name(p)) for p in synthea_patient_files())]
    sizes = ", ".join(f"{b.megabytes:.2f}" for b in bodies[1:])
    print(
        f"\nServer: `uvicorn service.main:app`, one worker, loopback, as `trialmatch serve` runs it. Bundles: the "
        f"typical hepatology bundle ({bodies[0].megabytes:.2f} MB) for {TYPICAL_SHARE:.0%} of requests, else one "
        f"of {len(bodies) - 1} Synthea patient bundles as shipped ({sizes} MB), seeded choice ({args.seed}). "
        f"POST /match?asOf={AS_OF}, Accept: application/json. The asyncio load client runs on the same cores."
    )
    verdicts: list[tuple[str, bool, str]] = []
    errors = wrong = 0
    with serving("service.main:app", launcher="service") as server:
        port = server.port
        idle = server.rss_kib()
        calls = []
        reference_rows = []
        for body in bodies:
            name = "typical" if body is bodies[0] else body.name
            call = post(port, f"/match?asOf={AS_OF}", body.data, name)
            started = time.perf_counter()
            status, answer = single_answer(port, call)
            took = time.perf_counter() - started
            if status != 200:
                print(f"\nreference request for {name} answered {status}: {answer[:300]!r}")
                errors += 1
            calls.append(Call(name, call.head, call.body, answer))
            reference_rows.append([name, f"{body.megabytes:.2f}", body.entries, status, ms(took), len(answer)])
        print("\n## Reference answers (each bundle sent on its own)\n")
        print(table(["bundle", "MB", "entries", "status", "ms", "answer bytes"], reference_rows))
        after_reference = server.rss_kib()

        print("\n## Concurrency levels\n")
        rows = []
        for level in levels:
            result = run_load(port, mix(calls, args.seed + level), level, args.requests, args.level_seconds)
            errors += result.errors
            wrong += result.wrong
            rows.append(describe(result, f"concurrency {level}"))
        after_levels = server.rss_kib()
        print(table(HEADERS, rows))
        print(
            f"\nAt most {args.requests} requests or {args.level_seconds:.0f} s per level. Percentiles are "
            "nearest-rank over every request of the run, from just before the request is written to the last "
            "byte of the answer (queueing in the server included)."
        )

        memory: list[tuple[float, int]] = []
        if args.soak_seconds > 0:
            print(f"\n## Soak: concurrency {args.soak_concurrency} for {args.soak_seconds:.0f} s\n")
            pick = mix(calls, args.seed)
            result, memory = asyncio.run(
                soak(server, pick, args.soak_concurrency, args.soak_seconds, args.sample_seconds)
            )
            errors += result.errors
            wrong += result.wrong
            print(table(HEADERS, [describe(result, "soak")]))
            print()
            width = max(10.0, args.soak_seconds / 6)
            headers = ["window", "requests", "rps", "p50 ms", "p99 ms", "errors", "wrong", "RSS MiB at end"]
            print(table(headers, windows(result, memory, width)))
        log_errors = [line for line in server.log_path.read_text(errors="replace").splitlines() if " ERROR " in line]
        final = server.rss_kib()

    print("\n## Server memory\n")
    print(
        f"RSS {idle / 1024:.1f} MiB idle after start-up, {after_reference / 1024:.1f} MiB after the reference "
        f"answers, {after_levels / 1024:.1f} MiB after the levels, {final / 1024:.1f} MiB at the end. Server log: "
        f"{len(log_errors)} ERROR lines" + (f", first: {log_errors[0][:200]}" if log_errors else "") + "."
    )
    verdicts.append(("zero errors", errors == 0, f"{errors} failed requests"))
    verdicts.append(("zero wrong answers", wrong == 0, f"{wrong} answers differ from the single-request answer"))
    if args.soak_seconds > 0:
        passed, text = memory_verdict(memory, args.soak_seconds)
        verdicts.append(("resident memory does not keep growing over the soak", passed, text))
    if args.scenario == "all":
        verdicts += hostile(args.server)[0]
    print("\n## Verdict\n")
    print(table(["check", "result", "detail"], [[c, "PASS" if ok else "FAIL", d] for c, ok, d in verdicts], "lll"))
    print(
        f"\nMemory criterion: leave out the first {WARM_UP_SHARE:.0%} of the soak (warm-up), cut the remaining "
        f"samples into thirds; PASS when median(last third) - median(first third) <= max({GROWTH_ALLOWED_MIB:.0f} "
        f"MiB, {GROWTH_ALLOWED_SHARE:.0%} of the first third's median)."
    )
    if note := changed_during_run():
        print(note)
    overall = all(ok for _, ok, _ in verdicts)
    print(f"\nOverall: {'PASS' if overall else 'FAIL'}")
    return 0 if overall else 1


if __name__ == "__main__":
    sys.exit(main())
