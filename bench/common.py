"""What run.py and load.py share: inputs, the machine header, the server and the HTTP client.

Inputs are built in memory and never written under criteria/ or tests/: the 12 MB bundle
(several Synthea patients merged under one Patient), prefixes of it for the growth table,
and catalogues grown by cloning the real trials with shifted thresholds.

The load client is a small asyncio HTTP/1.1 keep-alive client written against the raw
socket, one connection per concurrent caller. It runs on the same two cores as the server,
so it is kept cheap: it sends pre-built request bytes and reads responses by Content-Length
(or chunks), which costs far less CPU per request than a general-purpose client.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from bench import snapshot  # first: the service is imported from the copy it takes now

if TYPE_CHECKING:
    from service.criteria import Catalog

REPO = snapshot.REPO
CODE = snapshot.CODE  # the copy of service/ and criteria/ this run measures
CRITERIA = CODE / "criteria"
CORPUS = Path(os.environ.get("TRIALMATCH_CORPUS", "/work/shared/corpus/external"))
TYPICAL_BUNDLE = REPO / "tests" / "cases" / "bundles" / "hbv_decompensated_baseline.json"
AS_OF = dt.date(2026, 11, 22)
MB = 1_000_000

# -- the machine -----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def code_fingerprint(root: Path = CODE) -> str:
    """Return a short hash of service/ and criteria/ under ``root`` (by default, the code measured)."""
    digest = hashlib.sha256()
    for folder in ("service", "criteria"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yaml", ".json"):
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def changed_during_run() -> str:
    """Return a note if the working tree's service/ or criteria/ no longer match the copy measured."""
    if CODE == REPO or code_fingerprint(REPO) == code_fingerprint(CODE):
        return ""
    return (
        "\nNote: service/ or criteria/ changed in the working tree during the run; every section measured the "
        f"copy taken at the start (content hash {code_fingerprint(CODE)})."
    )


def machine_header(title: str, argv: Sequence[str]) -> str:
    """Return the markdown header every run prints: machine, date, commit, versions."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    status = _git("status", "--porcelain", "--", "service", "criteria")
    changed = [line.split(maxsplit=1)[1] for line in status.splitlines() if line.strip()]
    dirty = f", with uncommitted changes in {', '.join(changed)}" if changed else ""
    mem_total = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    packages = ", ".join(
        f"{name} {_version(name)}"
        for name in ("orjson", "pydantic", "fhir.resources", "fastapi", "uvicorn", "uvloop", "httptools")
    )
    lines = [
        f"# {title}",
        "",
        f"- command: `{' '.join([Path(sys.executable).name, *argv])}`",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; git commit {commit}{dirty}; measured service/ "
        f"and criteria/ with content hash {code_fingerprint()}" + (" (copied at the start)" if CODE != REPO else ""),
        f"- machine: {os.cpu_count()} CPUs (nproc), {_cpu_model()}, {mem_total} RAM, "
        f"{platform.system()} {platform.release()}; load average at start {load}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {packages}",
        "- MB = 10^6 bytes; the benchmark, the load client and the server share the same cores.",
    ]
    return "\n".join(lines)


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """A request body and where it came from."""

    name: str
    data: bytes
    entries: int

    @property
    def megabytes(self) -> float:
        """Return the size in MB (10^6 bytes)."""
        return len(self.data) / MB


def load_body(path: Path, name: str | None = None) -> Body:
    """Read a bundle file as it is shipped (bytes unchanged)."""
    data = path.read_bytes()
    document = orjson.loads(data)
    return Body(name or path.stem, data, len(document.get("entry", [])))


def typical_body() -> Body:
    """Return the typical hepatology bundle (about 100 entries) the case suite is built on."""
    return load_body(TYPICAL_BUNDLE, "typical hepatology (hbv_decompensated_baseline)")


def short_name(path: Path) -> str:
    """Return 'Fletcher_Hyatt' for a Synthea file name with a uuid suffix."""
    return re.sub(r"_[0-9a-f]{8}-[0-9a-f-]{27}$", "", path.stem)


def synthea_patient_files() -> list[Path]:
    """Return every Synthea bundle of the corpus that holds a Patient, smallest first."""
    files = []
    for folder in ("synthea-smart", "synthea-hiv-google"):
        for path in sorted((CORPUS / folder).glob("*.json")):
            document = orjson.loads(path.read_bytes())
            entries = document.get("entry", []) if isinstance(document, dict) else []
            if any((e.get("resource") or {}).get("resourceType") == "Patient" for e in entries):
                files.append(path)
    if not files:
        raise SystemExit(f"no Synthea bundles under {CORPUS}; set TRIALMATCH_CORPUS")
    return sorted(files, key=lambda p: p.stat().st_size)


def _patient_of(entries: list[dict[str, Any]]) -> dict[str, Any]:
    for entry in entries:
        if (entry.get("resource") or {}).get("resourceType") == "Patient":
            return entry
    raise ValueError("bundle has no Patient")


def entry_size(entry: dict[str, Any]) -> int:
    """Return the bytes an entry takes inside a Bundle serialised by :func:`bundle_bytes`."""
    text = orjson.dumps(entry, option=orjson.OPT_INDENT_2)
    return len(text) + 4 * (text.count(b"\n") + 1) + 2  # two levels deeper, and ",\n"


def merged_entries(target_bytes: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Merge the largest synthea-smart patients under the first one's Patient, up to the target size.

    Every reference to another patient (``urn:uuid:<id>`` and ``Patient/<id>``) is rewritten
    to the first Patient and the other Patient entries are dropped, so the result is a valid
    one-patient Bundle. Whole bundles are added largest first; the last one is cut at an
    entry boundary so the result (serialised with a 2-space indent) is close to the target.
    """
    files = sorted((CORPUS / "synthea-smart").glob("*.json"), key=lambda p: -p.stat().st_size)
    entries: list[dict[str, Any]] = []
    sources: list[str] = []
    size = 0
    first_id = ""
    for path in files:
        raw = path.read_bytes()
        document = orjson.loads(raw)
        try:
            patient = _patient_of(document.get("entry", []))
        except ValueError:
            continue
        other_id = patient["resource"]["id"]
        if not first_id:
            first_id = other_id
        else:
            raw = raw.replace(f"urn:uuid:{other_id}".encode(), f"urn:uuid:{first_id}".encode())
            raw = raw.replace(f"Patient/{other_id}".encode(), f"Patient/{first_id}".encode())
            document = orjson.loads(raw)
        taken = 0
        for entry in document.get("entry", []):
            is_patient = (entry.get("resource") or {}).get("resourceType") == "Patient"
            if is_patient and entries:
                continue
            size += entry_size(entry)
            entries.append(entry)
            taken += 1
            if size >= target_bytes:
                break
        sources.append(f"{short_name(path)} ({taken} entries)")
        if size >= target_bytes:
            break
    return entries, sources


