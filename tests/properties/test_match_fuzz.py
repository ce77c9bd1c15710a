"""Fuzzing ``match()``: valid Bundles mutated field by field with FHIR-shaped extremes.

Each example takes a valid Bundle (a trimmed baseline, or a random one from strategies.bundles)
and applies one to four mutations: replace any element of any resource with an extreme, add an
element the service reads (onsetAge, performedAge, referenceRange, valueQuantity, ...) shaped
as FHIR defines it but filled with extremes, or add an Observation of an analyte of the table
with an extreme value, unit and comparator. Extremes are dates at the calendar's ends (0001,
9999, time zones that push a day past 9999-12-31), numbers at the float limits and huge
integers, empty and huge strings, control characters, every Quantity comparator and some
that FHIR R4 does not define, units of every analyte's table and units outside it, and JSON
values of the wrong type. The as-of date itself ranges over the whole calendar.

The property: ``match()`` returns a report or raises a documented client error
(``ClientError``); anything else is a bug. Every warning of a report, and every diagnostic
of an error, is one printable line of at most 300 characters.

CI runs a fixed budget with a fixed seed (about a minute). A longer run:
``TRIALMATCH_FUZZ_EXAMPLES=5000 TRIALMATCH_FUZZ_SEED=1 .venv/bin/python -m pytest -q
tests/properties/test_match_fuzz.py`` (several seeds run side by side use both cores).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from service.errors import ClientError
from service.intake import READ_ELEMENTS
from service.pipeline import match
from tests.properties.strategies import analyte, analyte_names, bundles, catalog

BASELINE = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"
EXAMPLES = int(os.environ.get("TRIALMATCH_FUZZ_EXAMPLES", "1500"))
SEED = int(os.environ.get("TRIALMATCH_FUZZ_SEED", "20261122"))
PROGRESS = os.environ.get("TRIALMATCH_FUZZ_PROGRESS", "")
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
MAX_MESSAGE_CHARS = 300
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# -- extremes --------------------------------------------------------------------------------

DATES = (
    "0001-01-01",
    "0001",
    "0001-01",
    "9999-12-31",
    "9999",
    "9999-12",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",  # a day before the calendar starts, in UTC
    "9999-12-31T23:59:59-12:00",  # a day after the calendar ends, in UTC
    "9999-12-31T23:59:59.999999999+00:00",
    "1900-02-29",  # not a leap year
    "2000-02-29",
    "2026-11-22",
    "2026-11-22T12:00:00Z",
    "2026-02-30",
    "0000-00-00",
    "2026-13-45",
    "",
)
NUMBERS: tuple[float | int, ...] = (
    0,
    -0.0,
    1,
    -1,
    0.5,
    309,
    -309,
    400,
    1e308,
    -1e308,
    1.7976931348623157e308,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2**53 + 1,
    -(2**63),
    2**64,
    10**30,
    -(10**30),
    9000,
    30000,
    -3000,
)
STRINGS = ("", " ", "x", "x" * 301, "x" * 100_000, "\x00\x1b[31m\r\nforged", "\u202egnirts", "\U0001d518" * 50)
COMPARATORS = ("<", "<=", ">=", ">", "ad", "", "=", "≤", "<<", "x" * 1000, "\r\n")
AGE_UNITS = ("a", "mo", "wk", "d", "h", "min", "s", "years", "", "{x}")
FOREIGN_UNITS = ("furlong", "", "mg/dL ", "MG/DL", "10*9/L", "%", "{log_IU}/mL", "x" * 500, "\x1b")
WRONG_TYPES: tuple[Any, ...] = (None, [], {}, [None], True, 0, "x", [[[]]], {"value": None})


@cache
def units() -> tuple[str, ...]:
    """Every unit of every analyte's table, and some outside any table."""
    found = {unit for name in analyte_names() for unit in analyte(name).units}
    return tuple(sorted(found)) + FOREIGN_UNITS


def numbers() -> st.SearchStrategy[float | int]:
    """Numbers at the float limits, huge integers, and any finite float."""
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(2**70), 2**70),
    )


def strings() -> st.SearchStrategy[str]:
    """Empty, huge and unprintable strings, and short random text."""
    return st.one_of(st.sampled_from(STRINGS), st.text(max_size=20))


def dates() -> st.SearchStrategy[str]:
    """FHIR dates and dateTimes at the calendar's ends, and a few impossible ones."""
    return st.sampled_from(DATES)


