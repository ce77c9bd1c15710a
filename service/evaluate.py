"""Evaluate: criterion x patient facts -> outcome, reason, evidence and the data still needed.

Absence is read two ways. A diagnosis, procedure, medication or allergy with no matching
record is absent (closed world: "no record of ..."), unless the caller said it could not
provide that resource type (``PatientFacts.not_provided``): then the absence is unknown and
the reason names the records not provided. A missing lab value, measurement, birth
date or sex is unknown (open world: the reason says what is needed). Retracted records never
reach this module (facts drops them). Unconfirmed, provisional and differential diagnoses
make a membership test unknown unless the criterion counts them ("confirmed or suspected").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from service.criteria import (
    Age as AgeNode,
)
from service.criteria import (
    AgeTest,
    Agree,
    All,
    Allergy,
    AnyOf,
    Catalog,
    ConditionNode,
    ConditionOnset,
    Criterion,
    DurationTest,
    EventCount,
    FamilyHistory,
    FamilyHistoryTest,
    Lab,
    LabControl,
    LabPositive,
    LabSeries,
    LabSeriesTest,
    LabTest,
    LabUln,
    MedicationDuration,
    MedicationNode,
    NewestOf,
    Node,
    Not,
    NumericTest,
    OnsetTest,
    Part,
    PositiveResults,
    ProcedureNode,
    RecordTest,
    Score,
    Sex,
    SexSpecific,
    Trial,
)
from service.dates import shift
from service.facts import (
    COURSE_GAP_DAYS,
    RECORD_TYPES,
    AllergyRecord,
    ClinicalRecord,
    Course,
    Evidence,
    LabValue,
    PatientFacts,
    current_course,
    is_current,
    matching,
    not_provided_text,
    occurred_within,
    severity_of,
    stage_of,
)
from service.facts.model import UNCERTAIN_CONDITION
from service.logic import Outcome, Truth, all_of, any_of, not_, outcome_of, worst_outcome
from service.terminology import Analyte, CodeMatcher, clauses, describe_codings

SCORE_NAMES = {
    "child_pugh": "Child-Pugh score",
    "meld": "MELD",
    "meld_na": "MELD-Na",
    "meld_3": "MELD 3.0",
    "bmi": "BMI",
}
OP_WORDS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "="}
# Records listed as evidence of one node; the reason counts the rest, so an answer cannot grow
# with the number of matching records a request repeats.
MAX_EVIDENCE = 10


@dataclass
class NodeResult:
    """The truth of a logic node with its explanation."""

    truth: Truth
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CriterionResult:
    """The verdict on one criterion or sub-criterion."""

    id: str
    parent_id: str | None
    type: str
    text: str
    outcome: Outcome
    reason: str
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]
    interpretation: str | None
    review_kind: str | None = None  # for a review outcome: "judgement" or "not_computable"


REVIEW_WORDS = {"judgement": "needs a person", "not_computable": "not computable from FHIR data"}


def _num(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value:.3g}"
    if magnitude >= 100:
        return f"{value:.0f}" if value == round(value) else f"{value:.1f}"
    text = f"{value:.3g}" if magnitude < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    return text


def _key(value: float) -> float:
    """Compare converted values at 10 significant digits so a unit round-trip cannot flip a bound."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.10g}")


def compare_interval(low: float, low_open: bool, high: float, high_open: bool, op: str, threshold: float) -> Truth:
    """Return whether every / no / some value in an interval satisfies ``x op threshold``."""
    t = _key(threshold)
    lo, hi = _key(low), _key(high)
    if op == "<":
        every, none = hi < t or (hi == t and high_open), lo >= t
    elif op == "<=":
        every, none = hi <= t, lo > t or (lo == t and low_open)
    elif op == ">":
        every, none = lo > t or (lo == t and low_open), hi <= t
    elif op == ">=":
        every, none = lo >= t, hi < t or (hi == t and high_open)
    else:
        every = lo == hi == t and not (low_open or high_open)
        none = t < lo or t > hi or (t == lo and low_open) or (t == hi and high_open)
    if every:
        return Truth.TRUE
    if none:
        return Truth.FALSE
    return Truth.UNKNOWN


def value_interval(value: float, comparator: str | None) -> tuple[float, bool, float, bool]:
    """Return the interval a reported value with a FHIR comparator stands for."""
    if comparator == "<":
        return -math.inf, True, value, True
    if comparator == "<=":
        return -math.inf, True, value, False
    if comparator == ">":
        return value, True, math.inf, True
    if comparator == ">=":
        return value, False, math.inf, True
    return value, False, value, False


def lab_interval(value: LabValue) -> tuple[float, bool, float, bool]:
    """Return the canonical interval a lab value stands for: its comparator, widened by an uncertain factor."""
    assert value.value is not None
    low = value.low if value.low is not None else value.value
    high = value.high if value.high is not None else value.value
    lo, lo_open, _, _ = value_interval(low, value.comparator)
    _, _, hi, hi_open = value_interval(high, value.comparator)
    return lo, lo_open, hi, hi_open


def numeric_truth(interval: tuple[float, bool, float, bool], test: NumericTest, convert: float) -> Truth:
    """Test an interval against a NumericTest whose thresholds are multiplied into canonical units."""
    low, low_open, high, high_open = interval
    if test.op is not None and test.value is not None:
        return compare_interval(low, low_open, high, high_open, test.op, test.value * convert)
    checks = []
    if test.min is not None:
        checks.append(compare_interval(low, low_open, high, high_open, ">=", test.min * convert))
    if test.max is not None:
        checks.append(compare_interval(low, low_open, high, high_open, "<=", test.max * convert))
    return all_of(checks)


def describe_test(test: NumericTest, unit: str) -> str:
    """Return a threshold as words, e.g. '>= 170 umol/L' or 'between 19 and 25 kg/m2'."""
    suffix = f" {unit}" if unit else ""
    if test.op is not None and test.value is not None:
        return f"{OP_WORDS[test.op]} {_num(test.value)}{suffix}"
    if test.min is not None and test.max is not None:
        return f"between {_num(test.min)} and {_num(test.max)}{suffix}"
    if test.min is not None:
        return f">= {_num(test.min)}{suffix}"
    return f"<= {_num(test.max or 0)}{suffix}"


def _window(days: int | None) -> str:
    return f"within {days} days" if days is not None else "on record"


