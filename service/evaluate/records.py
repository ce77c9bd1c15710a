"""Record nodes: diagnoses, medications, procedures (membership, timing, grade), courses, onsets, family
history and allergies.

Absence is read closed-world (see service.evaluate) unless the caller did not provide the records."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from service.criteria import (
    Allergy,
    DurationTest,
    FamilyHistoryTest,
    OnsetTest,
    RecordTest,
)
from service.dates import shift
from service.evaluate.numeric import OP_WORDS, compare_interval
from service.evaluate.result import MAX_EVIDENCE, NodeResult, dates_text, span_text
from service.facts import (
    COURSE_GAP_DAYS,
    RECORD_TYPES,
    AllergyRecord,
    ClinicalRecord,
    Course,
    Evidence,
    current_course,
    is_current,
    not_provided_text,
    severity_of,
    stage_of,
    stated_within,
)
from service.facts.model import UNCERTAIN_CONDITION
from service.logic import Truth
from service.terminology import CodeMatcher, describe_codings

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator


def family(ev: Evaluator, test: FamilyHistoryTest) -> NodeResult:
    """A relative within the degree of kinship with a condition of the value set."""
    matcher = ev.catalog.valuesets[test.valueset]
    wanted = f"{matcher.title} in a relative up to degree {test.max_degree}"
    found = [
        (relative, label)
        for relative in ev.facts.family
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
    if not ev.facts.family_read:
        needs = [f"the family history ({matcher.title} in relatives)"]
        return NodeResult(Truth.UNKNOWN, ["no family history on record"], [], needs)
    return NodeResult(Truth.FALSE, [f"family history on record: no {wanted}"])


def onset(ev: Evaluator, test: OnsetTest) -> NodeResult:
    """Time since the first recorded onset of a condition of a value set, against a period."""
    period = test.period
    assert period is not None  # the schema requires one
    threshold = period.before(ev.as_of)
    title = ev.catalog.valuesets[test.valueset].title
    words = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}[test.op]
    wanted = f"{title} for {words} {period.words()}"
    found = [(r, label) for r, label in ev.matches("condition", test.valueset) if not _after(r, ev.as_of)]
    if not found:
        return NodeResult(Truth.FALSE, [f"no record of {title}, so not {wanted}"])
    certain = [(r, label) for r, label in found if r.verification not in UNCERTAIN_CONDITION]

    def first_onset(records: list[tuple[ClinicalRecord, str]]) -> tuple[dt.date, dt.date, ClinicalRecord] | None:
        spans = [(*_onset_span(r, ev.as_of), r) for r, _ in records]
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
    began = f"{low}" if low == high else f"on or before {high}" if low == dt.date.min else f"between {low} and {high}"
    stated = f"{title} first recorded with onset {began} ({record.display})"
    if truth is Truth.TRUE:
        reason = f"{stated}: {words} {period.words()} before {ev.as_of}"
    elif truth is Truth.FALSE:
        reason = f"{stated}: not {words} {period.words()} before {ev.as_of}"
    else:
        reason = f"{stated}: cannot tell whether {words} {period.words()} before {ev.as_of}"
    missing = [f"the onset date of {title}"] if truth is Truth.UNKNOWN else []
    evidence = [Evidence(r.reference, r.display) for r, _ in found][:MAX_EVIDENCE]
    return NodeResult(truth, [reason], evidence, missing)


def records(ev: Evaluator, test: RecordTest, kind: str, noun: str) -> NodeResult:
    source = kind if test.records == "counted" else test.records
    noun = {"planned": "planned procedure", "not_taken": "statement of a drug not taken"}.get(source, noun)
    matcher = ev.catalog.valuesets[test.valueset]
    title = matcher.title
    period = test.period
    since = period.before(ev.as_of) if period is not None else None
    window = test.when if test.when != "within" else f"within {_period_words(test)} (since {since})"
    graded = f" graded {' or '.join(test.severity)}" if test.severity else ""
    if test.stage is not None:
        graded += f" ({ev.catalog.valuesets[test.stage.counts].title})"
    hits: list[tuple[ClinicalRecord, str]] = []
    maybe: list[tuple[ClinicalRecord, str, str]] = []
    outside: list[tuple[ClinicalRecord, str]] = []
    other_grade: list[tuple[ClinicalRecord, str]] = []
    # A current statement that the drug is not taken contradicts a current order of it.
    contradicted = stated_not_taken(ev, test.valueset) if source == "medication" and test.when == "current" else ""
    for record, label in ev.matches(source, test.valueset):
        timing = ev.timing(record, test, since)
        grade = _grade(ev, record, test)
        if timing is False:
            outside.append((record, label))
        elif grade is False:
            other_grade.append((record, f"{label} {_grade_words(ev, record, test)}"))
        elif grade is None:
            maybe.append((record, label, f"{_grade_words(ev, record, test)}; a person grades it"))
        elif record.confirm:
            maybe.append((record, label, record.confirm))
        elif record.uncertain and not test.count_uncertain:
            maybe.append((record, label, f"{record.verification} diagnosis"))
        elif timing is None:
            maybe.append((record, label, _why_unknown(record, test.when)))
        elif test.counts_as == "unknown":
            maybe.append((record, label, "counts only after confirmation for this criterion"))
        elif contradicted:
            maybe.append((record, label, contradicted))
        else:
            hits.append((record, f"{label}, {record.verification}" if record.uncertain else label))
    if len(hits) >= test.min_count:
        reasons = [f"{title}{graded}: {label}{dates_text(record)}" for record, label in hits[:3]]
        if len(hits) > 3:
            reasons.append(f"and {len(hits) - 3} more {noun}s of {title}")
        evidence = [ev.evidence(r) for r, _ in hits[:MAX_EVIDENCE]]
        return NodeResult(Truth.TRUE, reasons, evidence)
    suspects = [
        (record, words, reading)
        for record, words, reading in ev.suspects(source, test.valueset)
        if not (reading == "history" and test.when == "current")
        and ev.timing(record, test, since) is not False
        and _grade(ev, record, test) is not False
    ]
    if len(hits) + len(maybe) + len(suspects) >= test.min_count:
        reasons = [f"{title}{graded}: {label}{dates_text(record)} ({why})" for record, label, why in maybe[:3]]
        reasons += [_suspect_reason(record, words, reading, title) for record, words, reading in suspects[:3]]
        evidence = ([ev.evidence(r) for r, _, _ in maybe] + [ev.evidence(r) for r, _, _ in suspects])[:MAX_EVIDENCE]
        missing = [f"confirmation of {title}{graded} ({window})"]
        return NodeResult(Truth.UNKNOWN, reasons, evidence, missing)
    if test.implied_by is not None:
        implied = ev.node(test.implied_by)
        if implied.truth is Truth.UNKNOWN and not implied.evidence and implied.missing:
            # Unknown for want of data (records not provided), not for evidence: say what is missing.
            why = "; ".join(implied.reasons)
            return NodeResult(
                Truth.UNKNOWN, [f"no record codes {title}; what would imply it: {why}"], [], implied.missing
            )
        if implied.truth is not Truth.FALSE:
            why = "; ".join(implied.reasons)
            reasons = [f"no record codes {title}, but the record implies it ({why}); confirm"]
            return NodeResult(Truth.UNKNOWN, reasons, implied.evidence, [f"a coded diagnosis of {title}"])
    treated = _implying_treatment(ev, source, matcher, test, since)
    if treated is not None:
        return treated
    if source == "medication":
        unnamed = [r for r in ev.facts.medications if r.unidentified and ev.timing(r, test, since) is not False]
        if unnamed:
            return _unidentified_result(unnamed, title)
    count = f"{test.min_count} or more {noun}s" if test.min_count > 1 else f"{noun}"
    reason = f"no {count} of {title}{graded} ({window})"
    if outside:
        last = outside[0][0]
        reason += f"; found {len(outside)} outside the window, e.g. {outside[0][1]}{dates_text(last)}"
    if other_grade:
        reason += f"; found {other_grade[0][1]}{dates_text(other_grade[0][0])}"
    evidence = [ev.evidence(r) for r, _ in (outside + other_grade)[:3]]
    return ev.absent(Truth.FALSE, reason, evidence, RECORD_TYPES[kind], f"{title}{graded} ({window})")


def stated_not_taken(ev: Evaluator, valueset: str) -> str:
    """Return why a current order or course of a set is in doubt: a statement, open or dated within
    COURSE_GAP_DAYS, that the patient does not take a drug of the set (else ''). The record
    contradicts the order; the reading that cannot make a false "eligible" is unknown."""
    since = shift(ev.as_of, days=-COURSE_GAP_DAYS)
    found = [r for r, _ in ev.matches("not_taken", valueset) if stated_within(r, since)]
    if not found:
        return ""
    record = found[0]
    return f"{record.display}{dates_text(record)} stated not taken ({record.reference}); confirm"


def _grade(ev: Evaluator, record: ClinicalRecord, test: RecordTest) -> bool | None:
    """Return whether a record's grade passes the test's severity and stage filters (None: ungraded, ask)."""
    verdicts: list[bool | None] = []
    if test.severity:
        severity = severity_of(record)
        verdicts.append(None if severity is None else severity in test.severity)
    if test.stage is not None:
        stage = test.stage
        valuesets = ev.catalog.valuesets
        verdicts.append(stage_of(record, valuesets[stage.counts], valuesets[stage.other]))
    if False in verdicts:
        return False
    if None in verdicts:
        return None if test.ungraded == "unknown" else False
    return True


def _grade_words(ev: Evaluator, record: ClinicalRecord, test: RecordTest) -> str:
    words = []
    if test.severity:
        words.append(f"graded {severity_of(record) or 'not at all'}")
    if test.stage is not None:
        stage = test.stage
        valuesets = ev.catalog.valuesets
        staged = stage_of(record, valuesets[stage.counts], valuesets[stage.other])
        shown = {True: valuesets[stage.counts].title, False: valuesets[stage.other].title, None: "not recorded"}
        words.append(f"stage {shown[staged]}")
    return ", ".join(words)


def _implying_treatment(
    ev: Evaluator, source: str, matcher: CodeMatcher, test: RecordTest, since: dt.date | None
) -> NodeResult | None:
    """Unknown when no record codes the condition but a drug given for it, or a condition that implies
    it, is on record in the window (value sets' implied_by_treatment and implied_by_conditions)."""
    if source != "condition":
        return None
    implying = [("medication", v) for v in (matcher.implied_by_treatment,) if v is not None]
    implying += [("condition", v) for v in matcher.implied_by_conditions]
    given = [
        (record, label, ev.catalog.valuesets[valueset].title)
        for kind, valueset in implying
        for record, label in ev.matches(kind, valueset)
        if ev.timing(record, test, since) is not False or (kind == "condition" and test.when == "current")
    ]
    results = [
        value
        for analyte in matcher.implied_by_positive
        for value in ev.facts.labs.get(analyte, ())
        if value.positive and value.effective <= ev.as_of
    ]
    if not given and not results:
        return None
    shown = "; ".join(
        [f"{title}: {label}{dates_text(r)} ({r.reference})" for r, label, title in given[:3]]
        + [
            f"{ev.catalog.analytes.analytes[v.analyte].display} {v.original} on {v.effective} ({v.reference})"
            for v in results[:2]
        ]
    )
    reason = f"no record codes {matcher.title}, but the record implies it: {shown}; confirm"
    evidence = [ev.evidence(record) for record, _, _ in given] + [ev.evidence(value) for value in results]
    evidence = evidence[:MAX_EVIDENCE]
    missing = [f"whether {matcher.title} is present"]
    return NodeResult(Truth.UNKNOWN, [reason], evidence, missing)


def duration(ev: Evaluator, test: DurationTest) -> NodeResult:
    matcher = ev.catalog.valuesets[test.valueset]
    period = test.period
    assert period is not None  # the schema requires one
    threshold = (ev.as_of - period.before(ev.as_of)).days
    wanted = f"{OP_WORDS[test.op]} {period.words()}"
    found = ev.matches("medication", test.valueset)
    labels = {id(record): label for record, label in found}
    course = current_course((record for record, _ in found), ev.as_of)
    undated = [r for r, _ in found if r.start is None and is_current(r, ev.as_of) is not False]
    none_truth = compare_interval(0, False, 0, False, test.op, threshold)
    unnamed = [r for r in ev.facts.medications if r.unidentified and is_current(r, ev.as_of) is not False]
    if course is None:
        if unnamed and none_truth is not Truth.TRUE:
            return _unidentified_result(unnamed, matcher.title)
        if undated:
            record = undated[0]
            return NodeResult(
                Truth.UNKNOWN,
                [f"{matcher.title}: {labels[id(record)]} with no start date"],
                [ev.evidence(record)],
                [f"start date of {matcher.title}"],
            )
        reason = f"no current {matcher.title} (0 days), so a course {wanted} is {none_truth.name.lower()}"
        return ev.absent(none_truth, reason, [], RECORD_TYPES["medication"], f"course of {matcher.title}")
    longest = (ev.as_of - course.start.start).days
    shortest = (ev.as_of - course.start.end).days
    truth = compare_interval(shortest, False, longest, False, test.op, threshold)
    doubts = []
    if course.current is None and truth is not none_truth:
        truth = Truth.UNKNOWN
        doubts.append(f"whether {matcher.title} continues (last record {dates_text(course.records[-1]).strip()})")
    if undated and truth is not compare_interval(shortest, False, math.inf, True, test.op, threshold):
        truth = Truth.UNKNOWN
        doubts.append(f"start date of {labels[id(undated[0])]} ({undated[0].reference})")
    stated = stated_not_taken(ev, test.valueset)
    if stated and truth is not none_truth:
        truth = Truth.UNKNOWN
        doubts.append(f"whether {matcher.title} continues: {stated}")
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
        f"{matcher.title}: {labels[id(first)]} since {span_text(course.start)}{across}, {days} days "
        f"({verdict}; {period.words()} = {threshold} days before {ev.as_of})"
    )
    if doubts:
        reason += f"; unknown: {'; '.join(doubts)}"
    shown = _course_evidence(course, labels)
    missing = doubts or ([f"exact start date of {matcher.title}"] if truth is Truth.UNKNOWN else [])
    unprovided = ev.facts.unprovided(RECORD_TYPES["medication"])
    # Records not sent can only lengthen the course: a decided result other than "long enough" may flip.
    if unprovided and not (truth is Truth.TRUE and test.op in (">", ">=")) and truth is not Truth.UNKNOWN:
        truth = Truth.UNKNOWN
        reason += f", but {not_provided_text(unprovided)}"
        missing = [f"course of {matcher.title}: {not_provided_text(unprovided)}"]
    return NodeResult(truth, [reason], [ev.evidence(r) for r in shown], missing if truth is Truth.UNKNOWN else [])


