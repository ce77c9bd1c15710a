"""CDS Hooks: a ``patient-view`` service that shows the trials a patient may join as cards.

Follows the HL7 CDS Hooks specification (https://cds-hooks.hl7.org/, source
github.com/HL7/cds-hooks ``input/pagecontent/index.md``): discovery at ``GET /cds-services``,
calls at ``POST /cds-services/{id}``, cards with ``summary`` (< 140 characters), ``indicator``,
``detail`` (GitHub-flavoured Markdown), ``source`` and ``links``.

Discovery: the prefetch templates are derived from the catalogue, so the client sends exactly
the records the criteria read, within the spec's recommended query subset (type searches by
``patient`` and token ``code``/``value-concept`` parameters; no ``_include``) and at most
MAX_TEMPLATE_CHARS characters each. Observations are filtered to the LOINC codes of the analytes
that lab nodes and scores use, split over keys ``observations``, ``observations2``, ... when the
tokens do not fit one URL. Findings (key ``findings``: Observations whose coded value names a
condition) and Conditions and procedures are filtered to their value sets' codes only when every
value set involved is a list of exact codes and the tokens fit one URL; otherwise the key is
widened to every resource of its type for the patient (the real catalogue's findings would need
8,879 tokens). ICD category prefixes and ingredient names cannot be written as search tokens, and
a filter that left out ``C22.0`` under the prefix ``C22`` would make "no record of liver cancer"
wrong. Medication resources are always fetched unfiltered (ATC prefixes, ingredient names, and the
``code`` parameter does not see ``medicationReference``); a ``medicationReference`` that prefetch
does not resolve makes Medication "not provided" (below).

Calls, and the choices the spec leaves to a service:

- With ``fhirServer`` and ``fhirAuthorization`` (the spec's "FHIR Resource Access"), every key
  prefetch did not fill (absent, ``null``, an OperationOutcome, paginated or with an error
  entry) is fetched from the server with the bearer token (service/cds_fetch.py: https or
  loopback http only, timeouts, size limits, same-origin redirects and pages only). A key the
  fetch fails for stays not provided, as below; the response's extension names the keys
  fetched and those that failed with why. The token is never stored or logged. Without
  ``fhirAuthorization`` the service never calls the server (the spec allows it only with both).
- No patient (no ``patient`` prefetch, an empty one, or ``null``, and no successful fetch):
  412 Precondition Failed with an OperationOutcome. The spec says a service that cannot obtain
  required data from prefetch or the FHIR server SHALL answer 412, and SHOULD include an
  OperationOutcome.
- A key that is absent, ``null``, an OperationOutcome, a Bundle with a ``next`` link (the
  service does not page) or with an error OperationOutcome entry is "not provided". (The spec's
  ``null`` means "no data", but it exists for single-resource reads: a search with no data is an
  empty Bundle, so a null search is read the way that cannot give a false "eligible".) The
  resource types of keys not provided go to the core (``match(..., not_provided=...)``): every
  criterion and score that would rest on their absence is unknown, with a reason naming the
  records not provided, so trials degrade to possibly eligible instead of failing. As a second
  guard, while a record key is not provided no card says eligible; the card and the response's
  ``extension`` name the keys.
- Intake warnings (resources about another patient left out, entries passed over) reach the
  clinician as one last card, ``warning`` when data was left out and ``info`` otherwise, listing
  what was left out and why (references, never patient data).
- Indicator: ``info`` for eligible (an opportunity, nothing to correct) and ``warning`` for
  possibly eligible (data must be collected before referral). ``critical`` is never used: a
  trial is not an urgent safety matter. Ineligible trials get no card.
- Errors are OperationOutcomes: body not JSON 400, unknown service id 404, a request that is
  not a patient-view hook request for this service (or whose prefetch content is not valid
  FHIR, located by prefetch key) 422, missing patient 412.
- Response ``extension`` (the spec reserves that name; reverse-domain keys): ``invalid.trialmatch.asOf``,
  ``.catalogVersion``, ``.trialsEvaluated``, and when they apply ``.notProvided``,
  ``.ignoredKeys``, ``.message``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from starlette.responses import Response

from service.api import FHIR_JSON, AsOf, CatalogDep, SettingsDep, off_loop, parse_as_of, parse_body, receive_body
from service.cds_fetch import Fetched, FetchLimits, fetch_missing
from service.criteria import Catalog, catalog_reads
from service.errors import BundleInvalid, HookInvalid, Issue, NotFound, PrefetchMissing
from service.evaluate import CriterionResult
from service.facts import printable
from service.intake import Stop, has_next_link
from service.logic import Outcome
from service.metrics import record_feedback, timed_match
from service.order import OrderItem, order_next, unsent_types
from service.pipeline import MatchReport, match
from service.rank import Status, TrialMatch, status_text
from service.schemas import Model
from service.settings import Settings

if TYPE_CHECKING:  # PyJWT and cryptography load only where JWT checking is configured
    from service.cds_auth import CdsVerifier

router = APIRouter()
logger = logging.getLogger("trialmatch.cds")

SERVICE_ID = "trialmatch-patient-view"
HOOK = "patient-view"
PATIENT = "{{context.patientId}}"
EXTENSION = "invalid.trialmatch."
SUMMARY_LIMIT = 139
# Longest prefetch template, in characters: a relative URL within the 2,000 characters the most
# restrictive clients and proxies take (RFC 9110 section 4.1 only recommends 8,000 octets).
MAX_TEMPLATE_CHARS = 2000
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
UNRESOLVED_MEDICATIONS = "medicationReference (Medication resources referenced but not in prefetch)"
MAX_IGNORED_KEYS = 20
# Analytes the scores read (service/facts.py compute_scores): Child-Pugh, MELD variants, BMI.
SCORE_ANALYTES = ("bilirubin_total", "albumin", "inr", "creatinine", "sodium", "bmi", "weight", "height")
# ICD-10 codes are compared without their dot (terminology.normalise_code) but stored with it.
DOTTED_ICD = frozenset({"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"})
_CARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://trialmatch.invalid/cds-hooks/card")


# -- wire models -----------------------------------------------------------------------------


class _Incoming(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


class HookContext(_Incoming):
    """The patient-view context: the user and the patient whose chart is open."""

    user_id: str | None = None
    patient_id: str = Field(min_length=1)
    encounter_id: str | None = None


class HookRequest(_Incoming):
    """A CDS Hooks request; prefetch, and keys it lacks fetched from ``fhirServer`` with ``fhirAuthorization``."""

    hook: str
    hook_instance: str = Field(min_length=1)
    fhir_server: str | None = None
    fhir_authorization: dict[str, Any] | None = Field(default=None, repr=False)
    context: HookContext
    prefetch: dict[str, dict[str, Any] | None] | None = None


class CdsService(Model):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str]
    usage_requirements: str


class Discovery(Model):
    services: list[CdsService]


class CardSource(Model):
    label: str


class CardLink(Model):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class Card(Model):
    uuid: str
    summary: str = Field(max_length=SUMMARY_LIMIT)
    detail: str
    indicator: Literal["info", "warning", "critical"]
    source: CardSource
    links: list[CardLink] | None = None


class CdsResponse(Model):
    cards: list[Card]
    extension: dict[str, Any] | None = Field(
        default=None, description="trialmatch additions under reverse-domain keys (invalid.trialmatch.*)."
    )


# -- prefetch templates ----------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One prefetch key: its FHIR query and how the engine reads an absent record of its kind."""

    key: str
    query: str
    closed_world: bool
    filtered: bool

    @property
    def resource_types(self) -> tuple[str, ...]:
        """Return the resource types this key supplies (its query's type; medication keys add Medication)."""
        return (self.query.split("?")[0].split("/")[0],)


