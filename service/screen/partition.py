"""The two passes of a screening run: filter and partition, then group and match each partition.

Pass 1 (one task per chunk of the source) parses each line, keeps Patients and the resources a
criterion reads (``ReadFilter.wants``, the intake's own pre-filter, so nothing is kept that
``POST /match`` would pass over and nothing it reads is dropped), and appends each kept line,
as read, to the spill file of its patient's partition (a CRC-32 of the patient id modulo the
partition count). A Bundle (one patient's record) is matched whole, exactly as ``POST /match``
would match it, and only its compact result is spilled. A line whose first key names a resource
type intake never reads (Encounter, Claim...) is dropped without being parsed; a resource that
names its resourceType twice (FHIR JSON forbids duplicate keys) is taken by its first. Spill
buffers are flushed to disk past ``FLUSH_BYTES``, so a task holds a few megabytes whatever the
export's size.

Pass 2 (one task per partition) reads that partition's spill files in source order, groups the
lines by patient, builds each patient's Bundle (the patient's kept resources in source order,
plus the Medications they reference) and calls ``service.pipeline.match`` on it: the same
core, the same as-of date, so the verdicts are those of ``POST /match`` on that Bundle. It
writes one result line per patient, sorted by patient id, and returns a ``Tally``.

Each task writes into a temporary folder renamed when complete, so an interrupted run leaves
only whole task outputs behind and a rerun does the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from service.criteria import Catalog, load_catalog
from service.errors import ClientError
from service.fhir_decode import Reparse, decode_bundle, resource_of_type
from service.intake import BUILT_TYPES, MODELS, reference_key
from service.logic import Outcome
from service.pipeline import MatchReport, compile_catalog, match
from service.rank import Status
from service.screen.bulk import Chunk, Unit, patient_of, read_units

FLUSH_BYTES = 8 * 1024 * 1024
OUTCOME_LETTERS = {Outcome.PASS: "p", Outcome.FAIL: "f", Outcome.UNKNOWN: "u", Outcome.REVIEW: "r"}
LETTER_INDEX = {"p": 0, "f": 1, "u": 2, "r": 3}
_LEADING_TYPE = re.compile(rb'\{\s*"resourceType"\s*:\s*"([A-Za-z]{1,64})"')
_KEPT_TYPES = frozenset(name.encode() for name in (*MODELS, "Bundle"))
_PATIENT_REFERENCE = re.compile(rb'"reference"\s*:\s*"(?:[^"]*/)?Patient/([A-Za-z0-9\-.]{1,64})"')
_PATIENT_ID = re.compile(rb'"resourceType"\s*:\s*"Patient".*?"id"\s*:\s*"([A-Za-z0-9\-.]{1,64})"', re.DOTALL)


@dataclass(frozen=True)
class RunSpec:
    """What every task of a run needs to know; small, so it travels to Dask workers with each task."""

    as_of: dt.date
    trial_ids: tuple[str, ...]
    criteria_dir: str
    copies_per_iu: float | None
    catalog_fingerprint: str
    work_dir: str
    partitions: int
    max_entries: int = 100_000


@dataclass(frozen=True)
class TrialLayout:
    """A trial's result rows (criteria, then their parts, in catalogue order) and its attrition steps."""

    id: str
    rows: tuple[tuple[str, str | None, str], ...]  # (criterion id, parent id, inclusion|exclusion)
    steps: tuple[int, ...]  # row indices of the registry lines: inclusions, then exclusions


