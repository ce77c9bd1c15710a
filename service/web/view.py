"""What the pages show: a match report and the catalogue turned into plain data for the templates.

No clinical logic lives here: statuses, reasons, scores and what to order next come from the
core (``status_text``, the criterion results, ``order_next``); this module only arranges them
and looks up the key fields of each FHIR resource a verdict cites, from the facts the core read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

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
    NumericTest,
    Part,
    PositiveResults,
    ProcedureNode,
    RecordTest,
    Score,
    Sex,
    SexSpecific,
    Trial,
    catalog_reads,
)
from service.evaluate import OP_WORDS, SCORE_NAMES, CriterionResult, describe_test
from service.facts import AllergyRecord, ClinicalRecord, LabValue, PatientFacts, ScoreResult, Span
from service.logic import Outcome
from service.order import order_next
from service.pipeline import MatchReport
from service.rank import Status, TrialMatch, leaf_results, status_text
from service.terminology import ValueSet

# Status and verdict marks: an icon and a word beside every colour, so colour is never the only signal.
STATUS_MARK = {Status.ELIGIBLE: "✓", Status.POSSIBLY_ELIGIBLE: "?", Status.INELIGIBLE: "✗"}
OUTCOME_MARK = {Outcome.PASS: "✓", Outcome.FAIL: "✗", Outcome.UNKNOWN: "?", Outcome.REVIEW: "☐"}
SCORE_ORDER = ("child_pugh", "meld", "meld_na", "meld_3", "bmi")
# Typography only: the engine writes ASCII operators and units; the page shows the usual signs.
# UCUM writes the INR's unit as the annotation {INR} and international units as [IU].
TYPOGRAPHY = ((" >= ", " ≥ "), (" <= ", " ≤ "), ("umol/L", "µmol/L"), (" {INR}", ""), ("[IU]", "IU"))


def typeset(text: str) -> str:
    """Return engine text with the usual signs (≥, ≤, µmol/L) for people to read."""
    for ascii_form, sign in TYPOGRAPHY:
        text = text.replace(ascii_form, sign)
    return text


def number(value: float) -> str:
    """Return a measured or converted value to 4 significant digits (11.9883 -> '11.99')."""
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def _span(span: Span | None) -> str:
    if span is None:
        return ""
    return str(span.start) if span.start == span.end else f"{span.start} to {span.end}"


def _codes(codings: tuple[tuple[str, str, str], ...]) -> str:
    return "; ".join(f"{code} {display} ({system})".replace("  ", " ") for system, code, display in codings)


@dataclass(frozen=True)
class EvidenceView:
    """A FHIR resource a verdict cites, with its key fields (code, value, unit, date, status)."""

    reference: str
    display: str
    fields: tuple[tuple[str, str], ...]


def _lab_fields(value: LabValue, catalog: Catalog) -> tuple[tuple[str, str], ...]:
    analyte = catalog.analytes.analytes.get(value.analyte)
    fields = [("test", analyte.display if analyte else value.analyte), ("code", value.code), ("value", value.original)]
    if value.value is not None and value.converted:
        fields.append(("in canonical unit", f"{number(value.value)} {value.unit}"))
    if value.positive is not None and (analyte is None or analyte.kind != "quantity"):
        fields.append(("reads as", "positive / detected" if value.positive else "negative / not detected"))
    fields += [("date", str(value.effective)), ("status", value.status)]
    if value.uln is not None:
        fields.append(("upper limit of normal", f"{number(value.uln)} {value.unit}"))
    return tuple(fields)


def _record_fields(record: ClinicalRecord) -> tuple[tuple[str, str], ...]:
    fields = [
        ("kind", record.kind),
        ("record", record.display),
        ("codes", _codes(record.codings)),
        ("status", record.status or ""),
        ("verification", record.verification or ""),
        ("start", _span(record.start)),
        ("end", _span(record.end)),
        ("recorded", str(record.recorded or "")),
    ]
    return tuple((name, text) for name, text in fields if text)


def _allergy_fields(allergy: AllergyRecord) -> tuple[tuple[str, str], ...]:
    fields = [
        ("record", allergy.display),
        ("codes", _codes(allergy.codings)),
        ("categories", ", ".join(allergy.categories)),
        ("criticality", allergy.criticality or ""),
        ("worst reaction severity", allergy.severity or ""),
        ("status", allergy.status or ""),
    ]
    return tuple((name, text) for name, text in fields if text)


def resource_fields(facts: PatientFacts, catalog: Catalog) -> dict[str, tuple[tuple[str, str], ...]]:
    """Return the key fields of every resource the facts hold, by reference."""
    found: dict[str, tuple[tuple[str, str], ...]] = {}
    for values in facts.labs.values():
        for value in values:
            found.setdefault(value.reference, _lab_fields(value, catalog))
    for record in (*facts.conditions, *facts.findings, *facts.medications, *facts.procedures):
        found.setdefault(record.reference, _record_fields(record))
    for allergy in facts.allergies:
        found.setdefault(allergy.reference, _allergy_fields(allergy))
    return found


@dataclass(frozen=True)
class CriterionRow:
    """One line (or part) of a trial's criteria with its verdict."""

    id: str
    parent_id: str | None
    type: str
    text: str
    outcome: str
    mark: str
    reason: str
    evidence: tuple[EvidenceView, ...]
    missing: tuple[str, ...]
    interpretation: str | None