def _escape(value: str) -> str:
    # FHIR search escapes \ , | and $ inside a token value.
    return re.sub(r"([\\,|$])", r"\\\1", value)


def _wire_code(system: str, code: str) -> str:
    if system in DOTTED_ICD and len(code) > 3 and "." not in code:
        return f"{code[:3]}.{code[3:]}"
    return code


def _tokens(codes: Iterable[tuple[str, str]]) -> str:
    pairs = sorted({(system, _wire_code(system, code)) for system, code in codes})
    return ",".join(f"{_escape(system)}|{_escape(code)}" for system, code in pairs)


def _search(resource_type: str, param: str | None = None, codes: Iterable[tuple[str, str]] = ()) -> str:
    query = f"{resource_type}?patient={PATIENT}"
    tokens = _tokens(codes)
    if param is not None and tokens:
        query += f"&{param}={tokens}"
    return query


def _split(resource_type: str, param: str, codes: Iterable[tuple[str, str]]) -> list[str]:
    """Return searches for the codes, each at most MAX_TEMPLATE_CHARS long (code tokens OR-ed within one)."""
    base = _search(resource_type) + f"&{param}="
    queries: list[str] = []
    tokens: list[str] = []
    for token in _tokens(codes).split(","):
        if tokens and len(base) + len(",".join([*tokens, token])) > MAX_TEMPLATE_CHARS:
            queries.append(base + ",".join(tokens))
            tokens = []
        tokens.append(token)
    if tokens:
        queries.append(base + ",".join(tokens))
    return queries


