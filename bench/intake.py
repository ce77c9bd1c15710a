"""Intake before and after the typed decoder, side by side in one run (issue 11, part 1).

``.venv/bin/python bench/intake.py [--rounds N]``. For the typical bundle, the largest Synthea
bundle and the 12 MB merged bundle: the median of ``orjson.loads``, of ``read_bundle`` (intake)
and of bytes in to answer bytes out (``orjson.loads``, ``match()``, ``match_bytes``), with every
read resource validated by its fhir.resources model ("reference", the code on main) and with
the typed Structs of service.fhir_decode ("fast"). Rounds are interleaved (every bundle, both
ways, then the next round) so the noise of this shared machine spreads over every row. Then the
peak memory (tracemalloc) of one 12 MB request in process, both ways, above the body.
"""

from __future__ import annotations

import argparse
import functools
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from bench.common import (  # noqa: E402
    AS_OF,
    CRITERIA,
    MB,
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
from service import pipeline  # noqa: E402
from service.answer import match_bytes  # noqa: E402
from service.criteria import Catalog, load_catalog  # noqa: E402
from service.intake import read_bundle  # noqa: E402

WAYS = {"reference": False, "fast": True}


def use(fast: bool) -> None:
    """Make match() read bundles the given way."""
    pipeline.read_bundle = functools.partial(read_bundle, fast=fast)  # type: ignore[assignment]


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
                document = orjson.loads(body.data)
                took.setdefault((body.name, way, "intake"), []).append(
                    timed(lambda: read_bundle(document, read_filter, 100_000, AS_OF, fast=fast))  # noqa: B023
                )
                del document
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
    print(f"\nPeak memory of one request in process (tracemalloc), {merged.name}, {merged.megabytes:.1f} MB body:\n")
    mem_rows = []
    for way, fast in WAYS.items():
        use(fast)
        gc.collect()
        tracemalloc.start()
        match_bytes(pipeline.match(orjson.loads(merged.data), catalog, AS_OF))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mem_rows.append([way, f"{peak / MB:.1f}", f"{peak / len(merged.data):.2f}x"])
    print(table(["intake", "peak MB above the body", "peak / body"], mem_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (the 12 MB bundle runs a quarter)")
    args = parser.parse_args()
    print(machine_header("Intake: fhir.resources against typed Structs", sys.argv))
    run(args.rounds)


if __name__ == "__main__":
    main()
