"""The Bundle decoded straight from the request bytes (service.fhir_decode.decode_bundle) against the parsed body.

Every body runs through the Bundle routes' reading twice: ``with_bundle`` (the msgspec shell,
resources of read types parsed by orjson when intake reaches them, other resources never built)
and ``parse_body`` (orjson builds the whole document, the reference). Both must come out the
same: the same "not JSON" refusal with the same message, or the same intake issues, or the same
intake reads (tests/api/test_intake_differential.py's outcome: warnings, passed-over counts and
every value read), and for the corpus and the byte mutations the same answer bytes. The golden
answers (tests/golden) go through the bytes path over HTTP and must stay byte-identical.

The inputs: every corpus file and committed bundle as sent (and compact), every review-round
bundle, every bad input of tests/api/bad_inputs.yaml as bytes (the ones that are not JSON too),
the mutations of test_intake_differential.py, and byte-level mutations of a bundle holding read
and unread resources (BYTE_VALUES put into SLOTS: invalid UTF-8, lone surrogate escapes, huge
numbers, NaN, control characters, deep nesting, duplicate keys; and whole-body changes: BOMs,
truncations, trailing bytes).

One exemption, named and pinned here (README, bad input; bench/README, typed intake): a number too
large for a double in an element intake never reads (HUGE_NUMBERS in UNREAD_SLOTS) is refused by
orjson's whole-body parse but skipped by the shell, so the bytes path reads the body as if the
element held 0. In a read resource, read element or not, the refusal stands.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from service.answer import match_bytes
from service.api import parse_body, with_bundle
from service.criteria import Catalog
from service.errors import ClientError
from service.fhir_decode import decode_bundle
from service.intake import BUILT_TYPES
from service.pipeline import match
from tests.api.test_bad_inputs import CASES, build_body
from tests.api.test_intake_differential import (
    AS_OF,
    BASELINE,
    CORPUS_FILES,
    MUTATIONS,
    REVIEW_FILES,
    outcome,
)
from tests.golden.build_answers import golden_inputs


def _refusal(error: ClientError) -> Any:
    return ("refused", error.status, [(i.code, i.diagnostics, i.expression) for i in error.issues])


def both(body: bytes, read: Callable[[object], Any]) -> tuple[Any, Any]:
    """Return what the bytes path and the parsed-body path make of a body (each on its own copy)."""
    found = []
    for way in ("bytes", "parsed"):
        buffer = bytearray(body)
        try:
            found.append(with_bundle(buffer, read) if way == "bytes" else read(parse_body(buffer)))
        except ClientError as error:
            found.append(_refusal(error))
    return found[0], found[1]


def intake_of(catalog: Catalog) -> Callable[[object], Any]:
    """Return the reader of a document that says what intake makes of it."""
    return lambda document: outcome(document, catalog, fast=True)


def answer_of(catalog: Catalog) -> Callable[[object], Any]:
    """Return the reader of a document that gives its /match answer bytes."""
    return lambda document: match_bytes(match(document, catalog, AS_OF))


def takes(body: bytes) -> bool:
    """Return whether the shell takes a body (else it is parsed whole)."""
    return decode_bundle(bytearray(body), BUILT_TYPES) is not None


def assert_same(body: bytes, read: Callable[[object], Any]) -> Any:
    """Assert both paths make the same of a body; return it."""
    by_bytes, parsed = both(body, read)
    assert by_bytes == parsed
    return by_bytes


# -- the committed and shared inputs -----------------------------------------------------------


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/corpus/external is not beside the checkout")
def test_corpus_files_answer_the_same(catalog: Catalog) -> None:
    """Every shared corpus file, as stored, gets the same answer bytes (or refusal) by both paths."""
    taken = 0
    for path in CORPUS_FILES:
        body = path.read_bytes()
        assert_same(body, answer_of(catalog))
        taken += takes(body)
    assert taken > len(CORPUS_FILES) // 2


def test_committed_bundles_read_the_same(catalog: Catalog) -> None:
    """Every committed bundle, compact and indented, reads the same by both paths, and the shell takes it."""
    count = 0
    for _name, bundle, _as_of in golden_inputs():
        for body in (orjson.dumps(bundle), json.dumps(bundle, indent=1, ensure_ascii=False).encode()):
            assert takes(body)
            assert_same(body, intake_of(catalog))
        count += 1
    assert count > 500


def test_review_round_files_read_the_same(catalog: Catalog) -> None:
    """Every file of the independent review rounds, as stored, reads the same by both paths."""
    assert len(REVIEW_FILES) > 100
    for path in REVIEW_FILES:
        assert_same(path.read_bytes(), intake_of(catalog))


BAD_BODIES = [(c["name"], build_body(c)) for c in CASES if "generator" not in c]
# The bad input that pins the exemption (a huge number in a resource of an unread type).
EXEMPT_BAD_INPUT = "number-1e400-in-unread-resource"


@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[n for n, _ in BAD_BODIES])
def test_bad_input_reads_the_same(name: str, body: bytes, catalog: Catalog) -> None:
    """Every bad input of bad_inputs.yaml, as bytes, is refused or read alike by both paths, but the exemption's."""
    if name != EXEMPT_BAD_INPUT:
        assert_same(bytes(body), intake_of(catalog))
        return
    by_bytes, parsed = both(bytes(body), intake_of(catalog))
    assert parsed[0] == "refused" and "infinity" in parsed[2][0][1]
    assert by_bytes == both(bytes(body).replace(b"1e400", b"0"), intake_of(catalog))[1]


