"""Intake: a parsed FHIR R4 Bundle -> the validated resources this service reads, and warnings.

Models come from ``fhir.resources.R4B``: fhir.resources 8 ships R5 at its top level and R4B
and STU3 beside it, with no R4 package. R4B (4.3) left Patient, Observation, Condition,
the medication resources, Procedure and AllergyIntolerance as they were in R4 (4.0.1), so
it is the closest model set to R4 the package offers.

Only entries a criterion can read are validated; the rest (Claim, vital signs no criterion
reads, an Encounter whose reasons name no condition read...) are passed over and counted.
Resources ``contained`` in a read resource are validated with it (the types in MODELS) and
resolve its local ``#id`` references (Intake.resolve). Validation problems are collected for the
whole Bundle and raised together, each naming the entry index, resource type, id and path.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.familymemberhistory import FamilyMemberHistory
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from pydantic import BaseModel, ValidationError

from service.dates import shift
from service.errors import BundleInvalid, Cancelled, Issue
from service.fhir_decode import Pending, decode, resource_of_type
from service.terminology import CodeMatcher, normalise_code

MODELS: dict[str, type[BaseModel]] = {
    "Patient": Patient,
    "Observation": Observation,
    "Condition": Condition,
    "MedicationStatement": MedicationStatement,
    "MedicationRequest": MedicationRequest,
    "MedicationAdministration": MedicationAdministration,
    "MedicationDispense": MedicationDispense,
    "Medication": Medication,
    "Encounter": Encounter,
    "Procedure": Procedure,
    "AllergyIntolerance": AllergyIntolerance,
    "FamilyMemberHistory": FamilyMemberHistory,
}

# The resource types built when a Bundle is decoded from its bytes (service.fhir_decode.decode_bundle):
# those read, and OperationOutcome, which may say the search was cut short (_incomplete).
BUILT_TYPES = frozenset({*MODELS, "OperationOutcome"})

BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)

# The elements facts reads from each resource type (plus the ones R4 requires). Only these are
# validated: the rest of a resource (narrative, extensions, identifiers, addresses, performers...)
# is never read, and validating it costs most of the time on real exports.
_SUBJECT = ("resourceType", "id", "subject")
READ_ELEMENTS: dict[str, frozenset[str]] = {
    "Patient": frozenset({"resourceType", "id", "birthDate", "gender", "deceasedBoolean", "deceasedDateTime"}),
    "Observation": frozenset(
        {
            *_SUBJECT,
            "status",
            "code",
            "effectiveDateTime",
            "effectivePeriod",
            "effectiveInstant",
            "issued",
            "valueQuantity",
            "valueCodeableConcept",
            "valueString",
            "valueBoolean",
            "interpretation",
            "referenceRange",
            # which result a correction supersedes (service.facts.labs): the original's
            # identifiers and specimen, and the observation-replaces extension (filtered below)
            "identifier",
            "specimen",
            "extension",
        }
    ),
    "Condition": frozenset(
        {
            *_SUBJECT,
            "clinicalStatus",
            "verificationStatus",
            "category",
            "code",
            "severity",
            "stage",
            "recordedDate",
            "onsetDateTime",
            "onsetPeriod",
            "onsetAge",
            "onsetRange",
            "onsetString",
            "abatementDateTime",
            "abatementPeriod",
            "abatementAge",
            "abatementRange",
            "abatementString",
        }
    ),
    "MedicationStatement": frozenset(
        {
            *_SUBJECT,
            "status",
            "medicationCodeableConcept",
            "medicationReference",
            "effectiveDateTime",
            "effectivePeriod",
            "dateAsserted",
        }
    ),
    "MedicationRequest": frozenset(
        {
            *_SUBJECT,
            "status",
            "intent",
            "medicationCodeableConcept",
            "medicationReference",
            "authoredOn",
            "dispenseRequest",
        }
    ),
    "MedicationAdministration": frozenset(
        {
            *_SUBJECT,
            "status",
            "medicationCodeableConcept",
            "medicationReference",
            "effectiveDateTime",
            "effectivePeriod",
        }
    ),
    "MedicationDispense": frozenset(
        {
            *_SUBJECT,
            "status",
            "medicationCodeableConcept",
            "medicationReference",
            "whenPrepared",
            "whenHandedOver",
            "daysSupply",
        }
    ),
    "Medication": frozenset({"resourceType", "id", "code"}),
    # Read for its reasons (a condition named only as why the patient came) and its dates.
    "Encounter": frozenset({*_SUBJECT, "status", "class", "period", "reasonCode"}),
    "Procedure": frozenset(
        {
            *_SUBJECT,
            "status",
            "code",
            "performedDateTime",
            "performedPeriod",
            "performedAge",
            "performedRange",
            "performedString",
        }
    ),
    "AllergyIntolerance": frozenset(
        {
            "resourceType",
            "id",
            "patient",
            "code",
            "criticality",
            "reaction",
            "category",
            "clinicalStatus",
            "verificationStatus",
        }
    ),
    "FamilyMemberHistory": frozenset({"resourceType", "id", "patient", "status", "relationship", "condition"}),
}


MAX_REPORTED_ISSUES = 100
MAX_REFERENCE_CHARS = 200
# FHIR resource type names are letters, starting with a capital (the longest in R4 has 33).
RESOURCE_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]{0,63}")
# A cancellation token: asked between entries, it answers True once the caller wants the work to stop.
Stop = Callable[[], bool]


def never() -> bool:
    """The token of a caller that never cancels."""
    return False


UNIDENTIFIED = "a coding without a system cannot be identified"
# Whether a matcher (by id) matched a lowered text, remembered for one Bundle only: never across
# requests, as the texts are the patient's.
TextMemo = dict[tuple[int, str], bool]


@dataclass(frozen=True)
class ReadFilter:
    """Which Observations are worth validating: those a criterion or score can read.

    ``observation_windows`` maps each analyte LOINC code to the longest look-back any reader
    of that analyte uses; a value dated outside [as-of - window, as-of] cannot change any
    answer, so it is passed over unvalidated. ``finding_codes`` are coded values (for example
    a NYHA class) that condition criteria read from Observations.
    """

    observation_windows: Mapping[tuple[str, str], int]
    finding_codes: frozenset[tuple[str, str]]
    record_matchers: Mapping[str, CodeMatcher] = field(default_factory=dict)
    reasonless_encounter: Callable[[Mapping[str, Any]], bool] | None = None
    """Which Encounters that give no reason to keep: a count of admissions reads those that may be one."""

    def wants_record(self, rtype: str, raw: Mapping[str, Any], seen: TextMemo | None = None) -> str | None:
        """Return None if a Condition, Procedure or medication record is in a value set read, or names one
        in its text or displays (a safety-net suspect word), else why not.

        A record whose concept is not an object, or a medication given by reference, is kept:
        validation (or the referenced Medication) decides.
        """
        matcher = self.record_matchers.get(rtype)
        if matcher is None:
            return None
        if rtype.startswith("Medication"):
            if raw.get("medicationReference") is not None:
                return None
            concepts = [raw.get("medicationCodeableConcept")]
        elif rtype == "Encounter":
            concepts = _list(raw.get("reasonCode"))
        else:
            concepts = [raw.get("code")]
            if rtype == "Condition" and isinstance(raw.get("stage"), list):
                concepts.extend(st.get("summary") for st in raw["stage"] if isinstance(st, Mapping))
        for concept in concepts:
            if concept is None:
                continue
            if not isinstance(concept, Mapping) or not isinstance(concept.get("coding", []), list):
                return None
            if _concept_matches(concept, matcher, {} if seen is None else seen):
                return None
        if rtype == "Encounter":
            if not concepts and self.reasonless_encounter is not None and self.reasonless_encounter(raw):
                return None
            return rtype  # counted as before: no reason names a condition read
        if any(_has_coding_without_system(concept) for concept in concepts):
            return UNIDENTIFIED
        return f"{rtype} (no criterion reads its code)"

    def wants(self, raw: Mapping[str, Any], as_of: dt.date | None, seen: TextMemo | None = None) -> str | None:
        """Return None if intake validates this raw resource (a Patient or a resource a criterion reads), else why not.

        One resource at a time, as read_bundle decides it; population screening drops what this
        rejects before grouping a patient's resources. ``seen`` remembers, for one Bundle, which
        texts matched: exports repeat the same displays on thousands of resources.
        """
        rtype = raw.get("resourceType")
        if rtype == "Patient":
            return None
        if not isinstance(rtype, str) or rtype not in MODELS:
            named = isinstance(rtype, str) and RESOURCE_TYPE_NAME.fullmatch(rtype)
            return rtype if named else "resource of an unknown type"  # no client text echoed
        seen = {} if seen is None else seen
        if (why := self.wants_record(rtype, raw, seen)) is not None:
            return why
        return self.wants_observation(raw, as_of, seen) if rtype == "Observation" else None

    def wants_observation(
        self, raw: Mapping[str, Any], as_of: dt.date | None, seen: TextMemo | None = None
    ) -> str | None:
        """Return None if the Observation is read, else why it is passed over."""
        window = _window_of(raw.get("code"), self.observation_windows)
        if window is not None:
            if as_of is None:
                return None
            day = _raw_effective_day(raw)
            if day is None or shift(as_of, days=-window) <= day <= as_of:
                return None  # undated or unparseable values are validated (and then judged)
            return "Observation (outside every look-back window)"
        if _any_coding_in(raw.get("valueCodeableConcept"), self.finding_codes):
            return None
        # A finding recorded as an Observation: its code in a condition set read ('Ascites' on an
        # ultrasound), or its words naming one (facts reads it as a finding to confirm).
        if _any_coding_in(raw.get("code"), self.finding_codes):
            return None
        conditions = self.record_matchers.get("Condition")
        concepts = (raw.get("code"), raw.get("valueCodeableConcept"))
        if conditions is not None and any(
            isinstance(c, Mapping)
            and isinstance(c.get("coding", []), list)
            and _concept_matches(c, conditions, {} if seen is None else seen)
            for c in concepts
        ):
            return None
        if _has_coding_without_system(raw.get("code")):
            return UNIDENTIFIED
        return "Observation (no criterion reads its code)"


def _window_of(concept: object, windows: Mapping[tuple[str, str], int]) -> int | None:
    if not isinstance(concept, Mapping):
        return None
    codings = concept.get("coding")
    if not isinstance(codings, list):
        return None
    found = None
    for coding in codings:
        if isinstance(coding, Mapping):
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(system, str) or not isinstance(code, str):
                continue
            window = windows.get((system, code))
            if window is not None and (found is None or window > found):
                found = window
    return found


def _raw_effective_day(raw: Mapping[str, Any]) -> dt.date | None:
    """Return the last day an Observation's raw effective time can mean, as facts will read it."""
    value = raw.get("effectiveDateTime") or raw.get("effectiveInstant")
    if value is None:
        period = raw.get("effectivePeriod")
        if isinstance(period, Mapping):
            value = period.get("end") or period.get("start")
    if value is None:
        value = raw.get("issued")
    if not isinstance(value, str):
        return None
    parts = value[:10].split("-")
    try:
        if len(parts) == 1:
            return dt.date(int(parts[0]), 12, 31)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _any_coding_in(concept: object, codes: frozenset[tuple[str, str]]) -> bool:
    if not isinstance(concept, Mapping):
        return False
    codings = concept.get("coding")
    if not isinstance(codings, list):
        return False
    for coding in codings:
        if not isinstance(coding, Mapping):
            continue
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str) and (system, normalise_code(system, code)) in codes:
            return True
    return False


