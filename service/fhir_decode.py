"""Typed decoding of the elements intake reads, as msgspec Structs, held to fhir.resources.

The fast path of intake (service.intake.read_bundle): a resource a criterion reads is converted,
type-checked as it is converted, into a Struct of exactly the elements facts reads
(service.intake.READ_ELEMENTS), instead of being validated element by element by the
fhir.resources R4B model. fhir.resources stays the reference for what valid FHIR is, by a rule
that makes the two agree by construction: a Struct accepts only a subset of what the model
accepts, and whatever it does not accept (a type it does not know, an element it does not
declare, an odd string, a leap second) makes intake validate that resource with the model
instead, which accepts it or names the problem exactly as before. So:

- Every nested element forbids elements it does not declare, and declares only elements the
  fhir.resources model of that type has (tests/unit/test_fhir_decode.py checks the names, the
  required elements and the choice groups against the models).
- Every primitive is checked at least as strictly as fhir_core.types checks it: strings are
  non-empty with a visible character, codes and uris are printable ASCII, ids follow the FHIR id
  pattern, dates and times match fhir_core's own patterns and convert to the same Python values
  (a date, a timezone-aware datetime, or the partial-date string), decimals become the same
  ``Decimal``; booleans and numbers are never coerced from strings.
- A choice element (``value[x]``, ``effective[x]``...) given in more than one type falls back.

Both paths decode the same input: the read part of the resource (service.intake._read_part),
without the elements the catalogue does not read. Attributes a Struct does not declare read as None,
as the model's unset elements do, so service.facts reads either kind of resource unchanged.
tests/api/test_intake_differential.py runs both paths over every corpus file, case bundle and bad
input, and mutations of them, and asserts the same acceptance, issues, warnings and values.

The end of the module decodes a Bundle straight from the request bytes (decode_bundle): only the
resources of types intake reads are ever built, each by orjson when intake reaches it.
"""

# ruff: noqa: N815  -- the Structs keep FHIR's camelCase element names, so facts reads either kind alike

from __future__ import annotations

import codecs
import datetime as dt
import importlib
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import msgspec
import orjson
from fhir_core.types import Date as FhirDate
from fhir_core.types import DateTime as FhirDateTime
from fhir_core.types import Instant as FhirInstant
from pydantic import BaseModel

# -- primitives: each at least as strict as fhir_core.types ------------------------------------

# string: fhir_core requires a match of [ \r\n\t\S]+; a visible (non-space) character is stricter.
Str = Annotated[str, msgspec.Meta(pattern=r"\S")]
# code: fhir_core's ^[^\s]+(\s[^\s]+)*$, here restricted to printable ASCII words and single spaces.
Code = Annotated[str, msgspec.Meta(pattern=r"\A[!-~]+( [!-~]+)*\Z")]
# uri: fhir_core's \S*, here non-empty printable ASCII without spaces.
Uri = Annotated[str, msgspec.Meta(pattern=r"\A[!-~]+\Z")]
# id: fhir_core.constraints TYPES_ID_PATTERN with at most 64 characters (FHIR R4 id; fhir_core allows 255).
Id = Annotated[str, msgspec.Meta(pattern=r"\A[A-Za-z0-9\-.]{1,64}\Z")]
UnsignedInt = Annotated[int, msgspec.Meta(ge=0, le=2147483647)]
# A date or time as written; converted after decoding (_convert_dates), or the resource falls back.
DateText = str
Number = int | float

_DATE = FhirDate.pattern
_DATETIME = FhirDateTime.pattern
_INSTANT = FhirInstant.pattern
# The datetime forms converted here; others (a leap second, more than microseconds) fall back.
_FULL_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:[0-5]\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")


class FallBack(ValueError):
    """The fast path does not take this value: the resource is validated by its fhir.resources model."""


def _date_value(text: str, kind: str) -> object:
    """Return the value fhir_core makes of a date, dateTime or instant string, or raise FallBack."""
    pattern = _INSTANT if kind == "instant" else _DATETIME if kind == "dateTime" else _DATE
    if not pattern.fullmatch(text):
        raise FallBack(kind)
    if len(text) < 10:
        return text  # a partial date (YYYY, YYYY-MM) stays a string, as fhir_core keeps it
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FallBack(kind) from None
    if not _FULL_DATETIME.fullmatch(text):
        raise FallBack(kind)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise FallBack(kind) from None


def _decimal(value: Number) -> Decimal:
    # fhir_core.types.Decimal: a float through str(), so 1.0 stays Decimal('1.0').
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