def bundle_bytes(entries: list[dict[str, Any]]) -> bytes:
    """Serialise entries as a collection Bundle with a 2-space indent, like the corpus files."""
    return orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}, option=orjson.OPT_INDENT_2)


def prefix_body(entries: list[dict[str, Any]], target_bytes: int, name: str) -> Body:
    """Return the Bundle of the shortest prefix of ``entries`` reaching the target size."""
    size = 0
    count = 0
    for entry in entries:
        size += entry_size(entry)
        count += 1
        if size >= target_bytes:
            break
    return Body(name, bundle_bytes(entries[:count]), count)


DATE_FIELDS = re.compile(
    rb'"(?:effectiveDateTime|issued|onsetDateTime|recordedDate|authoredOn|performedDateTime|start|end)"'
    rb'\s*:\s*"(\d{4}-\d{2}-\d{2})'
)


def day_after_last_record(data: bytes) -> dt.date:
    """Return the day after the latest clinical date in a bundle (the as-of that reads most)."""
    days = [m.group(1).decode() for m in DATE_FIELDS.finditer(data)]
    return dt.date.fromisoformat(max(days)) + dt.timedelta(days=1) if days else AS_OF


# -- catalogues ------------------------------------------------------------------------------

MAX_SHIFT = 0.07  # thresholds move by at most 7 %
GOLDEN = 0.6180339887


def clone_factor(number: int) -> float:
    """Return the threshold factor of clone ``number``: distinct for every clone, within 1 +/- 7 %."""
    return 1 + MAX_SHIFT * (2 * ((number * GOLDEN) % 1) - 1)


def _scaled_days(days: object, factor: float) -> object:
    return max(1, round(days * factor)) if isinstance(days, int) else days