@dataclass(frozen=True)
class Read:
    """A validated resource with where it came from, for evidence and messages."""

    resource: Any
    reference: str
    index: int


@dataclass
class Intake:
    """The resources read from one Bundle, and what intake noticed on the way."""

    patient: Read
    resources: dict[str, list[Read]]
    by_reference: dict[str, Read]
    warnings: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    contained: dict[tuple[str, str], Read] = field(default_factory=dict)
    # Resource types whose records may be incomplete in this Bundle (one page of a paged search,
    # a searchset the server says it cut short, a record naming the patient by an identifier
    # the Patient does not carry): their absence is unknown, never "no record".
    not_provided: frozenset[str] = frozenset()

    def resolve(self, container: Read, reference: str | None) -> Read | None:
        """Return the resource a reference in ``container`` points to: a contained '#id', else a Bundle entry."""
        if not reference:
            return None
        if reference.startswith("#"):
            return self.contained.get((container.reference, reference[1:]))
        return self.by_reference.get(reference) or self.by_reference.get(reference_key(reference))


# The only extension read: an Observation that replaces another (FHIR R4 core extension).
READ_EXTENSIONS = frozenset({"http://hl7.org/fhir/StructureDefinition/observation-replaces"})


def _read_part(raw: dict[str, Any], elements: frozenset[str]) -> dict[str, Any]:
    """Return the elements of a resource that facts reads.

    Identifiers, specimen and extensions are read only for which result a correction supersedes,
    so of them only the strings used are kept (identifier system and value, the specimen and
    observation-replaces references): an odd identifier or extension elsewhere in a real export
    never rejects the Bundle.
    """
    part = {k: v for k, v in raw.items() if k in elements and k not in ("identifier", "specimen", "extension")}
    identifiers = [
        {k: i[k] for k in ("system", "value") if isinstance(i.get(k), str)}
        for i in _list(raw.get("identifier"))
        if isinstance(i, dict) and isinstance(i.get("value"), str)
    ]
    if identifiers and "identifier" in elements:
        part["identifier"] = identifiers
    specimen = raw.get("specimen")
    if "specimen" in elements and isinstance(specimen, dict) and isinstance(specimen.get("reference"), str):
        part["specimen"] = {"reference": specimen["reference"]}
    replaces = [
        {"url": e["url"], "valueReference": {"reference": e["valueReference"]["reference"]}}
        for e in _list(raw.get("extension"))
        if isinstance(e, dict)
        and e.get("url") in READ_EXTENSIONS
        and isinstance(e.get("valueReference"), dict)
        and isinstance(e["valueReference"].get("reference"), str)
    ]
    if replaces and "extension" in elements:
        part["extension"] = replaces
    return part


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _where(index: int, resource_type: str) -> str:
    # Type and position only: a resource id can be a patient identifier, so it is not echoed.
    return f"Bundle.entry[{index}].resource ({resource_type})"