@dataclass(frozen=True)
class TrialView:
    """One ranked trial: its badge, score, the criteria that decide it, and every criterion."""

    rank: int
    id: str
    title: str
    phase: str
    sponsor: str
    url: str
    status: str
    mark: str
    badge: str
    score: float
    deciding: tuple[CriterionRow, ...]
    rows: tuple[CriterionRow, ...]
    counts: tuple[tuple[str, int], ...]


def badge_text(match: TrialMatch) -> str:
    """Return the status as a badge says it; for a trial ruled out by criteria, the first failed one's reason.

    A trial can be ineligible for a reason that is no criterion (a recorded death); ``status_text``
    then names it, and the badge says what it says.
    """
    failed = [r for r in leaf_results(match.criteria) if r.outcome is Outcome.FAIL]
    plain = status_text(match)
    if match.status is not Status.INELIGIBLE or not failed or not plain.endswith("not met"):
        return plain
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"ineligible: {typeset(failed[0].reason)}{more}"


def _row(result: CriterionResult, fields: dict[str, tuple[tuple[str, str], ...]]) -> CriterionRow:
    evidence = tuple(
        EvidenceView(e.reference, e.display, fields.get(e.reference, (("record", e.display),))) for e in result.evidence
    )
    return CriterionRow(
        id=result.id,
        parent_id=result.parent_id,
        type=result.type,
        text=result.text,
        outcome=result.outcome.value,
        mark=OUTCOME_MARK[result.outcome],
        reason=typeset(result.reason),
        evidence=evidence,
        missing=result.missing,
        interpretation=result.interpretation,
    )


def trial_view(match: TrialMatch, fields: dict[str, tuple[tuple[str, str], ...]]) -> TrialView:
    """Return one ranked trial for the result page."""
    rows = tuple(_row(r, fields) for r in match.criteria)
    leaves = {r.id for r in leaf_results(match.criteria)}
    counts = Counter(row.outcome for row in rows if row.id in leaves)
    deciding = tuple(row for row in rows if row.parent_id is None and row.outcome in ("fail", "unknown"))
    trial = match.trial
    return TrialView(
        rank=match.rank,
        id=trial.id,
        title=" ".join(trial.title.split()),
        phase=trial.phase,
        sponsor=trial.sponsor,
        url=trial.url,
        status=match.status.value,
        mark=STATUS_MARK[match.status],
        badge=badge_text(match),
        score=match.score,
        deciding=deciding,
        rows=rows,
        counts=tuple(
            (outcome, counts[outcome]) for outcome in ("pass", "fail", "unknown", "review") if counts[outcome]
        ),
    )


@dataclass(frozen=True)
class ScoreView:
    """A score with its value, points, inputs, missing inputs and flags."""

    name: str
    value: str
    detail: str
    inputs: tuple[tuple[str, str, str, str], ...]
    missing: tuple[str, ...]
    flags: tuple[str, ...]


def score_view(key: str, score: ScoreResult) -> ScoreView:
    """Return one score for the page; Child-Pugh shows its class beside the points."""
    detail = dict(score.detail)
    if score.value is None:
        value = "not computed"
    else:
        value = number(score.value) + (f" to {number(score.high)}" if score.high is not None else "")
        if "class" in detail:
            value += f" (class {detail.pop('class')})"
    inputs = tuple(
        (
            i.name,
            f"{i.value:g} {i.unit}".strip() if isinstance(i.value, float) else str(i.value),
            str(i.date or ""),
            i.reference or "",
        )
        for i in score.inputs
    )
    return ScoreView(
        name=SCORE_NAMES.get(key, key),
        value=value,
        detail=", ".join(f"{k} {v}" for k, v in detail.items()),
        inputs=inputs,
        missing=score.missing,
        flags=score.flags,
    )


