"""Latency while the worker processes are recycled: 3 rounds of 200 typical requests at concurrency 8.

``bench.floor_app:app`` with its default two worker processes, each replaced after
``service.workers.RECYCLE_AFTER`` requests (200), so one of the rounds crosses a recycling.
Every answer is compared byte for byte with the single-request answer. Prints, per round, the
counts of (status, client error, wrong answer), the median and maximum latency, and the
requests slower than 0.5 s (start offset and latency, seconds), and the ids of the server's
worker processes after the round (so a round that recycled them shows it), and once more after
10 s idle (workers that were replaced have exited by then).

    .venv/bin/python bench/recycle.py
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, always, post, run_load, serving, single_answer

BUNDLE = REPO / "tests/cases/bundles/hbv_decompensated_baseline.json"
ENV = {"TRIALMATCH_MAX_BODY_BYTES": str(32 << 20), "TRIALMATCH_REQUEST_TIMEOUT_SECONDS": "300"}
ROUNDS, REQUESTS, CONCURRENCY, STALL, PAUSE = 3, 200, 8, 0.5, 10


def workers(pid: int) -> list[int]:
    """The ids of the worker processes the server ``pid`` started (any of its threads may start them)."""
    children = [
        int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()
    ]
    return sorted(c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes())


def main() -> None:
    """Run the rounds and print one line each."""
    body = BUNDLE.read_bytes()
    with serving("bench.floor_app:app", env_extra=ENV) as server:
        call = post(server.port, "/match?asOf=2026-11-22", body, "typical")
        _, reference = single_answer(server.port, call)
        call = post(server.port, "/match?asOf=2026-11-22", body, "typical", expected=reference)
        for round_ in range(ROUNDS):
            result = run_load(server.port, always(call), CONCURRENCY, REQUESTS, 60)
            latencies = sorted(s.latency for s in result.samples)
            counts = collections.Counter((s.status, s.error, s.wrong) for s in result.samples)
            stalls = [(round(s.start, 2), round(s.latency, 2)) for s in result.samples if s.latency > STALL]
            print(
                f"round {round_}: {dict(counts)} p50 {latencies[len(latencies) // 2] * 1e3:.0f} ms"
                f" max {latencies[-1] * 1e3:.0f} ms stalls>{STALL}s {len(stalls)} {stalls[:12]}"
                f" workers {workers(server.process.pid)}",
                flush=True,
            )
        time.sleep(PAUSE)
        print(f"after {PAUSE} s idle: workers {workers(server.process.pid)}", flush=True)


if __name__ == "__main__":
    main()