def _error_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _reference_keys(raw: Mapping[str, Any], full_url: object) -> list[str]:
    keys = []
    rtype, rid = raw.get("resourceType"), raw.get("id")
    if isinstance(rtype, str) and isinstance(rid, str):
        keys.append(f"{rtype}/{rid}")
    if isinstance(full_url, str) and full_url:
        keys.append(full_url)
        short = reference_key(full_url)
        if short not in keys:
            keys.append(short)
    return keys


def reference_key(reference: str) -> str:
    """Return the lookup key of a reference: ``urn:uuid:`` as is, URLs reduced to Type/id."""
    if reference.startswith(("urn:uuid:", "urn:oid:")):
        return reference
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return reference


def _validate(rtype: str, part: dict[str, Any], fast: bool) -> Any:
    """Return the read part of a resource as a typed object: its Struct, else its fhir.resources model.

    The Struct (service.fhir_decode) accepts only what the model accepts; anything else is judged
    by the model, which raises ValidationError with the same paths as ever.
    """
    if fast and (decoded := decode(rtype, part)) is not None:
        return decoded
    return MODELS[rtype].model_validate(part)


def read_bundle(
    document: object,
    read_filter: ReadFilter,
    max_entries: int,
    as_of: dt.date | None = None,
    stop: Stop = never,
    fast: bool = True,
) -> Intake:
    """Validate the Bundle's shape and the resources a criterion reads; raise on client errors.

    Of a read resource, only the elements facts reads (READ_ELEMENTS) are validated: nothing
    reads the narrative, extensions or identifiers, and real exports carry large or malformed
    XHTML and many extensions there. ``fast`` decodes them into typed Structs where they are
    plainly valid (service.fhir_decode); without it every one is validated by its fhir.resources
    model (the reference the differential test holds the fast path to). ``document`` is the parsed
    body, or the Bundle service.fhir_decode.decode_bundle made from its bytes, whose resources of
    read types are parsed here (raising Reparse if orjson refuses one).
    """
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise BundleInvalid([Issue("structure", f"expected a FHIR Bundle object, got a JSON {kind}")])
    if document.get("resourceType") != "Bundle":
        found = document.get("resourceType")
        shown = found if isinstance(found, str) and len(found) < 64 else "something else"
        raise BundleInvalid([Issue("structure", f"expected resourceType 'Bundle', got '{shown}'", ("resourceType",))])
    issues: list[Issue] = []
    bundle_type = document.get("type")
    if not isinstance(bundle_type, str) or bundle_type not in BUNDLE_TYPES:
        issues.append(Issue("value", "Bundle.type is missing or not a Bundle type", ("Bundle.type",)))
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise BundleInvalid([Issue("structure", "Bundle.entry must be an array", ("Bundle.entry",))])
    if len(entries) > max_entries:
        raise BundleInvalid([Issue("too-costly", f"Bundle has more than {max_entries} entries", ("Bundle.entry",))])

    warnings: list[str] = []
    skipped: Counter[str] = Counter()
    patients: list[tuple[int, dict[str, Any], object]] = []
    candidates: list[tuple[int, dict[str, Any], object]] = []
    seen_urls: set[str] = set()
    seen_texts: TextMemo = {}
    for index, entry in enumerate(entries):
        if stop():
            raise Cancelled
        if not isinstance(entry, dict):
            issues.append(Issue("structure", "entry is not an object", (f"Bundle.entry[{index}]",)))
            continue
        raw = entry.get("resource")
        if isinstance(raw, Pending):  # decoded from the bytes (service.fhir_decode.decode_bundle): parsed now
            raw = raw.load()
        full_url = entry.get("fullUrl")
        is_patient = isinstance(raw, dict) and raw.get("resourceType") == "Patient"
        if isinstance(full_url, str):
            if full_url in seen_urls and not is_patient:  # a second Patient is an error below, never dropped
                warnings.append(f"Bundle.entry[{index}]: duplicate fullUrl; left out (the first entry wins)")
                skipped["entry with a duplicate fullUrl"] += 1
                continue
            seen_urls.add(full_url)
        if raw is None:
            skipped["entry without resource"] += 1
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
            issues.append(Issue("structure", "resource has no resourceType", (f"Bundle.entry[{index}].resource",)))
            continue
        rtype = raw["resourceType"]
        if rtype == "Patient":
            patients.append((index, raw, full_url))
        elif rtype not in MODELS:
            # Named in the warning only when it is shaped like a FHIR type name, so no text is echoed.
            skipped[rtype if RESOURCE_TYPE_NAME.fullmatch(rtype) else "resource of an unknown type"] += 1
        elif (why := read_filter.wants(raw, as_of, seen_texts)) is not None:
            if why is UNIDENTIFIED:
                name = _reference_keys(raw, None)
                where = name[0] if name else f"Bundle.entry[{index}]"
                warnings.append(f"{where}: {UNIDENTIFIED}; passed over")
            else:
                skipped[why] += 1
        else:
            candidates.append((index, raw, full_url))

    if not patients:
        issues.append(Issue("required", "Bundle has no Patient resource", ("Bundle.entry",)))
    elif len(patients) > 1:
        where = ", ".join(f"entry[{i}]" for i, _, _ in patients[:5])
        if len(patients) > 5:
            where += f" and {len(patients) - 5} more"
        issues.append(
            Issue(
                "business-rule",
                f"Bundle has {len(patients)} Patient resources ({where}); exactly one is needed",
                ("Bundle.entry",),
            )
        )

    by_reference: dict[str, Read] = {}
    contained: dict[tuple[str, str], Read] = {}
    resources: dict[str, list[Read]] = {}
    validated: list[tuple[Read, object]] = []
    for index, raw, full_url in patients[:1] + candidates:
        if stop():
            raise Cancelled
        rtype = raw["resourceType"]
        for path in _string_numbers(raw):
            issues.append(
                Issue(
                    "invalid",
                    f"{_where(index, rtype)}: a number is required, not a string",
                    (f"Bundle.entry[{index}].resource.{path}",),
                )
            )
        try:
            model = _validate(rtype, _read_part(raw, READ_ELEMENTS[rtype]), fast)
        except RecursionError:
            issues.append(
                Issue(
                    "too-costly",
                    f"{_where(index, rtype)}: nested too deeply to validate",
                    (f"Bundle.entry[{index}].resource",),
                )
            )
            continue
        except ValidationError as error:
            for detail in error.errors(include_input=False, include_url=False):
                issues.append(
                    Issue(
                        "invalid",
                        f"{_where(index, rtype)}: {detail['msg']}",
                        (f"Bundle.entry[{index}].resource{_error_path(detail['loc'])}",),
                    )
                )
            continue
        keys = _reference_keys(raw, full_url)
        # A fullUrl is unbounded: one too long to echo in evidence is named by the entry's position.
        named = bool(keys) and len(keys[0]) <= MAX_REFERENCE_CHARS
        read = Read(model, keys[0] if named else f"Bundle.entry[{index}]", index)
        for key in keys:
            by_reference.setdefault(key, read)
        contained.update(_read_contained(raw, read, warnings, fast))
        validated.append((read, raw.get("subject") or raw.get("patient")))

    if issues:
        raise BundleInvalid(issues[:MAX_REPORTED_ISSUES])

    patient = validated[0][0]
    patient_keys = {key for key, read in by_reference.items() if read is patient}
    patient_ids = _identifiers(patients[0][1].get("identifier"))
    not_provided: set[str] = set()
    for read, subject in validated[1:]:
        rtype = type(read.resource).__name__
        owner = _subject_owner(subject, patient_keys, patient_ids)
        if owner == "another":
            warnings.append(f"{read.reference}: subject is another patient; left out")
            skipped[f"{rtype} (another patient)"] += 1
            continue
        if owner == "unclear":
            # Counting it could lend this patient another's diagnosis; leaving it out could hide
            # this patient's own: neither is safe, so the whole resource type reads as not provided.
            warnings.append(
                f"{read.reference}: subject names the patient by an identifier the Patient does not carry "
                f"(or one that contradicts its reference); left out, and {rtype} records are read as not provided"
            )
            skipped[f"{rtype} (patient not established)"] += 1
            not_provided.add(rtype)
            continue
        resources.setdefault(rtype, []).append(read)
    if (cut := _incomplete(document)) is not None:
        warnings.append(f"{cut}: records on other pages are not here, so every record type is read as not provided")
        not_provided.update(t for t in MODELS if t != "Patient")
    for rtype, count in sorted(skipped.items()):
        warnings.append(f"passed over {count} {rtype} entr{'y' if count == 1 else 'ies'}")
    return Intake(patient, resources, by_reference, warnings, skipped, contained, frozenset(not_provided))