def _bounded(key: str, resource_type: str, param: str, codes: set[tuple[str, str]]) -> Template:
    """Return a closed-world key filtered by its codes, or widened to every resource of the type past the limit.

    Splitting is not an option for these: the real catalogue's findings need 8,879 tokens (about
    300,000 characters), and a key the EHR fails to fill degrades every trial; one wide search
    is one request.
    """
    query = _search(resource_type, param, codes)
    if codes and len(query) <= MAX_TEMPLATE_CHARS:
        return Template(key, query, True, True)
    return Template(key, _search(resource_type), True, False)


@cache
def templates(catalog: Catalog) -> tuple[Template, ...]:
    """Return the prefetch templates for exactly the records and codes the catalogue's criteria read."""
    reads = catalog_reads(catalog.trials.values())
    analytes = set(reads.analytes)
    conditions, procedures, medications = set(reads.conditions), set(reads.procedures), set(reads.medications)
    allergies, scores = reads.allergies, reads.scores
    if scores:
        inputs = catalog.meta.score_inputs
        analytes.update(a for a in SCORE_ANALYTES if a in catalog.analytes.analytes)
        conditions.update((inputs.ascites, inputs.ascites_severe, inputs.encephalopathy, inputs.encephalopathy_coma))
        procedures.add(inputs.dialysis)

    found = [Template("patient", f"Patient/{PATIENT}", closed_world=False, filtered=False)]
    table = catalog.analytes.analytes
    lab_codes = {(c.system, c.code) for name in analytes for c in table[name].codes}
    if lab_codes:
        for index, query in enumerate(_split("Observation", "code", lab_codes)):
            found.append(Template("observations" if index == 0 else f"observations{index + 1}", query, False, True))
    condition_sets = [catalog.valuesets[v] for v in sorted(conditions)]
    finding_codes = {code for vs in condition_sets for code in vs.codes}
    if finding_codes:
        found.append(_bounded("findings", "Observation", "value-concept", finding_codes))
    for key, resource_type, used in (("conditions", "Condition", conditions), ("procedures", "Procedure", procedures)):
        if not used:
            continue
        sets = [catalog.valuesets[v] for v in sorted(used)]
        exact = all(vs.exact_only for vs in sets)
        codes = {code for vs in sets for code in vs.codes} if exact else set()
        found.append(_bounded(key, resource_type, "code", codes))
    if medications:
        for key, resource_type in (
            ("medicationRequests", "MedicationRequest"),
            ("medicationStatements", "MedicationStatement"),
            ("medicationAdministrations", "MedicationAdministration"),
        ):
            # No _include (outside the spec's recommended subset): a medicationReference the
            # prefetch cannot resolve makes Medication "not provided" (assemble).
            found.append(Template(key, _search(resource_type), True, False))
    if allergies:
        found.append(Template("allergies", _search("AllergyIntolerance"), True, False))
    if reads.admissions:
        # A count of admissions reads every Encounter: without them "none on record" would be a guess.
        found.append(Template("encounters", _search("Encounter"), True, False))
    return tuple(found)


def service_description(catalog: Catalog) -> CdsService:
    """Return the discovery entry of the patient-view service, with its derived prefetch."""
    found = templates(catalog)
    unfiltered = [t.key for t in found if t.key != "patient" and not t.filtered]
    filtered = [t.key for t in found if t.filtered]
    description = (
        f"Lists the clinical trials of the trialmatch catalogue {catalog.version} ({len(catalog.trials)} trials) "
        "the patient is eligible or possibly eligible for, one card per trial, with the reasons, the data "
        "still needed and the criteria a person must confirm. It reads prefetch; keys the request leaves "
        "unfilled are fetched from fhirServer when the request carries fhirAuthorization. Prefetch filtered "
        "to the codes the criteria read: "
        f"{', '.join(filtered) or 'none'}. Fetched without a code filter: {', '.join(unfiltered) or 'none'} "
        "(their value sets hold ICD or ATC prefixes or ingredient names, which cannot be written as code "
        "tokens, and medication searches by code miss medicationReference)."
    )
    closed = [t.key for t in found if t.closed_world]
    usage = (
        "Requires the patient: the 'patient' prefetch, or fhirServer with fhirAuthorization to fetch it "
        "(412 Precondition Failed without either). Send every other key (an empty searchset Bundle when "
        "there is no data), or fhirServer with fhirAuthorization: a key neither fills (absent, null, failed "
        "or paginated) counts as not provided. Medications given by medicationReference need their "
        "Medication resources in the same searchset (search.mode 'include'). Without "
        f"{', '.join(closed) or 'record keys'} a missing record would read as 'no record', so while any of "
        "them is not provided no card says eligible."
    )
    prefetch = {t.key: t.query for t in found}
    return CdsService(
        hook=HOOK,
        id=SERVICE_ID,
        title="Clinical trial matching",
        description=description,
        prefetch=prefetch,
        usage_requirements=usage,
    )