@dataclass(frozen=True)
class OrderTrial:
    """A trial waiting on an item to order, with the criteria (id and words) the item would decide."""

    id: str
    title: str
    criteria: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OrderView:
    """One item to order next, with the undecided trials waiting on it."""

    label: str
    purposes: tuple[str, ...]
    trials: tuple[OrderTrial, ...]
    completes: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistTrial:
    """The review items of one trial that is not ruled out: id, the registry's words, why a person decides."""

    id: str
    title: str
    status: str
    items: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class ResultView:
    """Everything the result page shows for one patient on one as-of date."""

    patient_id: str
    age: str
    sex: str
    deceased: bool | None
    as_of: str
    catalog_version: str
    trials: tuple[TrialView, ...]
    scores: tuple[ScoreView, ...]
    order: tuple[OrderView, ...]
    checklist: tuple[ChecklistTrial, ...]
    left_out_review: int
    warnings: tuple[str, ...]


def result_view(report: MatchReport, catalog: Catalog) -> ResultView:
    """Return the result page's data for a match report."""
    facts = report.facts
    fields = resource_fields(facts, catalog)
    ages = facts.age_range(report.as_of)
    age = "unknown" if ages is None else (str(ages[0]) if ages[0] == ages[1] else f"{ages[0]} to {ages[1]}")
    words = {(m.trial.id, r.id): r.text for m in report.results for r in m.criteria}
    titles = {m.trial.id: " ".join(m.trial.title.split()) for m in report.results}
    order = tuple(
        OrderView(
            label=item.label,
            purposes=item.purposes,
            trials=tuple(
                OrderTrial(
                    trial,
                    titles[trial],
                    tuple(
                        (c.criterion_id, words[(trial, c.criterion_id)]) for c in item.criteria if c.trial_id == trial
                    ),
                )
                for trial in item.trials
            ),
            completes=item.completes,
        )
        for item in order_next(report)
    )
    checklist = []
    left_out = 0
    for match in report.results:
        items = tuple(
            (r.id, r.text, r.reason.removeprefix("needs a person: "))
            for r in leaf_results(match.criteria)
            if r.outcome is Outcome.REVIEW
        )
        if match.status is Status.INELIGIBLE:
            left_out += len(items)
        elif items:
            checklist.append(ChecklistTrial(match.trial.id, titles[match.trial.id], match.status.value, items))
    return ResultView(
        patient_id=facts.patient_id,
        age=age,
        sex=facts.sex or "unknown",
        deceased=facts.deceased,
        as_of=str(report.as_of),
        catalog_version=report.catalog_version,
        trials=tuple(trial_view(m, fields) for m in report.results),
        scores=tuple(score_view(k, facts.scores[k]) for k in SCORE_ORDER if k in facts.scores),
        order=order,
        checklist=tuple(checklist),
        left_out_review=left_out,
        warnings=tuple(facts.warnings),
    )


# -- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogicLine:
    """A logic node in words, with its children (for all / any / not); a value set's title links to its codes."""

    text: str
    children: tuple[LogicLine, ...] = ()
    valueset: str | None = None
    title: str = ""
    after: str = ""


def _when(test: RecordTest) -> str:
    if test.when == "current":
        return "current"
    period = test.period
    if test.when == "within" and period is not None:
        return f"within {period.words()}"
    return "ever recorded"


def _record_line(kind: str, test: RecordTest, catalog: Catalog) -> LogicLine:
    extras = []
    if test.min_count > 1:
        extras.append(f"at least {test.min_count}")
    if test.severity:
        extras.append(f"graded {' or '.join(test.severity)}")
    if test.stage is not None:
        extras.append(f"staged {catalog.valuesets[test.stage.counts].title}")
    if test.ungraded == "unknown":
        extras.append("one with no grade is left to a person (unknown)")
    if test.count_uncertain:
        extras.append("suspected (unconfirmed) cases count")
    if test.counts_as == "unknown":
        extras.append("a match leaves it for a person to confirm (unknown)")
    more = f"; {'; '.join(extras)}" if extras else ""
    title = catalog.valuesets[test.valueset].title
    implied: tuple[LogicLine, ...] = ()
    if test.implied_by is not None:
        implied = (
            LogicLine(
                "implied, when no record codes it, by (then unknown, never absent)",
                (logic_line(test.implied_by, catalog),),
            ),
        )
    return LogicLine(
        f"a {kind} record in ", implied, valueset=test.valueset, title=title, after=f", {_when(test)}{more}"
    )


