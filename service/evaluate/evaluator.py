"""The evaluator of one patient on one as-of date, and the table from node kind to its evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from service.criteria import (
    Age,
    Agree,
    All,
    Allergy,
    AnyOf,
    Catalog,
    ConditionNode,
    ConditionOnset,
    Criterion,
    EventCount,
    FamilyHistory,
    Lab,
    LabControl,
    LabPositive,
    LabSeries,
    LabUln,
    MedicationDuration,
    MedicationNode,
    NewestOf,
    Node,
    Not,
    PositiveResults,
    ProcedureNode,
    RecordTest,
    Score,
    Sex,
    SexSpecific,
)
from service.evaluate import control, counts, labs, patient, records
from service.evaluate.criterion import evaluate_criterion
from service.evaluate.plan import Plans, Verdict, compile_plans
from service.evaluate.result import CriterionResult, NodeResult
from service.facts import (
    RECORD_TYPES,
    ClinicalRecord,
    Evidence,
    LabValue,
    PatientFacts,
    ScoreResult,
    is_current,
    matching,
    not_provided_text,
    occurred_within,
    stated_within,
)
from service.logic import Truth, all_of, any_of, not_
from service.terminology import clauses

# Every resource type a record criterion reads, in a fixed order (for "nothing on record").
ALL_RECORD_TYPES = tuple(dict.fromkeys(t for ts in RECORD_TYPES.values() for t in ts))


class Evaluator:
    """Evaluates logic nodes against one patient's facts on one as-of date."""

    def __init__(self, catalog: Catalog, facts: PatientFacts, as_of: dt.date, plans: Plans | None = None) -> None:
        self.catalog = catalog
        self.facts = facts
        self.as_of = as_of
        # The catalogue's compiled steps (service.evaluate.plan); without them nothing is shared.
        self.plans = plans if plans is not None else compile_plans((), {})
        self._node_keys = self.plans.node_keys
        self._results: dict[str, NodeResult] = {}
        self._sources = {
            "condition": facts.conditions + facts.findings,
            "medication": facts.medications,
            "procedure": facts.procedures,
            "planned": facts.planned,
            "not_taken": facts.not_taken,
        }
        self._matches: dict[tuple[str, str], list[tuple[ClinicalRecord, str]]] = {}
        self._suspects: dict[tuple[str, str], list[tuple[ClinicalRecord, str, str]]] = {}
        self._clauses: dict[int, tuple[str, ...]] = {}
        self._newest: dict[tuple[str, int], tuple[LabValue, ...]] = {}
        self._evidence: dict[int, Evidence] = {}
        self._score_evidence: dict[str, tuple[Evidence, ...]] = {}
        # Each plan table's distinct verdicts and line verdicts, computed on first use in this request.
        self._tables: dict[Plans, tuple[list[Verdict | None], list[Verdict | None]]] = {}
        self.unsent = facts.unprovided(ALL_RECORD_TYPES)

    def newest(self, analyte: str, days: int) -> tuple[LabValue, ...]:
        """Return the newest results of an analyte within ``days`` before the as-of date, computed once per request."""
        key = (analyte, days)
        found = self._newest.get(key)
        if found is None:
            found = self._newest[key] = self.facts.newest(analyte, self.as_of, days)
        return found

    def matches(self, source: str, valueset: str) -> list[tuple[ClinicalRecord, str]]:
        """Return the records of a kind that are in a value set, computed once per request."""
        key = (source, valueset)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = matching(self._sources[source], self.catalog.valuesets[valueset])
        return found

    def evidence(self, item: LabValue | ClinicalRecord) -> Evidence:
        """Return a result or record of this patient as evidence, built once per request (items live as long)."""
        found = self._evidence.get(id(item))
        if found is None:
            found = self._evidence[id(item)] = item.evidence()
        return found

    def score_evidence(self, name: str, result: ScoreResult) -> tuple[Evidence, ...]:
        """Return the resources a score's inputs came from, once each, built once per request."""
        found = self._score_evidence.get(name)
        if found is None:
            shown: list[Evidence] = []
            for score_input in result.inputs:
                if score_input.reference and all(e.reference != score_input.reference for e in shown):
                    text = f"{score_input.name} {score_input.value} {score_input.unit}".strip()
                    shown.append(Evidence(score_input.reference, text))
            found = self._score_evidence[name] = tuple(shown)
        return found

    def tables(self, plans: Plans) -> tuple[list[Verdict | None], list[Verdict | None]]:
        """Return this request's verdicts and line verdicts of a plan table (None: not computed yet)."""
        found = self._tables.get(plans)
        if found is None:
            found = self._tables[plans] = (list(plans.initial), [None] * plans.lines)
        return found

    def node(self, node: Node) -> NodeResult:
        """Evaluate one node of the closed vocabulary, once per request for equal nodes."""
        key = self._node_keys.get(id(node))
        if key is None:
            return self._evaluate(node)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = self._evaluate(node)
        return result

    def _evaluate(self, node: Node) -> NodeResult:
        handler = HANDLERS.get(type(node))
        if handler is None:
            raise TypeError(f"unsupported node {type(node).__name__}")  # the schema forbids this
        return handler(self, node)

    def suspects(self, source: str, valueset: str) -> list[tuple[ClinicalRecord, str, str]]:
        """Return the records of a kind that are not in a value set but whose words name it (the safety net).

        Each comes with the words found and how they read (affirmed or history); negated,
        family-history and screening mentions are left out (terminology.read_mention).
        """
        key = (source, valueset)
        found = self._suspects.get(key)
        if found is None:
            matcher = self.catalog.valuesets[valueset]
            matched = {id(record) for record, _ in self.matches(source, valueset)}
            found = []
            for record in self._sources[source]:
                if id(record) in matched:
                    continue
                cut = self._clauses.get(id(record))
                if cut is None:
                    words = [*record.texts, *(display for _, _, display in record.codings if display)]
                    cut = self._clauses[id(record)] = clauses(words)
                hit = matcher.suspect(record.codings, record.texts, cut)
                if hit is not None:
                    found.append((record, *hit))
            self._suspects[key] = found
        return found

    def timing(self, record: ClinicalRecord, test: RecordTest, since: dt.date | None) -> bool | None:
        if test.records != "counted":  # a plan or a not-taken statement: its own dates, never "done"
            return stated_within(record, self.as_of if test.when == "current" else since)
        if test.when == "current":
            return is_current(record, self.as_of)
        return occurred_within(record, self.as_of, since if test.when == "within" else None)

    def absent(
        self, truth: Truth, reason: str, evidence: list[Evidence], types: tuple[str, ...], what: str
    ) -> NodeResult:
        """Return a result read from absent records, unknown when the caller did not provide those types."""
        unprovided = self.facts.unprovided(types)
        if not unprovided or truth is Truth.UNKNOWN:
            return NodeResult(truth, [reason], evidence)
        # The absence was read closed-world; records the caller could not send may hold the answer.
        why = not_provided_text(unprovided)
        return NodeResult(Truth.UNKNOWN, [f"{reason}, but {why}"], evidence, [f"{what}: {why}"])

    def criterion(self, criterion: Criterion) -> list[CriterionResult]:
        """Evaluate a registry line: the line first, then its parts."""
        return evaluate_criterion(self, criterion)