class Evaluator:
    """Evaluates logic nodes against one patient's facts on one as-of date."""

    def __init__(
        self, catalog: Catalog, facts: PatientFacts, as_of: dt.date, node_keys: dict[int, str] | None = None
    ) -> None:
        self.catalog = catalog
        self.facts = facts
        self.as_of = as_of
        self._node_keys = node_keys or {}
        self._results: dict[str, NodeResult] = {}
        self._sources = {
            "condition": facts.conditions + facts.findings,
            "medication": facts.medications,
            "procedure": facts.procedures,
        }
        self._matches: dict[tuple[str, str], list[tuple[ClinicalRecord, str]]] = {}
        self._suspects: dict[tuple[str, str], list[tuple[ClinicalRecord, str, str]]] = {}
        self._clauses: dict[int, tuple[str, ...]] = {}

    def matches(self, source: str, valueset: str) -> list[tuple[ClinicalRecord, str]]:
        """Return the records of a kind that are in a value set, computed once per request."""
        key = (source, valueset)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = matching(self._sources[source], self.catalog.valuesets[valueset])
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
        if isinstance(node, All):
            return self._combine([self.node(child) for child in node.all], conjunction=True)
        if isinstance(node, AnyOf):
            return self._combine([self.node(child) for child in node.any], conjunction=False)
        if isinstance(node, Agree):
            return self._agree([self.node(child) for child in node.agree])
        if isinstance(node, Not):
            inner = self.node(node.not_)
            return NodeResult(not_(inner.truth), inner.reasons, inner.evidence, inner.missing)
        if isinstance(node, Lab):
            return self._lab(node)
        if isinstance(node, LabUln):
            return self._lab_uln(node)
        if isinstance(node, LabPositive):
            return self._lab_positive(node)
        if isinstance(node, Score):
            return self._score(node)
        if isinstance(node, AgeNode):
            return self._age(node.age)
        if isinstance(node, Sex):
            return self._sex(node)
        if isinstance(node, SexSpecific):
            return self._sex_specific(node)
        if isinstance(node, ConditionNode):
            return self._records(node.condition, "condition", "record")
        if isinstance(node, MedicationNode):
            return self._records(node.medication, "medication", "medication record")
        if isinstance(node, ProcedureNode):
            return self._records(node.procedure, "procedure", "procedure record")
        if isinstance(node, MedicationDuration):
            return self._duration(node.medication_duration)
        if isinstance(node, PositiveResults):
            return self._positive_results(node)
        if isinstance(node, Allergy):
            return self._allergy(node)
        if isinstance(node, ConditionOnset):
            return self._onset(node.condition_onset)
        if isinstance(node, LabSeries):
            return self._lab_series(node.lab_series)
        if isinstance(node, NewestOf):
            return self._newest_of(node)
        if isinstance(node, FamilyHistory):
            return self._family(node.family_history)
        # The newer shapes live in their own modules, which import this one (hence imported here).
        if isinstance(node, LabControl):
            from service.evaluate_control import lab_control

            return lab_control(node.lab_control, self)
        if isinstance(node, EventCount):
            from service.evaluate_counts import event_count

            return event_count(node.event_count, self)
        raise TypeError(f"unsupported node {type(node).__name__}")  # the schema forbids this

    def _combine(self, results: list[NodeResult], *, conjunction: bool) -> NodeResult:
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

    def _agree(self, results: list[NodeResult]) -> NodeResult:
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

    # -- labs and scores ---------------------------------------------------------------------

    def _lab(self, node: Lab) -> NodeResult:
        test = node.lab
        analyte = self.catalog.analytes.analytes[test.analyte]
        days = test.within_days or analyte.lookback_days
        wanted = describe_test(test, test.unit)
        group = self.facts.newest(test.analyte, self.as_of, days)
        if not group:
            return _no_result(analyte.display, days, self.as_of, f"; needs {analyte.display} {wanted}")
        results = []
        for value in group:
            limit = analyte.detection_limit_max
            if value.value is None and value.positive is False and limit is not None and not value.unreadable:
                conversion = self.catalog.units.declared(analyte, test.unit)
                assert conversion is not None  # the loader checked the criterion's unit
                results.append(self._not_detected(test, value, limit.value, conversion.factor, wanted))
                continue
            if value.unreadable is not None or value.value is None:
                results.append(_unreadable(analyte.display, value))
                continue
            truth, shown = self._value_truth(value, test, analyte, test.unit)
            result = self._lab_result(truth, analyte.display, value, shown, test.unit, wanted)
            if truth is Truth.UNKNOWN and value.low != value.high:
                result.missing = [f"{analyte.display} reported in {test.unit} (its conversion depends on the assay)"]
            results.append(result)
        return _agreeing(results, analyte.display)

    def _not_detected(self, test: LabTest, value: LabValue, limit: float, factor: float, wanted: str) -> NodeResult:
        """A "not detected" result is a value from 0 up to the highest detection limit in use (analytes.yaml)."""
        display = self.catalog.analytes.analytes[test.analyte].display
        truth = numeric_truth((0.0, False, limit, True), test, factor)
        under = f"under {_num(limit / factor)} {test.unit}"
        stated = f"{value.original} on {value.effective} (below the detection limit, {under})"
        verdicts = {Truth.TRUE: f"{display} {stated} {wanted}", Truth.FALSE: f"{display} {stated}, not {wanted}"}
        reason = verdicts.get(truth, f"{display} {stated} cannot be compared with {wanted}")
        missing = [f"a quantified {display} result"] if truth is Truth.UNKNOWN else []
        return NodeResult(truth, [reason], [value.evidence()], missing)

    def _value_truth(self, value: LabValue, test: NumericTest, analyte: Analyte, unit: str) -> tuple[Truth, float]:
        """Return whether a readable result meets a numeric test given in ``unit``, and its value in that unit."""
        units = self.catalog.units
        conversion = units.declared(analyte, unit)
        assert conversion is not None and value.value is not None  # the loader checked the unit
        low, low_open, high, high_open = lab_interval(value)
        if conversion.offset or conversion.log10:
            # Affine or log units: express the patient's interval in the criterion's unit.
            interval = (
                units.from_canonical(conversion, low) if math.isfinite(low) else low,
                low_open,
                units.from_canonical(conversion, high) if math.isfinite(high) else high,
                high_open,
            )
            return numeric_truth(interval, test, 1.0), units.from_canonical(conversion, value.value)
        truth = numeric_truth((low, low_open, high, high_open), test, conversion.factor)
        return truth, value.value / conversion.factor

    def _newest_of(self, node: NewestOf) -> NodeResult:
        """The newest result among several analytes decides, by that analyte's own test."""
        table = self.catalog.analytes.analytes
        names = " or ".join(table[test.analyte].display for test in node.newest_of)
        newest: list[tuple[LabValue, LabTest]] = []
        for test in node.newest_of:
            days = test.within_days or table[test.analyte].lookback_days
            group = self.facts.newest(test.analyte, self.as_of, days)
            if group:
                newest.append((group[0], test))
        if not newest:
            return NodeResult(Truth.UNKNOWN, [f"no result of {names} on record"], [], [f"a result of {names}"])
        # Keep the results no other result is known to be newer than (one, or several not orderable).
        deciding = [(v, t) for v, t in newest if not any(o.newer_than(v) is True for o, _ in newest if o is not v)]
        results = [self._lab(Lab(lab=test)) for _, test in deciding]
        out = _agreeing(results, names)
        out.reasons = [f"newest of {names}: {reason}" for reason in out.reasons]
        return out

    def _lab_series(self, test: LabSeriesTest) -> NodeResult:
        """Every result of the span meets the test, and the newest before the span does too (the span covered)."""
        analyte = self.catalog.analytes.analytes[test.analyte]
        period = test.period
        assert period is not None  # the schema requires one
        first_day = period.before(self.as_of)
        wanted = describe_test(test, test.unit)
        span = f"the {period.words()} before {self.as_of} (since {first_day})"
        values = [v for v in self.facts.labs.get(test.analyte, ()) if v.effective <= self.as_of]
        inside = [v for v in values if v.effective > first_day]
        anchor = next((v for v in values if v.effective <= first_day), None)
        verdicts: list[tuple[LabValue, Truth, str]] = []
        for value in [*inside, *([anchor] if anchor else [])]:
            if value.unreadable is not None or value.value is None:
                verdicts.append((value, Truth.UNKNOWN, f"{analyte.display} on {value.effective} cannot be read"))
                continue
            truth, shown = self._value_truth(value, test, analyte, test.unit)
            stated = f"{analyte.display} {value.comparator or ''}{_num(shown)} {test.unit} on {value.effective}"
            verdicts.append((value, truth, stated))
        failing = [(v, why) for v, truth, why in verdicts if truth is Truth.FALSE and v in inside]
        if failing:
            value, why = failing[0]
            return NodeResult(Truth.FALSE, [f"{why}, not {wanted}, within {span}"], [value.evidence()])
        needs = f"{analyte.display} results {wanted} covering {span}"
        evidence = [v.evidence() for v, _, _ in verdicts][:MAX_EVIDENCE]
        unclear = [why for _, truth, why in verdicts if truth is not Truth.TRUE]
        if not inside or anchor is None or unclear:
            if unclear:
                gap = unclear[0]
            elif not inside:
                gap = f"no {analyte.display} result within {span}"
            else:
                gap = f"no {analyte.display} result on or before {first_day}"
            return NodeResult(Truth.UNKNOWN, [f"{gap}: the span is not shown covered"], evidence, [needs])
        reason = (
            f"{analyte.display} {wanted} in all {len(verdicts)} results from {anchor.effective} "
            f"to {inside[0].effective}, covering {span}"
        )
        return NodeResult(Truth.TRUE, [reason], evidence)

    def _family(self, test: FamilyHistoryTest) -> NodeResult:
        """A relative within the degree of kinship with a condition of the value set."""
        matcher = self.catalog.valuesets[test.valueset]
        wanted = f"{matcher.title} in a relative up to degree {test.max_degree}"
        found = [
            (relative, label)
            for relative in self.facts.family
            for codings, texts in relative.conditions
            if (label := matcher.first_match(codings, texts)) is not None
        ]
        within = [(r, label) for r, label in found if r.degree is not None and r.degree <= test.max_degree]
        if within:
            relative, label = within[0]
            reason = f"family history: {label} in a {relative.relationship} (degree {relative.degree}), so {wanted}"
            return NodeResult(Truth.TRUE, [reason], [Evidence(r.reference, r.relationship) for r, _ in within])
        unclear = [(r, label) for r, label in found if r.degree is None]
        if unclear:
            relative, label = unclear[0]
            reason = f"family history: {label} in a relative of unstated kinship ({relative.relationship})"
            needs = [f"the kinship of the relative with {matcher.title}"]
            return NodeResult(Truth.UNKNOWN, [reason], [Evidence(relative.reference, relative.relationship)], needs)
        if not self.facts.family_read:
            needs = [f"the family history ({matcher.title} in relatives)"]
            return NodeResult(Truth.UNKNOWN, ["no family history on record"], [], needs)
        return NodeResult(Truth.FALSE, [f"family history on record: no {wanted}"])

    def _onset(self, test: OnsetTest) -> NodeResult:
        """Time since the first recorded onset of a condition of a value set, against a period."""
        period = test.period
        assert period is not None  # the schema requires one
        threshold = period.before(self.as_of)
        title = self.catalog.valuesets[test.valueset].title
        words = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}[test.op]
        wanted = f"{title} for {words} {period.words()}"
        found = [(r, label) for r, label in self.matches("condition", test.valueset) if not _after(r, self.as_of)]
        if not found:
            return NodeResult(Truth.FALSE, [f"no record of {title}, so not {wanted}"])
        certain = [(r, label) for r, label in found if r.verification not in UNCERTAIN_CONDITION]

        def first_onset(records: list[tuple[ClinicalRecord, str]]) -> tuple[dt.date, dt.date, ClinicalRecord] | None:
            spans = [(*_onset_span(r, self.as_of), r) for r, _ in records]
            if not spans:
                return None
            earliest = min(spans, key=lambda item: (item[1], item[0]))
            return min(lo for lo, _, _ in spans), earliest[1], earliest[2]

        def truth_of(onset: tuple[dt.date, dt.date, ClinicalRecord] | None) -> Truth:
            if onset is None:
                return Truth.FALSE
            low, high, _ = onset
            return _elapsed_truth(low, high, test.op, threshold)

        decided, everything = first_onset(certain), first_onset(found)
        truth = truth_of(decided)
        if truth_of(everything) is not truth:
            truth = Truth.UNKNOWN
        shown = decided or everything
        assert shown is not None
        low, high, record = shown
        if low == high:
            began = f"{low}"
        else:
            began = f"on or before {high}" if low == dt.date.min else f"between {low} and {high}"
        stated = f"{title} first recorded with onset {began} ({record.display})"
        if truth is Truth.TRUE:
            reason = f"{stated}: {words} {period.words()} before {self.as_of}"
        elif truth is Truth.FALSE:
            reason = f"{stated}: not {words} {period.words()} before {self.as_of}"
        else:
            reason = f"{stated}: cannot tell whether {words} {period.words()} before {self.as_of}"
        missing = [f"the onset date of {title}"] if truth is Truth.UNKNOWN else []
        evidence = [Evidence(r.reference, r.display) for r, _ in found][:MAX_EVIDENCE]
        return NodeResult(truth, [reason], evidence, missing)

    def _lab_result(
        self, truth: Truth, display: str, value: LabValue, shown: float, unit: str, wanted: str
    ) -> NodeResult:
        reported = "" if value.original.endswith(f" {unit}") else f" (reported {value.original})"
        stated = f"{value.comparator or ''}{_num(shown)} {unit}{reported}"
        if truth is Truth.TRUE:
            reason = f"{display} {stated} on {value.effective} {wanted}"
        elif truth is Truth.FALSE:
            reason = f"{display} {stated} on {value.effective}, not {wanted}"
        else:
            reason = f"{display} {stated} on {value.effective} cannot be compared with {wanted}"
        missing = [f"a quantified {display} result"] if truth is Truth.UNKNOWN else []
        evidence = [value.evidence()]
        return NodeResult(truth, [reason], evidence, missing)

    def _lab_uln(self, node: LabUln) -> NodeResult:
        test = node.lab_uln
        analyte = self.catalog.analytes.analytes[test.analyte]
        days = test.within_days or analyte.lookback_days
        group = self.facts.newest(test.analyte, self.as_of, days)
        if not group:
            return _no_result(analyte.display, days, self.as_of, "")
        unit = analyte.canonical_unit
        results = []
        for value in group:
            if value.unreadable is not None or value.value is None:
                results.append(_unreadable(analyte.display, value))
                continue
            ulns, source = self._ulns(value, analyte)
            if not ulns:
                results.append(
                    NodeResult(
                        Truth.UNKNOWN,
                        [f"{analyte.display} {value.original} on {value.effective}: no reference range and no ULN"],
                        [value.evidence()],
                        [f"the reference range of {analyte.display}"],
                    )
                )
                continue
            interval = lab_interval(value)
            truths = [compare_interval(*interval, test.op, test.factor * uln) for uln in ulns]
            truth = truths[0] if len(set(truths)) == 1 else Truth.UNKNOWN
            thresholds = " or ".join(f"{_num(test.factor * uln)} {unit}" for uln in ulns)
            wanted = f"{OP_WORDS[test.op]} {_num(test.factor)} x ULN ({thresholds}; ULN from {source})"
            result = self._lab_result(truth, analyte.display, value, value.value, unit, wanted)
            if truth is Truth.UNKNOWN and len(ulns) > 1:
                result.missing = ["the reference range that applies to the patient (sex, age)"]
            results.append(result)
        return _agreeing(results, analyte.display)

    def _ulns(self, value: LabValue, analyte: Analyte) -> tuple[tuple[float, ...], str]:
        """Return the candidate ULNs in the canonical unit and where they come from."""
        if value.ulns:
            many = " (several apply; the patient's sex or age cannot choose)" if len(value.ulns) > 1 else ""
            return value.ulns, f"the report's reference range{many}"
        table = analyte.uln
        if table is None:
            return (), ""
        conversion = self.catalog.units.declared(analyte, table.unit)
        assert conversion is not None  # the loader checked it
        by_sex = {"male": table.male, "female": table.female}
        sexes = (self.facts.sex,) if self.facts.sex in by_sex else ("male", "female")
        ulns = tuple(sorted({by_sex[sex] * conversion.factor for sex in sexes}))
        shown = ", ".join(f"{sex} {_num(by_sex[sex])} {table.unit}" for sex in sexes)
        why = "" if len(sexes) == 1 else "; sex unknown, both apply"
        return ulns, f"the fallback ULN table, {shown}{why} ({table.source.split(':')[0].strip()})"

    def _lab_positive(self, node: LabPositive) -> NodeResult:
        test = node.lab_positive
        names = (test.analyte, *test.or_analytes)
        table = self.catalog.analytes.analytes
        windows = []
        results: list[_Ranked] = []
        for rank, name in enumerate(names):
            analyte = table[name]
            days = test.within_days or analyte.lookback_days
            windows.append(f"{analyte.display} within {days} days")
            earliest = shift(self.as_of, days=-days)
            confirmatory = frozenset(analyte.persistence.confirmatory) if analyte.persistence else None
            for value in self.facts.labs.get(name, ()):
                if value.effective <= self.as_of:
                    results.append(_Ranked(value, len(names) - rank, confirmatory, value.effective >= earliest))
        need = " or ".join(windows)
        sure: list[_Ranked] = []
        doubtful: list[tuple[_Ranked, str]] = []
        for candidate in results:
            if candidate.value.positive is False:
                continue
            if not (candidate.in_window or candidate.persistent):
                continue
            fate = _fate(candidate, results)
            if fate == "cancelled":
                continue
            if candidate.value.positive is True and fate == "stands":
                sure.append(candidate)
            else:
                doubtful.append((candidate, fate))
        if sure:
            value = max(sure, key=lambda r: (r.value.effective, r.authority)).value
            return NodeResult(Truth.TRUE, [self._positive_text(value)], [r.value.evidence() for r in sure[:3]])
        if doubtful:
            reasons, evidence = [], []
            for ranked, fate in doubtful[:3]:
                value = ranked.value
                display = table[value.analyte].display
                if value.positive is None:
                    why = value.unreadable or (
                        f"reported only as {value.original}, below the quantitation limit, not as not detected"
                        if value.comparator in ("<", "<=") and table[value.analyte].cutoff is None
                        else "equivocal (between the negative and positive cut-offs)"
                    )
                    reasons.append(
                        f"{display} {value.reference} on {value.effective} is neither positive nor negative: {why}"
                    )
                else:
                    reasons.append(f"{self._positive_text(value)}, but {fate}")
                evidence.append(value.evidence())
            return NodeResult(Truth.UNKNOWN, reasons, evidence, [f"a readable result: {need}"])
        negatives = [r for r in results if r.value.positive is False and r.in_window]
        if negatives:
            value = max(negatives, key=lambda r: (r.value.effective, r.authority)).value
            display = table[value.analyte].display
            reason = f"{display} {value.original} on {value.effective}"
            if not value.original.endswith(")"):
                reason += ": negative/not detected"
            if not any(r.authority == len(names) for r in negatives):
                # Only a lesser test is negative (a reagin test, a stated pregnancy status): it cannot
                # rule out what the first-named test answers (a treponemal antibody, an hCG test).
                first = windows[0]
                return NodeResult(
                    Truth.UNKNOWN,
                    [f"{reason}, which cannot rule out the first-named test: needs {first}"],
                    [value.evidence()],
                    [first],
                )
            return NodeResult(Truth.FALSE, [reason], [value.evidence()])
        return NodeResult(Truth.UNKNOWN, [f"no result before {self.as_of}: needs {need}"], missing=[need])

    def _positive_text(self, value: LabValue) -> str:
        display = self.catalog.analytes.analytes[value.analyte].display
        reason = f"{display} {value.original} on {value.effective}"
        return reason if value.original.endswith(")") else f"{reason}: positive/detected"

    def _score(self, node: Score) -> NodeResult:
        test = node.score
        name = SCORE_NAMES[test.score]
        result = self.facts.scores.get(test.score)
        wanted = describe_test(test, "kg/m2" if test.score == "bmi" else "")
        if result is None or result.value is None:
            missing = list(result.missing) if result is not None else [name]
            return NodeResult(
                Truth.UNKNOWN,
                [f"{name} cannot be computed: needs {', '.join(missing)}; criterion needs {name} {wanted}"],
                missing=[f"{m} (for {name})" for m in missing],
            )
        high = result.high if result.high is not None else result.value
        truth = numeric_truth((result.value, False, high, False), test, 1.0)
        detail = result.detail_text
        value_text = _num(result.value) if high == result.value else f"{_num(result.value)} to {_num(high)}"
        shown = f"{name} {value_text}" + (f" ({detail})" if detail else "")
        verdicts = {Truth.TRUE: f"{shown} {wanted}", Truth.FALSE: f"{shown}, not {wanted}"}
        reason = verdicts.get(truth, f"{shown}: may or may not be {wanted}")
        if result.flags:
            reason += f"; note: {'; '.join(result.flags)}"
        evidence: list[Evidence] = []
        for score_input in result.inputs:
            if score_input.reference and all(e.reference != score_input.reference for e in evidence):
                evidence.append(
                    Evidence(
                        score_input.reference, f"{score_input.name} {score_input.value} {score_input.unit}".strip()
                    )
                )
        missing = [f"grades of the {name} inputs recorded without one"] if truth is Truth.UNKNOWN else []
        return NodeResult(truth, [reason], evidence, missing)

    # -- demographics ------------------------------------------------------------------------

    def _age(self, test: AgeTest) -> NodeResult:
        ages = self.facts.age_range(self.as_of)
        bounds = NumericTest(min=test.min, max=test.max) if (test.min is not None or test.max is not None) else None
        wanted = describe_test(bounds, "years") if bounds else "any age"
        if ages is None:
            return NodeResult(Truth.UNKNOWN, [f"no birth date; needs age {wanted}"], missing=["birth date"])
        low, high = ages
        truth = numeric_truth((float(low), False, float(high), False), bounds, 1.0) if bounds else Truth.TRUE
        age_text = f"{low}" if low == high else f"{low} to {high} (partial birth date)"
        if truth is Truth.UNKNOWN:
            return NodeResult(
                truth,
                [f"age {age_text} on {self.as_of} may or may not be {wanted}"],
                missing=["full birth date"],
            )
        verb = "" if truth is Truth.TRUE else "not "
        return NodeResult(truth, [f"age {age_text} on {self.as_of}, {verb}{wanted}"])

    def _sex(self, node: Sex) -> NodeResult:
        wanted = " or ".join(node.sex.is_)
        if self.facts.sex is None:
            return NodeResult(
                Truth.UNKNOWN, [f"administrative sex not recorded; needs {wanted}"], missing=["administrative sex"]
            )
        truth = Truth.of(self.facts.sex in node.sex.is_)
        return NodeResult(truth, [f"administrative sex {self.facts.sex}"])

    def _sex_specific(self, node: SexSpecific) -> NodeResult:
        test = node.sex_specific
        inner = self.node(test.logic)
        sex = self.facts.sex
        if sex is None or sex in test.sex or sex in ("other", "unknown"):
            return inner
        if inner.truth is Truth.TRUE:
            reason = (
                f"administrative sex {sex}, yet the record holds this evidence: {'; '.join(inner.reasons)}; confirm"
            )
            return NodeResult(Truth.UNKNOWN, [reason], inner.evidence, ["confirmation of the record (sex or evidence)"])
        return NodeResult(Truth.FALSE, [f"administrative sex {sex}; applies to {' or '.join(test.sex)} only"])

    # -- records -----------------------------------------------------------------------------

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

    def _timing(self, record: ClinicalRecord, test: RecordTest, since: dt.date | None) -> bool | None:
        if test.when == "current":
            return is_current(record, self.as_of)
        return occurred_within(record, self.as_of, since if test.when == "within" else None)

    def _records(self, test: RecordTest, source: str, noun: str) -> NodeResult:
        matcher = self.catalog.valuesets[test.valueset]
        title = matcher.title
        period = test.period
        since = period.before(self.as_of) if period is not None else None
        window = test.when if test.when != "within" else f"within {_period_words(test)} (since {since})"
        graded = f" graded {' or '.join(test.severity)}" if test.severity else ""
        if test.stage is not None:
            graded += f" ({self.catalog.valuesets[test.stage.counts].title})"
        hits: list[tuple[ClinicalRecord, str]] = []
        maybe: list[tuple[ClinicalRecord, str, str]] = []
        outside: list[tuple[ClinicalRecord, str]] = []
        other_grade: list[tuple[ClinicalRecord, str]] = []
        for record, label in self.matches(source, test.valueset):
            timing = self._timing(record, test, since)
            grade = self._grade(record, test)
            if timing is False:
                outside.append((record, label))
            elif grade is False:
                other_grade.append((record, f"{label} {self._grade_words(record, test)}"))
            elif grade is None:
                maybe.append((record, label, f"{self._grade_words(record, test)}; a person grades it"))
            elif record.confirm:
                maybe.append((record, label, record.confirm))
            elif record.uncertain and not test.count_uncertain:
                maybe.append((record, label, f"{record.verification} diagnosis"))
            elif timing is None:
                maybe.append((record, label, _why_unknown(record, test.when)))
            elif test.counts_as == "unknown":
                maybe.append((record, label, "counts only after confirmation for this criterion"))
            else:
                hits.append((record, f"{label}, {record.verification}" if record.uncertain else label))
        if len(hits) >= test.min_count:
            reasons = [f"{title}{graded}: {label}{_dates(record)}" for record, label in hits[:3]]
            if len(hits) > 3:
                reasons.append(f"and {len(hits) - 3} more {noun}s of {title}")
            evidence = [r.evidence() for r, _ in hits[:MAX_EVIDENCE]]
            return NodeResult(Truth.TRUE, reasons, evidence)
        suspects = [
            (record, words, reading)
            for record, words, reading in self.suspects(source, test.valueset)
            if not (reading == "history" and test.when == "current")
            and self._timing(record, test, since) is not False
            and self._grade(record, test) is not False
        ]
        if len(hits) + len(maybe) + len(suspects) >= test.min_count:
            reasons = [f"{title}{graded}: {label}{_dates(record)} ({why})" for record, label, why in maybe[:3]]
            reasons += [_suspect_reason(record, words, reading, title) for record, words, reading in suspects[:3]]
            evidence = ([r.evidence() for r, _, _ in maybe] + [r.evidence() for r, _, _ in suspects])[:MAX_EVIDENCE]
            missing = [f"confirmation of {title}{graded} ({window})"]
            return NodeResult(Truth.UNKNOWN, reasons, evidence, missing)
        if test.implied_by is not None:
            implied = self.node(test.implied_by)
            if implied.truth is not Truth.FALSE:
                why = "; ".join(implied.reasons)
                reasons = [f"no record codes {title}, but the record implies it ({why}); confirm"]
                return NodeResult(Truth.UNKNOWN, reasons, implied.evidence, [f"a coded diagnosis of {title}"])
        treated = self._implying_treatment(source, matcher, test, since)
        if treated is not None:
            return treated
        if source == "medication":
            unnamed = [
                r for r in self.facts.medications if r.unidentified and self._timing(r, test, since) is not False
            ]
            if unnamed:
                return _unidentified_result(unnamed, title)
        count = f"{test.min_count} or more {noun}s" if test.min_count > 1 else f"{noun}"
        reason = f"no {count} of {title}{graded} ({window})"
        if outside:
            last = outside[0][0]
            reason += f"; found {len(outside)} outside the window, e.g. {outside[0][1]}{_dates(last)}"
        if other_grade:
            reason += f"; found {other_grade[0][1]}{_dates(other_grade[0][0])}"
        evidence = [r.evidence() for r, _ in (outside + other_grade)[:3]]
        return self._absent(Truth.FALSE, reason, evidence, RECORD_TYPES[source], f"{title}{graded} ({window})")

    def _absent(
        self, truth: Truth, reason: str, evidence: list[Evidence], types: tuple[str, ...], what: str
    ) -> NodeResult:
        """Return a result read from absent records, unknown when the caller did not provide those types."""
        unprovided = self.facts.unprovided(types)
        if not unprovided or truth is Truth.UNKNOWN:
            return NodeResult(truth, [reason], evidence)
        # The absence was read closed-world; records the caller could not send may hold the answer.
        why = not_provided_text(unprovided)
        return NodeResult(Truth.UNKNOWN, [f"{reason}, but {why}"], evidence, [f"{what}: {why}"])

    def _grade(self, record: ClinicalRecord, test: RecordTest) -> bool | None:
        """Return whether a record's grade passes the test's severity and stage filters (None: ungraded, ask)."""
        verdicts: list[bool | None] = []
        if test.severity:
            severity = severity_of(record)
            verdicts.append(None if severity is None else severity in test.severity)
        if test.stage is not None:
            stage = test.stage
            valuesets = self.catalog.valuesets
            verdicts.append(stage_of(record, valuesets[stage.counts], valuesets[stage.other]))
        if False in verdicts:
            return False
        if None in verdicts:
            return None if test.ungraded == "unknown" else False
        return True

    def _grade_words(self, record: ClinicalRecord, test: RecordTest) -> str:
        words = []
        if test.severity:
            words.append(f"graded {severity_of(record) or 'not at all'}")
        if test.stage is not None:
            stage = test.stage
            valuesets = self.catalog.valuesets
            staged = stage_of(record, valuesets[stage.counts], valuesets[stage.other])
            shown = {True: valuesets[stage.counts].title, False: valuesets[stage.other].title, None: "not recorded"}
            words.append(f"stage {shown[staged]}")
        return ", ".join(words)

    def _implying_treatment(
        self, source: str, matcher: CodeMatcher, test: RecordTest, since: dt.date | None
    ) -> NodeResult | None:
        """Unknown when no record codes the condition but a drug given for it, or a condition that implies
        it, is on record in the window (value sets' implied_by_treatment and implied_by_conditions)."""
        if source != "condition":
            return None
        implying = [("medication", v) for v in (matcher.implied_by_treatment,) if v is not None]
        implying += [("condition", v) for v in matcher.implied_by_conditions]
        given = [
            (record, label, self.catalog.valuesets[valueset].title)
            for kind, valueset in implying
            for record, label in self.matches(kind, valueset)
            if self._timing(record, test, since) is not False or (kind == "condition" and test.when == "current")
        ]
        results = [
            value
            for analyte in matcher.implied_by_positive
            for value in self.facts.labs.get(analyte, ())
            if value.positive and value.effective <= self.as_of
        ]
        if not given and not results:
            return None
        shown = "; ".join(
            [f"{title}: {label}{_dates(r)} ({r.reference})" for r, label, title in given[:3]]
            + [
                f"{self.catalog.analytes.analytes[v.analyte].display} {v.original} on {v.effective} ({v.reference})"
                for v in results[:2]
            ]
        )
        reason = f"no record codes {matcher.title}, but the record implies it: {shown}; confirm"
        evidence = [record.evidence() for record, _, _ in given] + [value.evidence() for value in results]
        evidence = evidence[:MAX_EVIDENCE]
        missing = [f"whether {matcher.title} is present"]
        return NodeResult(Truth.UNKNOWN, [reason], evidence, missing)

    def _duration(self, test: DurationTest) -> NodeResult:
        matcher = self.catalog.valuesets[test.valueset]
        period = test.period
        assert period is not None  # the schema requires one
        threshold = (self.as_of - period.before(self.as_of)).days
        wanted = f"{OP_WORDS[test.op]} {period.words()}"
        found = self.matches("medication", test.valueset)
        labels = {id(record): label for record, label in found}
        course = current_course((record for record, _ in found), self.as_of)
        undated = [r for r, _ in found if r.start is None and is_current(r, self.as_of) is not False]
        none_truth = compare_interval(0, False, 0, False, test.op, threshold)
        unnamed = [r for r in self.facts.medications if r.unidentified and is_current(r, self.as_of) is not False]
        if course is None:
            if unnamed and none_truth is not Truth.TRUE:
                return _unidentified_result(unnamed, matcher.title)
            if undated:
                record = undated[0]
                return NodeResult(
                    Truth.UNKNOWN,
                    [f"{matcher.title}: {labels[id(record)]} with no start date"],
                    [record.evidence()],
                    [f"start date of {matcher.title}"],
                )
            reason = f"no current {matcher.title} (0 days), so a course {wanted} is {none_truth.name.lower()}"
            return self._absent(none_truth, reason, [], RECORD_TYPES["medication"], f"course of {matcher.title}")
        longest = (self.as_of - course.start.start).days
        shortest = (self.as_of - course.start.end).days
        truth = compare_interval(shortest, False, longest, False, test.op, threshold)
        doubts = []
        if course.current is None and truth is not none_truth:
            truth = Truth.UNKNOWN
            doubts.append(f"whether {matcher.title} continues (last record {_dates(course.records[-1]).strip()})")
        if undated and truth is not compare_interval(shortest, False, math.inf, True, test.op, threshold):
            truth = Truth.UNKNOWN
            doubts.append(f"start date of {labels[id(undated[0])]} ({undated[0].reference})")
        unconfirmed = [r for r in course.records if r.confirm]
        if unconfirmed and truth is Truth.TRUE:
            truth = Truth.UNKNOWN
            doubts.append(f"{labels[id(unconfirmed[0])]}: {unconfirmed[0].confirm}")
        if unnamed and truth is Truth.FALSE:
            truth = Truth.UNKNOWN
            doubts.append(f"whether {unnamed[0].reference} (drug not identified) continues the course")
        days = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
        verdict = wanted if truth is Truth.TRUE else (f"not {wanted}" if truth is Truth.FALSE else f"{wanted}?")
        first = course.records[0]
        records = len(course.records)
        across = f", one course across {records} records (gaps under {COURSE_GAP_DAYS} days)" if records > 1 else ""
        reason = (
            f"{matcher.title}: {labels[id(first)]} since {_span_text(course.start)}{across}, {days} days "
            f"({verdict}; {period.words()} = {threshold} days before {self.as_of})"
        )
        if doubts:
            reason += f"; unknown: {'; '.join(doubts)}"
        shown = _course_evidence(course, labels)
        missing = doubts or ([f"exact start date of {matcher.title}"] if truth is Truth.UNKNOWN else [])
        unprovided = self.facts.unprovided(RECORD_TYPES["medication"])
        # Records not sent can only lengthen the course: a decided result other than "long enough" may flip.
        if unprovided and not (truth is Truth.TRUE and test.op in (">", ">=")) and truth is not Truth.UNKNOWN:
            truth = Truth.UNKNOWN
            reason += f", but {not_provided_text(unprovided)}"
            missing = [f"course of {matcher.title}: {not_provided_text(unprovided)}"]
        return NodeResult(truth, [reason], [r.evidence() for r in shown], missing if truth is Truth.UNKNOWN else [])

    def _positive_results(self, node: PositiveResults) -> NodeResult:
        test = node.positive_results
        display = self.catalog.analytes.analytes[test.analyte].display
        positives = sorted(
            (v for v in self.facts.labs.get(test.analyte, ()) if v.positive and v.effective <= self.as_of),
            key=lambda v: (v.effective, v.reference),
        )
        apart = test.apart.period if test.apart is not None else None
        spread = f" at least {apart.words()} apart" if apart is not None else ""
        if len(positives) >= test.min_count:
            first, last = positives[0], positives[-1]
            if apart is None or apart.before(last.effective) >= first.effective:
                dates = f"from {first.effective} to {last.effective}"
                reason = f"{len(positives)} positive {display} results {dates}{spread}"
                return NodeResult(Truth.TRUE, [reason], [first.evidence(), last.evidence()])
        reason = f"no {test.min_count} positive {display} results{spread} on record ({len(positives)} positive)"
        return self._absent(Truth.FALSE, reason, [], RECORD_TYPES["lab"], f"positive {display} results")

    def _allergy(self, node: Allergy) -> NodeResult:
        test = node.allergy
        substances = self.catalog.valuesets[test.substances] if test.substances else None

        def in_kind(a: AllergyRecord) -> bool:
            if not test.categories or set(a.categories) & set(test.categories):
                return True
            return substances is not None and substances.first_match(a.codings, (a.display,)) is not None

        chosen = [
            a
            for a in self.facts.allergies
            if in_kind(a) and (not test.severe or a.severity == "severe" or a.criticality == "high")
        ]
        kinds = " or ".join(test.categories) or "any"
        what = f"{'severe or high-criticality ' if test.severe else ''}{kinds} allerg"
        if len(chosen) >= test.min_count:
            shown = ", ".join(
                f"{a.display} (severity {a.severity or '-'}, criticality {a.criticality or '-'}, "
                f"{a.status or 'status -'})"
                for a in chosen[:5]
            )
            return NodeResult(
                Truth.TRUE,
                [f"{len(chosen)} {what}{'y' if len(chosen) == 1 else 'ies'}: {shown}"],
                [Evidence(a.reference, a.display) for a in chosen],
            )
        need = f" (needs {test.min_count})" if test.min_count > 1 else ""
        reason = (
            f"{'no record of a' if not chosen else len(chosen)} {what}{'y' if not chosen else 'ies'}{need}; "
            f"{len(self.facts.allergies)} allergy records in all"
        )
        return self._absent(Truth.FALSE, reason, [], RECORD_TYPES["allergy"], f"{what}ies")

    # -- criteria ----------------------------------------------------------------------------

    def criterion(self, criterion: Criterion) -> list[CriterionResult]:
        """Evaluate a registry line: the line first, then its parts."""
        exclusion = criterion.type == "exclusion"
        if not criterion.parts:
            result = self._leaf(criterion, None, exclusion)
            return [result]
        parts = [self._leaf(part, criterion.id, exclusion) for part in criterion.parts]
        outcome = worst_outcome(p.outcome for p in parts)
        deciding = [p for p in parts if p.outcome is outcome]
        reason = "; ".join(f"{p.id}: {p.reason}" for p in deciding)
        evidence = tuple(dict.fromkeys(e for p in deciding for e in p.evidence))
        missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
        line = CriterionResult(
            criterion.id,
            None,
            criterion.type,
            criterion.text,
            outcome,
            reason,
            evidence,
            missing,
            criterion.interpretation,
        )
        return [line, *parts]

    def _leaf(self, item: Criterion | Part, parent: str | None, exclusion: bool) -> CriterionResult:
        ctype = "exclusion" if exclusion else "inclusion"
        if item.review is not None and item.on_record is not None:
            return self._review_on_record(item, parent, ctype)
        if item.review is not None:
            kind = item.review_kind or "judgement"
            return CriterionResult(
                item.id,
                parent,
                ctype,
                item.text,
                Outcome.REVIEW,
                f"{REVIEW_WORDS[kind]}: {item.review}",
                (),
                (),
                item.interpretation,
                kind,
            )
        assert item.logic is not None
        result = self.node(item.logic)
        outcome = outcome_of(result.truth, exclusion=exclusion)
        reason = "; ".join(result.reasons)
        if outcome is Outcome.UNKNOWN and result.missing and "needs" not in reason:
            reason = f"{reason} (needs: {', '.join(result.missing)})"
        return CriterionResult(
            item.id,
            parent,
            ctype,
            item.text,
            outcome,
            reason,
            tuple(result.evidence),
            tuple(result.missing) if outcome is Outcome.UNKNOWN else (),
            item.interpretation,
        )

    def _review_on_record(self, item: Criterion | Part, parent: str | None, ctype: str) -> CriterionResult:
        """A judgement asked only when something related is on record: unknown then, else pass.

        On record means the node holds, or may hold and names a record (a condition whose timing
        is unknown); a node unknown for want of any record (no result at all) is nothing on record.
        """
        assert item.on_record is not None and item.review is not None
        found = self.node(item.on_record)
        reasons = "; ".join(found.reasons)
        missing: tuple[str, ...] = ()
        # Nothing on record only when the caller sent the record types read: with some not provided,
        # a node unknown for want of a record may be unknown because the record was not sent.
        unsent = self.facts.unprovided(tuple(dict.fromkeys(t for ts in RECORD_TYPES.values() for t in ts)))
        absent = found.truth is Truth.UNKNOWN and not found.evidence and not unsent
        if found.truth is Truth.FALSE or absent:
            outcome, reason = Outcome.PASS, f"nothing related on record ({reasons})"
        elif not found.evidence and unsent:
            outcome = Outcome.UNKNOWN
            reason = f"{reasons}; needs a person: {item.review}"
            missing = (*found.missing, f"investigator's judgement: {item.text}")
        else:
            outcome = Outcome.UNKNOWN
            reason = f"on record: {reasons}; needs a person: {item.review}"
            missing = (f"investigator's judgement: {item.text}",)
        return CriterionResult(
            item.id, parent, ctype, item.text, outcome, reason, tuple(found.evidence), missing, item.interpretation
        )