# -- request -> Bundle -----------------------------------------------------------------------


@dataclass(frozen=True)
class Assembled:
    """The collection Bundle built from prefetch, and what prefetch did not provide."""

    bundle: dict[str, Any]
    origins: tuple[str, ...]
    not_provided: tuple[str, ...]
    ignored: tuple[str, ...]
    fetched: Fetched | None = None


def parse_hook(document: object) -> HookRequest:
    """Return the hook request, or raise HookInvalid naming every problem."""
    if not isinstance(document, dict):
        raise HookInvalid(
            [Issue("structure", f"expected a CDS Hooks request object, got a JSON {type(document).__name__}")]
        )
    try:
        request = HookRequest.model_validate(document)
    except ValidationError as error:
        issues = []
        for detail in error.errors(include_input=False, include_url=False):
            path = ".".join(str(part) for part in detail["loc"])
            issues.append(Issue("structure", f"{path}: {detail['msg']}", (path,)))
        raise HookInvalid(issues) from None
    if request.hook != HOOK:
        raise HookInvalid([Issue("value", f"this service answers the '{HOOK}' hook", ("hook",))])
    return request


def _failed(value: dict[str, Any]) -> bool:
    issues = value.get("issue")
    return isinstance(issues, list) and any(
        isinstance(i, dict) and i.get("severity") in ("error", "fatal") for i in issues
    )


