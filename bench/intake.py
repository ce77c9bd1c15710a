"""Intake from the parsed body and from the bytes, side by side in one run (issue 11).

``.venv/bin/python bench/intake.py [--rounds N]``. For the typical bundle, the largest Synthea
bundle and the 12 MB merged bundle: the median of ``orjson.loads``, of bytes in to intake's
result (``read_bundle``) and of bytes in to answer bytes out (``match()``, ``match_bytes``), two
ways: "parsed body", orjson parses the whole body and intake reads the dict (main before the
bytes decoder), and "bytes", the Bundle routes' way (service.api.with_bundle: the msgspec shell of
service.fhir_decode.decode_bundle, only resources of read types built). Both use the typed
Structs. Rounds are interleaved (every bundle, both ways, then the next round) so the noise of
this shared machine spreads over every row. Then the memory of one 12 MB request in a fresh
process, both ways (bench/memprobe.py: peak resident memory above idle, and the peak of Python
allocations under tracemalloc). Part 1's comparison (fhir.resources against the Structs) is
``bench/memprobe.py --reference-intake`` and bench/README's table.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench.common import (
    AS_OF,
    CODE,
    CRITERIA,
    MB,
    REPO,
    Body,
    bundle_bytes,
    load_body,
    machine_header,
    median,
    merged_entries,
    short_name,
    synthea_patient_files,
    table,
    typical_body,
)
from service import pipeline
from service.answer import match_bytes
from service.api import parse_body, with_bundle
from service.criteria import Catalog, load_catalog
from service.intake import read_bundle

# "parsed body": orjson parses the whole body, then intake (main before the bytes decoder);
# "bytes": the Bundle routes' way, service.api.with_bundle (service.fhir_decode.decode_bundle).
WAYS = ("parsed body", "bytes")


def reader(way: str, body: bytes, read: Callable[[object], Any]) -> Callable[[], Any]:
    """Return a call that reads a fresh copy of the body the given way (the copy is made outside the timing)."""
    buffer = bytearray(body)
    if way == "bytes":
        return lambda: with_bundle(buffer, read)
    return lambda: read(parse_body(buffer))


# What refusing the huge-number exemption would cost (service.fhir_decode; README, bad input): the
# cheapest scan found for numbers a double cannot hold in the bytes msgspec skips. Digits become
# '0' and exponent letters 'e' (in 1 MB slices, so the scan holds no second copy of the body), then
# a plain search for a 3-digit exponent or a run of 100 digits; each hit (UUIDs and base64 have
# many) would still need its context checked. Python's re took longer (a search for \d{100} alone
# 84 ms on the 3.9 MB bundle).
_DIGITS = bytes(ord("0") if chr(c).isdigit() and c < 128 else ord("e") if c in b"eE" else ord("x") for c in range(256))
_SLICE = 1 << 20


def number_scan(data: bytes) -> int:
    """Return the candidate places of a number too large for a double (a 3-digit exponent, a 100-digit run)."""
    view = memoryview(data)
    hits = 0
    for start in range(0, len(data), _SLICE):
        chunk = bytes(view[max(0, start - 400) : start + _SLICE]).translate(_DIGITS)
        hits += chunk.count(b"0e000") + chunk.count(b"0" * 100)
    return hits


def bodies() -> list[Body]:
    """Return the typical bundle, the largest Synthea bundle and the 12 MB merged bundle."""
    synthea = max((load_body(p, short_name(p)) for p in synthea_patient_files()), key=lambda b: len(b.data))
    entries, sources = merged_entries(12 * MB)
    merged = Body(f"merged {len(sources)} Synthea patients", bundle_bytes(entries), len(entries))
    return [typical_body(), synthea, merged]


def timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run(rounds: int) -> None:
    catalog: Catalog = load_catalog(CRITERIA)
    read_filter = pipeline.compile_catalog(catalog).read_filter
    inputs = bodies()

    def intake_of(document: object) -> Any:
        return read_bundle(document, read_filter, 100_000, AS_OF)

    def answer_of(document: object) -> bytes:
        return match_bytes(pipeline.match(document, catalog, AS_OF))

    for body in inputs:  # warm-up; both ways give the same answer bytes
        assert len({reader(way, body.data, answer_of)() for way in WAYS}) == 1, body.name
    gc.collect()
    gc.freeze()  # as the service's workers do after start-up
    took: dict[tuple[str, str, str], list[float]] = {}
    for round_ in range(rounds):
        for body in inputs:
            if body.megabytes > 5 and round_ >= max(3, rounds // 4):
                continue
            for way in WAYS:
                took.setdefault((body.name, way, "parse"), []).append(timed(lambda: orjson.loads(body.data)))  # noqa: B023
                gc.collect()
                took.setdefault((body.name, way, "intake"), []).append(timed(reader(way, body.data, intake_of)))
                gc.collect()
                took.setdefault((body.name, way, "answer"), []).append(timed(reader(way, body.data, answer_of)))
                gc.collect()
            took.setdefault((body.name, "bytes", "scan"), []).append(timed(lambda: number_scan(body.data)))  # noqa: B023
    rows = []
    for body in inputs:
        old, new = ({k: median(took[(body.name, w, k)]) for k in ("intake", "answer")} for w in WAYS)
        parse = median(took[(body.name, WAYS[0], "parse")] + took[(body.name, WAYS[1], "parse")])
        rows.append(
            [
                f"{body.name} ({body.megabytes:.2f} MB)",
                f"{parse * 1000:.2f}",
                f"{old['intake'] * 1000:.2f}",
                f"{new['intake'] * 1000:.2f}",
                f"{old['intake'] / new['intake']:.2f}x",
                f"{old['answer'] * 1000:.2f}",
                f"{new['answer'] * 1000:.2f}",
                f"{old['answer'] / parse:.2f}x",
                f"{new['answer'] / parse:.2f}x",
            ]
        )
    print(
        table(
            [
                "bundle",
                "orjson.loads ms",
                "bytes to intake ms, parsed body",
                "bytes to intake ms, bytes",
                "intake speed-up",
                "answer ms, parsed body",
                "answer ms, bytes",
                "answer / loads, parsed body",
                "answer / loads, bytes",
            ],
            rows,
        )
    )
    scans = [
        [body.name, f"{median(took[(body.name, 'bytes', 'scan')]) * 1000:.2f}", f"{number_scan(body.data)}"]
        for body in inputs
    ]
    print("\nWhat refusing the huge-number exemption would add (number_scan, a second pass over every byte):\n")
    print(table(["bundle", "scan ms", "candidate places to check"], scans))
    merged = inputs[-1]
    print(f"\nOne request in a fresh process (bench/memprobe.py), {merged.name}, {merged.megabytes:.1f} MB:\n")
    mem_rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "merged.json"
        path.write_bytes(merged.data)
        for way in WAYS:
            command = [sys.executable, str(REPO / "bench" / "memprobe.py"), str(path)]
            command += ["--parsed-body"] if way == "parsed body" else []
            out = subprocess.run(command, cwd=CODE, capture_output=True, text=True, timeout=600, check=True)
            probe = orjson.loads(out.stdout.strip().splitlines()[-1])
            above = (probe["peak_kib"] - probe["idle_kib"]) * 1024
            parsed = (probe["parsed_hwm_kib"] - probe["idle_kib"]) * 1024
            mem_rows.append(
                [
                    way,
                    f"{above / MB:.1f}",
                    f"{above / len(merged.data):.2f}x",
                    f"{parsed / len(merged.data):.2f}x",
                    f"{probe['traced_peak_bytes'] / len(merged.data):.2f}x",
                ]
            )
    headers = ["body", "peak MB above idle", "peak / body", "after the parse or shell / body", "traced peak / body"]
    print(table(headers, mem_rows))
    http_memory(merged)


def http_memory(body: Body, requests: int = 3) -> None:
    """Print each process's memory peak over one POST /match of the body, request after request.

    bench/run.py's HTTP figure adds up these peaks (the server's and its workers', each above its
    resident memory just before the request).
    """
    from bench.common import always, post, proc_status_kib, run_load, serving, single_answer
    from bench.run import BENCH_BODY_LIMIT, _tree

    rows = []
    with serving("bench.floor_app:app", env_extra=BENCH_BODY_LIMIT) as server:
        call = post(server.port, f"/match?asOf={AS_OF}", body.data, "match")
        status, _ = single_answer(server.port, call)
        assert status == 200, status
        for number in range(1, requests + 1):
            pids = _tree(server.pid)
            before = {pid: proc_status_kib(pid, "VmRSS") for pid in pids}
            for pid in pids:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            run_load(server.port, always(call), 1, 1, 120)
            peaks = {pid: max(0, proc_status_kib(pid, "VmHWM") - before[pid]) * 1024 for pid in pids}
            server_peak = peaks.pop(server.pid)
            worker_peak = max(peaks.values())
            rows.append(
                [
                    f"{number + 1}",
                    f"{server_peak / len(body.data):.2f}x",
                    f"{worker_peak / len(body.data):.2f}x",
                    f"{(server_peak + sum(peaks.values())) / len(body.data):.2f}x",
                ]
            )
    print(f"\nOne request over HTTP (uvicorn, 2 worker processes), {body.name}, peaks above the memory before:\n")
    print(table(["request", "server process / body", "busiest worker / body", "all added up / body"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (the 12 MB bundle runs a quarter)")
    args = parser.parse_args()
    print(machine_header("Intake: the parsed body against the bytes decoder", sys.argv))
    run(args.rounds)


if __name__ == "__main__":
    main()
