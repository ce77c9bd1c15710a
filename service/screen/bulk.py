"""Bulk intake: find the units of a source (a Bulk Data export, a Bundle folder, NDJSON of Bundles) and read them.

A source is cut into chunks, each a task of the first pass: a byte range of an NDJSON file (cut
at line boundaries, so one huge ``Observation.ndjson`` is read by many tasks), a whole
``.ndjson.gz`` file (gzip cannot be entered in the middle), or a group of Bundle JSON files.
Every line or file is yielded as a ``Unit`` with where it came from, so a bad one can be
reported by file and line without stopping the run.

The FHIR Bulk Data Access IG (``$export``) writes one resource per line, one or more files per
resource type, and a manifest whose ``output[].url`` name the files; a manifest here is read for
those names (their last path segment, looked up in the manifest's folder).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

from service.intake import reference_key

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 32 * 1024 * 1024
"""A first-pass task reads about this much of an NDJSON file or a Bundle folder."""


class SourceError(ValueError):
    """The source is not something screening can read (no such path, no NDJSON or Bundle files)."""


@dataclass(frozen=True)
class Chunk:
    """A first-pass task: a byte range of one NDJSON file, a whole gzip file, or some Bundle files."""

    kind: Literal["ndjson", "gzip", "bundles"]
    paths: tuple[str, ...]
    start: int = 0
    end: int = 0
    size: int = 0  # bytes on disk, for progress


@dataclass(frozen=True)
class Unit:
    """One line of an NDJSON file or one Bundle file, with where it came from."""

    data: bytes
    where: str  # "Observation.ndjson:12" or "bundles/alice.json"


@dataclass(frozen=True)
class SourceFile:
    """A file of the source, with the size and modification time that fingerprint the run."""

    path: str
    size: int
    mtime_ns: int


def _manifest_files(manifest: Path) -> list[Path] | None:
    """Return the NDJSON files a Bulk Data manifest lists, or None if the file is not a manifest."""
    try:
        document = orjson.loads(manifest.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("output"), list):
        return None
    files = []
    for item in document["output"]:
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and url:
            files.append(manifest.parent / url.rstrip("/").rsplit("/", 1)[-1])
    return files


def source_files(source: Path) -> list[SourceFile]:
    """Return the files of a source in reading order: a manifest's outputs, else NDJSON then Bundle files by name."""
    if not source.exists():
        raise SourceError(f"{source}: no such file or folder")
    if source.is_file():
        listed = _manifest_files(source) if source.suffix == ".json" else None
        paths = listed if listed is not None else [source]
    else:
        manifests = [p for p in sorted(source.glob("*.json")) if p.name.lower() in ("manifest.json", "$export.json")]
        listed = _manifest_files(manifests[0]) if manifests else None
        if listed is not None:
            paths = listed
        else:
            found = [p for p in source.rglob("*") if p.is_file() and _readable_name(p.name)]
            paths = sorted(found, key=lambda p: p.relative_to(source).as_posix())
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise SourceError(f"{missing[0]}: listed in the manifest but not found")
    if not paths:
        raise SourceError(f"{source}: no .ndjson, .ndjson.gz or Bundle .json files")
    files = []
    for path in paths:
        stat = path.stat()
        files.append(SourceFile(str(path), stat.st_size, stat.st_mtime_ns))
    return files


def _readable_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(NDJSON_SUFFIXES) or (lower.endswith(".json") and lower not in ("manifest.json",))


def chunks(files: list[SourceFile], chunk_bytes: int = CHUNK_BYTES) -> list[Chunk]:
    """Cut the source's files into first-pass tasks of about ``chunk_bytes`` each, in reading order."""
    out: list[Chunk] = []
    bundles: list[SourceFile] = []

    def flush_bundles() -> None:
        if bundles:
            out.append(Chunk("bundles", tuple(f.path for f in bundles), size=sum(f.size for f in bundles)))
            bundles.clear()

    for file in files:
        lower = file.path.lower()
        if lower.endswith(".gz"):
            flush_bundles()
            out.append(Chunk("gzip", (file.path,), size=file.size))
        elif lower.endswith(NDJSON_SUFFIXES):
            flush_bundles()
            start = 0
            while True:
                end = min(file.size, start + chunk_bytes)
                out.append(Chunk("ndjson", (file.path,), start, end, end - start))
                if end >= file.size:
                    break
                start = end
        else:
            bundles.append(file)
            if sum(f.size for f in bundles) >= chunk_bytes:
                flush_bundles()
    flush_bundles()
    return out


def read_units(chunk: Chunk) -> Iterator[Unit]:
    """Yield the lines (NDJSON) or files (Bundles) of a chunk; blank lines are passed over."""
    if chunk.kind == "bundles":
        for path in chunk.paths:
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
            except OSError as error:
                yield Unit(b"", f"{name}: cannot be read ({error.strerror})")
                continue
            yield Unit(data.removeprefix(BOM), name)
        return
    (path,) = chunk.paths
    name = Path(path).name
    if chunk.kind == "gzip":
        with gzip.open(path, "rb") as stream:
            yield from _lines(stream.readline, name, 0, None, numbered=True)
        return
    with open(path, "rb") as stream:  # noqa: PTH123 (a seekable binary stream)
        offset = 0
        if chunk.start > 0:
            # The line that straddles the start belongs to the chunk before.
            stream.seek(chunk.start - 1)
            offset = chunk.start - 1 + len(stream.readline())
        yield from _lines(stream.readline, name, offset, chunk.end, numbered=chunk.start == 0)


def _lines(readline: Callable[[], bytes], name: str, offset: int, end: int | None, numbered: bool) -> Iterator[Unit]:
    """Yield non-blank lines from ``offset`` until a line starts at or after ``end``.

    A line is named ``file:line`` when the chunk starts the file, else ``file@byte`` (its offset):
    counting the lines before a chunk deep in a large file would mean reading them.
    """
    number = 1
    while end is None or offset < end:
        line = readline()
        if not line:
            return
        stripped = (line.removeprefix(BOM) if offset == 0 else line).strip()
        if stripped:
            yield Unit(stripped, f"{name}:{number}" if numbered else f"{name}@{offset}")
        offset += len(line)
        number += 1


def patient_of(raw: dict[str, object]) -> str | None:
    """Return the id of the patient a resource belongs to (Patient.id, subject or patient reference), or None."""
    if raw.get("resourceType") == "Patient":
        rid = raw.get("id")
        return rid if isinstance(rid, str) and rid else None
    for name in ("subject", "patient"):
        ref = raw.get(name)
        if isinstance(ref, dict):
            target = ref.get("reference")
            if isinstance(target, str):
                key = reference_key(target)
                if key.startswith("Patient/") and len(key) > len("Patient/"):
                    return key[len("Patient/") :]
                return None
    return None
