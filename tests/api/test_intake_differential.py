"""The fast intake (typed Structs, service.fhir_decode) against the reference (fhir.resources models).

Every input runs through read_bundle twice, fast and with fhir.resources alone, and must come out
the same: both reject it with the same issues (codes, paths, messages), or both accept it with the
same warnings, the same passed-over counts and the same values in every resource read (dates,
datetimes with their offsets, decimals, codes). The inputs: every file of shared/corpus/external,
every committed bundle (case bundles, trial cases applied to their bases, web demo bundles, the
independent review rounds' bundles), every bad input of tests/api/bad_inputs.yaml that parses as
JSON, and mutations of each read resource of the baseline bundle (MUTATIONS: wrong types in read
and unread elements, bad dates, bad codes, huge numbers, nested junk).

Exemptions (differences allowed): none. A value the Structs do not plainly accept is validated by
the model, so the fast path can only differ by accepting what the model rejects, which this test
would show.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from pydantic import BaseModel

from service.criteria import Catalog
from service.errors import BundleInvalid
from service.fhir_decode import Element
from service.intake import MODELS, Intake, Read, read_bundle
from service.pipeline import compile_catalog
from tests.api.test_bad_inputs import CASES, build_body
from tests.golden.build_answers import golden_inputs

REPO = Path(__file__).resolve().parents[2]
# Beside the checkout (../shared) or, from a worktree under wt/, one level further up.
CORPUS = next(
    (d / "shared" / "corpus" / "external" for d in (REPO.parent, REPO.parents[1]) if (d / "shared").is_dir()),
    REPO.parent / "shared" / "corpus" / "external",
)
AS_OF = dt.date(2026, 11, 22)
BASELINE = REPO / "tests" / "cases" / "bundles" / "hbv_decompensated_baseline.json"


def dump(value: Any) -> Any:
    """Return a value as plain data for comparison: both kinds of resource alike, dates as typed text."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {f.alias or n: dump(getattr(value, n)) for n, f in fields.items() if getattr(value, n) is not None}
    if isinstance(value, Element):
        names = dict(zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True))
        return {names[f]: dump(getattr(value, f)) for f in value.__struct_fields__ if getattr(value, f) is not None}
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    return value


def _reads(reads: list[Read]) -> list[Any]:
    return [(r.reference, r.index, type(r.resource).__name__, dump(r.resource)) for r in reads]


def outcome(document: Any, catalog: Catalog, fast: bool) -> Any:
    """Return what intake makes of a document: its issues, or everything it read."""
    try:
        intake: Intake = read_bundle(document, compile_catalog(catalog).read_filter, 100_000, AS_OF, fast=fast)
    except BundleInvalid as error:
        return ("rejected", [(i.code, i.diagnostics, i.expression) for i in error.issues])
    except RecursionError:
        return ("recursion",)
    return (
        "accepted",
        _reads([intake.patient]),
        {k: _reads(v) for k, v in intake.resources.items()},
        intake.warnings,
        dict(intake.skipped),
        {k: _reads([v]) for k, v in intake.contained.items()},
        sorted(intake.not_provided),
        {k: _reads([v]) for k, v in intake.by_reference.items()},
    )


def assert_same(document: Any, catalog: Catalog) -> Any:
    """Assert both paths make the same of a document; return the outcome."""
    fast = outcome(copy.deepcopy(document), catalog, fast=True)
    reference = outcome(document, catalog, fast=False)
    assert fast == reference
    return fast


# -- the committed and shared inputs -----------------------------------------------------------

CORPUS_FILES = sorted(CORPUS.glob("*/*.json")) if CORPUS.is_dir() else []
REVIEW_FILES = sorted((REPO / "tests" / "cases" / "review").glob("round*/**/*.json"))


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/corpus/external is not beside the checkout")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[f"{f.parent.name}/{f.name[:40]}" for f in CORPUS_FILES])
def test_corpus_file_reads_the_same(path: Path, catalog: Catalog) -> None:
    """Every shared corpus file is accepted or rejected alike by both paths, with the same reads or issues."""
    assert_same(orjson.loads(path.read_bytes()), catalog)


def test_committed_bundles_read_the_same(catalog: Catalog) -> None:
    """Every committed bundle (case bundles, trial cases, demo bundles) reads the same on both paths."""
    count = 0
    for _name, bundle, _as_of in golden_inputs():
        assert_same(bundle, catalog)
        count += 1
    assert count > 500


def test_review_round_bundles_read_the_same(catalog: Catalog) -> None:
    """Every bundle of the independent review rounds reads the same on both paths."""
    bundles = [json.loads(p.read_text(encoding="utf-8")) for p in REVIEW_FILES]
    bundles = [b for b in bundles if isinstance(b, dict) and b.get("resourceType") == "Bundle"]
    assert len(bundles) > 100
    for bundle in bundles:
        assert_same(bundle, catalog)


PARSED_BAD = []
for _case in CASES:
    if "generator" in _case:
        continue
    try:
        PARSED_BAD.append((_case["name"], orjson.loads(build_body(_case))))
    except (orjson.JSONDecodeError, UnicodeDecodeError, ValueError):
        continue


@pytest.mark.parametrize(("name", "document"), PARSED_BAD, ids=[n for n, _ in PARSED_BAD])
def test_bad_input_reads_the_same(name: str, document: Any, catalog: Catalog) -> None:
    """Every bad input of bad_inputs.yaml that parses as JSON is judged alike by both paths."""
    assert_same(document, catalog)