def _bundle_entries(key: str, value: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """Return (origin, entry) pairs of a prefetched Bundle, or None when it is incomplete."""
    if has_next_link(value):
        return None
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise HookInvalid([Issue("structure", f"prefetch.{key}.entry must be an array", (f"prefetch.{key}.entry",))])
    kept: list[tuple[str, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        origin = f"prefetch.{key}.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome":
            if _failed(resource):
                return None
            continue
        if isinstance(resource, dict) and resource.get("resourceType") == "Patient":
            continue  # the patient comes from the 'patient' key only
        kept.append((origin, entry))
    return kept


def _names(entry: dict[str, Any]) -> set[str]:
    names = set()
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str) and full_url:
        names.add(full_url)
    resource = entry.get("resource")
    if isinstance(resource, dict) and isinstance(resource.get("id"), str):
        names.add(f"{resource.get('resourceType')}/{resource['id']}")
    return names


def _unresolved_medications(entries: list[dict[str, Any]], names: set[str]) -> bool:
    """Return whether a medication resource references a Medication that prefetch did not send."""
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict) or resource.get("resourceType") not in MEDICATION_TYPES:
            continue
        target = resource.get("medicationReference")
        reference = target.get("reference") if isinstance(target, dict) else None
        known = isinstance(reference, str) and (
            reference.startswith("#") or reference in names or any(n.endswith("/" + reference) for n in names)
        )
        if isinstance(reference, str) and not known:
            return True
    return False


def _unfilled(key: str, value: dict[str, Any] | None) -> bool:
    """Return whether a prefetch value leaves its key not provided (absent is handled by the caller)."""
    if value is None or value.get("resourceType") == "OperationOutcome":
        return True
    return value.get("resourceType") == "Bundle" and _bundle_entries(key, value) is None


def fill_from_server(
    request: HookRequest, found: tuple[Template, ...], limits: FetchLimits | None, stop: Stop
) -> tuple[HookRequest, Fetched | None]:
    """Return the request with the keys prefetch left unfilled fetched from its fhirServer, when it may."""
    if limits is None or not request.fhir_server or request.fhir_authorization is None:
        return request, None
    prefetch = request.prefetch or {}
    queries = {t.key: t.query for t in found if t.key not in prefetch or _unfilled(t.key, prefetch[t.key])}
    if not queries:
        return request, None
    fetched = fetch_missing(
        request.fhir_server, request.fhir_authorization, request.context.patient_id, queries, limits, stop
    )
    return request.model_copy(update={"prefetch": {**prefetch, **fetched.values}}), fetched


def assemble(request: HookRequest, found: tuple[Template, ...], fetched: Fetched | None = None) -> Assembled:
    """Return a collection Bundle of the prefetched resources; raise when the patient is missing."""
    prefetch = request.prefetch or {}
    patient = prefetch.get("patient")
    if patient is None or patient.get("resourceType") == "OperationOutcome":
        if fetched is not None and "patient" in fetched.failed:
            raise PrefetchMissing(
                f"prefetch.patient was not provided and fetching it from fhirServer failed: {fetched.failed['patient']}"
            )
        raise PrefetchMissing(
            "prefetch.patient is required and was not provided; send it, or fhirServer with "
            "fhirAuthorization so that the service can fetch it"
        )
    if patient.get("resourceType") != "Patient":
        raise HookInvalid([Issue("value", "prefetch.patient must be a Patient resource", ("prefetch.patient",))])
    patient_id = patient.get("id")
    if patient_id is not None and patient_id != request.context.patient_id:
        raise HookInvalid(
            [Issue("business-rule", "prefetch.patient.id differs from context.patientId", ("prefetch.patient.id",))]
        )
    # The template reads Patient/{{context.patientId}}, so that is the Patient's id.
    entries: list[dict[str, Any]] = [{"resource": {**patient, "id": request.context.patient_id}}]
    origins = ["prefetch.patient"]
    seen = {f"Patient/{request.context.patient_id}"}
    not_provided: list[str] = []
    for template in found[1:]:
        if template.key not in prefetch:
            not_provided.append(template.key)
            continue
        value = prefetch[template.key]
        if value is None:
            # The spec's null means "no data" and exists for single-resource reads; every key
            # but 'patient' is a search, whose "no data" is an empty Bundle. A null search may
            # hide a failure, so it reads as not provided: the reading that cannot give a
            # false "eligible".
            not_provided.append(template.key)
            continue
        kind = value.get("resourceType")
        pairs: list[tuple[str, dict[str, Any]]] | None
        if kind == "Bundle":
            pairs = _bundle_entries(template.key, value)
        elif kind == "OperationOutcome":
            pairs = None  # the client could not run this query
        else:
            pairs = [(f"prefetch.{template.key}", {"resource": value})] if kind != "Patient" else []
        if pairs is None:
            not_provided.append(template.key)
            continue
        for origin, entry in pairs:
            names = _names(entry)
            if names & seen:
                continue  # the same resource reached through two keys counts once
            seen |= names
            entries.append(entry)
            origins.append(origin)
    advertised = {t.key for t in found}
    # Keys the client chose are echoed bounded: at most MAX_IGNORED_KEYS, each one short printable line.
    unknown = sorted(k for k in prefetch if k not in advertised)
    ignored = tuple(printable(k) for k in unknown[:MAX_IGNORED_KEYS])
    if len(unknown) > MAX_IGNORED_KEYS:
        ignored += (f"and {len(unknown) - MAX_IGNORED_KEYS} more",)
    if _unresolved_medications(entries, seen):
        not_provided.append(UNRESOLVED_MEDICATIONS)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return Assembled(bundle, tuple(origins), tuple(not_provided), ignored, fetched)


def relocate(issues: list[Issue], origins: tuple[str, ...]) -> list[Issue]:
    """Return intake issues with ``Bundle.entry[i]`` rewritten to the prefetch key the entry came from."""

    def where(text: str) -> str:
        def swap(found: re.Match[str]) -> str:
            index = int(found.group(1))
            return origins[index] if index < len(origins) else found.group(0)

        return re.sub(r"Bundle\.entry\[(\d+)\]", swap, text)

    return [Issue(i.code, where(i.diagnostics), tuple(where(e) for e in i.expression), i.severity) for i in issues]


# -- report -> cards -------------------------------------------------------------------------


def _md(text: str) -> str:
    # Backslash-escape the ASCII punctuation GitHub-flavoured Markdown would act on.
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", " ".join(text.split()))


def summary_line(label: str, trial_id: str, title: str, notes: list[str]) -> str:
    """Return a card summary under 140 characters, shortening the title with an ellipsis if needed."""
    prefix = f"{label}: {trial_id} "
    suffix = f" ({'; '.join(notes)})" if notes else ""
    room = SUMMARY_LIMIT - len(prefix) - len(suffix)
    if len(title) > room:
        title = title[: max(room - 1, 0)].rstrip() + "…"
    return (prefix + title + suffix)[:SUMMARY_LIMIT]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _collapse_unsent(missing: Iterable[str]) -> list[str]:
    """Return missing-data lines with those a data gap leaves ("...: X records were not provided") counted once."""
    kept: list[str] = []
    counted: dict[str, int] = {}
    for item in missing:
        types = unsent_types(item)
        if types:
            counted[types] = counted.get(types, 0) + 1
        else:
            kept.append(item)
    return kept + [
        f"{types} records were not provided: {_plural(n, 'item')} of this trial rest on them"
        for types, n in counted.items()
    ]


def _unsent_only(result: CriterionResult, not_provided: list[str]) -> bool:
    """Say whether a criterion is undecided only because records were not sent (listed once, not per criterion)."""
    return bool(not_provided) and bool(result.missing) and all(unsent_types(m) for m in result.missing)


def card(
    match: TrialMatch,
    report: MatchReport,
    not_provided: list[str],
    hook_instance: str,
    order: tuple[OrderItem, ...] = (),
) -> Card:
    """Return the card of one eligible or possibly eligible trial; ``order`` is order_next(report)."""
    trial = match.trial
    shown = Status.POSSIBLY_ELIGIBLE if not_provided else match.status
    # An eligible trial reads "Eligible, pending 4 review items" (rank.status_text).
    label = status_text(match).capitalize() if shown is Status.ELIGIBLE else "Possibly eligible"
    notes: list[str] = []
    if match.missing_data:
        notes.append(f"{_plural(len(match.missing_data), 'data item')} needed")
    if not_provided:
        notes.append("some records not sent")
    parents = {r.parent_id for r in match.criteria if r.parent_id is not None}
    undecided = [r for r in match.criteria if r.id not in parents and r.outcome is Outcome.UNKNOWN]
    lines = [
        f"**{label}**: {_md(trial.title)} ({_md(trial.phase)}, sponsor {_md(trial.sponsor)}).",
        "",
        f"Score {match.score:.2f} (share of decidable criteria met); catalogue {_md(report.catalog_version)}, "
        f"as of {report.as_of.isoformat()}.",
    ]
    if not_provided:
        lines += [
            "",
            f"**Records not sent by the EHR**: {_md(', '.join(not_provided))}. Criteria that would read "
            "their absence as 'no record' are undecided, and this trial is not shown as eligible until "
            "they are checked.",
        ]
    if shown is Status.ELIGIBLE:
        lines += ["", "Every criterion that can be computed from the record is met."]
    waiting = [r for r in undecided if _unsent_only(r, not_provided)]  # listed once, by id
    sections = (
        ("Data needed", [_md(m) for m in _collapse_unsent(match.missing_data)]),
        (
            "Undecided criteria",
            [f"{_md(r.id)} ({r.type}): {_md(r.reason)}" for r in undecided if r not in waiting]
            + (
                [f"{', '.join(_md(r.id) for r in waiting)}: undecided only because records were not sent"]
                if waiting
                else []
            ),
        ),
        ("To confirm by a person", [_md(item) for item in match.to_review]),
        (
            "Order next (ranked across all trials)",
            [
                f"{_md(item.label)}: {_plural(len(item.trials), 'undecided trial')} "
                f"{'waits' if len(item.trials) == 1 else 'wait'} on it"
                + (", the only item missing for this one" if trial.id in item.completes else "")
                for item in order
                if trial.id in item.trials
            ],
        ),
    )
    for heading, items in sections:
        if items:
            lines += ["", f"**{heading}**", *(f"- {item}" for item in items)]
    return Card(
        uuid=str(uuid.uuid5(_CARD_NAMESPACE, f"{hook_instance}/{trial.id}")),
        summary=summary_line(label, trial.id, " ".join(trial.title.split()), notes),
        detail="\n".join(lines),
        indicator="info" if shown is Status.ELIGIBLE else "warning",
        source=CardSource(label=f"trialmatch catalogue {report.catalog_version}"),
        links=[CardLink(label=f"{trial.id} in the trial registry", url=trial.url, type="absolute")],
    )


def _warnings_uuid(hook_instance: str) -> str:
    return str(uuid.uuid5(_CARD_NAMESPACE, f"{hook_instance}/intake-warnings"))


MAX_CARD_WARNINGS = 20
# Intake's routine filtering (service/intake.py): resource types no criterion reads, codes no
# criterion reads, results older than every look-back. Nothing the clinician must know; every
# other warning (another patient's resource, a duplicate entry, an unreadable value) gets the card.
ROUTINE = re.compile(
    r"passed over \d+ [A-Za-z]+(?: \((?:no criterion reads its code|outside every look-back window)\))? entr(?:y|ies)"
)


def notable(warnings: list[str]) -> list[str]:
    """Return the intake warnings a clinician should see: all but intake's routine filtering."""
    return [w for w in warnings if not ROUTINE.fullmatch(w)]


def warnings_card(warnings: list[str], report: MatchReport, hook_instance: str) -> Card:
    """Return the card that says what intake left out or could not read, and why (no patient data: references only)."""
    left_out = [w for w in warnings if "left out" in w or "passed over" in w]
    indicator: Literal["info", "warning"] = "warning" if left_out else "info"
    head = "data left out of matching" if left_out else "notes on the record"
    shown = [f"- {_md(w)}" for w in warnings[:MAX_CARD_WARNINGS]]
    if len(warnings) > MAX_CARD_WARNINGS:
        shown.append(f"- and {len(warnings) - MAX_CARD_WARNINGS} more (POST /match lists them all)")
    detail = "\n".join(
        [
            f"**{_plural(len(warnings), 'intake warning')}**: what the service left out or could not read, and "
            "why. Matching used the rest of the record; check these before relying on the cards.",
            "",
            *shown,
        ]
    )
    return Card(
        uuid=_warnings_uuid(hook_instance),
        summary=f"Trial matching: {_plural(len(warnings), 'intake warning')}, {head}",
        detail=detail,
        indicator=indicator,
        source=CardSource(label=f"trialmatch catalogue {report.catalog_version}"),
    )


def cards_response(
    report: MatchReport, assembled: Assembled, found: tuple[Template, ...], hook_instance: str
) -> CdsResponse:
    """Return one card per eligible or possibly eligible trial, best first, and the response extension."""
    closed = {t.key for t in found if t.closed_world}
    unsafe = [k for k in assembled.not_provided if k in closed or k == UNRESOLVED_MEDICATIONS]
    order = order_next(report)
    cards = [card(m, report, unsafe, hook_instance, order) for m in report.results if m.status is not Status.INELIGIBLE]
    shown_warnings = notable(report.facts.warnings)
    if shown_warnings:
        cards.append(warnings_card(shown_warnings, report, hook_instance))
    extension: dict[str, Any] = {
        EXTENSION + "asOf": report.as_of.isoformat(),
        EXTENSION + "catalogVersion": report.catalog_version,
        EXTENSION + "trialsEvaluated": len(report.results),
    }
    messages: list[str] = []
    if assembled.not_provided:
        extension[EXTENSION + "notProvided"] = list(assembled.not_provided)
        effect = (
            f"Criteria reading {', '.join(unsafe)} are unknown where they rest on absence, so no card says eligible."
            if unsafe
            else "Lab criteria without values are unknown."
        )
        messages.append(
            f"Prefetch not provided (absent, null, failed or paginated): {', '.join(assembled.not_provided)}. {effect}"
        )
    if shown_warnings:
        messages.append(f"{_plural(len(shown_warnings), 'intake warning')}: see the last card.")
    if assembled.ignored:
        extension[EXTENSION + "ignoredKeys"] = list(assembled.ignored)
    if assembled.fetched is not None:
        if assembled.fetched.values:
            extension[EXTENSION + "fetched"] = sorted(assembled.fetched.values)
        if assembled.fetched.failed:
            extension[EXTENSION + "fetchFailed"] = dict(sorted(assembled.fetched.failed.items()))
            messages.append("Fetching from fhirServer failed for: " + ", ".join(sorted(assembled.fetched.failed)) + ".")
    if report.facts.deceased_note:
        messages.insert(0, f"The patient is recorded as deceased ({report.facts.deceased_note}): no trial is eligible.")
    if not any(c.uuid != _warnings_uuid(hook_instance) for c in cards):
        messages.append(
            f"No trial of catalogue {report.catalog_version} is eligible or possibly eligible "
            f"({_plural(len(report.results), 'trial')} evaluated)."
        )
    if messages:
        extension[EXTENSION + "message"] = " ".join(messages)
    return CdsResponse(cards=cards, extension=extension)


# -- routes ----------------------------------------------------------------------------------


def verify_caller(request: Request) -> dict[str, Any] | None:
    """Return the CDS client's verified JWT claims when JWT checking is configured (else None)."""
    verifier: CdsVerifier | None = getattr(request.app.state, "cds_verifier", None)
    if verifier is None:
        return None
    service_id = request.path_params.get("serviceId", "")
    return verifier.verify(request.headers.get("authorization"), printable(service_id))


CdsCaller = Annotated[dict[str, Any] | None, Depends(verify_caller)]


class OverrideReason(_Incoming):
    """Why a user overrode a card: a coding the service offered, and a comment (never logged)."""

    reason: dict[str, Any] | None = None
    user_comment: str | None = Field(default=None, repr=False)


class CardFeedback(_Incoming):
    """One card's outcome, as the CDS Hooks 2.0 feedback section defines it."""

    card: str = Field(min_length=1, max_length=100)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[dict[str, Any]] | None = None
    override_reason: OverrideReason | None = None
    outcome_timestamp: dt.datetime


class Feedback(_Incoming):
    """The body of POST /cds-services/{id}/feedback."""

    feedback: list[CardFeedback] = Field(min_length=1, max_length=1000)


def _reason_code(item: CardFeedback) -> str:
    coding = item.override_reason.reason if item.override_reason is not None else None
    code = coding.get("code") if isinstance(coding, dict) else None
    return printable(code)[:64] if isinstance(code, str) and code else ""


def record_feedback_items(document: object) -> int:
    """Validate a feedback body, count each outcome in metrics and log it without patient data."""
    try:
        body = Feedback.model_validate(document)
    except ValidationError as error:
        issues = []
        for detail in error.errors(include_input=False, include_url=False):
            path = ".".join(str(part) for part in detail["loc"])
            issues.append(Issue("structure", f"{path}: {detail['msg']}", (path,)))
        raise HookInvalid(issues[:20]) from None
    for item in body.feedback:
        code = _reason_code(item)
        record_feedback(item.outcome, "coded" if code else "none")
        # The card id is a name derived from hookInstance and trial id, the code a coded reason:
        # neither holds patient data. userComment (free text) is never logged.
        logger.info("CDS card feedback: card %s %s%s", printable(item.card), item.outcome, f" ({code})" if code else "")
    return len(body.feedback)


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a JSON Schema with its ``$defs`` references written in place (for an OpenAPI body)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


HOOK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A CDS Hooks patient-view request; prefetch holds the FHIR data (see discovery).",
        "content": {"application/json": {"schema": _inline(HookRequest.model_json_schema(by_alias=True))}},
    }
}
OUTCOME = {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}}


