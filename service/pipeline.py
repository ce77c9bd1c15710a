"""The core: ``match(bundle, catalog, as_of) -> MatchReport``, a pure function.

Parsed Bundle -> intake (validate what is read) -> facts (canonical values, scores) ->
evaluate (each criterion) -> rank. No clock, no I/O, no web framework: the HTTP shell picks
the as-of date and parses the body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from service.criteria import Catalog, catalog_reads, walk_trial
from service.errors import Cancelled, one_line
from service.evaluate import Evaluator, Plans, compile_plans, evaluate_trial
from service.facts import FactBuilder, PatientFacts, ScoreMatchers, compute_scores
from service.facts.encounters import may_be_admission
from service.intake import ReadFilter, Stop, never, read_bundle
from service.rank import TrialMatch, rank, summarise
from service.terminology import CodeMatcher


@dataclass(frozen=True)
class MatchReport:
    """Every requested trial, ranked, for one patient on one as-of date."""

    as_of: dt.date
    catalog_version: str
    facts: PatientFacts
    results: tuple[TrialMatch, ...]


UNBOUNDED_DAYS = (dt.date.max - dt.date.min).days


@dataclass(frozen=True)
class Compiled:
    """What start-up derives from a catalogue once: the read filter, the fact builder and the trials' plans."""

    read_filter: ReadFilter
    builder: FactBuilder
    plans: Plans
    score_matchers: ScoreMatchers
    lookback: dict[str, int]


@cache
def compile_catalog(catalog: Catalog) -> Compiled:
    """Derive the read filter (codes a criterion reads) and fact builder from a catalogue."""
    builder = FactBuilder(catalog.analytes, catalog.units)
    reads = catalog_reads(catalog.trials.values())
    inputs = catalog.meta.score_inputs
    used = set(reads.conditions) | set(dict(inputs).values())
    used |= {i for v in set(used) for i in catalog.valuesets[v].implied_by_conditions}
    procedure_sets = set(reads.procedures) | {inputs.dialysis}
    # A result that persists (a reactive HIV screen) counts at any date: its window is the calendar.
    windows = {
        name: UNBOUNDED_DAYS if analyte.persistence else max(analyte.lookback_days, reads.analytes.get(name, 0))
        for name, analyte in catalog.analytes.analytes.items()
    }
    observation_windows = {
        (code.system, code.code): windows[name]
        for name, analyte in catalog.analytes.analytes.items()
        for code in analyte.codes
    }
    finding_codes = {code for vs_id in used for code in catalog.valuesets[vs_id].codes}
    matchers = ScoreMatchers(
        ascites=catalog.valuesets[inputs.ascites],
        ascites_severe=catalog.valuesets[inputs.ascites_severe],
        encephalopathy=catalog.valuesets[inputs.encephalopathy],
        encephalopathy_coma=catalog.valuesets[inputs.encephalopathy_coma],
        dialysis=catalog.valuesets[inputs.dialysis],
    )
    lookback = {name: a.lookback_days for name, a in catalog.analytes.analytes.items()}

    def union(ids: set[str], name: str) -> CodeMatcher:
        return CodeMatcher.union((catalog.valuesets[v] for v in sorted(ids)), name)

    # A condition set read may name the drugs that imply it: their records are read too.
    implying = {t for v in used if (t := catalog.valuesets[v].implied_by_treatment) is not None}
    medication_matcher = union(set(reads.medications) | implying, "medications read")
    condition_matcher = union(used, "conditions read")
    record_matchers = {
        "Condition": condition_matcher,
        "Procedure": union(procedure_sets, "procedures read"),
        "MedicationStatement": medication_matcher,
        "MedicationRequest": medication_matcher,
        "MedicationAdministration": medication_matcher,
        "MedicationDispense": medication_matcher,
        "Encounter": condition_matcher,
    }
    read_filter = ReadFilter(
        observation_windows,
        frozenset(finding_codes),
        record_matchers,
        reasonless_encounter=may_be_admission if reads.admissions else None,
    )
    # Equal logic nodes (the same test in several trials) are evaluated once per request.
    node_keys = {
        id(node): node.model_dump_json(by_alias=True)
        for trial in catalog.trials.values()
        for _, node in walk_trial(trial)
    }
    # Every trial's registry lines as flat steps reading one table of distinct verdicts.
    plans = compile_plans(catalog.trials.values(), node_keys)
    return Compiled(read_filter, builder, plans, matchers, lookback)


# Warnings listed in one answer; past this the last one counts the rest, so a request that repeats
# a fault cannot make an answer larger than itself (README, bad input).
MAX_WARNINGS = 200


def bounded_warnings(warnings: list[str]) -> list[str]:
    """Return at most MAX_WARNINGS warnings, each one printable line; the last counts those left out."""
    kept = [one_line(warning) for warning in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        kept[-1] = f"and {len(warnings) - MAX_WARNINGS + 1} more warnings not listed"
    return kept


def read_facts(
    document: object,
    catalog: Catalog,
    as_of: dt.date,
    max_entries: int = 100_000,
    stop: Stop = never,
    not_provided: frozenset[str] = frozenset(),
) -> PatientFacts:
    """Read a parsed Bundle into the patient's facts and scores on the as-of date.

    ``not_provided`` names the resource types the caller could not provide: their absence is
    unknown, not "no record" (service.evaluate, service.facts.scoring).
    """
    compiled = compile_catalog(catalog)
    intake = read_bundle(document, compiled.read_filter, max_entries, as_of, stop)
    if stop():
        raise Cancelled
    facts = compiled.builder.build(intake)
    facts.not_provided = not_provided | intake.not_provided
    if stop():
        raise Cancelled
    if facts.birth is not None and facts.birth.start > as_of:
        facts.warnings.append("Patient.birthDate is after the as-of date; age unknown")
    facts.scores = compute_scores(facts, as_of, compiled.score_matchers, compiled.lookback, catalog.meta.meld3_cap)
    facts.warnings[:] = bounded_warnings(facts.warnings)
    return facts


def match(
    document: object,
    catalog: Catalog,
    as_of: dt.date,
    trial_ids: Sequence[str] = (),
    max_entries: int = 100_000,
    stop: Stop = never,
    not_provided: frozenset[str] = frozenset(),
) -> MatchReport:
    """Match one patient's Bundle against the catalogue's trials (or the listed ones).

    ``stop`` is the caller's cancellation token, asked between entries and between trials: once
    it answers True the work ends with :class:`Cancelled` (no clock is read here).
    ``not_provided`` names the FHIR resource types the caller could not provide (a failed
    prefetch, a partial export): every record criterion and score reading them is unknown
    where it would otherwise rest on their absence.
    """
    facts = read_facts(document, catalog, as_of, max_entries, stop, not_provided)
    evaluator = Evaluator(catalog, facts, as_of, compile_catalog(catalog).plans)
    chosen = [catalog.trials[t] for t in trial_ids] if trial_ids else list(catalog.trials.values())
    matches = []
    for trial in chosen:
        if stop():
            raise Cancelled
        matches.append(summarise(trial, evaluate_trial(trial, evaluator), facts.deceased_note))
    return MatchReport(as_of, catalog.version, facts, tuple(rank(matches)))
