"""Intake before and after the typed decoder, side by side in one run (issue 11, part 1).

``.venv/bin/python bench/intake.py [--rounds N]``. For the typical bundle, the largest Synthea
bundle and the 12 MB merged bundle: the median of ``orjson.loads``, of ``read_bundle`` (intake)
and of bytes in to answer bytes out (``orjson.loads``, ``match()``, ``match_bytes``), with every
read resource validated by its fhir.resources model ("reference", the code on main) and with
the typed Structs of service.fhir_decode ("fast"). The reference way is main's intake exactly:
``fast=False`` validates every read part with fhir.resources, and the per-Bundle memo of which
texts matched a value set is emptied at every call, as main has none. Rounds are interleaved (every bundle, both
ways, then the next round) so the noise of this shared machine spreads over every row. Then the
memory of one 12 MB request in a fresh process, both ways (bench/memprobe.py: peak resident
memory above idle, and the peak of Python allocations under tracemalloc).
"""

from __future__ import annotations

import argparse
import functools
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
from service import (
    intake,
    pipeline,
)
from service.answer import match_bytes
from service.criteria import Catalog, load_catalog
from service.intake import read_bundle

WAYS = {"reference": False, "fast": True}
MEMO = intake._concept_matches


def _without_memo(concept: Any, matcher: Any, seen: Any) -> bool:
    return MEMO(concept, matcher, {})


def use(fast: bool) -> None:
    """Make match() and read_bundle read bundles the given way (reference: as main does)."""
    pipeline.read_bundle = functools.partial(read_bundle, fast=fast)  # type: ignore[assignment]
    intake._concept_matches = MEMO if fast else _without_memo  # type: ignore[assignment]


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
    for body in inputs:  # warm-up; both ways give the same answer bytes
        answers = set()
        for fast in WAYS.values():
            use(fast)
            answers.add(match_bytes(pipeline.match(orjson.loads(body.data), catalog, AS_OF)))
        assert len(answers) == 1, body.name
    gc.collect()
    gc.freeze()  # as the service's workers do after start-up
    took: dict[tuple[str, str, str], list[float]] = {}
    for round_ in range(rounds):
        for body in inputs:
            if body.megabytes > 5 and round_ >= max(3, rounds // 4):
                continue
            for way, fast in WAYS.items():
                use(fast)
                read = functools.partial(read_bundle, orjson.loads(body.data), read_filter, 100_000, AS_OF, fast=fast)
                took.setdefault((body.name, way, "intake"), []).append(timed(read))
                del read
                gc.collect()
                took.setdefault((body.name, way, "parse"), []).append(timed(lambda: orjson.loads(body.data)))  # noqa: B023
                gc.collect()
                took.setdefault((body.name, way, "answer"), []).append(
                    timed(lambda: match_bytes(pipeline.match(orjson.loads(body.data), catalog, AS_OF)))  # noqa: B023
                )
                gc.collect()
    rows = []
    for body in inputs:
        ref = {k: median(took[(body.name, "reference", k)]) for k in ("parse", "intake", "answer")}
        new = {k: median(took[(body.name, "fast", k)]) for k in ("parse", "intake", "answer")}
        parse = median(took[(body.name, "reference", "parse")] + took[(body.name, "fast", "parse")])
        rows.append(
            [
                f"{body.name} ({body.megabytes:.2f} MB)",
                f"{parse * 1000:.2f}",
                f"{ref['intake'] * 1000:.2f}",
                f"{new['intake'] * 1000:.2f}",
                f"{ref['intake'] / new['intake']:.1f}x",
                f"{ref['answer'] * 1000:.2f}",
                f"{new['answer'] * 1000:.2f}",
                f"{ref['answer'] / parse:.2f}x",
                f"{new['answer'] / parse:.2f}x",
            ]
        )
    print(
        table(
            [
                "bundle",
                "orjson.loads ms",
                "intake ms, reference",
                "intake ms, fast",
                "intake speed-up",
                "answer ms, reference",
                "answer ms, fast",
                "answer / loads, reference",
                "answer / loads, fast",
            ],
            rows,
        )
    )
    merged = inputs[-1]
    print(f"\nOne request in a fresh process (bench/memprobe.py), {merged.name}, {merged.megabytes:.1f} MB:\n")
    mem_rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "merged.json"
        path.write_bytes(merged.data)
        for way, fast in WAYS.items():
            command = [sys.executable, str(REPO / "bench" / "memprobe.py"), str(path)]
            command += [] if fast else ["--reference-intake"]
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
    headers = ["intake", "peak MB above idle", "peak / body", "after the parse / body", "traced peak / body"]
    print(table(headers, mem_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (the 12 MB bundle runs a quarter)")
    args = parser.parse_args()
    print(machine_header("Intake: fhir.resources against typed Structs", sys.argv))
    run(args.rounds)


if __name__ == "__main__":
    main()