# -- mutations of each read resource -----------------------------------------------------------

# Values put in place of an element, or added beside the elements of an object.
WRONG_VALUES: list[Any] = [
    None,
    "",
    " ",
    "\u000b",
    "a  b",
    " lead",
    "x\u00e9",
    0,
    -1,
    2.5,
    1e308,
    10**30,
    True,
    [],
    [None],
    {},
    {"junk": {"deeper": [1, {"x": None}]}},
    "2026-02-30",
    "2026-13",
    "2026-01-01T10:00:00",
    "2016-12-31T23:59:60Z",
    "2026-01-01T10:00:00.1234567+01:00",
    "2026-01-01T24:00:00Z",
    "1e5",
    "NaN",
]
EXTRA_KEYS = [("junk", 1), ("extension", [{"url": "http://x"}]), ("_code", {"extension": []}), ("fhir_comments", ["c"])]
UNREAD = {"meta": 5, "text": [], "note": "n", "identifier": 3, "contained": {}, "modifierExtension": [1], "language": 7}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every element under a resource (objects' keys and list items)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "resourceType":
                yield (*path, key)
                yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _paths(item, (*path, index))


def _objects(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        yield path
        for key, item in value.items():
            yield from _objects(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _objects(item, (*path, index))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def mutations() -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (name, two-entry bundle) for each mutation of each read resource type of the baseline bundle."""
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    entries = baseline["entry"]
    patient = next(e for e in entries if e["resource"]["resourceType"] == "Patient")
    seen: set[str] = set()
    for entry in entries:
        resource = entry["resource"]
        rtype = resource["resourceType"]
        if rtype not in MODELS or rtype in seen:
            continue
        seen.add(rtype)
        others = [] if rtype == "Patient" else [entry]
        for path in _paths(resource):
            for number, value in enumerate(WRONG_VALUES):
                changed = copy.deepcopy(resource)
                _set(changed, path, value)
                yield f"{rtype}.{'.'.join(map(str, path))}={number}", _bundle(patient, others, changed)
            mutated = copy.deepcopy(resource)
            parent = _get(mutated, path[:-1])
            if isinstance(parent, dict):
                del parent[path[-1]]
                yield f"{rtype}.{'.'.join(map(str, path))}:deleted", _bundle(patient, others, mutated)
        for path in _objects(resource):
            for key, value in EXTRA_KEYS:
                changed = copy.deepcopy(resource)
                _get(changed, path)[key] = value
                yield f"{rtype}.{'.'.join(map(str, path))}+{key}", _bundle(patient, others, changed)
        for key, value in UNREAD.items():
            changed = copy.deepcopy(resource)
            changed[key] = value
            yield f"{rtype}+{key}", _bundle(patient, others, changed)


def _bundle(patient: dict[str, Any], others: list[dict[str, Any]], changed: dict[str, Any]) -> dict[str, Any]:
    entries = [{"fullUrl": patient.get("fullUrl"), "resource": patient["resource"]}] if others else []
    entries.append({"fullUrl": (others[0] if others else patient).get("fullUrl"), "resource": changed})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


MUTATIONS = list(mutations())


def test_mutations_cover_every_read_type_and_both_outcomes(catalog: Catalog) -> None:
    """The mutations reach every resource type of the baseline and make both paths accept and reject."""
    kinds = {outcome(bundle, catalog, fast=True)[0] for _, bundle in MUTATIONS[::25]}
    assert kinds == {"accepted", "rejected"}
    assert len({name.split(".")[0].split("+")[0] for name, _ in MUTATIONS}) >= 5


def test_mutated_resources_read_the_same(catalog: Catalog) -> None:
    """Every mutation of every read resource is accepted or rejected alike, with the same reads or issues."""
    differ = []
    for name, bundle in MUTATIONS:
        fast = outcome(copy.deepcopy(bundle), catalog, fast=True)
        reference = outcome(bundle, catalog, fast=False)
        if fast != reference:
            differ.append((name, fast, reference))
    assert not differ, differ[:3]


def test_structs_only_take_what_the_models_know() -> None:
    """Every Struct declares only elements its fhir.resources model has, and requires what the model requires."""
    from service.fhir_decode import model_of, structs

    for struct in structs():
        model = model_of(struct)
        aliases = {f.alias or n for n, f in model.model_fields.items()}
        encoded = set(struct.__struct_encode_fields__)
        assert encoded <= aliases, (struct.__name__, encoded - aliases)
        required = {f.alias or n for n, f in model.model_fields.items() if f.is_required()}
        required |= {name for name, _ in model.model_construct().get_required_fields()}
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        ours = {f.encode_name for f in info.fields if f.required}
        assert (required & encoded) <= ours, (struct.__name__, (required & encoded) - ours)
        for prefix, fields in model.model_construct().get_one_of_many_fields().items():
            group = struct.choices.get(prefix)
            declared = [f for f in fields if f in encoded]
            if declared:
                assert group is not None and set(declared) <= set(group[0]), (struct.__name__, prefix)
            info = model.model_fields[fields[0]].json_schema_extra
            if isinstance(info, dict) and info.get("one_of_many_required") is True:
                assert group is not None and group[1], (struct.__name__, prefix, "required")