def _identifiers(value: object) -> set[tuple[str, str]]:
    """Return the (system, value) pairs of a list of FHIR Identifiers; malformed ones are skipped."""
    found = set()
    for item in _list(value):
        if isinstance(item, dict) and isinstance(item.get("system"), str) and isinstance(item.get("value"), str):
            found.add((item["system"], item["value"]))
    return found


def _subject_owner(subject: object, patient_keys: set[str], patient_ids: set[tuple[str, str]]) -> str:
    """Say whose a record is from its subject: 'this' patient, 'another' one, or 'unclear'.

    A reference decides when it names another patient. A logical reference (an identifier) that
    matches one of the Patient's identifiers is this patient; one in a system the Patient uses
    with another value is another patient; one in a system the Patient does not carry, or one
    contradicting a reference to this patient, cannot be settled from the Bundle.
    """
    if not isinstance(subject, dict):
        return "this"
    ref = subject.get("reference")
    referenced = isinstance(ref, str) and bool(ref)
    if isinstance(ref, str) and ref and not _is_patient(ref, patient_keys):
        return "another"
    ident = subject.get("identifier")
    if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
        return "this"
    system = ident.get("system")
    if isinstance(system, str) and (system, ident["value"]) in patient_ids:
        return "this"
    if isinstance(system, str) and any(s == system for s, _ in patient_ids):
        # Another value in a system the Patient uses: another patient, unless a reference says this one.
        return "unclear" if referenced else "another"
    # A system the Patient does not carry: the reference to this patient decides, if there is one.
    return "this" if referenced else "unclear"