@st.composite
def quantities(draw: st.DrawFn, unit_choices: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A Quantity with an extreme value, any unit and any comparator; keys may be left out."""
    unit = draw(st.sampled_from(unit_choices or units()))
    quantity: dict[str, Any] = {"value": draw(numbers()), "unit": unit, "system": UCUM, "code": unit}
    if draw(st.booleans()):
        quantity["comparator"] = draw(st.sampled_from(COMPARATORS))
    for key in ("unit", "system", "code"):
        if draw(st.integers(0, 5)) == 0:
            del quantity[key]
    return quantity


def ages() -> st.SearchStrategy[dict[str, Any]]:
    """An Age: a Quantity in a unit of time, at the extremes."""
    return quantities(AGE_UNITS)


@st.composite
def periods(draw: st.DrawFn) -> dict[str, Any]:
    """A Period whose start and end are extreme dates (either may be missing)."""
    period = {"start": draw(dates()), "end": draw(dates())}
    return {k: v for k, v in period.items() if draw(st.integers(0, 3))}


@st.composite
def concepts(draw: st.DrawFn) -> dict[str, Any]:
    """A CodeableConcept with an extreme system, code and text."""
    coding = {"system": draw(st.sampled_from((LOINC, UCUM, "", "x" * 1000))), "code": draw(strings())}
    return {"coding": [coding], "text": draw(strings())}


def extremes() -> st.SearchStrategy[Any]:
    """Any extreme: a date, number, string, Quantity, Age, Period, concept, or a value of the wrong type."""
    return st.one_of(
        dates(),
        numbers(),
        strings(),
        quantities(),
        ages(),
        periods(),
        concepts(),
        st.sampled_from(WRONG_TYPES),
    )


# Extremes shaped for an element a reader reads, by its name's ending (FHIR's choice-type suffixes).
def shaped(element: str) -> st.SearchStrategy[Any]:
    """An extreme of the FHIR type an element's name says it holds."""
    if element.endswith("Age"):
        return ages()
    if element.endswith(("DateTime", "Date", "Instant", "dateAsserted", "authoredOn", "issued", "birthDate")):
        return dates()
    if element.endswith("Period"):
        return periods()
    if element.endswith("Range"):
        return st.fixed_dictionaries({"low": ages(), "high": ages()})
    if element.endswith("Quantity"):
        return quantities()
    if element == "referenceRange":
        return st.lists(st.fixed_dictionaries({"low": quantities(), "high": quantities()}), min_size=1, max_size=2)
    if element in ("code", "valueCodeableConcept", "medicationCodeableConcept", "clinicalStatus", "severity"):
        return concepts()
    return extremes()


# -- bundles and mutations -------------------------------------------------------------------


@cache
def trimmed_baseline() -> dict[str, Any]:
    """The baseline bundle without its 80 vital-sign and encounter entries, plus a Procedure and a request."""
    document: dict[str, Any] = json.loads(BASELINE.read_text(encoding="utf-8"))
    kept = [e for e in document["entry"] if not e["resource"]["id"].startswith(("enc-", "hr-"))]
    patient = kept[0]["fullUrl"]
    kept.append(
        {
            "fullUrl": "urn:uuid:proc-1",
            "resource": {
                "resourceType": "Procedure",
                "id": "proc-1",
                "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "233445008"}]},
                "subject": {"reference": patient},
                "performedDateTime": "2020-01-01",
            },
        }
    )
    kept.append(
        {
            "fullUrl": "urn:uuid:req-1",
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "req-1",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J05AF10"}]},
                "subject": {"reference": patient},
                "authoredOn": "2026-01-01",
            },
        }
    )
    document["entry"] = kept
    return document


def element_paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path to an element of the node, the node's own children first."""
    found: list[tuple[str | int, ...]] = []
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        found.append((*prefix, key))
        found.extend(element_paths(child, (*prefix, key)))
    return found


def _set(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    node = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@st.composite
def mutated_bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid Bundle with one to four extreme mutations."""
    document = copy.deepcopy(draw(st.one_of(st.just(trimmed_baseline()), bundles(max_resources=6))))
    entries = document["entry"]
    patient_ref = entries[0].get("fullUrl") or f"Patient/{entries[0]['resource']['id']}"
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("replace", "add", "observation")))
        index = draw(st.integers(0, len(entries) - 1))
        resource = entries[index].get("resource")
        if kind == "replace" and isinstance(resource, dict):
            paths = [p for p in element_paths(resource) if p[0] != "resourceType"]
            if paths:
                path = draw(st.sampled_from(paths))
                _set(resource, path, draw(shaped(str(path[-1])) if isinstance(path[-1], str) else extremes()))
        elif kind == "add" and isinstance(resource, dict):
            read = READ_ELEMENTS.get(resource.get("resourceType", ""), frozenset())
            names = sorted(read - {"resourceType", "subject"})
            if names:
                element = draw(st.sampled_from(names))
                resource[element] = draw(shaped(element))
        else:
            name = draw(st.sampled_from(analyte_names()))
            code = sorted(analyte(name).codes, key=lambda c: c.code)[0]
            observation: dict[str, Any] = {
                "resourceType": "Observation",
                "id": f"fuzz-{len(entries)}",
                "status": "final",
                "code": {"coding": [{"system": code.system, "code": code.code}]},
                "subject": {"reference": patient_ref},
                "effectiveDateTime": draw(st.one_of(dates(), st.just("2026-11-20"))),
                "valueQuantity": draw(quantities(tuple(sorted(analyte(name).units)) + FOREIGN_UNITS)),
            }
            if draw(st.booleans()):
                observation["referenceRange"] = [{"high": draw(quantities())}]
            entries.append({"resource": observation})
    return document


AS_OF_DATES = st.one_of(
    st.sampled_from((dt.date(2026, 11, 22), dt.date.min, dt.date(1, 1, 2), dt.date.max, dt.date(1900, 1, 1))),
    st.dates(),
)


def _one_printable_line(text: str, what: str) -> None:
    assert not CONTROL.search(text), f"{what} carries control characters: {text[:120]!r}"
    assert len(text) <= MAX_MESSAGE_CHARS, f"{what} is {len(text)} characters: {text[:120]!r}..."


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(document=mutated_bundles(), as_of=AS_OF_DATES)
def test_match_raises_only_client_errors(document: dict[str, Any], as_of: dt.date) -> None:
    """match() on a mutated Bundle returns a report or raises a client error, with short printable messages."""
    if PROGRESS:
        with Path(PROGRESS).open("a", encoding="utf-8") as tally:
            tally.write(".")  # one character per case, so a long run that is stopped still says how far it got
    try:
        report = match(document, catalog(), as_of)
    except ClientError as error:
        assert 400 <= error.status < 500
        for issue in error.issues:
            _one_printable_line(issue.diagnostics, "diagnostics")
            for expression in issue.expression:
                _one_printable_line(expression, "expression")
        return
    for warning in report.facts.warnings:
        _one_printable_line(warning, "warning")
