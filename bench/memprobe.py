"""Peak memory of one ``match()`` in a fresh process; run by run.py, prints one JSON line.

Idle = this process's resident memory (VmRSS) after the imports, the catalogue load, its
compilation and one warm-up match of a one-Patient bundle (then gc.freeze(), as the service's
workers do), before the bundle is read. The
peak is the kernel's high-water mark (VmHWM), reset just before reading the bundle by
writing 5 to /proc/self/clear_refs, after reading the file, parsing it, matching and writing the
JSON answer; the
high-water mark is also read after the read and after the parse, to split the peak. A
second pass under tracemalloc gives the peak of Python allocations alone.

    python bench/memprobe.py BUNDLE.json [--trials N [--share-nothing]] [--reference-intake] [--parsed-body]

The body is read into a bytearray and decoded from its bytes as the Bundle routes do
(service.fhir_decode.decode_bundle: only resources of read types are built). ``--parsed-body``
parses it whole with orjson first, as before that decoder; ``--reference-intake`` validates every
read part with fhir.resources, as main did before the typed decoder. bench/intake.py compares them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import AS_OF, CRITERIA, grown_catalog, proc_status_kib
from service import pipeline
from service.answer import match_bytes
from service.criteria import load_catalog
from service.fhir_decode import decode_bundle
from service.intake import BUILT_TYPES, read_bundle
from service.pipeline import compile_catalog, match

TINY = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [{"resource": {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1970-01-01"}}],
}


def _reset_high_water_mark() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _once(
    path: Path, catalog: object, as_of: dt.date, stages: dict[str, int] | None = None, parsed: bool = False
) -> int:
    data = bytearray(path.stat().st_size)  # as the service holds a request body
    with path.open("rb") as stream:
        stream.readinto(data)
    if stages is not None:
        stages["read_hwm_kib"] = proc_status_kib(os.getpid(), "VmHWM")
    # The Bundle routes decode the bytes (service.api.with_bundle); --parsed-body parses them whole.
    document = None if parsed else decode_bundle(data, BUILT_TYPES)
    if document is None:
        document = orjson.loads(data)
    if stages is not None:
        stages["parsed_hwm_kib"] = proc_status_kib(os.getpid(), "VmHWM")
    report = match(document, catalog, as_of)  # type: ignore[arg-type]
    match_bytes(report)  # the answer is written in the worker too
    return len(report.results)


def main() -> None:
    """Measure and print idle, peak and traced memory as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--trials", type=int, default=0)
    parser.add_argument("--share-nothing", action="store_true", help="clones share no logic node")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    parser.add_argument("--reference-intake", action="store_true", help="fhir.resources for every read part")
    parser.add_argument("--parsed-body", action="store_true", help="orjson parses the whole body, as before")
    args = parser.parse_args()
    if args.reference_intake:
        pipeline.read_bundle = functools.partial(read_bundle, fast=False)  # type: ignore[assignment]
    catalog = load_catalog(CRITERIA)
    if args.trials > len(catalog.trials):
        catalog = grown_catalog(catalog, args.trials, args.share_nothing)
    compile_catalog(catalog)
    match_bytes(match(TINY, catalog, args.as_of))
    gc.collect()
    gc.freeze()  # as the service's workers do after start-up
    idle = proc_status_kib(os.getpid(), "VmRSS")
    reset = _reset_high_water_mark()
    started = time.perf_counter()
    stages: dict[str, int] = {}
    results = _once(args.bundle, catalog, args.as_of, stages, args.parsed_body)
    seconds = time.perf_counter() - started
    peak = proc_status_kib(os.getpid(), "VmHWM")
    gc.collect()
    tracemalloc.start()
    _once(args.bundle, catalog, args.as_of, parsed=args.parsed_body)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out = {
        "idle_kib": idle,
        "peak_kib": peak,
        "hwm_reset": reset,
        **stages,
        "traced_peak_bytes": traced_peak,
        "seconds": seconds,
        "trials": len(catalog.trials),
        "results": results,
    }
    print(orjson.dumps(out).decode())


if __name__ == "__main__":
    main()