def has_next_link(bundle: Mapping[str, Any]) -> bool:
    """Return whether a Bundle links to a next page: it is one page of a paged search."""
    return any(isinstance(link, dict) and link.get("relation") == "next" for link in _list(bundle.get("link")))


# OperationOutcome issue codes that say a search answer was cut short (FHIR R4 issue-type).
_CUT_CODES = frozenset({"too-costly", "incomplete", "throttled", "timeout", "too-long"})


def _incomplete(document: Mapping[str, Any]) -> str | None:
    """Say why a Bundle is only part of the patient's record, or None when nothing says so.

    A ``next`` link makes it one page of a paged search ($everything pages on most servers); an
    OperationOutcome entry with an error, a warning or an issue code that says the search was cut
    short makes it a search the server did not finish. Either way what is absent may be on
    another page, so nothing may be read from its absence (the safe reading).
    """
    if has_next_link(document):
        return "Bundle has a 'next' link (one page of a paged search)"
    for entry in _list(document.get("entry")):
        # Decoded from the bytes, an OperationOutcome is parsed again here: the entry walk keeps no copy.
        resource = resource_of_type(entry.get("resource"), "OperationOutcome") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "OperationOutcome":
            continue
        for issue in _list(resource.get("issue")):
            if isinstance(issue, dict) and (
                issue.get("severity") in ("fatal", "error", "warning") or issue.get("code") in _CUT_CODES
            ):
                return "Bundle carries an OperationOutcome saying the search was not complete"
    return None