def test_mutated_resources_read_the_same(catalog: Catalog) -> None:
    """Every mutation of every read resource (test_intake_differential's) reads the same by both paths."""
    differ = []
    for name, bundle in MUTATIONS[::3]:
        by_bytes, parsed = both(json.dumps(bundle).encode(), intake_of(catalog))
        if by_bytes != parsed:
            differ.append((name, by_bytes, parsed))
    assert not differ, differ[:3]


# -- byte-level mutations ------------------------------------------------------------------------

SLOT = "@@SLOT@@"
# Where a value is put: unread by intake (the exemption can apply) or inside a read resource.
UNREAD_SLOTS = ("Bundle.meta", "entry.search", "Claim.total", "Claim.item")
READ_SLOTS = (
    "Bundle.type",
    "Bundle.link",
    "entry.fullUrl",
    "entry.resource",
    "Observation.valueQuantity.value",
    "Observation.code.text",
    "Observation.note",
    "Patient.birthDate",
    "OperationOutcome.issue",
)
HUGE_NUMBERS = (b"1e999", b"-1e999", b"9" * 400, b"-" + b"1" * 320 + b".5", b"1.5E+400")
BYTE_VALUES: tuple[bytes, ...] = (
    b"0",
    b"null",
    b'"x"',
    b"{}",
    b"1e-999",
    b"12345678901234567890123",
    *HUGE_NUMBERS,
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"01",
    b"1.",
    b"tru",
    b'"\xff"',
    b'"\xc0\xaf"',
    b'"\xed\xa0\x80"',
    b'"\xf4\x90\x80\x80"',
    b'"\xf8\x88\x80\x80\x80"',
    b'{"\xff": 1}',
    b'"caf\xc3\xa9"',
    b'"\\ud800"',
    b'"\\udc00 x"',
    b'"\\ud83d\\ude00"',
    b'"\\u0000"',
    b'"\\x"',
    b'"a\x01b"',
    b'"a\x00b"',
    b'"a\tb"',
    b'"a\x7fb"',
    b'{"a": 1, "a": 2}',
    b'{"a": 1,}',
    b"[1,]",
    b"[" * 900 + b"]" * 900,
    b"[" * 1010 + b"]" * 1010,
    b"[" * 1100 + b"]" * 1100,
    b"{" + b'"a":{' * 990 + b"}" * 991,
)


def slotted_bundle() -> dict[str, Any]:
    """Return a bundle of the baseline's resources plus unread ones, with a slot in each place."""
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    entries = baseline["entry"]
    claim = {"resourceType": "Claim", "id": "c1", "status": "active", "total": {"value": 1}, "item": []}
    information = [{"severity": "information", "code": "informational"}]
    outcome_entry = {"resourceType": "OperationOutcome", "issue": information}
    entries.append({"fullUrl": "urn:uuid:claim-1", "resource": claim, "search": {"mode": "match"}})
    entries.append({"fullUrl": "urn:uuid:oo-1", "resource": outcome_entry})
    return {"resourceType": "Bundle", "type": "searchset", "meta": {"lastUpdated": "2026-11-01"}, **baseline}


def _place(bundle: dict[str, Any], where: str) -> dict[str, Any]:
    bundle = copy.deepcopy(bundle)
    entries = bundle["entry"]

    def first(rtype: str) -> dict[str, Any]:
        entry: dict[str, Any] = next(e for e in entries if e["resource"]["resourceType"] == rtype)
        return entry

    observation = next(
        e for e in entries if e["resource"]["resourceType"] == "Observation" and "valueQuantity" in e["resource"]
    )
    if where in ("Bundle.meta", "Bundle.type", "Bundle.link"):
        bundle[where.split(".")[1]] = SLOT
    elif where == "entry.search":
        first("Claim")["search"] = SLOT
    elif where == "entry.fullUrl":
        first("Claim")["fullUrl"] = SLOT
    elif where == "entry.resource":
        entries.append({"fullUrl": "urn:uuid:slot", "resource": SLOT})
    elif where.startswith("Claim."):
        first("Claim")["resource"][where.split(".")[1]] = SLOT
    elif where == "Observation.valueQuantity.value":
        observation["resource"]["valueQuantity"]["value"] = SLOT
    elif where == "Observation.code.text":
        observation["resource"]["code"]["text"] = SLOT
    elif where == "Observation.note":
        observation["resource"]["note"] = SLOT
    elif where == "Patient.birthDate":
        first("Patient")["resource"]["birthDate"] = SLOT
    else:
        first("OperationOutcome")["resource"]["issue"] = SLOT
    return bundle