def logic_line(node: Node, catalog: Catalog) -> LogicLine:
    """Return a logic node in words, e.g. 'total bilirubin ≥ 170 µmol/L, latest result within 30 days'."""
    analytes = catalog.analytes.analytes
    if isinstance(node, All):
        return LogicLine("all of", tuple(logic_line(child, catalog) for child in node.all))
    if isinstance(node, AnyOf):
        return LogicLine("any of", tuple(logic_line(child, catalog) for child in node.any))
    if isinstance(node, Agree):
        children = tuple(logic_line(child, catalog) for child in node.agree)
        return LogicLine("all of these readings agree (else unknown)", children)
    if isinstance(node, Not):
        return LogicLine("not", (logic_line(node.not_, catalog),))
    if isinstance(node, Lab):
        lab = node.lab
        days = lab.within_days or analytes[lab.analyte].lookback_days
        text = f"{analytes[lab.analyte].display} {describe_test(lab, lab.unit)}, latest result within {days} days"
        return LogicLine(typeset(text))
    if isinstance(node, LabUln):
        uln = node.lab_uln
        analyte = analytes[uln.analyte]
        days = uln.within_days or analyte.lookback_days
        fallback = analyte.uln
        otherwise = (
            f", else {fallback.male:g} {fallback.unit} for men and {fallback.female:g} {fallback.unit} for women"
            if fallback is not None
            else ""
        )
        text = (
            f"{analyte.display} {OP_WORDS[uln.op]} {uln.factor:g} × upper limit of normal (from the report's "
            f"reference range for the patient{otherwise}), latest result within {days} days"
        )
        return LogicLine(typeset(text))
    if isinstance(node, LabPositive):
        test = node.lab_positive
        names = " or ".join(analytes[a].display for a in (test.analyte, *test.or_analytes))
        days = test.within_days or analytes[test.analyte].lookback_days
        return LogicLine(f"{names} positive or detected, newest result within {days} days")
    if isinstance(node, Score):
        unit = "kg/m2" if node.score.score == "bmi" else ""
        return LogicLine(typeset(f"{SCORE_NAMES[node.score.score]} {describe_test(node.score, unit)}"))
    if isinstance(node, Age):
        bounds = node.age
        if bounds.min is None and bounds.max is None:
            return LogicLine("any age")
        wanted = describe_test(NumericTest(min=bounds.min, max=bounds.max), "years")
        return LogicLine(typeset(f"age {wanted} on the as-of date"))
    if isinstance(node, Sex):
        return LogicLine(f"administrative sex is {' or '.join(node.sex.is_)}")
    if isinstance(node, ConditionNode):
        return _record_line("condition", node.condition, catalog)
    if isinstance(node, MedicationNode):
        return _record_line("medication", node.medication, catalog)
    if isinstance(node, ProcedureNode):
        return _record_line("procedure", node.procedure, catalog)
    if isinstance(node, MedicationDuration):
        course = node.medication_duration
        title = catalog.valuesets[course.valueset].title
        period = course.period
        wanted = typeset(f" {OP_WORDS[course.op]} {period.words() if period else ''}")
        return LogicLine("current course of ", valueset=course.valueset, title=title, after=wanted)
    if isinstance(node, Allergy):
        allergy = node.allergy
        kinds = " or ".join(allergy.categories) or "any"
        severe = "severe or high-criticality " if allergy.severe else ""
        return LogicLine(
            f"at least {allergy.min_count} {severe}{kinds} allerg{'y' if allergy.min_count == 1 else 'ies'}"
        )
    if isinstance(node, PositiveResults):
        results = node.positive_results
        gap = results.apart.period if results.apart is not None else None
        apart = f", the first and the last at least {gap.words()} apart" if gap is not None else ""
        return LogicLine(f"at least {results.min_count} positive {analytes[results.analyte].display} results{apart}")
    if isinstance(node, SexSpecific):
        specific = node.sex_specific
        return LogicLine(
            f"for a {' or '.join(specific.sex)} record (on another sex's record, such evidence is unknown)",
            (logic_line(specific.logic, catalog),),
        )
    return _newer_line(node, catalog)


COUNT_WORDS = {">=": "at least", "<=": "at most", "==": "exactly"}
ORDER_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}