MAX_CONTAINED = 100


def _read_contained(
    raw: Mapping[str, Any], container: Read, warnings: list[str], fast: bool = True
) -> dict[tuple[str, str], Read]:
    """Validate the resources contained in a read resource that a reference can follow (their read parts).

    A contained resource that does not validate is left out with a warning naming its container:
    the reference to it then does not resolve, which the reader treats as not identified.
    """
    found: dict[tuple[str, str], Read] = {}
    for position, item in enumerate(_list(raw.get("contained"))[:MAX_CONTAINED]):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        rtype = item.get("resourceType")
        if not isinstance(rtype, str) or rtype not in MODELS or rtype == "Patient":
            continue
        try:
            model = _validate(rtype, _read_part(item, READ_ELEMENTS[rtype]), fast)
        except (ValidationError, RecursionError):
            warnings.append(f"{container.reference}: contained[{position}] ({rtype}) is not valid; not read")
            continue
        reference = f"{container.reference}#{item['id']}"[: MAX_REFERENCE_CHARS + 64]
        found.setdefault((container.reference, item["id"]), Read(model, reference, container.index))
    return found


def _is_patient(reference: str, patient_keys: set[str]) -> bool:
    return reference in patient_keys or reference_key(reference) in patient_keys


def _has_coding_without_system(concept: object) -> bool:
    if not isinstance(concept, Mapping) or not isinstance(concept.get("coding"), list):
        return False
    return any(
        isinstance(c, Mapping) and c.get("code") and not isinstance(c.get("system"), str) for c in concept["coding"]
    )