def allergy(ev: Evaluator, node: Allergy) -> NodeResult:
    test = node.allergy
    substances = ev.catalog.valuesets[test.substances] if test.substances else None

    def in_kind(a: AllergyRecord) -> bool:
        if not test.categories or set(a.categories) & set(test.categories):
            return True
        return substances is not None and substances.first_match(a.codings, (a.display,)) is not None

    chosen = [
        a
        for a in ev.facts.allergies
        if in_kind(a) and (not test.severe or a.severity == "severe" or a.criticality == "high")
    ]
    kinds = " or ".join(test.categories) or "any"
    what = f"{'severe or high-criticality ' if test.severe else ''}{kinds} allerg"
    if len(chosen) >= test.min_count:
        shown = ", ".join(
            f"{a.display} (severity {a.severity or '-'}, criticality {a.criticality or '-'}, {a.status or 'status -'})"
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
        f"{len(ev.facts.allergies)} allergy records in all"
    )
    return ev.absent(Truth.FALSE, reason, [], RECORD_TYPES["allergy"], f"{what}ies")


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
    named = ", ".join(f"{r.reference}{dates_text(r)}" for r in records[:3])
    reason = f"no identified record of {title}, but the drug of {named} is not identified (no code, no name); confirm"
    evidence = [r.evidence() for r in records[:MAX_EVIDENCE]]
    return NodeResult(Truth.UNKNOWN, [reason], evidence, [f"the drug of {records[0].reference}"])


def _suspect_reason(record: ClinicalRecord, words: str, reading: str, title: str) -> str:
    """Return the safety net's reason: the record, its codes and the words that read as the concept."""
    codes = describe_codings(record.codings)
    coded = f" ({codes})" if codes else " (no code)"
    how = " as a history of" if reading == "history" else " as"
    return f"{record.reference} '{record.display}'{coded} reads{how} {title} ('{words}'){dates_text(record)}; confirm"


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