@router.get(
    "/cds-services",
    operation_id="cdsDiscovery",
    response_model=Discovery,
    response_model_exclude_none=True,
    tags=["cds-hooks"],
)
def discovery(catalog: CatalogDep) -> Discovery:
    """List the CDS Hooks services: one patient-view service whose prefetch the catalogue derives."""
    return Discovery(services=[service_description(catalog)])


@router.post(
    "/cds-services/{serviceId}",
    operation_id="cdsPatientView",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    tags=["cds-hooks"],
    openapi_extra=HOOK_BODY,
    responses={
        412: {
            "description": "The patient is neither in prefetch nor fetched from fhirServer (no "
            "fhirAuthorization, or the fetch failed)",
            "content": OUTCOME,
        }
    },
)
async def call_service(
    service_id: Annotated[str, Path(alias="serviceId", description=f"The CDS service id: {SERVICE_ID}")],
    request: Request,
    caller: CdsCaller,
    catalog: CatalogDep,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> Response:
    """Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for."""
    if service_id != SERVICE_ID:
        raise NotFound(f"no CDS service '{printable(service_id)}'; see GET /cds-services")
    day: dt.date = parse_as_of(as_of)
    body = await receive_body(request, settings)
    with timed_match():
        return await off_loop(request, _cards_answer, body, day, settings.max_entries, fetch_limits(settings))


def fetch_limits(settings: Settings) -> FetchLimits | None:
    """Return the limits of fetching from a CDS client's fhirServer, or None when fetching is off."""
    if not settings.cds_fetch:
        return None
    return FetchLimits(
        deadline_seconds=settings.cds_fetch_seconds,
        response_bytes=settings.cds_fetch_response_bytes,
        request_bytes=settings.cds_fetch_request_bytes,
        servers=settings.cds_fhir_servers,
    )


def _cards_answer(
    body: bytearray, catalog: Catalog, day: dt.date, max_entries: int, limits: FetchLimits | None, stop: Stop
) -> Response:
    """Parse a hook request, fill it from fhirServer, match it and serialise the cards (in a worker)."""
    found = templates(catalog)
    hook, fetched = fill_from_server(parse_hook(parse_body(body)), found, limits, stop)
    assembled = assemble(hook, found, fetched)
    unsent = frozenset(
        [t for template in found if template.key in assembled.not_provided for t in template.resource_types]
        + (["Medication"] if UNRESOLVED_MEDICATIONS in assembled.not_provided else [])
    )
    try:
        report = match(assembled.bundle, catalog, day, (), max_entries, stop, not_provided=unsent)
    except BundleInvalid as error:
        raise HookInvalid(relocate(error.issues, assembled.origins)) from None
    answer = cards_response(report, assembled, found, hook.hook_instance)
    return Response(answer.model_dump_json(by_alias=True, exclude_none=True), media_type="application/json")


@router.post(
    "/cds-services/{serviceId}/feedback",
    operation_id="cdsFeedback",
    tags=["cds-hooks"],
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "CDS Hooks feedback: one entry per card with its outcome (accepted or overridden).",
            "content": {"application/json": {"schema": _inline(Feedback.model_json_schema(by_alias=True))}},
        }
    },
    responses={
        200: {
            "description": "Feedback recorded (metrics and logs, without patient data); the body is an empty object",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def feedback(
    service_id: Annotated[str, Path(alias="serviceId", description=f"The CDS service id: {SERVICE_ID}")],
    request: Request,
    caller: CdsCaller,
    settings: SettingsDep,
) -> Response:
    """Record what the user did with the service's cards: accepted or overridden, and the coded reason."""
    if service_id != SERVICE_ID:
        raise NotFound(f"no CDS service '{printable(service_id)}'; see GET /cds-services")
    body = await receive_body(request, settings)
    record_feedback_items(parse_body(body))
    return Response(b"{}", media_type="application/json")