def _shift_thresholds(node: Any, factor: float, unique_days: int = 0) -> None:
    """Shift every numeric threshold of a dumped logic tree by ``factor``, in place.

    Lab and score values and ranges, upper-limit-of-normal multiples, look-back windows and
    durations are multiplied; age bounds move by up to two years. Value-set membership,
    sex and allergy tests have no threshold and stay as they are, unless ``unique_days`` is
    given: then every record test read "ever" becomes "within ``unique_days`` days" (a century
    or more), so that no clone shares a test with another.
    """
    if isinstance(node, list | tuple):  # model_dump keeps tuples (all, any, parts) as tuples
        for child in node:
            _shift_thresholds(child, factor, unique_days)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(value, list | tuple):
            _shift_thresholds(value, factor, unique_days)
        elif not isinstance(value, dict):
            continue
        elif key in ("lab", "score", "lab_uln", "lab_positive"):
            for bound in ("value", "min", "max", "factor"):
                if isinstance(value.get(bound), int | float):
                    value[bound] = round(value[bound] * factor, 4)
            if "within_days" in value:
                value["within_days"] = _scaled_days(value["within_days"], factor)
        elif key in ("condition", "medication", "procedure", "medication_duration"):
            if "days" in value:
                value["days"] = _scaled_days(value["days"], factor)
            elif unique_days and value.get("when", "ever") == "ever" and key != "medication_duration":
                value["when"], value["days"] = "within", unique_days
        elif key == "age":
            years = round((factor - 1) / MAX_SHIFT * 2)
            if isinstance(value.get("min"), int):
                value["min"] = max(0, value["min"] + years)
            if isinstance(value.get("max"), int):
                value["max"] = max(value.get("min") or 0, value["max"] + years)
        else:
            _shift_thresholds(value, factor, unique_days)  # a nested node: not, logic


def grown_catalog(catalog: Catalog, total: int, share_nothing: bool = False) -> Catalog:
    """Return a catalogue of ``total`` trials: the real ones plus clones with shifted thresholds.

    Clone n copies real trial n mod 5 with every numeric threshold shifted by its own factor
    (:func:`clone_factor`), so no two clones are equal, while tests without a number (value
    sets, sex) stay shared, as they would be across real trials of one disease. Clones get ids
    NCT9xxxxxxx and a title saying they are benchmark clones; they exist only in memory. The
    value sets, analytes and units stay shared with the real catalogue. ``share_nothing`` also
    gives every clone's "ever" record tests a window of its own, so clones share no test.
    """
    from service.criteria import Trial

    real = list(catalog.trials.values())
    trials = dict(catalog.trials)
    number = 0
    while len(trials) < total:
        source = real[number % len(real)]
        number += 1
        factor = clone_factor(number)
        data = source.model_dump(by_alias=True, exclude_none=True)
        data["id"] = f"NCT9{number:07d}"
        data["title"] = f"[benchmark clone of {source.id}, thresholds x{factor:.3f}] {source.title}"
        for criterion in data["criteria"]:
            _shift_thresholds(criterion, factor, 36_500 + number if share_nothing else 0)
        clone = Trial.model_validate(data)
        trials[clone.id] = clone
    return dataclasses.replace(catalog, trials=trials)


def distinct_nodes(catalog: Catalog) -> tuple[int, int]:
    """Return (distinct, all) logic nodes of a catalogue, equal meaning equal JSON."""
    from service.criteria import walk_trial

    dumps = [node.model_dump_json(by_alias=True) for t in catalog.trials.values() for _, node in walk_trial(t)]
    return len(set(dumps)), len(dumps)


