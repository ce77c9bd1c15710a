"""How much larger than its request can an answer be? Constructions built to echo as much as possible.

    .venv/bin/python bench/amplification.py

Every answer has a fixed part that does not depend on the request: the catalogue's trials with
their criteria, reasons and missing data (the answer to a Bundle holding only a Patient). What a
request can add is what the service echoes: warnings (at most 200, each at most 300 printable
characters), evidence (at most 10 records per logic node, each reference and display at most 300
characters), the comparator (only the four R4 comparators are read), unknown resource types (not
named unless shaped like a FHIR type name), prefetch keys (at most 20 named, 40 characters each).
Each construction below repeats one of those as many times as helps; the table gives request
bytes, answer bytes, what the request added to the fixed part, and that growth over the request.
Sent in process (ASGI) to /match (JSON and FHIR answers), /facts and the CDS hook.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from fastapi.testclient import TestClient

from bench.common import machine_header, table
from service.criteria import catalog_reads, load_catalog
from service.main import create_app
from service.settings import Settings, default_criteria_dir

PATIENT = {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "id": "p", "gender": "male"}}
SUBJECT = {"reference": "urn:uuid:p"}
SNOMED = "http://snomed.info/sct"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
LONG = "x" * 300


def bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    """A collection Bundle of the Patient and the entries."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [PATIENT, *entries]}


def condition(index: int, text: str) -> dict[str, Any]:
    """An active cirrhosis Condition (SNOMED 19943007) with the given text, which becomes its evidence display."""
    return {
        "fullUrl": f"urn:uuid:{'c' * 60}{index:04d}",
        "resource": {
            "resourceType": "Condition",
            "id": f"{'c' * 58}{index:06d}",
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
            "code": {"coding": [{"system": SNOMED, "code": "19943007"}], "text": text},
            "subject": SUBJECT,
            "onsetDateTime": "2020-01-01",
        },
    }


def every_condition_set(copies: int, text: str) -> list[dict[str, Any]]:
    """``copies`` active Conditions with the first code of every value set a condition criterion reads."""
    reads = catalog_reads(load_catalog(default_criteria_dir()).trials.values())
    entries = []
    for number, valueset in enumerate(sorted(reads.conditions)):
        data = yaml.safe_load((default_criteria_dir() / "valuesets" / f"{valueset}.yaml").read_text(encoding="utf-8"))
        first = (data.get("codes") or data.get("prefixes") or [None])[0]
        if first is None:
            continue  # a set of ingredient names only
        for copy in range(copies):
            entry = condition(number * 100 + copy, text)
            code = str(first.get("code") or first.get("prefix"))
            entry["resource"]["code"]["coding"] = [{"system": first["system"], "code": code}]
            entries.append(entry)
    return entries


def constructions() -> dict[str, dict[str, Any]]:
    """Requests built to make the answer as large as possible relative to themselves."""
    unidentified = [
        {"resource": {"resourceType": "Observation", "code": {"coding": [{"code": "x"}]}, "status": "final"}}
        for _ in range(5000)
    ]
    duplicates = [{"fullUrl": "urn:uuid:p"} for _ in range(5000)]
    long_units = [
        {
            "resource": {
                "resourceType": "Observation",
                "id": f"o{i}",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2", "display": LONG}]},
                "subject": SUBJECT,
                "effectiveDateTime": "2026-11-20",
                "valueQuantity": {"value": 2.5, "unit": LONG, "comparator": LONG},
            }
        }
        for i in range(300)
    ]
    return {
        "a Patient only (the fixed part)": bundle(),
        "10 cirrhosis Conditions, 300-character texts and 64-character ids": bundle(
            *(condition(i, LONG) for i in range(10))
        ),
        "1 cirrhosis Condition, 300-character text": bundle(condition(0, LONG)),
        "10 Conditions in every value set the criteria read, 300-character texts": bundle(
            *every_condition_set(10, LONG)
        ),
        "the same, texts of 1 character (to compare)": bundle(*every_condition_set(10, "x")),
        "5,000 unidentified codings (a warning each)": bundle(*unidentified),
        "5,000 entries repeating the Patient's fullUrl": bundle(*duplicates),
        "300 bilirubins with 300-character units, displays and comparators": bundle(*long_units),
    }


def hook(document: dict[str, Any]) -> dict[str, Any]:
    """The CDS Hooks request carrying a Bundle's Patient and records, plus 1,000 unknown prefetch keys."""
    entries = document["entry"]
    prefetch: dict[str, Any] = {f"{'k' * 290}{i:05d}": None for i in range(1000)}
    prefetch["patient"] = entries[0]["resource"]
    prefetch["conditions"] = {"resourceType": "Bundle", "type": "searchset", "entry": entries[1:]}
    return {
        "hook": "patient-view",
        "hookInstance": "h",
        "context": {"patientId": "p"},
        "prefetch": prefetch,
    }


def main() -> int:
    """Send every construction to every route; print the table and the worst growth."""
    print(machine_header("trialmatch answer size against request size", sys.argv))
    client = TestClient(create_app(Settings(criteria_dir=default_criteria_dir())))
    routes: dict[str, Callable[[dict[str, Any]], tuple[bytes, bytes]]] = {}

    def sender(path: str, accept: str, shape: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
        def send(document: dict[str, Any]) -> tuple[bytes, bytes]:
            body = json.dumps(shape(document)).encode()
            response = client.post(path, content=body, headers={"content-type": "application/json", "accept": accept})
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            return body, response.content

        return send

    routes["/match JSON"] = sender("/match?asOf=2026-11-22", "application/json", lambda d: d)
    routes["/match FHIR"] = sender("/match?asOf=2026-11-22", "application/fhir+json", lambda d: d)
    routes["/facts"] = sender("/facts?asOf=2026-11-22", "application/json", lambda d: d)
    routes["CDS hook (+1,000 prefetch keys)"] = sender(
        "/cds-services/trialmatch-patient-view?asOf=2026-11-22", "application/json", hook
    )
    built = constructions()
    fixed = {name: len(send(built["a Patient only (the fixed part)"])[1]) for name, send in routes.items()}
    rows = []
    worst = (0.0, "")
    for construction, document in built.items():
        for route, send in routes.items():
            request, answer = send(document)
            growth = max(len(answer) - fixed[route], 0)
            ratio = growth / len(request)
            if ratio > worst[0]:
                worst = (ratio, f"{construction}, {route}")
            rows.append([construction, route, len(request), len(answer), growth, f"{ratio:.2f}"])
    print("\n## Answer size against request size\n")
    headers = ["request", "route", "request bytes", "answer bytes", "added to the fixed part", "added / request"]
    print(table(headers, rows, "llrrrr"))
    print(
        "\nFixed part (a Bundle holding only a Patient): "
        + ", ".join(f"{route} {size} bytes" for route, size in fixed.items())
        + f".\nWorst growth: {worst[0]:.2f} x the request ({worst[1]})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