def combine(results: list[NodeResult], *, conjunction: bool) -> NodeResult:
    """Combine children by Kleene and/or, explained by the children that decided."""
    truth = all_of(r.truth for r in results) if conjunction else any_of(r.truth for r in results)
    # Explain with the children that decided the result: for a conjunction the false ones
    # (or unknown ones), for a disjunction the true ones (or unknown ones); else all.
    deciding = [r for r in results if r.truth is truth]
    chosen = deciding if truth is not (Truth.TRUE if conjunction else Truth.FALSE) else results
    out = NodeResult(truth)
    for r in chosen:
        out.reasons.extend(r.reasons)
        out.evidence.extend(e for e in r.evidence if e not in out.evidence)
    for r in results:
        if truth is Truth.UNKNOWN and r.truth is Truth.UNKNOWN:
            out.missing.extend(m for m in r.missing if m not in out.missing)
    return out


def agree(results: list[NodeResult]) -> NodeResult:
    """Readings of ambiguous words: their common truth, else unknown for a person to decide."""
    truths = [r.truth for r in results]
    truth = truths[0] if len(set(truths)) == 1 else Truth.UNKNOWN
    out = NodeResult(truth)
    if Truth.TRUE in truths and Truth.FALSE in truths:
        out.reasons.append("the readings disagree, so a person decides which one the words mean")
        out.missing.append("which reading the criterion means")
    for r in results:
        out.reasons.extend(r.reasons)
        out.evidence.extend(e for e in r.evidence if e not in out.evidence)
        if truth is Truth.UNKNOWN:
            out.missing.extend(m for m in r.missing if m not in out.missing)
    return out


Handler = Callable[[Evaluator, Any], NodeResult]


def _not(ev: Evaluator, node: Not) -> NodeResult:
    inner = ev.node(node.not_)
    return NodeResult(not_(inner.truth), inner.reasons, inner.evidence, inner.missing)


# Every node kind of the closed vocabulary (service.criteria.Node) and its evaluation. A new
# kind adds one line here and its module beside these.
HANDLERS: dict[type[Any], Handler] = {
    All: lambda ev, node: combine([ev.node(child) for child in node.all], conjunction=True),
    AnyOf: lambda ev, node: combine([ev.node(child) for child in node.any], conjunction=False),
    Agree: lambda ev, node: agree([ev.node(child) for child in node.agree]),
    Not: _not,
    Lab: labs.lab,
    LabUln: labs.lab_uln,
    LabPositive: labs.lab_positive,
    LabSeries: lambda ev, node: labs.lab_series(ev, node.lab_series),
    NewestOf: labs.newest_of,
    PositiveResults: labs.positive_results,
    Score: patient.score,
    Age: lambda ev, node: patient.age(ev, node.age),
    Sex: patient.sex,
    SexSpecific: patient.sex_specific,
    ConditionNode: lambda ev, node: records.records(ev, node.condition, "condition", "record"),
    MedicationNode: lambda ev, node: records.records(ev, node.medication, "medication", "medication record"),
    ProcedureNode: lambda ev, node: records.records(ev, node.procedure, "procedure", "procedure record"),
    MedicationDuration: lambda ev, node: records.duration(ev, node.medication_duration),
    ConditionOnset: lambda ev, node: records.onset(ev, node.condition_onset),
    FamilyHistory: lambda ev, node: records.family(ev, node.family_history),
    Allergy: records.allergy,
    LabControl: lambda ev, node: control.lab_control(node.lab_control, ev),
    EventCount: lambda ev, node: counts.event_count(node.event_count, ev),
}