# -- timing and tables -----------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """Return the median (nan for no values)."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """Return the nearest-rank percentile (q in 0..100) of the values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Format seconds as milliseconds with sensible precision."""
    if math.isnan(seconds):
        return "-"
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """Return a markdown table; ``align`` has one letter per column (l or r), default left then right."""
    align = align or "l" + "r" * (len(headers) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Return (intercept, slope, R squared) of the least-squares line through the points."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx if sxx else math.nan
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    return intercept, slope, r2


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def proc_status_kib(pid: int, key: str) -> int:
    """Return a /proc/<pid>/status memory field (VmRSS, VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Server:
    """A uvicorn subprocess serving one app on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        """Return the server's process id."""
        return self.process.pid

    def rss_kib(self) -> int:
        """Return the server's resident memory in KiB."""
        return proc_status_kib(self.pid, "VmRSS")

    def log_tail(self, lines: int = 20) -> str:
        """Return the end of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as error:  # the log's folder can be gone once the server is stopped
            return f"(no log: {error.strerror})"


def start_server(
    app: str, timeout: float = 240.0, launcher: str = "uvicorn", env_extra: dict[str, str] | None = None
) -> Server:
    """Start ``app`` (one worker, loopback) and wait for /health.

    ``launcher`` "service" runs ``python -m service.server app``, the function ``trialmatch serve``
    calls (h11, bounded heads and timeouts); "uvicorn" runs plain ``uvicorn app`` with flags that
    mirror it (no access log, no server header); "httptools" and "h11" run plain uvicorn with that
    HTTP implementation and no other limits, to compare. ``env_extra`` adds TRIALMATCH_* settings.
    """
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="trialmatch-bench-", suffix=".log")[1])
    env = dict(os.environ, TRIALMATCH_CRITERIA_DIR=str(CRITERIA), PYTHONPATH=os.pathsep.join([str(CODE), str(REPO)]))
    env.update(TRIALMATCH_HOST="127.0.0.1", TRIALMATCH_PORT=str(port), TRIALMATCH_LOG_LEVEL="warning")
    env.update(env_extra or {})
    if launcher == "service":
        command = [sys.executable, "-m", "service.server", app]
    else:
        command = [sys.executable, "-m", "uvicorn", app, "--app-dir", str(CODE), "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", "1", "--no-access-log", "--no-server-header"]
        command += ["--log-level", "warning"]
        if launcher in ("httptools", "h11"):
            command += ["--http", launcher]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=CODE, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    tail = server.log_tail()  # read before stopping: stopping removes the log
    stop_server(server)
    raise RuntimeError(f"server did not answer /health within {timeout:.0f} s:\n{tail}")


def stop_server(server: Server) -> None:
    """Stop the server process (this process's child, by its id) and remove its log."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)
    server.log_path.unlink(missing_ok=True)


@contextmanager
def serving(app: str, launcher: str = "uvicorn", env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    """Run a server for the duration of a ``with`` block."""
    server = start_server(app, launcher=launcher, env_extra=env_extra)
    try:
        yield server
    finally:
        stop_server(server)


# -- the load client -------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One pre-built HTTP request, and the answer it must get (None: any 200)."""

    label: str
    head: bytes
    body: bytes
    expected: bytes | None = None


def post(port: int, path: str, body: bytes, label: str, expected: bytes | None = None) -> Call:
    """Build a keep-alive ``POST`` of a FHIR JSON body."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/fhir+json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return Call(label, head, body, expected)


@dataclass(frozen=True)
class Sample:
    """What one request got."""

    label: str
    start: float
    latency: float
    status: int
    error: str | None
    wrong: bool


@dataclass
class LoadResult:
    """All samples of one run and its wall time."""

    samples: list[Sample] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> list[Sample]:
        """Return the samples answered 200 with the right body."""
        return [s for s in self.samples if s.error is None and s.status == 200 and not s.wrong]

    @property
    def errors(self) -> int:
        """Return the number of failed requests (connection error or status other than 200)."""
        return sum(1 for s in self.samples if s.error is not None or s.status != 200)

    @property
    def wrong(self) -> int:
        """Return the number of 200 answers whose body differs from the expected one."""
        return sum(1 for s in self.samples if s.error is None and s.status == 200 and s.wrong)

    def rps(self) -> float:
        """Return completed requests per second of wall time."""
        return len(self.samples) / self.elapsed if self.elapsed else math.nan

    def latencies(self) -> list[float]:
        """Return every request's latency in seconds."""
        return [s.latency for s in self.samples]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return status, b"".join(parts)
    if length is None:
        raise ConnectionError("response without Content-Length or chunked encoding")
    return status, await reader.readexactly(length)


async def drive(
    port: int,
    pick: Callable[[int], Call],
    concurrency: int,
    max_requests: int,
    time_cap: float,
    on_sample: Callable[[Sample], None] | None = None,
) -> LoadResult:
    """Send up to ``max_requests`` requests from ``concurrency`` keep-alive connections.

    Callers stop taking new requests after ``time_cap`` seconds. A request is not retried:
    a broken connection counts as an error and the caller reconnects for the next one.
    """
    result = LoadResult()
    counter = iter(range(max_requests))
    started = time.perf_counter()
    deadline = started + time_cap

    async def caller() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for index in counter:
            if time.perf_counter() > deadline:
                break
            call = pick(index)
            begin = time.perf_counter()
            status, error, wrong = 0, None, False
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
                writer.write(call.head)
                writer.write(call.body)
                await writer.drain()
                status, body = await asyncio.wait_for(_read_response(reader), timeout=120)
                wrong = status == 200 and call.expected is not None and body != call.expected
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
                error = type(exc).__name__
                if writer is not None:
                    writer.close()
                reader = writer = None
            sample = Sample(call.label, begin - started, time.perf_counter() - begin, status, error, wrong)
            result.samples.append(sample)
            if on_sample is not None:
                on_sample(sample)
        if writer is not None:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def always(call: Call) -> Callable[[int], Call]:
    """Return a request picker that sends the same request every time."""
    return lambda _: call


def run_load(
    port: int, pick: Callable[[int], Call], concurrency: int, max_requests: int, time_cap: float
) -> LoadResult:
    """Run :func:`drive` to completion in a fresh event loop."""
    return asyncio.run(drive(port, pick, concurrency, max_requests, time_cap))


def single_answer(port: int, call: Call) -> tuple[int, bytes]:
    """Send one request on its own and return (status, body): the reference answer."""

    async def once() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        try:
            writer.write(call.head)
            writer.write(call.body)
            await writer.drain()
            return await asyncio.wait_for(_read_response(reader), timeout=120)
        finally:
            writer.close()

    return asyncio.run(once())