# Quantity values FHIR JSON requires as numbers; pydantic would quietly coerce "2.5" to 2.5.
_QUANTITY_KEYS = ("valueQuantity", "doseQuantity")


def _string_numbers(raw: Mapping[str, Any]) -> list[str]:
    """Return the paths of quantity values sent as JSON strings in a read resource."""
    found = []

    def check(quantity: object, path: str) -> None:
        if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), str):
            found.append(f"{path}.value")

    for key in _QUANTITY_KEYS:
        check(raw.get(key), key)
    for index, ref_range in enumerate(_list(raw.get("referenceRange"))):  # not a list: a 4xx below, never a 500
        if isinstance(ref_range, Mapping):
            for bound in ("low", "high"):
                check(ref_range.get(bound), f"referenceRange[{index}].{bound}")
    return found


def _concept_matches(concept: Mapping[str, Any], matcher: CodeMatcher, seen: TextMemo) -> bool:
    texts = []
    if isinstance(concept.get("text"), str):
        texts.append(concept["text"].lower())
    for coding in concept.get("coding", []):
        if not isinstance(coding, Mapping):
            return True  # malformed: let validation report it
        system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
        if (
            isinstance(system, str)
            and isinstance(code, str)
            and matcher.match_code(system, normalise_code(system, code))
        ):
            return True
        if isinstance(display, str):
            texts.append(display.lower())
    # A text naming a set's concept (a name, or a safety-net suspect word) keeps the record: its
    # codes may be in no value set, and evaluation decides how it reads.
    for text in texts:
        key = (id(matcher), text)
        found = seen.get(key)
        if found is None:
            found = seen[key] = matcher.match_text(text) or matcher.has_suspect_words(text)
        if found:
            return True
    return False