# -- elements ---------------------------------------------------------------------------------


class Element(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A FHIR element decoded with only the members intake reads; other members read as None."""

    fhir_name: ClassVar[str] = ""
    date_kinds: ClassVar[Mapping[str, str]] = {}
    decimals: ClassVar[tuple[str, ...]] = ()
    choices: ClassVar[Mapping[str, tuple[tuple[str, ...], bool]]] = {}
    unset: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        for name, kind in self.date_kinds.items():
            text = getattr(self, name)
            if text is not None:
                setattr(self, name, _date_value(text, kind))
        for name in self.decimals:
            number = getattr(self, name)
            if number is not None:
                setattr(self, name, _decimal(number))
        for names, required in self.choices.values():
            given = sum(getattr(self, n) is not None for n in names)
            if given > 1 or (required and given == 0):
                raise FallBack("choice")

    def __getattr__(self, name: str) -> None:
        # An element of the FHIR type that intake does not read: unset, as in the model.
        if name in type(self).unset:
            return None
        raise AttributeError(name)


class Coding(Element, kw_only=True):
    system: Uri | None = None
    version: Str | None = None
    code: Code | None = None
    display: Str | None = None
    userSelected: bool | None = None


class CodeableConcept(Element, kw_only=True):
    coding: Annotated[list[Coding], msgspec.Meta(min_length=1)] | None = None
    text: Str | None = None


class Reference(Element, kw_only=True):
    reference: Str | None = None
    type: Uri | None = None
    display: Str | None = None


class Quantity(Element, kw_only=True):
    decimals = ("value",)
    value: Number | None = None
    comparator: Code | None = None
    unit: Str | None = None
    system: Uri | None = None
    code: Code | None = None


class Period(Element, kw_only=True):
    date_kinds = {"start": "dateTime", "end": "dateTime"}
    start: DateText | None = None
    end: DateText | None = None


class Range(Element, kw_only=True):
    low: Quantity | None = None
    high: Quantity | None = None


Concepts = Annotated[list[CodeableConcept], msgspec.Meta(min_length=1)]


class ObservationReferenceRange(Element, kw_only=True):
    low: Quantity | None = None
    high: Quantity | None = None
    type: CodeableConcept | None = None
    appliesTo: Concepts | None = None
    age: Range | None = None
    text: Str | None = None


class ConditionStage(Element, kw_only=True):
    summary: CodeableConcept | None = None
    assessment: Annotated[list[Reference], msgspec.Meta(min_length=1)] | None = None
    type: CodeableConcept | None = None


class MedicationRequestDispenseRequestInitialFill(Element, kw_only=True):
    quantity: Quantity | None = None
    duration: Quantity | None = None


class MedicationRequestDispenseRequest(Element, kw_only=True):
    initialFill: MedicationRequestDispenseRequestInitialFill | None = None
    dispenseInterval: Quantity | None = None
    validityPeriod: Period | None = None
    numberOfRepeatsAllowed: UnsignedInt | None = None
    quantity: Quantity | None = None
    expectedSupplyDuration: Quantity | None = None
    performer: Reference | None = None


class AllergyIntoleranceReaction(Element, kw_only=True):
    date_kinds = {"onset": "dateTime"}
    substance: CodeableConcept | None = None
    manifestation: Concepts
    description: Str | None = None
    onset: DateText | None = None
    severity: Code | None = None
    exposureRoute: CodeableConcept | None = None


class FamilyMemberHistoryCondition(Element, kw_only=True):
    choices = {"onset": (("onsetAge", "onsetRange", "onsetPeriod", "onsetString"), False)}
    code: CodeableConcept
    outcome: CodeableConcept | None = None
    contributedToDeath: bool | None = None
    onsetAge: Quantity | None = None
    onsetRange: Range | None = None
    onsetPeriod: Period | None = None
    onsetString: Str | None = None


# The read parts of Observation identifiers, specimen and the observation-replaces extension
# (service.intake._read_part keeps only these strings).
class Identifier(Element, kw_only=True):
    system: Uri | None = None
    value: Str | None = None


class Extension(Element, kw_only=True):
    choices = {"value": (("valueReference",), False)}
    url: Uri
    valueReference: Reference | None = None


# -- resources ----------------------------------------------------------------------------------


class Resource(Element, forbid_unknown_fields=False):
    """A resource: top-level elements intake does not read are ignored, as the model path drops them."""

    id: Id | None = None


class Patient(Resource, kw_only=True):
    date_kinds = {"birthDate": "date", "deceasedDateTime": "dateTime"}
    choices = {"deceased": (("deceasedBoolean", "deceasedDateTime"), False)}
    birthDate: DateText | None = None
    gender: Code | None = None
    deceasedBoolean: bool | None = None
    deceasedDateTime: DateText | None = None


class Observation(Resource, kw_only=True):
    date_kinds = {
        "effectiveDateTime": "dateTime",
        "effectiveInstant": "instant",
        "issued": "instant",
    }
    choices = {
        "effective": (("effectiveDateTime", "effectivePeriod", "effectiveInstant"), False),
        "value": (("valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean"), False),
    }
    subject: Reference | None = None
    status: Code
    code: CodeableConcept
    effectiveDateTime: DateText | None = None
    effectivePeriod: Period | None = None
    effectiveInstant: DateText | None = None
    issued: DateText | None = None
    valueQuantity: Quantity | None = None
    valueCodeableConcept: CodeableConcept | None = None
    valueString: Str | None = None
    valueBoolean: bool | None = None
    interpretation: Concepts | None = None
    referenceRange: Annotated[list[ObservationReferenceRange], msgspec.Meta(min_length=1)] | None = None
    # Only their strings that say which result a correction supersedes (service.intake._read_part).
    identifier: Annotated[list[Identifier], msgspec.Meta(min_length=1)] | None = None
    specimen: Reference | None = None
    extension: Annotated[list[Extension], msgspec.Meta(min_length=1)] | None = None


_ONSET = ("onsetDateTime", "onsetAge", "onsetPeriod", "onsetRange", "onsetString")
_ABATEMENT = ("abatementDateTime", "abatementAge", "abatementPeriod", "abatementRange", "abatementString")


class Condition(Resource, kw_only=True):
    date_kinds = {"recordedDate": "dateTime", "onsetDateTime": "dateTime", "abatementDateTime": "dateTime"}
    choices = {"onset": (_ONSET, False), "abatement": (_ABATEMENT, False)}
    subject: Reference
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    category: Concepts | None = None
    code: CodeableConcept | None = None
    severity: CodeableConcept | None = None
    stage: Annotated[list[ConditionStage], msgspec.Meta(min_length=1)] | None = None
    recordedDate: DateText | None = None
    onsetDateTime: DateText | None = None
    onsetAge: Quantity | None = None
    onsetPeriod: Period | None = None
    onsetRange: Range | None = None
    onsetString: Str | None = None
    abatementDateTime: DateText | None = None
    abatementAge: Quantity | None = None
    abatementPeriod: Period | None = None
    abatementRange: Range | None = None
    abatementString: Str | None = None


_MEDICATION = (("medicationCodeableConcept", "medicationReference"), True)


class MedicationStatement(Resource, kw_only=True):
    date_kinds = {"effectiveDateTime": "dateTime", "dateAsserted": "dateTime"}
    choices = {"medication": _MEDICATION, "effective": (("effectiveDateTime", "effectivePeriod"), False)}
    subject: Reference
    status: Code
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    effectiveDateTime: DateText | None = None
    effectivePeriod: Period | None = None
    dateAsserted: DateText | None = None


class MedicationRequest(Resource, kw_only=True):
    date_kinds = {"authoredOn": "dateTime"}
    choices = {"medication": _MEDICATION}
    subject: Reference
    status: Code
    intent: Code
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    authoredOn: DateText | None = None
    dispenseRequest: MedicationRequestDispenseRequest | None = None


class MedicationAdministration(Resource, kw_only=True):
    date_kinds = {"effectiveDateTime": "dateTime"}
    choices = {"medication": _MEDICATION, "effective": (("effectiveDateTime", "effectivePeriod"), True)}
    subject: Reference
    status: Code
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    effectiveDateTime: DateText | None = None
    effectivePeriod: Period | None = None


class MedicationDispense(Resource, kw_only=True):
    date_kinds = {"whenPrepared": "dateTime", "whenHandedOver": "dateTime"}
    choices = {"medication": _MEDICATION}
    subject: Reference | None = None
    status: Code
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    whenPrepared: DateText | None = None
    whenHandedOver: DateText | None = None
    daysSupply: Quantity | None = None


class Medication(Resource, kw_only=True):
    code: CodeableConcept | None = None


class Encounter(Resource, kw_only=True, rename={"class_fhir": "class"}):
    subject: Reference | None = None
    status: Code
    class_fhir: Coding
    period: Period | None = None
    reasonCode: Concepts | None = None


_PERFORMED = ("performedDateTime", "performedAge", "performedPeriod", "performedRange", "performedString")


class Procedure(Resource, kw_only=True):
    date_kinds = {"performedDateTime": "dateTime"}
    choices = {"performed": (_PERFORMED, False)}
    subject: Reference
    status: Code
    code: CodeableConcept | None = None
    performedDateTime: DateText | None = None
    performedAge: Quantity | None = None
    performedPeriod: Period | None = None
    performedRange: Range | None = None
    performedString: Str | None = None


class AllergyIntolerance(Resource, kw_only=True):
    patient: Reference
    code: CodeableConcept | None = None
    criticality: Code | None = None
    reaction: Annotated[list[AllergyIntoleranceReaction], msgspec.Meta(min_length=1)] | None = None
    category: Annotated[list[Code], msgspec.Meta(min_length=1)] | None = None
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None


class FamilyMemberHistory(Resource, kw_only=True):
    patient: Reference
    status: Code
    relationship: CodeableConcept
    condition: Annotated[list[FamilyMemberHistoryCondition], msgspec.Meta(min_length=1)] | None = None


RESOURCES: dict[str, type[Resource]] = {
    cls.__name__: cls
    for cls in (
        Patient,
        Observation,
        Condition,
        MedicationStatement,
        MedicationRequest,
        MedicationAdministration,
        MedicationDispense,
        Medication,
        Encounter,
        Procedure,
        AllergyIntolerance,
        FamilyMemberHistory,
    )
}


_OWNER_MODULES = {
    "ObservationReferenceRange": "observation",
    "ConditionStage": "condition",
    "MedicationRequestDispenseRequest": "medicationrequest",
    "MedicationRequestDispenseRequestInitialFill": "medicationrequest",
    "AllergyIntoleranceReaction": "allergyintolerance",
    "FamilyMemberHistoryCondition": "familymemberhistory",
}


def model_of(cls: type[Element]) -> type[BaseModel]:
    """Return the fhir.resources R4B model a Struct stands for."""
    module = importlib.import_module(f"fhir.resources.R4B.{_OWNER_MODULES.get(cls.__name__, cls.__name__.lower())}")
    model: type[BaseModel] = getattr(module, cls.__name__)
    return model


def structs() -> list[type[Element]]:
    """Return every Struct that stands for a FHIR type (not the abstract bases)."""
    found: list[type[Element]] = []
    pending: list[type[Element]] = [Element]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub is not Resource:
                found.append(sub)
    return found


for _struct in structs():
    _struct.unset = frozenset(set(model_of(_struct).model_fields) - set(_struct.__struct_fields__))


def decode(resource_type: str, part: Mapping[str, Any]) -> Resource | None:
    """Return the read part of a resource as its Struct, or None when fhir.resources must judge it."""
    try:
        return msgspec.convert(part, RESOURCES[resource_type])
    except (msgspec.ValidationError, RecursionError):
        return None


# -- the Bundle straight from the request bytes -------------------------------------------------
#
# The Bundle routes decode the body into a shell: the Bundle members intake reads (resourceType,
# type, link, entry[].fullUrl, entry[].resource), each entry's resource kept as a msgspec.Raw (a
# slice of the body, not a copy). Every value intake reads is then decoded by orjson, as the
# whole-body parse would decode it: a resource of a type intake reads (``built``) when intake
# comes to it (Pending), fullUrl, type and link at once. A resource of any other type is never
# built: it becomes {"resourceType": its type}, all intake reads of it. Anything the shell does
# not take as-is (not an object, not a Bundle, a shell member of another JSON type, JSON msgspec
# refuses, invalid UTF-8 anywhere) makes the caller parse the whole body with orjson instead, so
# its refusals and answers stay those of the dict path (tests/api/test_intake_bytes.py).
#
# One known difference, an exemption (README, bad input; bench/README, typed intake): msgspec
# skips a member it does not read without converting its numbers, so a number too large for a
# double (1e999, a 400-digit integer) in an element intake never reads (a Claim, an entry's
# search, Bundle.meta) is accepted, where orjson refuses the whole body. Refusing it would take a
# second scan of every byte (29 % of the parse of the 3.9 MB bundle,
# bench/intake.py's number_scan); it
# cannot change a verdict, since the element is never read. In a read resource such a number
# is still refused: Pending.load parses it with orjson and any failure re-parses the body.


class Reparse(Exception):
    """The shell met something it does not read as orjson would: parse the whole body with orjson instead."""


_NULL = msgspec.Raw(b"null")


class _Entry(msgspec.Struct, rename={"full_url": "fullUrl"}):
    full_url: msgspec.Raw = _NULL
    resource: msgspec.Raw = _NULL


class _Shell(msgspec.Struct, rename={"bundle_type": "type", "resource_type": "resourceType"}):
    resource_type: Literal["Bundle"]
    bundle_type: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    link: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    entry: list[_Entry] | msgspec.UnsetType = msgspec.UNSET


class _Typed(msgspec.Struct):
    resourceType: str


# orjson refuses JSON nested deeper than this; msgspec's limit is the interpreter's recursion limit
# (1000 unless raised), so the shell refuses at least what orjson refuses only while it is no higher.
ORJSON_MAX_DEPTH = 1024
_SHELL = msgspec.json.Decoder(_Shell)
_TYPED = msgspec.json.Decoder(_Typed)
_CHUNK = 1 << 16


def _parsed(raw: msgspec.Raw) -> Any:
    """Return what orjson makes of a slice of the body (read through a view: no copy)."""
    return orjson.loads(memoryview(raw))


class Pending:
    """A resource of a type intake reads, parsed by orjson only when intake comes to its entry."""

    __slots__ = ("raw", "resource_type")

    def __init__(self, raw: msgspec.Raw, resource_type: str) -> None:
        self.raw = raw
        # As orjson will read it: msgspec reads the same string, and the last of duplicate keys.
        self.resource_type = resource_type

    def load(self) -> Any:
        """Return the resource as orjson parses it; raise Reparse if orjson refuses it."""
        try:
            return _parsed(self.raw)
        except orjson.JSONDecodeError:
            raise Reparse from None


def resource_of_type(resource: object, resource_type: str) -> object:
    """Return an entry's resource for a reader outside intake's entry walk that looks for one type.

    A Pending resource of that type is parsed now (Reparse if orjson refuses it), a Pending one of
    another type is None; anything else (the parsed body's value) is returned as it is.
    """
    if isinstance(resource, Pending):
        return resource.load() if resource.resource_type == resource_type else None
    return resource


def _valid_utf8(body: bytes | bytearray) -> bool:
    """Return whether the body is UTF-8 (orjson refuses any other byte anywhere; msgspec's skip does not look)."""
    if body.isascii():
        return True
    view = memoryview(body)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), _CHUNK):
            chunk = view[start : start + _CHUNK]
            if decoder.getstate()[0] or not chunk.tobytes().isascii():
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        view.release()
    return True


def decode_bundle(
    body: bytes | bytearray, built: frozenset[str], max_entries: int | None = None
) -> dict[str, Any] | None:
    """Return the Bundle intake reads from the body's bytes, or None when the body must be parsed whole.

    Entries' resources of the types in ``built`` are Pending (parsed when read), those of other
    types are {"resourceType": type}; every other value intake reads is as orjson parses it.
    A Bundle of more than ``max_entries`` entries is not built entry by entry (None): intake refuses
    it at once from the whole parse, as it always did, instead of after a Python step per entry.
    """
    if not _valid_utf8(body) or sys.getrecursionlimit() > ORJSON_MAX_DEPTH:
        return None
    try:
        shell = _SHELL.decode(body)
        document: dict[str, Any] = {"resourceType": "Bundle"}
        if shell.bundle_type is not msgspec.UNSET:
            document["type"] = _parsed(shell.bundle_type)
        if shell.link is not msgspec.UNSET:
            document["link"] = _parsed(shell.link)
        if shell.entry is not msgspec.UNSET:
            if max_entries is not None and len(shell.entry) > max_entries:
                return None
            document["entry"] = [_entry(item, built) for item in shell.entry]
    except (msgspec.DecodeError, msgspec.ValidationError, orjson.JSONDecodeError, RecursionError):
        return None
    return document


def _entry(item: _Entry, built: frozenset[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"fullUrl": _parsed(item.full_url)}
    raw = item.resource
    try:
        rtype = _TYPED.decode(raw).resourceType
    except msgspec.ValidationError:  # not an object, or no resourceType string: intake judges the value
        entry["resource"] = _parsed(raw)
        return entry
    entry["resource"] = Pending(raw, rtype) if rtype in built else {"resourceType": rtype}
    return entry