def catalog_fingerprint(criteria_dir: Path, copies_per_iu: float | None) -> str:
    """Return a hash of every catalogue file and the HBV DNA factor: workers must load the same catalogue."""
    digest = hashlib.sha256(repr(copies_per_iu).encode())
    for path in sorted(p for p in criteria_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")):
        digest.update(path.relative_to(criteria_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def _load(criteria_dir: str, copies_per_iu: float | None) -> tuple[Catalog, str]:
    catalog = load_catalog(Path(criteria_dir), copies_per_iu)
    return catalog, catalog_fingerprint(Path(criteria_dir), copies_per_iu)


def catalog_of(spec: RunSpec) -> Catalog:
    """Return the run's catalogue, loaded once per process, refusing one that differs from the client's."""
    catalog, fingerprint = _load(spec.criteria_dir, spec.copies_per_iu)
    if fingerprint != spec.catalog_fingerprint:
        raise RuntimeError(
            f"the catalogue at {spec.criteria_dir} on this worker ({fingerprint}) differs from the one the run "
            f"was started with ({spec.catalog_fingerprint}); give every worker the same catalogue"
        )
    return catalog


def layouts(catalog: Catalog, trial_ids: Iterable[str] = ()) -> tuple[TrialLayout, ...]:
    """Return the layout of each screened trial, in catalogue order."""
    wanted = set(trial_ids)
    out = []
    for trial in catalog.trials.values():
        if wanted and trial.id not in wanted:
            continue
        rows: list[tuple[str, str | None, str]] = []
        lines: dict[str, list[int]] = {"inclusion": [], "exclusion": []}
        for criterion in trial.criteria:
            lines[criterion.type].append(len(rows))
            rows.append((criterion.id, None, criterion.type))
            rows.extend((part.id, criterion.id, criterion.type) for part in criterion.parts)
        out.append(TrialLayout(trial.id, tuple(rows), tuple(lines["inclusion"] + lines["exclusion"])))
    return tuple(out)


def record_of(report: MatchReport, trials: tuple[TrialLayout, ...]) -> list[list[Any]]:
    """Return a patient's compact result: per trial [status, score, outcome letters, missing data]."""
    by_id = {m.trial.id: m for m in report.results}
    record = []
    for layout in trials:
        found = by_id[layout.id]
        letters = "".join(OUTCOME_LETTERS[c.outcome] for c in found.criteria)
        missing = list(found.missing_data) if found.status is Status.POSSIBLY_ELIGIBLE else []
        record.append([found.status.value, found.score, letters, missing])
    return record


@dataclass
class Tally:
    """Counts a run adds up across tasks: statuses, attrition, outcomes, missing data, timings."""

    patients: int = 0
    skipped: int = 0
    status: dict[str, Counter[str]] = field(default_factory=dict)
    removed: dict[str, list[int]] = field(default_factory=dict)  # per trial: patients out at each step
    outcomes: dict[str, list[list[int]]] = field(default_factory=dict)  # per trial, per row: [p, f, u, r]
    missing: dict[str, list[int]] = field(default_factory=dict)  # item -> [patients, decisions, settled alone]
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # stage -> task CPU seconds
    counts: Counter[str] = field(default_factory=Counter)  # lines read, kept, dropped by reason, bytes

    def count(self, record: list[list[Any]], trials: tuple[TrialLayout, ...]) -> None:
        """Add one matched patient."""
        self.patients += 1
        items: set[str] = set()
        for layout, (status, _score, letters, missing) in zip(trials, record, strict=True):
            self.status.setdefault(layout.id, Counter())[status] += 1
            rows = self.outcomes.setdefault(layout.id, [[0, 0, 0, 0] for _ in layout.rows])
            for index, letter in enumerate(letters):
                rows[index][LETTER_INDEX[letter]] += 1
            removed = self.removed.setdefault(layout.id, [0] * len(layout.steps))
            for step, row in enumerate(layout.steps):
                if letters[row] == "f":
                    removed[step] += 1
                    break
            for item in missing:
                counts = self.missing.setdefault(item, [0, 0, 0])
                counts[1] += 1
                counts[2] += len(missing) == 1
                items.add(item)
        for item in items:
            self.missing[item][0] += 1

    def merge(self, other: Tally) -> None:
        """Add another task's tally to this one."""
        self.patients += other.patients
        self.skipped += other.skipped
        for trial, statuses in other.status.items():
            self.status.setdefault(trial, Counter()).update(statuses)
        for trial, removed in other.removed.items():
            mine = self.removed.setdefault(trial, [0] * len(removed))
            self.removed[trial] = [a + b for a, b in zip(mine, removed, strict=True)]
        for trial, rows in other.outcomes.items():
            mine_rows = self.outcomes.setdefault(trial, [[0, 0, 0, 0] for _ in rows])
            self.outcomes[trial] = [
                [a + b for a, b in zip(x, y, strict=True)] for x, y in zip(mine_rows, rows, strict=True)
            ]
        for item, counts in other.missing.items():
            mine_counts = self.missing.setdefault(item, [0, 0, 0])
            self.missing[item] = [a + b for a, b in zip(mine_counts, counts, strict=True)]
        for stage, seconds in other.seconds.items():
            self.seconds[stage] += seconds
        self.counts.update(other.counts)

    def to_json(self) -> bytes:
        """Serialise for the task's folder (reruns read it back instead of redoing the task)."""
        return orjson.dumps(self.__dict__)

    @classmethod
    def from_json(cls, data: bytes) -> Tally:
        """Read a tally written by ``to_json``."""
        raw = orjson.loads(data)
        return cls(
            raw["patients"],
            raw["skipped"],
            {k: Counter(v) for k, v in raw["status"].items()},
            raw["removed"],
            raw["outcomes"],
            raw["missing"],
            defaultdict(float, raw["seconds"]),
            Counter(raw["counts"]),
        )


def partition_of(patient_id: str, partitions: int) -> int:
    """Return a patient's partition: a CRC-32 of the id (stable across processes and machines)."""
    return zlib.crc32(patient_id.encode()) % partitions


def _spill_line(kind: bytes, patient_id: str, payload: bytes) -> bytes:
    return kind + b"\t" + orjson.dumps(patient_id) + b"\t" + payload + b"\n"


class _Spill:
    """Per-partition append buffers of one pass-1 task, flushed to its folder past FLUSH_BYTES."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.buffers: dict[str, list[bytes]] = {}
        self.size = 0

    def add(self, name: str, line: bytes) -> None:
        self.buffers.setdefault(name, []).append(line)
        self.size += len(line)
        if self.size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        for name, lines in self.buffers.items():
            with (self.folder / name).open("ab") as stream:
                stream.write(b"".join(lines))
        self.buffers.clear()
        self.size = 0


def _task_done(folder: Path) -> Tally | None:
    stats = folder / "tally.json"
    return Tally.from_json(stats.read_bytes()) if stats.is_file() else None


def _task_start(spec: RunSpec) -> tuple[Catalog, tuple[TrialLayout, ...], Tally]:
    """Return the run's catalogue and trial layouts, and a tally that counts the time they took."""
    started = time.process_time()
    catalog = catalog_of(spec)
    trials = layouts(catalog, spec.trial_ids)
    tally = Tally()
    tally.seconds["load catalogue"] += time.process_time() - started
    return catalog, trials, tally


def _fresh(folder: Path) -> Path:
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    return temporary


def _finish(temporary: Path, folder: Path, tally: Tally) -> None:
    (temporary / "tally.json").write_bytes(tally.to_json())
    temporary.replace(folder)


_ENTRY = re.compile(r"^Bundle\.entry\[(\d+)\]\.resource(.*)$")


def _reason(error: ClientError, bundle: dict[str, Any] | None = None) -> str:
    """Return a client error's issues; in a Bundle screening built, each names the resource (Type/id) at fault."""
    texts = []
    for issue in error.issues[:3]:
        text = issue.diagnostics
        found = _ENTRY.match(issue.expression[0]) if bundle is not None and issue.expression else None
        if found is not None and bundle is not None:
            resource = bundle["entry"][int(found.group(1))]["resource"]
            text = f"{resource.get('resourceType')}/{resource.get('id')}{found.group(2)}: {text.split(': ', 1)[-1]}"
        texts.append(text)
    return "; ".join(texts)


def _attribute(data: bytes) -> str | None:
    """Return the one patient a line that cannot be parsed names, if it names exactly one."""
    found = {m.group(1).decode() for m in _PATIENT_REFERENCE.finditer(data)}
    found |= {m.group(1).decode() for m in _PATIENT_ID.finditer(data[:4096])} if not found else set()
    return found.pop() if len(found) == 1 else None


def filter_and_partition(spec: RunSpec, index: int, chunk: Chunk) -> Tally:
    """Pass 1: keep what a criterion reads from one chunk and spill it by patient partition."""
    folder = Path(spec.work_dir) / "pass1" / f"{index:05d}"
    done = _task_done(folder)
    if done is not None:
        return done
    catalog, trials, tally = _task_start(spec)
    read_filter = compile_catalog(catalog).read_filter
    started = time.process_time()
    temporary = _fresh(folder)
    spill = _Spill(temporary)
    counts = tally.counts
    counts["source bytes"] = chunk.size
    parse_seconds = match_seconds = 0.0
    skipped: list[bytes] = []

    def skip(patient_id: str | None, unit: Unit, reason: str) -> None:
        if patient_id is None:
            skipped.append(orjson.dumps(["", unit.where, reason]) + b"\n")
        else:
            name = f"{partition_of(patient_id, spec.partitions):05d}"
            spill.add(name, _spill_line(b"X", patient_id, orjson.dumps([reason, unit.where])))

    for unit in read_units(chunk):
        counts["units"] += 1
        counts["bytes"] += len(unit.data)
        tick = time.process_time()
        if not unit.data:
            skip(None, unit, unit.where.split(": ", 1)[-1])
            continue
        named = _LEADING_TYPE.match(unit.data)
        if named is not None and named.group(1) not in _KEPT_TYPES:
            # A resource whose first key names a type no criterion reads is dropped unparsed
            # (Bulk servers write resourceType first); the bulk of an export costs only its reading.
            counts[f"dropped {named.group(1).decode()}"] += 1
            parse_seconds += time.process_time() - tick
            continue
        # A Bundle (one patient's record per line) is decoded from its bytes as POST /match does:
        # resources of types no criterion reads are never built (service.fhir_decode.decode_bundle).
        is_bundle = named is not None and named.group(1) == b"Bundle"
        shell = decode_bundle(unit.data, BUILT_TYPES, spec.max_entries) if is_bundle else None
        if shell is not None:
            parse_seconds += time.process_time() - tick
            tick = time.process_time()
            _bundle(spec, catalog, trials, shell, unit, spill, skip, counts)
            match_seconds += time.process_time() - tick
            continue
        try:
            raw = orjson.loads(unit.data)
        except orjson.JSONDecodeError:
            parse_seconds += time.process_time() - tick
            skip(_attribute(unit.data), unit, "not valid JSON")
            continue
        rtype = raw.get("resourceType") if isinstance(raw, dict) else None
        if not isinstance(rtype, str):
            parse_seconds += time.process_time() - tick
            skip(_attribute(unit.data), unit, "not a FHIR resource (no resourceType)")
            continue
        if rtype == "Bundle":
            parse_seconds += time.process_time() - tick
            tick = time.process_time()
            _bundle(spec, catalog, trials, raw, unit, spill, skip, counts)
            match_seconds += time.process_time() - tick
            continue
        if rtype == "Medication":
            rid = raw.get("id")
            parse_seconds += time.process_time() - tick
            if isinstance(rid, str) and rid:
                spill.add("medications", _spill_line(b"D", f"Medication/{rid}", unit.data))
                counts["kept"] += 1
            continue
        why = read_filter.wants(raw, spec.as_of)
        if why is not None:
            parse_seconds += time.process_time() - tick
            counts[f"dropped {rtype}"] += 1
            continue
        patient_id = patient_of(raw)
        parse_seconds += time.process_time() - tick
        if patient_id is None:
            skip(None, unit, f"{rtype} names no Patient/<id> it belongs to; left out")
            continue
        counts["kept"] += 1
        if rtype == "Patient":
            counts["patients seen"] += 1
        spill.add(f"{partition_of(patient_id, spec.partitions):05d}", _spill_line(b"R", patient_id, unit.data))
    tick = time.process_time()
    spill.flush()
    if skipped:
        (temporary / "skipped.ndjson").write_bytes(b"".join(skipped))
    tally.seconds["write spill"] += time.process_time() - tick
    tally.seconds["match"] += match_seconds
    tally.seconds["parse and filter"] += parse_seconds
    tally.seconds["read"] += (
        time.process_time() - started - match_seconds - parse_seconds - tally.seconds["write spill"]
    )
    _finish(temporary, folder, tally)
    return tally


def _bundle(
    spec: RunSpec,
    catalog: Catalog,
    trials: tuple[TrialLayout, ...],
    document: dict[str, Any],
    unit: Unit,
    spill: _Spill,
    skip: Any,
    counts: Counter[str],
) -> None:
    """Match a Bundle (one patient's record) whole and spill its compact result under its patient id."""
    try:
        patient_id, report = _matched(spec, catalog, document)
    except Reparse:  # a read resource orjson refuses: the line is parsed whole, as without the bytes decoder
        try:
            patient_id, report = _matched(spec, catalog, orjson.loads(unit.data))
        except orjson.JSONDecodeError:
            skip(_attribute(unit.data), unit, "not valid JSON")
            return
    counts["patients seen"] += 1
    counts["bundles"] += 1
    if isinstance(report, str):
        skip(patient_id, unit, report)
        return
    if patient_id is None:  # a Patient without an id: named by its file
        patient_id = unit.where
    name = f"{partition_of(patient_id, spec.partitions):05d}"
    spill.add(name, _spill_line(b"M", patient_id, orjson.dumps(record_of(report, trials))))


def _matched(spec: RunSpec, catalog: Catalog, document: dict[str, Any]) -> tuple[str | None, MatchReport | str]:
    """Return a Bundle's patient id (if it has one Patient with an id) and its report, or why it is not matched."""
    entries = document.get("entry")
    patients = [
        resource
        for e in (entries if isinstance(entries, list) else ())
        if isinstance(e, dict)
        and isinstance(resource := resource_of_type(e.get("resource"), "Patient"), dict)
        and resource.get("resourceType") == "Patient"
    ]
    rid = patients[0].get("id") if len(patients) == 1 else None
    patient_id = rid if isinstance(rid, str) and rid else None
    try:
        return patient_id, match(document, catalog, spec.as_of, spec.trial_ids, spec.max_entries)
    except ClientError as error:
        return patient_id, _reason(error)
    except RecursionError:
        return patient_id, "nested too deeply to read"


def _medications(work_dir: str) -> dict[str, bytes]:
    """Return the export's Medication resources by reference, loaded once per run and process."""
    stamp = (Path(work_dir) / "run.json").stat().st_mtime_ns  # a new run in the same folder rewrites it
    return _medication_table(work_dir, stamp)


@cache
def _medication_table(work_dir: str, stamp: int) -> dict[str, bytes]:
    del stamp  # part of the cache key
    table: dict[str, bytes] = {}
    for path in sorted((Path(work_dir) / "pass1").glob("[0-9]*[0-9]/medications")):
        for line in path.read_bytes().splitlines():
            _, key, payload = line.split(b"\t", 2)
            table.setdefault(orjson.loads(key), payload)
    return table


def _spill_lines(spec: RunSpec, part: int) -> Iterator[bytes]:
    name = f"{part:05d}"
    for folder in sorted((Path(spec.work_dir) / "pass1").glob("[0-9]*[0-9]")):
        path = folder / name
        if path.is_file():
            yield from path.read_bytes().splitlines()


def match_partition(spec: RunSpec, part: int) -> Tally:
    """Pass 2: group one partition's spill by patient, match each patient, write sorted result lines."""
    folder = Path(spec.work_dir) / "pass2" / f"{part:05d}"
    done = _task_done(folder)
    if done is not None:
        return done
    catalog, trials, tally = _task_start(spec)
    started = time.process_time()
    temporary = _fresh(folder)
    groups: dict[bytes, list[list[bytes]]] = {}
    for line in _spill_lines(spec, part):
        kind, key, payload = line.split(b"\t", 2)
        group = groups.get(key)
        if group is None:
            group = groups[key] = [[], [], []]
        group[b"RMX".index(kind)].append(payload)
    tally.seconds["group"] += time.process_time() - started
    medications = _medications(spec.work_dir)
    out: list[bytes] = []
    for patient_id, (resources, results, skips) in sorted((orjson.loads(k), g) for k, g in groups.items()):
        reason = _group_problem(resources, results, skips)
        record: Any = None
        if reason is None and results:
            record = orjson.loads(results[0])
        elif reason is None:
            tick = time.process_time()
            bundle = _patient_bundle(resources, medications)
            tally.seconds["build bundle"] += time.process_time() - tick
            if not any(e["resource"].get("resourceType") == "Patient" for e in bundle["entry"]):
                reason = f"no Patient resource; {len(resources)} resources refer to Patient/{patient_id}"
            else:
                tick = time.process_time()
                try:
                    record = record_of(match(bundle, catalog, spec.as_of, spec.trial_ids, spec.max_entries), trials)
                except ClientError as error:
                    reason = _reason(error, bundle)
                except RecursionError:
                    reason = "nested too deeply to read"
                tally.seconds["match"] += time.process_time() - tick
        if reason is not None:
            tally.skipped += 1
            where = orjson.loads(skips[0])[1] if skips else ""
            out.append(orjson.dumps([patient_id, None, reason, where]) + b"\n")
            continue
        tally.count(record, trials)
        out.append(orjson.dumps([patient_id, record]) + b"\n")
    tick = time.process_time()
    (temporary / "results.ndjson").write_bytes(b"".join(out))
    tally.seconds["write results"] += time.process_time() - tick
    _finish(temporary, folder, tally)
    return tally


def _group_problem(resources: list[bytes], results: list[bytes], skips: list[bytes]) -> str | None:
    """Return why a patient's group cannot be matched, or None."""
    if skips:
        reasons = [orjson.loads(s) for s in skips]
        return "; ".join(f"{where}: {reason}" for reason, where in reasons[:3])
    if len(results) > 1 or (results and resources):
        # Records of one patient in two places: matching either alone could miss an exclusion.
        return "this patient id has records in more than one Bundle or file set; not matched"
    return None


def _patient_bundle(resources: list[bytes], medications: dict[str, bytes]) -> dict[str, Any]:
    """Return a collection Bundle of the patient's kept resources in source order, plus the Medications they name."""
    entries: list[dict[str, Any]] = []
    named: dict[str, None] = {}
    for payload in resources:
        resource = orjson.loads(payload)
        entries.append({"resource": resource})
        reference = resource.get("medicationReference")
        if isinstance(reference, dict) and isinstance(reference.get("reference"), str):
            named[reference_key(reference["reference"])] = None
    for key in named:
        found = medications.get(key)
        if found is not None:
            entries.append({"resource": orjson.loads(found)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