def byte_mutations() -> Iterator[tuple[str, bytes, bool]]:
    """Yield (name, body, exempt) for every byte value in every slot, indented as real exports are."""
    bundle = slotted_bundle()
    for where in UNREAD_SLOTS + READ_SLOTS:
        text = json.dumps(_place(bundle, where), indent=1).encode()
        for number, value in enumerate(BYTE_VALUES):
            exempt = where in UNREAD_SLOTS and value in HUGE_NUMBERS
            yield f"{where}={number}", text.replace(json.dumps(SLOT).encode(), value), exempt


BYTE_MUTATIONS = list(byte_mutations())


def test_byte_mutations_read_the_same_but_the_exemption(catalog: Catalog) -> None:
    """Every byte value in every slot reads the same by both paths, but a huge number in an unread element."""
    differ = []
    kinds: set[str] = set()
    for name, body, exempt in BYTE_MUTATIONS:
        by_bytes, parsed = both(body, intake_of(catalog))
        kinds.add(parsed[0])
        if exempt:
            # The exemption: orjson refuses the body; the bytes path reads it as with the element 0.
            assert parsed[0] == "refused" and "infinity" in parsed[2][0][1], name
            for value in HUGE_NUMBERS:
                body = body.replace(value, b"0")
            assert by_bytes == both(body, intake_of(catalog))[1], name
        elif by_bytes != parsed:
            differ.append((name, by_bytes, parsed))
    assert not differ, differ[:3]
    assert kinds == {"refused", "accepted", "rejected"}


def test_byte_mutations_answer_the_same(catalog: Catalog) -> None:
    """The byte mutations both paths accept get the same answer bytes by both."""
    compared = 0
    for _name, body, exempt in BYTE_MUTATIONS[::4]:
        by_bytes, parsed = both(body, answer_of(catalog))
        if not exempt:
            assert by_bytes == parsed
            compared += isinstance(parsed, bytes)
    assert compared > 10


