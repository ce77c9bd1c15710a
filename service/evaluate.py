"""Evaluate: criterion x patient facts -> outcome, reason, evidence and the data still needed.

Absence is read two ways. A diagnosis, procedure, medication or allergy with no matching
record is absent (closed world: "no record of ..."). A missing lab value, measurement, birth
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
    All,
    Allergy,
    AnyOf,
    Catalog,
    ConditionNode,
    Criterion,
    DurationTest,
    Lab,
    LabPositive,
    LabUln,
    MedicationDuration,
    MedicationNode,
    Node,
    Not,
    NumericTest,
    Part,
    ProcedureNode,
    RecordTest,
    Score,
    Sex,
    Trial,
)
from service.dates import days_before
from service.facts import (
    ClinicalRecord,
    Evidence,
    LabValue,
    PatientFacts,
    is_current,
    matching,
    occurred_within,
)
from service.logic import Outcome, Truth, all_of, any_of, not_, outcome_of, worst_outcome

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
        if isinstance(node, ConditionNode):
            return self._records(node.condition, "condition", "record")
        if isinstance(node, MedicationNode):
            return self._records(node.medication, "medication", "medication record")
        if isinstance(node, ProcedureNode):
            return self._records(node.procedure, "procedure", "procedure record")
        if isinstance(node, MedicationDuration):
            return self._duration(node.medication_duration)
        if isinstance(node, Allergy):
            return self._allergy(node)
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

    # -- labs and scores ---------------------------------------------------------------------

    def _lab(self, node: Lab) -> NodeResult:
        test = node.lab
        analyte = self.catalog.analytes.analytes[test.analyte]
        days = test.within_days or analyte.lookback_days
        value = self.facts.latest(test.analyte, self.as_of, days)
        wanted = describe_test(test, test.unit)
        if value is None or value.value is None:
            need = f"{analyte.display} within {days} days"
            return NodeResult(
                Truth.UNKNOWN,
                [
                    f"no {analyte.display} result within {days} days before {self.as_of}; "
                    f"needs {analyte.display} {wanted}"
                ],
                missing=[need],
            )
        units = self.catalog.units
        convert = units.to_canonical(analyte, test.unit, 1.0)
        factor = convert.value if convert is not None else 1.0
        offset_free = units.conversion(analyte, test.unit)
        if offset_free.offset or offset_free.log10:
            # Affine or log units: convert the patient's value into the test's unit instead.
            shown = units.from_canonical(analyte, test.unit, value.value)
            interval = value_interval(shown, value.comparator)
            truth = numeric_truth(interval, test, 1.0)
        else:
            interval = value_interval(value.value, value.comparator)
            truth = numeric_truth(interval, test, factor)
            shown = value.value / factor
        return self._lab_result(truth, analyte.display, value, shown, test.unit, wanted)

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
        value = self.facts.latest(test.analyte, self.as_of, days)
        if value is None or value.value is None:
            need = f"{analyte.display} within {days} days"
            return NodeResult(
                Truth.UNKNOWN,
                [f"no {analyte.display} result within {days} days before {self.as_of}"],
                missing=[need],
            )
        units = self.catalog.units
        if value.uln is not None:
            uln, source = value.uln, "the report's reference range"
        else:
            fallback = units.to_canonical(analyte, test.fallback_unit, test.fallback_uln)
            uln = fallback.value if fallback is not None else test.fallback_uln
            source = f"fallback ULN {_num(test.fallback_uln)} {test.fallback_unit} ({test.fallback_source})"
        threshold = test.factor * uln
        interval = value_interval(value.value, value.comparator)
        truth = compare_interval(*interval, test.op, threshold)
        unit = analyte.canonical_unit
        wanted = f"{OP_WORDS[test.op]} {_num(test.factor)} x ULN ({_num(threshold)} {unit}; ULN from {source})"
        return self._lab_result(truth, analyte.display, value, value.value, unit, wanted)

    def _lab_positive(self, node: LabPositive) -> NodeResult:
        test = node.lab_positive
        names = (test.analyte, *test.or_analytes)
        candidates: list[LabValue] = []
        windows = []
        for name in names:
            analyte = self.catalog.analytes.analytes[name]
            days = test.within_days or analyte.lookback_days
            windows.append(f"{analyte.display} within {days} days")
            earliest = days_before(self.as_of, days)
            candidates.extend(
                v
                for v in self.facts.labs.get(name, ())
                if earliest <= v.effective <= self.as_of and v.positive is not None
            )
        if not candidates:
            return NodeResult(
                Truth.UNKNOWN,
                [f"no result before {self.as_of}: needs {' or '.join(windows)}"],
                missing=[" or ".join(windows)],
            )
        value = max(candidates, key=lambda v: (v.effective, v.reference))
        display = self.catalog.analytes.analytes[value.analyte].display
        word = "positive/detected" if value.positive else "negative/not detected"
        reason = f"{display} {value.original} on {value.effective}"
        if not value.original.endswith(")"):
            reason += f": {word}"
        evidence = [value.evidence()]
        return NodeResult(Truth.of(value.positive), [reason], evidence)

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
        truth = numeric_truth(value_interval(result.value, None), test, 1.0)
        detail = result.detail_text
        shown = f"{name} {_num(result.value)}" + (f" ({detail})" if detail else "")
        reason = f"{shown} {wanted}" if truth is Truth.TRUE else f"{shown}, not {wanted}"
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
        return NodeResult(truth, [reason], evidence)

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

    # -- records -----------------------------------------------------------------------------

    def _timing(self, record: ClinicalRecord, test: RecordTest) -> bool | None:
        if test.when == "current":
            return is_current(record, self.as_of)
        return occurred_within(record, self.as_of, test.days if test.when == "within" else None)

    def _records(self, test: RecordTest, source: str, noun: str) -> NodeResult:
        matcher = self.catalog.valuesets[test.valueset]
        title = matcher.title
        window = {"current": "current", "ever": "ever", "within": f"within {test.days} days"}[test.when]
        hits: list[tuple[ClinicalRecord, str]] = []
        maybe: list[tuple[ClinicalRecord, str, str]] = []
        outside: list[tuple[ClinicalRecord, str]] = []
        for record, label in self.matches(source, test.valueset):
            timing = self._timing(record, test)
            if timing is False:
                outside.append((record, label))
            elif record.uncertain and not test.count_uncertain:
                maybe.append((record, label, f"{record.verification} diagnosis"))
            elif timing is None:
                maybe.append((record, label, "date or status unknown"))
            else:
                hits.append((record, f"{label}, {record.verification}" if record.uncertain else label))
        if len(hits) >= test.min_count:
            reasons = [f"{title}: {label}{_dates(record)}" for record, label in hits[:3]]
            if len(hits) > 3:
                reasons.append(f"and {len(hits) - 3} more {noun}s of {title}")
            evidence = [r.evidence() for r, _ in hits[:MAX_EVIDENCE]]
            return NodeResult(Truth.TRUE, reasons, evidence)
        if len(hits) + len(maybe) >= test.min_count:
            reasons = [f"{title}: {label}{_dates(record)} ({why})" for record, label, why in maybe[:3]]
            evidence = [r.evidence() for r, _, _ in maybe[:MAX_EVIDENCE]]
            missing = [f"confirmation or dates of {title} ({window})"]
            return NodeResult(Truth.UNKNOWN, reasons, evidence, missing)
        count = f"{test.min_count} or more {noun}s" if test.min_count > 1 else f"{noun}"
        reason = f"no {count} of {title} ({window})"
        if outside:
            last = outside[0][0]
            reason += f"; found {len(outside)} outside the window, e.g. {outside[0][1]}{_dates(last)}"
        evidence = [r.evidence() for r, _ in outside[:3]]
        return NodeResult(Truth.FALSE, [reason], evidence)

    def _duration(self, test: DurationTest) -> NodeResult:
        matcher = self.catalog.valuesets[test.valueset]
        current = []
        undated = []
        for record, label in self.matches("medication", test.valueset):
            now = is_current(record, self.as_of)
            if now is None:
                undated.append((record, label))
            elif now:
                if record.start is None:
                    undated.append((record, label))
                else:
                    current.append((record, label))
        wanted = f"{OP_WORDS[test.op]} {test.days} days"
        if undated and not current:
            record, label = undated[0]
            return NodeResult(
                Truth.UNKNOWN,
                [f"{matcher.title}: {label} with no start date or status"],
                [record.evidence()],
                [f"start date of {matcher.title}"],
            )
        if not current:
            truth = compare_interval(0, False, 0, False, test.op, test.days)
            return NodeResult(
                truth, [f"no current {matcher.title} (0 days), so duration {wanted} is {truth.name.lower()}"]
            )
        first = min(current, key=lambda item: item[0].start.start)  # type: ignore[union-attr]
        start_span = first[0].start
        assert start_span is not None
        # A partial start date gives a range of durations.
        longest = (self.as_of - start_span.start).days
        shortest = (self.as_of - start_span.end).days
        truth = compare_interval(shortest, False, longest, False, test.op, test.days)
        days = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
        verdict = wanted if truth is Truth.TRUE else f"not {wanted}"
        reason = f"{matcher.title}: {first[1]} since {_span_text(start_span)}, {days} days ({verdict})"
        evidence = [r.evidence() for r, _ in current[:MAX_EVIDENCE]]
        missing = [f"exact start date of {matcher.title}"] if truth is Truth.UNKNOWN else []
        return NodeResult(truth, [reason], evidence, missing)

    def _allergy(self, node: Allergy) -> NodeResult:
        test = node.allergy
        chosen = [
            a
            for a in self.facts.allergies
            if (not test.categories or set(a.categories) & set(test.categories))
            and (not test.severe or a.severity == "severe" or a.criticality == "high")
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
        return NodeResult(
            Truth.FALSE,
            [
                f"{'no record of a' if not chosen else len(chosen)} {what}{'y' if not chosen else 'ies'}{need}; "
                f"{len(self.facts.allergies)} allergy records in all"
            ],
        )

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
        if item.review is not None:
            return CriterionResult(
                item.id,
                parent,
                ctype,
                item.text,
                Outcome.REVIEW,
                f"needs a person: {item.review}",
                (),
                (),
                item.interpretation,
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
