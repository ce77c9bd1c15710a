"""Population screening benchmark: patients per second per core, memory against population size, Dask speed-up.

    .venv/bin/python bench/screen.py [--sizes 10000 100000] [--data DIR] [--dask-size 10000] [--rounds 3]

1. End to end (``trialmatch screen`` in a fresh process, all local cores): generated populations
   (``trialmatch synth-population``, seed 0, made under --data if missing) at each size. Wall
   time, patients per second per core, CPU seconds per patient, peak memory (the sum of the
   resident memory of the command and its worker processes, sampled every 0.1 s, and the largest
   single process's high-water mark), and the split of task time per patient by stage.
2. The public Synthea bundles (a folder of Bundle files, one patient each), screened in process
   with one worker, ``--rounds`` times: median seconds per patient.
3. Dask: the --dask-size population on a LocalCluster of one worker process, then of two
   (one thread each), interleaved ``--rounds`` times after a warm-up; median wall and ratio.

Each run's outputs go to a temporary folder. The machine is shared: say so when quoting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CORPUS, machine_header, table

AS_OF = dt.date(2026, 11, 22)
REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _tree_rss_kib(root: int) -> int:
    """Return the summed VmRSS of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for folder in Path("/proc").iterdir():
        entry = folder.name
        if not entry.isdigit():
            continue
        try:
            status = (folder / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_command(args: list[str]) -> dict[str, Any]:
    """Run a command, sampling its process tree's memory; return wall, CPU, peaks."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.1)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise RuntimeError(f"{args} exited {process.returncode}: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_tree_mib": peak / 1024, "peak_process_mib": after.ru_maxrss / 1024}


def population(data: Path, size: int) -> Path:
    """Return the generated export of ``size`` patients, making it if missing."""
    folder = data / f"pop-{size // 1000}k" if size % 1000 == 0 else data / f"pop-{size}"
    if not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        run_command([PYTHON, "-m", "service.cli", "synth-population", "--patients", str(size), "--out", str(folder)])
    return folder


def end_to_end(data: Path, sizes: list[int], cores: int) -> str:
    """Section 1: the command on generated populations of each size."""
    rows = []
    stage_rows = []
    for size in sizes:
        source = population(data, size)
        source_mb = sum(p.stat().st_size for p in source.iterdir()) / 1e6
        with tempfile.TemporaryDirectory(prefix="screen-bench-") as out:
            measured = run_command(
                [
                    PYTHON,
                    "-m",
                    "service.cli",
                    "screen",
                    str(source),
                    "--as-of",
                    AS_OF.isoformat(),
                    "--out",
                    out,
                    "--quiet",
                ]
            )
            summary = orjson.loads((Path(out) / "summary.json").read_bytes())
        patients = summary["patients"] + summary["skipped"]
        rate = patients / measured["wall"]
        # CPU time of the tasks (each measured with process_time in its worker) plus the final write:
        # what a patient costs on a core, whatever else the shared machine was doing.
        cpu_ms = 1000 * (sum(summary["task_seconds"].values()) + summary["seconds"]["write outputs"]) / patients
        rows.append(
            [
                f"generated, {size:,}",
                f"{source_mb:,.0f}",
                summary["partitions"],
                f"{measured['wall']:.1f}",
                f"{rate:.0f}",
                f"{rate / cores:.0f}",
                f"{cpu_ms:.2f}",
                f"{1000 / cpu_ms:.0f}",
                f"{measured['peak_tree_mib']:.0f}",
                f"{measured['peak_process_mib']:.0f}",
            ]
        )
        task = summary["task_seconds"]
        stage_rows.append(
            [f"generated, {size:,}"]
            + [f"{1000 * task.get(k, 0) / patients:.3f}" for k in STAGES]
            + [f"{1000 * summary['seconds']['write outputs'] / patients:.3f}"]
        )
    headers = [
        "population",
        "source MB",
        "partitions",
        "wall s",
        "patients/s",
        "patients/s/core",
        "CPU ms/patient (tasks)",
        "patients/CPU-s",
        "peak MiB (all processes)",
        "peak MiB (largest process)",
    ]
    stage_headers = ["population", *[f"{k} ms" for k in STAGES], "write outputs ms"]
    return (
        "### 1. End to end: `trialmatch screen` on generated exports, all local cores\n\n"
        + table(headers, rows)
        + "\n\n#### Where the time goes: CPU milliseconds per patient by stage (summed over workers)\n\n"
        + table(stage_headers, stage_rows)
    )


STAGES = (
    "load catalogue",
    "read",
    "parse and filter",
    "write spill",
    "group",
    "build bundle",
    "match",
    "write results",
)


def synthea(rounds: int) -> str:
    """Section 2: the public Synthea bundles as a Bundle folder, in process, one worker."""
    from service.screen import screen

    files = sorted(p for group in ("synthea-smart", "synthea-hiv-google") for p in (CORPUS / group).glob("*.json"))
    with tempfile.TemporaryDirectory(prefix="screen-synthea-") as tmp:
        folder = Path(tmp) / "bundles"
        folder.mkdir()
        for path in files:
            shutil.copy(path, folder / path.name)
        megabytes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        screen(folder, Path(tmp) / "warm", AS_OF, workers=1)  # loads the catalogue once
        walls, cpus = [], []
        for number in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            result = screen(folder, Path(tmp) / f"out{number}", AS_OF, workers=1)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        patients = result.patients
        seconds = result.tally.seconds
    per = 1000 * statistics.median(walls) / patients
    cpu_per = 1000 * statistics.median(cpus) / patients
    rows = [
        [
            f"{patients} patients, {len(files)} files",
            f"{megabytes:.1f}",
            f"{megabytes / patients:.2f}",
            f"{per:.1f}",
            f"{cpu_per:.1f}",
            f"{1000 / cpu_per:.0f}",
            f"{1000 * seconds.get('parse and filter', 0) / patients:.1f}",
            f"{1000 * seconds.get('match', 0) / patients:.1f}",
        ]
    ]
    return "### 2. The public Synthea bundles (Bundle folder, in process, one worker)\n\n" + table(
        [
            "input",
            "MB",
            "MB/patient",
            "wall ms/patient",
            "CPU ms/patient",
            "patients/CPU-s",
            "parse CPU ms",
            "match CPU ms",
        ],
        rows,
    )


def dask_speedup(data: Path, size: int, rounds: int) -> str:
    """Section 3: a LocalCluster of one worker process against one of two."""
    from distributed import Client, LocalCluster

    from service.screen import screen

    source = population(data, size)
    walls: dict[int, list[float]] = {1: [], 2: []}
    clusters = {
        n: LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") for n in (1, 2)
    }
    try:
        clients = {n: Client(c) for n, c in clusters.items()}
        with tempfile.TemporaryDirectory(prefix="screen-dask-") as tmp:
            for n, client in clients.items():  # warm-up: every worker loads the catalogue
                screen(population(data, 200), Path(tmp) / f"warm{n}", AS_OF, scheduler=client)
            for number in range(rounds):
                for n, client in clients.items():
                    started = time.perf_counter()
                    result = screen(source, Path(tmp) / f"out{n}-{number}", AS_OF, scheduler=client)
                    walls[n].append(time.perf_counter() - started)
        for client in clients.values():
            client.close()
    finally:
        for cluster in clusters.values():
            cluster.close()
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    rows = [
        ["1 worker", f"{one:.1f}", f"{result.patients / one:.0f}", "1.00"],
        ["2 workers", f"{two:.1f}", f"{result.patients / two:.0f}", f"{one / two:.2f}"],
    ]
    return f"### 3. Dask LocalCluster, {size:,} generated patients, median of {rounds}\n\n" + table(
        ["cluster", "wall s", "patients/s", "speed-up"], rows
    )


def main() -> None:
    """Run the sections asked for and print markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trialmatch-screen-bench")
    parser.add_argument("--dask-size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["generated", "synthea", "dask"])
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    print(machine_header("trialmatch population screening benchmark", sys.argv))
    if "generated" not in args.skip:
        print(end_to_end(args.data, args.sizes, cores), "\n", flush=True)
    if "synthea" not in args.skip:
        print(synthea(args.rounds), "\n", flush=True)
    if "dask" not in args.skip:
        print(dask_speedup(args.data, args.dask_size, args.rounds), "\n", flush=True)


if __name__ == "__main__":
    main()