def _newer_line(node: Node, catalog: Catalog) -> LogicLine:
    """Return the later shapes in words (onset, series, newest of, family, control, event counts)."""
    analytes = catalog.analytes.analytes
    if isinstance(node, ConditionOnset):
        onset = node.condition_onset
        period = onset.period.words() if onset.period else ""
        title = catalog.valuesets[onset.valueset].title
        after = f", first recorded onset {ORDER_WORDS[onset.op]} {period} before the as-of date"
        return LogicLine("a condition in ", valueset=onset.valueset, title=title, after=after)
    if isinstance(node, LabSeries):
        series = node.lab_series
        period = series.period.words() if series.period else ""
        wanted = describe_test(series, series.unit)
        display = analytes[series.analyte].display
        return LogicLine(typeset(f"every {display} result {wanted}, covering the {period} before the as-of date"))
    if isinstance(node, NewestOf):
        return LogicLine(
            "the newest of these results decides", tuple(logic_line(Lab(lab=t), catalog) for t in node.newest_of)
        )
    if isinstance(node, FamilyHistory):
        family = node.family_history
        title = catalog.valuesets[family.valueset].title
        after = f" in a relative up to degree {family.max_degree} of kinship"
        return LogicLine("family history of ", valueset=family.valueset, title=title, after=after)
    if isinstance(node, LabControl):
        test = node.lab_control
        days = test.within_days or analytes[test.analyte].lookback_days
        how = f"{test.offset:g} {test.unit} over" if test.offset is not None else f"{test.ratio:g} × "
        text = (
            f"{analytes[test.analyte].display} {OP_WORDS[test.op]} {how} the same day's "
            f"{analytes[test.control].display}, latest result within {days} days (no control on record: unknown)"
        )
        return LogicLine(typeset(text))
    if isinstance(node, EventCount):
        count = node.event_count
        kinds = []
        if count.admissions is not None:
            kinds.append(f"inpatient admissions for {catalog.valuesets[count.admissions].title}")
        if count.medications is not None:
            kinds.append(f"courses of {catalog.valuesets[count.medications].title}")
        if count.procedures is not None:
            kinds.append(f"{catalog.valuesets[count.procedures].title} procedures")
        period = count.period.words() if count.period else ""
        text = f"{COUNT_WORDS[count.op]} {count.count} of: {', '.join(kinds)}, in the {period} before the as-of date"
        return LogicLine(text)
    raise TypeError(f"unsupported node {type(node).__name__}")  # the schema forbids this


@dataclass(frozen=True)
class DefinitionRow:
    """One criterion (or part) of the catalogue: words, logic in words, review note, interpretation."""

    id: str
    parent_id: str | None
    type: str
    text: str
    logic: LogicLine | None
    review: str | None
    interpretation: str | None


def definitions(trial: Trial, catalog: Catalog) -> Iterator[DefinitionRow]:
    """Yield every criterion line and part of a trial in catalogue order."""
    for criterion in trial.criteria:
        items: list[tuple[Criterion | Part, str | None]] = [(criterion, None)]
        items += [(part, criterion.id) for part in criterion.parts]
        for item, parent in items:
            yield DefinitionRow(
                id=item.id,
                parent_id=parent,
                type=criterion.type,
                text=item.text,
                logic=logic_line(item.logic, catalog) if item.logic is not None else None,
                review=(
                    f"{item.review} Asked only when something related is on record; otherwise it passes."
                    if item.review is not None and item.on_record is not None
                    else item.review
                ),
                interpretation=item.interpretation,
            )


def load_valuesets(criteria_dir: Path) -> dict[str, ValueSet]:
    """Return the value sets with their entries' displays and sources (the catalogue keeps compiled matchers).

    Read once at start-up from the files ``load_catalog`` has already validated.
    """
    found = {}
    for path in sorted((criteria_dir / "valuesets").glob("*.yaml")):
        valueset = ValueSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        found[valueset.id] = valueset
    return found


@dataclass(frozen=True)
class TrialPage:
    """The catalogue page of one trial."""

    trial: Trial
    rows: tuple[DefinitionRow, ...]
    valuesets: tuple[ValueSet, ...]
    analytes: tuple[tuple[str, object], ...]


def trial_page(trial: Trial, catalog: Catalog, valuesets: dict[str, ValueSet]) -> TrialPage:
    """Return a trial's criteria in words with the value sets and lab codes they read."""
    reads = catalog_reads([trial])
    analytes = catalog.analytes.analytes
    return TrialPage(
        trial=trial,
        rows=tuple(definitions(trial, catalog)),
        valuesets=tuple(valuesets[v] for v in sorted(reads.conditions | reads.procedures | reads.medications)),
        analytes=tuple((name, analytes[name]) for name in sorted(reads.analytes)),
    )