def _whole_body_changes(body: bytes) -> Iterator[tuple[str, bytes]]:
    bom = b"\xef\xbb\xbf"
    yield "as is", body
    yield "BOM", bom + body
    yield "two BOMs", bom + bom + body
    yield "BOM and spaces", bom + b" \n" + body
    yield "UTF-16 BOM", b"\xff\xfe" + body
    yield "spaces around", b" \t\r\n" + body + b"\n \n"
    yield "empty", b""
    yield "spaces only", b" \n "
    for garbage in (b"x", b"\x00", b"{}", b",", b"]", b" // c", b"\xff"):
        yield f"trailing {garbage!r}", body + garbage
    for cut in range(1, 40):
        yield f"cut at {cut}/40", body[: len(body) * cut // 40]
    head = body.index(b"{") + 1
    for member in (b'"resourceType":"Parameters",', b'"entry":5,', b'"entry":[1],', b'"type":7,', b'"link":{},'):
        yield f"duplicate first {member!r}", body[:head] + member + body[head:]
    tail = body.rindex(b"}")
    for member in (b',"entry":[]', b',"resourceType":"Patient"', b',"type":"nope"', b',"entry":null', b',"link":[]'):
        yield f"duplicate last {member!r}", body[:tail] + member + body[tail:]
    yield "resourceType escaped", body.replace(b'"resourceType": "Claim"', b'"resourceType": "Obs\\u0065rvation"', 1)
    yield (
        "a resource's type twice",
        body.replace(b'"resourceType": "Claim",', b'"resourceType": "Claim", "resourceType": "Observation",', 1),
    )
    yield "type key escaped", body.replace(b'"resourceType": "Claim",', b'"resource\\u0054ype": "Patient",', 1)
    escaped = body.replace(b'"entry":', b'"entr\\u0079":', 1)
    yield "shell keys escaped", escaped.replace(b'"fullUrl":', b'"fullUr\\u006c":')
    yield "resource key escaped", body.replace(b'"resource":', b'"resourc\\u0065":', 3)
    yield "not an object", b"[" + body + b"]"
    yield "a string", b'"Bundle"'


def test_whole_body_changes_read_the_same(catalog: Catalog) -> None:
    """BOMs, truncations, trailing bytes, duplicate and escaped keys read the same by both paths."""
    body = json.dumps(slotted_bundle(), indent=1).encode()
    differ = []
    for name, changed in _whole_body_changes(body):
        by_bytes, parsed = both(changed, intake_of(catalog))
        if by_bytes != parsed:
            differ.append((name, by_bytes, parsed))
    assert not differ, differ[:3]


def test_shell_builds_no_unread_resource() -> None:
    """The shell builds no resource of a type intake never reads, and takes a real export as it is."""
    body = json.dumps(slotted_bundle(), indent=1).encode()
    document = decode_bundle(bytearray(body), BUILT_TYPES)
    assert document is not None
    claim = next(e for e in document["entry"] if e["fullUrl"] == "urn:uuid:claim-1")
    assert claim == {"fullUrl": "urn:uuid:claim-1", "resource": {"resourceType": "Claim"}}
    assert set(document) == {"resourceType", "type", "entry"}


def test_raised_recursion_limit_parses_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above orjson's depth limit msgspec would skip deeper nesting than orjson takes: the body is parsed whole."""
    body = json.dumps(slotted_bundle()).encode()
    monkeypatch.setattr("sys.getrecursionlimit", lambda: 5000)
    assert decode_bundle(bytearray(body), BUILT_TYPES) is None


def test_pending_resource_orjson_refuses_reparses(catalog: Catalog) -> None:
    """A read resource orjson refuses when intake reaches it makes the whole body parse, with orjson's message."""
    body = json.dumps(_place(slotted_bundle(), "Observation.note"), indent=1).encode().replace(b'"@@SLOT@@"', b"1e999")
    assert takes(body)
    by_bytes, parsed = both(body, intake_of(catalog))
    assert by_bytes == parsed and parsed[0] == "refused"


# OperationOutcome entries that say the search was cut short (service.intake._incomplete): each
# makes every record type "not provided", so no trial can be eligible from what is absent. Found
# by an adversarial review: the bytes path once left them unparsed and read the Bundle as whole.
CUT_SHORT = {
    "warning": {"severity": "warning", "code": "processing"},
    "error": {"severity": "error", "code": "processing"},
    "fatal": {"severity": "fatal", "code": "processing"},
    "information-too-costly": {"severity": "information", "code": "too-costly"},
    "warning-incomplete-search-outcome": {"severity": "warning", "code": "incomplete"},
}


def _cut_short(issue: dict[str, str], escaped: bool = False) -> bytes:
    bundle = json.loads(Path(BASELINE).read_text())
    entry: dict[str, Any] = {"resource": {"resourceType": "OperationOutcome", "issue": [issue]}}
    if "incomplete" in issue.values():
        entry["search"] = {"mode": "outcome"}
    bundle["entry"].append(entry)
    body = json.dumps(bundle).encode()
    return body.replace(b'"OperationOutcome"', b'"Operation\\u004futcome"') if escaped else body


@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "escaped-type"])
@pytest.mark.parametrize("name", sorted(CUT_SHORT))
def test_cut_short_search_answers_the_same(name: str, escaped: bool, catalog: Catalog) -> None:
    """A Bundle whose OperationOutcome says the search was cut short answers alike both ways, none eligible."""
    body = _cut_short(CUT_SHORT[name], escaped)
    assert takes(body)
    assert_same(body, intake_of(catalog))
    answer = orjson.loads(assert_same(body, answer_of(catalog)))
    statuses = {m["status"] for m in answer["results"]}
    assert "eligible" not in statuses and "possibly_eligible" in statuses


def test_entry_count_past_the_limit_is_parsed_whole(catalog: Catalog) -> None:
    """A Bundle of more entries than allowed is not built entry by entry: refused as the whole parse refuses it."""
    body = orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{}] * 101})
    assert decode_bundle(bytearray(body), BUILT_TYPES, 100) is None
    assert decode_bundle(bytearray(body), BUILT_TYPES, 101) is not None

    def read(document: object) -> Any:
        return match(document, catalog, AS_OF, max_entries=100)

    by_bytes, parsed = [], []
    for way, found in (("bytes", by_bytes), ("parsed", parsed)):
        try:
            buffer = bytearray(body)
            with_bundle(buffer, read, 100) if way == "bytes" else read(parse_body(buffer))
        except ClientError as error:
            found.append(_refusal(error))
    assert by_bytes == parsed and "more than 100 entries" in str(parsed)


def test_byte_mutations_cover_each_slot() -> None:
    """The byte mutations cover every slot and value, and the slotted bundle has read and unread resources."""
    assert len(BYTE_MUTATIONS) == len(UNREAD_SLOTS + READ_SLOTS) * len(BYTE_VALUES)
    types = {e["resource"]["resourceType"] for e in slotted_bundle()["entry"]}
    assert {"Claim", "OperationOutcome", "Patient", "Observation"} <= types
    assert not types <= BUILT_TYPES
    assert Path(BASELINE).is_file()
