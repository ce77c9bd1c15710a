"""Counts of events in a window (``event_count``): admissions, drug courses and procedures added up.

The count is an interval [certain, possible]. An event is certain when the record says all of
it: for an admission, an inpatient class (service.facts.encounters), a reason in the value set,
a status that says it took place and a period inside the window; for a drug course, confirmed
records whose course starts inside the window; for a procedure, a performed date inside the
window. A record that may be such an event (no class, no reason, no period, a date that
straddles the window's first day, a course that began before the window and runs into it, a
status 'unknown', a dispense only) is possible. Records of the same admission or procedure day
told twice count once among the certain. Resource types the caller did not provide make the
possible end unbounded. The comparison is decided only when both ends give the same answer, as
for score intervals, so neither an inclusion ("at least one admission") nor an exclusion can be
decided by a record the count is unsure of.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.criteria import EventCountTest
from service.evaluate.result import NodeResult
from service.facts import COURSE_GAP_DAYS, RECORD_TYPES, ClinicalRecord, Evidence, Span, not_provided_text
from service.facts.model import EncounterRecord
from service.logic import Truth
from service.terminology import CodeMatcher

if TYPE_CHECKING:
    from service.evaluate.evaluator import Evaluator

MAX_LISTED = 5
"""Events named in a reason; the rest are counted."""
UNSURE_STATUSES = frozenset({"unknown", "intended"})
"""Statuses that do not say whether the event took place (encounter, procedure or medication)."""


@dataclass(frozen=True)
class Tally:
    """Events of one kind: those certain, those possible only (with why), the evidence."""

    certain: list[str]
    possible: list[tuple[str, str]]  # (event, why it may not count)
    evidence: list[Evidence]
    unbounded: tuple[str, ...] = ()  # resource types not provided


def count_truth(certain: float, possible: float, op: str, count: int) -> Truth:
    """Compare a count known to lie in [certain, possible] with ``count``: decided only when both ends agree."""
    if op == ">=":
        return Truth.TRUE if certain >= count else Truth.FALSE if possible < count else Truth.UNKNOWN
    if op == "<=":
        return Truth.TRUE if possible <= count else Truth.FALSE if certain > count else Truth.UNKNOWN
    if certain == possible == count:
        return Truth.TRUE
    return Truth.FALSE if count < certain or count > possible else Truth.UNKNOWN


def _inside(start: Span | None, last: dt.date | None, first_day: dt.date, as_of: dt.date) -> bool | None:
    """Return whether an event from ``start`` to ``last`` (its latest possible last day) falls in the window.

    True when it certainly overlaps [first_day, as_of], False when it certainly does not, None otherwise.
    """
    if start is None:
        return None if last is None or last >= first_day else False
    end = last if last is not None else start.end
    if start.start > as_of or end < first_day:
        return False
    if start.end <= as_of and start.start >= first_day:
        return True
    return None


def _days(start: Span | None, end: Span | None) -> str:
    if start is None:
        return "with no period" if end is None else f"ending {end.start}"
    first = f"{start.start}" if start.start == start.end else f"between {start.start} and {start.end}"
    return f"from {first}" + (f" to {end.end}" if end is not None else "")


def _admissions(evaluator: Evaluator, valueset: str, first_day: dt.date) -> Tally:
    """Inpatient Encounters with a reason in the value set within the window."""
    matcher = evaluator.catalog.valuesets[valueset]
    tally = Tally([], [], [], evaluator.facts.unprovided(RECORD_TYPES["encounter"]))
    seen: set[tuple[object, object]] = set()
    for encounter in evaluator.facts.encounters:
        doubts = _encounter_doubts(encounter, matcher, first_day, evaluator.as_of)
        if doubts is None:
            continue
        label = f"inpatient stay {encounter.reference} {_days(encounter.start, encounter.end)} ({encounter.display})"
        tally.evidence.append(Evidence(encounter.reference, encounter.display))
        if doubts:
            tally.possible.append((label, "; ".join(doubts)))
        elif (encounter.start, encounter.end) in seen:
            tally.possible.append((label, "the same days as another stay counted (it may be the same stay)"))
        else:
            seen.add((encounter.start, encounter.end))
            tally.certain.append(label)
    return tally


def _encounter_doubts(
    encounter: EncounterRecord, matcher: CodeMatcher, first_day: dt.date, as_of: dt.date
) -> list[str] | None:
    """Return why an Encounter may not be a counted admission ([] when it certainly is; None when it is not)."""
    doubts = []
    if encounter.inpatient is False:
        return None
    if encounter.inpatient is None:
        doubts.append("its class does not say it was an inpatient stay")
    if encounter.reasons:
        if not any(matcher.first_match(codings, texts) is not None for codings, texts in encounter.reasons):
            # A reason whose words only suggest the concept (the safety net's suspect words) may be it.
            if not any(matcher.suspect(codings, texts) is not None for codings, texts in encounter.reasons):
                return None
            doubts.append(f"its reason only suggests {matcher.title}")
    else:
        doubts.append("it gives no reason")
    ongoing = encounter.status in ("in-progress", "onleave") or (encounter.end is None and encounter.status is None)
    last = encounter.end.end if encounter.end is not None else (as_of if ongoing else None)
    inside = _inside(encounter.start, last, first_day, as_of)
    if inside is False:
        return None
    if inside is None:
        doubts.append("its period does not place it inside the window")
    if encounter.status in UNSURE_STATUSES:
        doubts.append(f"status {encounter.status}")
    return doubts


def _records(evaluator: Evaluator, source: str, valueset: str, first_day: dt.date) -> Tally:
    """Procedures of the value set performed within the window, each day once."""
    tally = Tally([], [], [], evaluator.facts.unprovided(RECORD_TYPES[source]))
    seen: set[tuple[object, str]] = set()
    for record, label in evaluator.matches(source, valueset):
        inside = _inside(record.start, record.end.end if record.end else None, first_day, evaluator.as_of)
        if inside is False:
            continue
        what = f"{label} {record.reference} {_days(record.start, None)}"
        tally.evidence.append(record.evidence())
        doubt = _record_doubt(record, inside)
        if doubt:
            tally.possible.append((what, doubt))
        elif (record.start, label) in seen:
            tally.possible.append((what, "the same day as another one counted (it may be the same)"))
        else:
            seen.add((record.start, label))
            tally.certain.append(what)
    return tally


def _record_doubt(record: ClinicalRecord, inside: bool | None) -> str:
    if record.confirm:
        return record.confirm
    if record.status in UNSURE_STATUSES:
        return f"status {record.status}"
    if inside is None:
        return "its date does not place it inside the window"
    return ""


def _courses(evaluator: Evaluator, valueset: str, first_day: dt.date) -> Tally:
    """Courses of drugs of the value set that start within the window (records joined by COURSE_GAP_DAYS)."""
    as_of = evaluator.as_of
    tally = Tally([], [], [], evaluator.facts.unprovided(RECORD_TYPES["medication"]))
    firm: list[ClinicalRecord] = []
    for record, label in evaluator.matches("medication", valueset):
        if record.start is None or record.start.start > as_of:
            if record.start is None:
                tally.possible.append((f"{label} {record.reference} with no date", "its date is not recorded"))
                tally.evidence.append(record.evidence())
            continue
        doubt = record.confirm or (f"status {record.status}" if record.status in UNSURE_STATUSES else "")
        if doubt:
            if _inside(record.start, record.end.end if record.end else None, first_day, as_of) is not False:
                tally.possible.append((f"{label} {record.reference} {_days(record.start, None)}", doubt))
                tally.evidence.append(record.evidence())
            continue
        firm.append(record)
    for course in _chain(firm, as_of):
        first = course[0]
        assert first.start is not None
        last = max((r.end.end if r.end else (as_of if not r.ended else r.start.end)) for r in course if r.start)
        inside = _inside(first.start, last, first_day, as_of)
        if inside is False:
            continue
        what = f"course from {first.start.start} ({', '.join(r.reference for r in course[:3])})"
        tally.evidence.extend(r.evidence() for r in course)
        if inside:
            tally.certain.append(what)
        else:
            tally.possible.append((what, "it began before the window or its start straddles the window's first day"))
    return tally


def _chain(records: list[ClinicalRecord], as_of: dt.date) -> list[list[ClinicalRecord]]:
    """Split records into courses: one starting over COURSE_GAP_DAYS after the last covered day starts another."""
    courses: list[list[ClinicalRecord]] = []
    covered = dt.date.min
    for record in sorted(records, key=lambda r: (r.start.start if r.start else dt.date.min, r.reference)):
        assert record.start is not None
        last = record.end.start if record.end is not None else record.start.end
        if not courses or record.start.end > covered + dt.timedelta(days=COURSE_GAP_DAYS):
            courses.append([])
            covered = dt.date.min
        courses[-1].append(record)
        covered = max(covered, min(last, as_of))
    return courses


def event_count(test: EventCountTest, evaluator: Evaluator) -> NodeResult:
    """Count the events of the listed kinds in the period before the as-of date and compare (README, event counts)."""
    period = test.period
    assert period is not None  # the schema requires one
    first_day = period.before(evaluator.as_of)
    titles = evaluator.catalog.valuesets
    tallies: list[tuple[str, Tally]] = []
    if test.admissions is not None:
        tallies.append(
            (f"admissions for {titles[test.admissions].title}", _admissions(evaluator, test.admissions, first_day))
        )
    if test.medications is not None:
        tallies.append(
            (f"courses of {titles[test.medications].title}", _courses(evaluator, test.medications, first_day))
        )
    if test.procedures is not None:
        tallies.append(
            (
                f"{titles[test.procedures].title} procedures",
                _records(evaluator, "procedure", test.procedures, first_day),
            )
        )
    certain = sum(len(t.certain) for _, t in tallies)
    unbounded = sorted({kind for _, t in tallies for kind in t.unbounded})
    possible = math.inf if unbounded else certain + sum(len(t.possible) for _, t in tallies)
    truth = count_truth(certain, possible, test.op, test.count)
    what = " and ".join(name for name, _ in tallies)
    window = f"in the {period.words()} before {evaluator.as_of} (since {first_day})"
    wanted = f"{ {'>=': 'at least', '<=': 'at most', '==': 'exactly'}[test.op] } {test.count}"
    counted = [event for _, t in tallies for event in t.certain]
    unsure = [(event, why) for _, t in tallies for event, why in t.possible]
    shown = "; ".join(counted[:MAX_LISTED]) + (
        f"; and {len(counted) - MAX_LISTED} more" if len(counted) > MAX_LISTED else ""
    )
    reason = f"{what} {window}: {certain} counted" + (f" ({shown})" if counted else "")
    if unsure:
        doubts = "; ".join(f"{event}: {why}" for event, why in unsure[:MAX_LISTED])
        reason += f", and {len(unsure)} that may count ({doubts})"
    if unbounded:
        reason += f", and {not_provided_text(tuple(unbounded))}"
    verdict = {Truth.TRUE: f"so {wanted}", Truth.FALSE: f"so not {wanted}"}.get(truth, f"cannot tell whether {wanted}")
    missing: list[str] = []
    if truth is Truth.UNKNOWN:
        missing = [f"whether {event} counts ({why})" for event, why in unsure[:MAX_LISTED]]
        if unbounded:
            missing.append(f"{what}: {not_provided_text(tuple(unbounded))}")
    evidence = [e for _, t in tallies for e in t.evidence][:10]
    return NodeResult(truth, [f"{reason}: {verdict}"], evidence, missing)
