"""A seeded synthetic population written as a FHIR Bulk Data export (``trialmatch synth-population``).

There is no public export of cirrhosis patients, so this writes one shaped like real exports
(Synthea's and US Core's, as in shared/corpus/external): one NDJSON file per resource type,
rolled over past ``FILE_BYTES``, and a ``manifest.json`` as a Bulk Data server writes it.
Records of a patient are spread across the type files; references are ``Patient/<id>``.

The mix: hepatitis B cirrhosis (compensated and decompensated), other liver disease
(alcohol-related, MASLD, hepatitis C, autoimmune hepatitis) and patients without liver disease,
with SNOMED CT and ICD-10-CM codings, labs in several unit conventions (mg/dL and µmol/L,
g/dL and g/L, 10*9/L and /µL, IU/mL, copies/mL and log IU/mL, % and mmol/mol) and dates,
corrected results (an amended value beside the original), refill orders, and the bulk of
resources no criterion reads (vital signs, encounters, claims, explanations of benefit).

Codes come from the catalogue itself (its value sets and analyte table), so that the
population keeps exercising every criterion when a value set grows; each patient draws from
its own random stream (seed, index), so a population is the same however it is written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from service.criteria import Catalog, catalog_reads

FILE_BYTES = 256 * 1024 * 1024
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"


class ExportWriter:
    """Writes resources into per-type NDJSON files (optionally gzip) and a Bulk Data manifest."""

    def __init__(self, folder: Path, *, gzip_files: bool = False, file_bytes: int = FILE_BYTES) -> None:
        self.folder = folder
        self.gzip = gzip_files
        self.file_bytes = file_bytes
        self.streams: dict[str, tuple[IO[bytes], Path, int]] = {}
        self.outputs: list[dict[str, Any]] = []
        self.counts: dict[Path, int] = {}
        self.resources = 0
        folder.mkdir(parents=True, exist_ok=True)

    def _open(self, rtype: str, part: int) -> tuple[IO[bytes], Path, int]:
        name = f"{rtype}.{part:03d}.ndjson" + (".gz" if self.gzip else "")
        path = self.folder / name
        stream: IO[bytes] = gzip.open(path, "wb", compresslevel=1) if self.gzip else path.open("wb")  # noqa: SIM115
        self.outputs.append({"type": rtype, "url": name})
        self.counts[path] = 0
        return stream, path, part

    def write(self, resource: dict[str, Any]) -> None:
        """Append one resource to its type's current file."""
        rtype = resource["resourceType"]
        entry = self.streams.get(rtype)
        if entry is None:
            entry = self.streams[rtype] = self._open(rtype, 0)
        stream, path, part = entry
        if stream.tell() >= self.file_bytes:
            stream.close()
            entry = self.streams[rtype] = self._open(rtype, part + 1)
            stream, path, part = entry
        stream.write(orjson.dumps(resource) + b"\n")
        self.counts[path] += 1
        self.resources += 1

    def close(self, transaction_time: str) -> None:
        """Close every file and write manifest.json (the $export status response's body)."""
        for stream, _, _ in self.streams.values():
            stream.close()
        for output in self.outputs:
            output["count"] = self.counts[self.folder / output["url"]]
        manifest = {
            "transactionTime": transaction_time,
            "request": "[base]/$export?_type=" + ",".join(sorted(self.streams)),
            "requiresAccessToken": False,
            "output": sorted(self.outputs, key=lambda o: (o["type"], o["url"])),
            "error": [],
        }
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
