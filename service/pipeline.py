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

from service.criteria import (
    Catalog,
    ConditionNode,
    Lab,
    LabPositive,
    LabPositiveTest,
    LabTest,
    LabUln,
    LabUlnTest,
    MedicationDuration,
    MedicationNode,
    ProcedureNode,
    walk_trial,
)
from service.evaluate import Evaluator, evaluate_trial
from service.facts import FactBuilder, PatientFacts, ScoreMatchers, compute_scores
from service.intake import ReadFilter, read_bundle
from service.rank import TrialMatch, rank, summarise
from service.terminology import CodeMatcher


@dataclass(frozen=True)
class MatchReport:
    """Every requested trial, ranked, for one patient on one as-of date."""

    as_of: dt.date
    catalog_version: str
    facts: PatientFacts
    results: tuple[TrialMatch, ...]


@dataclass(frozen=True)
class Compiled:
    """What start-up derives from a catalogue once: the read filter and the fact builder."""

    read_filter: ReadFilter
    builder: FactBuilder
    node_keys: dict[int, str]
    score_matchers: ScoreMatchers
    lookback: dict[str, int]


@cache
def compile_catalog(catalog: Catalog) -> Compiled:
    """Derive the read filter (codes a criterion reads) and fact builder from a catalogue."""
    builder = FactBuilder(catalog.analytes, catalog.units)
    finding_codes: set[tuple[str, str]] = set()
    used: set[str] = set(dict(catalog.meta.score_inputs).values())
    windows = {name: analyte.lookback_days for name, analyte in catalog.analytes.analytes.items()}
    procedure_sets: set[str] = {catalog.meta.score_inputs.dialysis}
    medication_sets: set[str] = set()
    for trial in catalog.trials.values():
        for _, node in walk_trial(trial):
            if isinstance(node, ConditionNode):
                used.add(node.condition.valueset)
            elif isinstance(node, ProcedureNode):
                procedure_sets.add(node.procedure.valueset)
            elif isinstance(node, MedicationNode):
                medication_sets.add(node.medication.valueset)
            elif isinstance(node, MedicationDuration):
                medication_sets.add(node.medication_duration.valueset)
            test: LabTest | LabUlnTest | LabPositiveTest | None = None
            if isinstance(node, Lab):
                test = node.lab
            elif isinstance(node, LabUln):
                test = node.lab_uln
            elif isinstance(node, LabPositive):
                test = node.lab_positive
            if test is not None and test.within_days is not None:
                for name in (test.analyte, *getattr(test, "or_analytes", ())):
                    windows[name] = max(windows[name], test.within_days)
    observation_windows = {
        (code.system, code.code): windows[name]
        for name, analyte in catalog.analytes.analytes.items()
        for code in analyte.codes
    }
    for vs_id in used:
        finding_codes.update(catalog.valuesets[vs_id].codes)
    inputs = catalog.meta.score_inputs
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

    medication_matcher = union(medication_sets, "medications read")
    record_matchers = {
        "Condition": union(used, "conditions read"),
        "Procedure": union(procedure_sets, "procedures read"),
        "MedicationStatement": medication_matcher,
        "MedicationRequest": medication_matcher,
        "MedicationAdministration": medication_matcher,
    }
    read_filter = ReadFilter(observation_windows, frozenset(finding_codes), record_matchers)
    # Equal logic nodes (the same test in several trials) are evaluated once per request.
    node_keys = {
        id(node): node.model_dump_json(by_alias=True)
        for trial in catalog.trials.values()
        for _, node in walk_trial(trial)
    }
    return Compiled(read_filter, builder, node_keys, matchers, lookback)


def read_facts(document: object, catalog: Catalog, as_of: dt.date, max_entries: int = 100_000) -> PatientFacts:
    """Read a parsed Bundle into the patient's facts and scores on the as-of date."""
    compiled = compile_catalog(catalog)
    intake = read_bundle(document, compiled.read_filter, max_entries, as_of)
    facts = compiled.builder.build(intake)
    if facts.birth is not None and facts.birth.start > as_of:
        facts.warnings.append("Patient.birthDate is after the as-of date; age unknown")
    facts.scores = compute_scores(facts, as_of, compiled.score_matchers, compiled.lookback, catalog.meta.meld3_cap)
    return facts


def match(
    document: object,
    catalog: Catalog,
    as_of: dt.date,
    trial_ids: Sequence[str] = (),
    max_entries: int = 100_000,
) -> MatchReport:
    """Match one patient's Bundle against the catalogue's trials (or the listed ones)."""
    facts = read_facts(document, catalog, as_of, max_entries)
    evaluator = Evaluator(catalog, facts, as_of, compile_catalog(catalog).node_keys)
    chosen = [catalog.trials[t] for t in trial_ids] if trial_ids else list(catalog.trials.values())
    matches = [summarise(trial, evaluate_trial(trial, evaluator)) for trial in chosen]
    return MatchReport(as_of, catalog.version, facts, tuple(rank(matches)))