def _after(record: ClinicalRecord, as_of: dt.date) -> bool:
    """Whether a record began only after the as-of date (it does not count yet)."""
    return record.start is not None and record.start.start > as_of


def _onset_span(record: ClinicalRecord, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Return the earliest and latest day a condition can have begun: its onset, else on or before its recording."""
    if record.start is not None:
        return record.start.start, min(record.start.end, as_of)
    return dt.date.min, min(record.recorded or as_of, as_of)


def _elapsed_truth(low: dt.date, high: dt.date, op: str, threshold: dt.date) -> Truth:
    """Whether the time from an onset in [low, high] to the as-of date is op the period ending at threshold."""
    # elapsed > P  <=>  onset < threshold;  elapsed >= P  <=>  onset <= threshold (and mirrored).
    holds = {
        ">": (high < threshold, low >= threshold),
        ">=": (high <= threshold, low > threshold),
        "<": (low > threshold, high <= threshold),
        "<=": (low >= threshold, high < threshold),
    }[op]
    return Truth.TRUE if holds[0] else (Truth.FALSE if holds[1] else Truth.UNKNOWN)


def _period_words(test: RecordTest) -> str:
    period = test.period
    return period.words() if period is not None else ""


def _why_unknown(record: ClinicalRecord, when: str) -> str:
    """Return why a record's timing is unknown, in words."""
    if record.kind == "condition" and record.status is None and not record.ended:
        category = f" {record.category}" if record.category else ""
        return f"no clinical status on this{category} record: whether it is still present is not recorded"
    if record.ended and record.end is None:
        return f"recorded as {record.status or 'over'} with no end date"
    if record.status in ("unknown", "intended"):
        return f"status {record.status}"
    return "date or status unknown" if when != "current" else "whether it is current is not recorded"


def _unidentified_result(records: list[ClinicalRecord], title: str) -> NodeResult:
    """Unknown: medication records whose drug cannot be identified may be of the set (README, medications)."""
    named = ", ".join(f"{r.reference}{_dates(r)}" for r in records[:3])
    reason = f"no identified record of {title}, but the drug of {named} is not identified (no code, no name); confirm"
    evidence = [r.evidence() for r in records[:MAX_EVIDENCE]]
    return NodeResult(Truth.UNKNOWN, [reason], evidence, [f"the drug of {records[0].reference}"])


def _suspect_reason(record: ClinicalRecord, words: str, reading: str, title: str) -> str:
    """Return the safety net's reason: the record, its codes and the words that read as the concept."""
    codes = describe_codings(record.codings)
    coded = f" ({codes})" if codes else " (no code)"
    how = " as a history of" if reading == "history" else " as"
    return f"{record.reference} '{record.display}'{coded} reads{how} {title} ('{words}'){_dates(record)}; confirm"


def _course_evidence(course: Course, labels: dict[int, str]) -> list[ClinicalRecord]:
    """Return a course's first and last record and each switch of drug in between (at most 10)."""
    shown: list[ClinicalRecord] = []
    previous = None
    for index, record in enumerate(course.records):
        label = labels.get(id(record))
        if index in (0, len(course.records) - 1) or label != previous:
            shown.append(record)
        previous = label
    return shown[:9] + shown[-1:] if len(shown) > 10 else shown


@dataclass(frozen=True)
class _Ranked:
    """A qualitative result with the authority of its analyte in a lab_positive test."""

    value: LabValue
    authority: int
    confirmatory: frozenset[str] | None  # the analyte's confirmatory codes if its positives persist
    in_window: bool

    @property
    def persistent(self) -> bool:
        return self.confirmatory is not None


def _fate(candidate: _Ranked, results: list[_Ranked]) -> str:
    """Return 'cancelled', 'stands', or why a possible positive may have been overruled."""
    doubt = ""
    for other in results:
        if other is candidate or other.value.positive is True or other.authority < candidate.authority:
            continue
        if candidate.confirmatory is not None and other.value.code_key not in candidate.confirmatory:
            continue  # a persistent positive yields only to a confirmatory test
        order = other.value.newer_than(candidate.value)
        if order is False:
            continue
        if other.value.positive is False and order is True:
            return "cancelled"
        if not doubt:
            what = "negative" if other.value.positive is False else "unreadable"
            when = "later" if order else "same-day (not orderable by issued time)"
            doubt = f"a {when} {what} result {other.value.reference} may overrule it"
    return doubt or "stands"


def _no_result(display: str, days: int, as_of: dt.date, needs: str) -> NodeResult:
    return NodeResult(
        Truth.UNKNOWN,
        [f"no {display} result within {days} days before {as_of}{needs}"],
        missing=[f"{display} within {days} days"],
    )


def _unreadable(display: str, value: LabValue) -> NodeResult:
    """The newest result cannot be read: the criterion is unknown, naming it (never an older value)."""
    return NodeResult(
        Truth.UNKNOWN,
        [f"newest {display} {value.reference} on {value.effective} cannot be read: {value.unreadable or 'no value'}"],
        [value.evidence()],
        [f"a readable {display} result"],
    )


def _agreeing(results: list[NodeResult], display: str) -> NodeResult:
    """Combine the verdicts on equally new results: their common truth, else unknown."""
    if len(results) == 1:
        return results[0]
    truths = {r.truth for r in results}
    out = NodeResult(truths.pop() if len(truths) == 1 else Truth.UNKNOWN)
    if out.truth is Truth.UNKNOWN and len({r.truth for r in results}) > 1:
        out.reasons.append(f"equally new {display} results disagree (same day, no issued time to order them)")
        out.missing.append(f"which {display} result is the newest")
    for r in results:
        out.reasons.extend(r.reasons)
        out.evidence.extend(e for e in r.evidence if e not in out.evidence)
        out.missing.extend(m for m in r.missing if m not in out.missing)
    return out


def _span_text(span: object) -> str:
    start, end = getattr(span, "start"), getattr(span, "end")  # noqa: B009
    return str(start) if start == end else f"{start}..{end}"


def _dates(record: ClinicalRecord) -> str:
    parts = []
    if record.start is not None:
        parts.append(f"from {_span_text(record.start)}")
    elif record.recorded is not None:
        parts.append(f"recorded {record.recorded}")
    if record.end is not None and record.end != record.start:
        parts.append(f"until {_span_text(record.end)}")
    if record.status:
        parts.append(record.status)
    return f" ({', '.join(parts)})" if parts else ""


def evaluate_trial(trial: Trial, evaluator: Evaluator) -> list[CriterionResult]:
    """Evaluate every criterion of a trial, lines and their parts, in catalogue order."""
    results: list[CriterionResult] = []
    for criterion in trial.criteria:
        results.extend(evaluator.criterion(criterion))
    return results
