"""The engine side by side with another revision: one typical answer at 5 and 500 trials, catalogue start-up.

    .venv/bin/python bench/engine.py --against main      # or any git revision; --rounds N (default 5)

Both revisions' service/ and criteria/ are measured in one run: the other one is taken with
``git archive`` into a temporary directory, and each round starts one fresh process per
revision (alternating, so a burst of noise from other work on the shared machine spreads over
both), which measures, in order: loading the catalogue (``load_catalog``) and compiling it
(``compile_catalog``) once, then ``repeats`` answers of the typical bundle, bytes in to answer
bytes out as a worker does (orjson.loads, ``match``, ``match_bytes``), on the real 5-trial
catalogue and on bench's grown 500-trial catalogue (clones with shifted thresholds,
``common.grown_catalog``), full answer and ``view=summary``. Times are CPU time of the process
(``time.process_time``): on a shared machine wall time also counts the time other work holds
the cores. Every figure printed is the median over rounds of each round's median.

    .venv/bin/python bench/engine.py --profile 500   # CPU-time cProfile of evaluation alone

prints where evaluating the grown catalogue goes (``PYTHONPATH=<a copy>:.`` profiles another
revision's copy of service/ and criteria/).

    .venv/bin/python bench/engine.py --split 500     # distinct verdicts, stepping, summarising

times the two halves of evaluation apart (this tree only, :func:`split`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: bench/ is importable as a package
CASES = (("5", "full"), ("5", "summary"), ("500", "full"), ("500", "summary"))


def measure(repeats: int) -> dict[str, float]:
    """Return this process's timings in ms (it runs the copy named by TRIALMATCH_BENCH_CODE)."""
    import orjson

    from bench.common import AS_OF, CRITERIA, grown_catalog, typical_body
    from service.answer import match_bytes
    from service.criteria import load_catalog
    from service.pipeline import compile_catalog, match

    clock = time.process_time
    start = clock()
    catalog = load_catalog(CRITERIA)
    loaded = clock()
    compile_catalog(catalog)
    compiled = clock()
    catalogs = {"5": catalog, "500": grown_catalog(catalog, 500)}
    compile_catalog(catalogs["500"])
    body = typical_body().data
    gc.collect()
    gc.freeze()  # as the service's workers do after start-up (service/workers.py)
    out = {"load": (loaded - start) * 1000, "compile": (compiled - loaded) * 1000}
    for trials, view in CASES:
        chosen = catalogs[trials]
        match_bytes(match(orjson.loads(body), chosen, AS_OF), view)  # warm-up
        times = []
        for _ in range(repeats if trials == "5" else max(3, repeats // 5)):
            began = clock()
            match_bytes(match(orjson.loads(body), chosen, AS_OF), view)  # type: ignore[arg-type]
            times.append(clock() - began)
        out[f"{trials} {view}"] = statistics.median(times) * 1000
    return out


def profile(trials: int) -> None:
    """Print a CPU-time cProfile of evaluating every trial for the typical bundle, three times, no cache kept."""
    import cProfile
    import pstats

    import orjson

    from bench.common import AS_OF, CRITERIA, grown_catalog, typical_body
    from service.criteria import load_catalog
    from service.evaluate import Evaluator, evaluate_trial
    from service.pipeline import compile_catalog, read_facts

    catalog = grown_catalog(load_catalog(CRITERIA), trials)
    compiled = compile_catalog(catalog)
    # This tree's plans, or an earlier revision's node keys (before service/evaluate/plan.py).
    shared = getattr(compiled, "plans", None) or getattr(compiled, "node_keys", None)
    facts = read_facts(orjson.loads(typical_body().data), catalog, AS_OF)
    profiler = cProfile.Profile(time.process_time)
    for _ in range(3):
        evaluator = Evaluator(catalog, facts, AS_OF, shared)  # a fresh one per pass, as per request
        profiler.enable()
        for trial in catalog.trials.values():
            evaluate_trial(trial, evaluator)
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(15)


def split(trials: int, repeats: int = 10) -> None:
    """Print where one answer's evaluation goes: distinct verdicts computed, then steps only, then summarising.

    Each repeat evaluates every trial twice with one fresh evaluator: the first pass computes
    every distinct verdict, the second finds them all computed, so it costs only the stepping
    (reading the verdict table and building each line's and part's result). Then summarising
    and ranking. CPU ms, medians; and how the distinct verdicts came out.
    """
    import collections

    import orjson

    from bench.common import AS_OF, CRITERIA, grown_catalog, typical_body
    from service.criteria import load_catalog
    from service.evaluate import Evaluator, evaluate_trial
    from service.pipeline import compile_catalog, read_facts
    from service.rank import rank, summarise

    catalog = grown_catalog(load_catalog(CRITERIA), trials)
    plans = compile_catalog(catalog).plans
    facts = read_facts(orjson.loads(typical_body().data), catalog, AS_OF)
    gc.collect()
    gc.freeze()
    clock = time.process_time
    passes: dict[str, list[float]] = {"first pass": [], "second pass": [], "summarise and rank": []}
    for _ in range(repeats):
        evaluator = Evaluator(catalog, facts, AS_OF, plans)
        began = clock()
        results = [evaluate_trial(trial, evaluator) for trial in catalog.trials.values()]
        first = clock()
        results = [evaluate_trial(trial, evaluator) for trial in catalog.trials.values()]
        second = clock()
        rank([summarise(trial, r) for trial, r in zip(catalog.trials.values(), results, strict=True)])
        passes["first pass"].append(first - began)
        passes["second pass"].append(second - first)
        passes["summarise and rank"].append(clock() - second)
    print(", ".join(f"{name} {statistics.median(times) * 1000:.1f} ms" for name, times in passes.items()))
    verdicts, lines = evaluator.tables(plans)
    outcomes = collections.Counter(v[0].value for v in verdicts if v is not None)
    print(f"{len(verdicts)} distinct verdicts ({dict(outcomes)}), {len(lines)} distinct line verdicts")


def run_copy(code: Path, repeats: int) -> dict[str, float]:
    """Run :func:`measure` in a fresh process on the copy of service/ and criteria/ at ``code``."""
    env = {**os.environ, "TRIALMATCH_BENCH_CODE": str(code), "PYTHONPATH": os.pathsep.join([str(code), str(REPO)])}
    command = [sys.executable, str(Path(__file__)), "--child", str(repeats)]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def take(revision: str | None, into: Path) -> Path:
    """Copy service/ and criteria/ of a git revision (None: the working tree) into a directory."""
    into.mkdir(parents=True)
    if revision is None:
        for name in ("service", "criteria"):
            subprocess.run(["cp", "-r", str(REPO / name), str(into)], check=True)
        return into
    archive = subprocess.run(
        ["git", "archive", revision, "service", "criteria"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    """Print the table: each revision's medians and the ratios that matter."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--against", default="main", help="the git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per revision")
    parser.add_argument("--repeats", type=int, default=15, help="answers per case and process (a fifth at 500)")
    parser.add_argument("--profile", type=int, metavar="TRIALS", help="only profile evaluation at TRIALS trials")
    parser.add_argument("--split", type=int, metavar="TRIALS", help="only split evaluation at TRIALS trials")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return
    if args.split:
        split(args.split)
        return
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return
    with tempfile.TemporaryDirectory(prefix="trialmatch-engine-") as temporary:
        copies = {
            args.against: take(args.against, Path(temporary) / "against"),
            "this tree": take(None, Path(temporary) / "tree"),
        }
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in copies}
        for _ in range(args.rounds):
            for name, code in copies.items():
                rounds[name].append(run_copy(code, args.repeats))
    keys = ["load", "compile", *(f"{t} {v}" for t, v in CASES)]
    medians = {name: {k: statistics.median(r[k] for r in runs) for k in keys} for name, runs in rounds.items()}
    load = os.getloadavg()
    print(f"CPU ms (process time), median of {args.rounds} rounds; load average {load[0]:.1f} {load[1]:.1f}\n")
    print("| | " + " | ".join(keys) + " | 500/5 full | 500/5 summary |")
    print("| --- |" + " ---: |" * (len(keys) + 2))
    for name, row in medians.items():
        ratios = [row["500 full"] / row["5 full"], row["500 summary"] / row["5 summary"]]
        cells = [f"{row[k]:.1f}" for k in keys] + [f"{r:.1f}x" for r in ratios]
        print(f"| {name} | " + " | ".join(cells) + " |")
    before, after = medians[args.against], medians["this tree"]
    speedups = ", ".join(f"{k} {before[k] / after[k]:.2f}x" for k in keys)
    print(f"\n{args.against} / this tree (above 1: this tree is faster): {speedups}")


if __name__ == "__main__":
    main()
