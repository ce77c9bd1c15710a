"""What to order next: the data missing across all trials, ranked by the trial decisions it bears on.

A pure function of a match result, ``order_next(report) -> tuple[OrderItem, ...]``, so the HTTP
answer (``orderNext``), the command line, the CDS cards, the web view and a population report
all give the same list, and a population report can add items up by their ``key``.

Which trials count: only the undecided ones (possibly eligible). An ineligible trial has a
failed criterion, and learning a fact never flips a decided result (service/logic.py), so no
test ordered can change it; an eligible trial misses nothing.

How items are grouped. The engine writes each missing item as text per criterion
("total bilirubin within 30 days", "bilirubin within 30 days (for Child-Pugh score)", "HIV
antibody / antigen screen within 365 days"). The stable key is derived from that text without
changing its wording: lower case; a trailing "(for <score>)" is the item's purpose, not part
of it; a result "<analyte> within <N> days" is keyed by the analyte, and a leading "total " is
dropped because score inputs are named by analyte key ("bilirubin") where lab criteria use the
display ("total bilirubin"); alternatives joined by " or " ("hCG within 30 days or pregnancy
status within 30 days") stay one item keyed by all of them. The same analyte asked for within
30 days by one criterion and within 90 by another is one item with the shorter window, since
a result inside 30 days is also inside 90. Any item a caller's data gap leaves ("...: Condition
records were not provided") is one item per set of resource types, however many criteria
name it: it is data to send, not a test to order. Any other text ("full birth date",
"confirmation or dates of ...") is its own key.

Ranking: by the number of undecided trials the item is needed for, then by the number of
those it alone still stands between (``completes``: the item is everything the trial is
missing), then by the number of criteria, then by label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.logic import Outcome
from service.pipeline import MatchReport
from service.rank import Status, leaf_results

_PURPOSE = re.compile(r"^(?P<item>.+?) \(for (?P<purpose>[^()]+)\)$")
_WITHIN = re.compile(r"^(?P<what>.+?) within (?P<days>\d+) days$")
# The lab nodes ask for a result they can read: 'a readable HBV DNA result', 'a quantified HBV DNA
# result', 'a readable result: hCG within 30 days or pregnancy status within 30 days'.
_READABLE = re.compile(r"^a (?:readable|quantified) (?:result: (?P<rest>.+)|(?P<what>.+?) result)$")
# Items the caller's data gaps leave (service.facts.not_provided_text): one item per set of
# resource types, however many criteria wait on it; it is data to send, not a test to order.
_UNSENT = re.compile(r"(?P<types>[A-Z][A-Za-z]*(?:, [A-Z][A-Za-z]*)*) records were not provided(?: \(for [^()]+\))?$")


def unsent_types(text: str) -> str | None:
    """Return the resource types a missing-data text says were not provided ("Condition"), or None."""
    found = _UNSENT.search(text.strip())
    return found["types"] if found else None


@dataclass(frozen=True)
class OrderCriterion:
    """One undecided criterion an item would help decide: the trial and the criterion (or part) id."""

    trial_id: str
    criterion_id: str


@dataclass(frozen=True)
class OrderItem:
    """One piece of missing data, with the undecided trials and criteria that wait on it."""

    key: str
    label: str
    purposes: tuple[str, ...]
    trials: tuple[str, ...]
    completes: tuple[str, ...]
    criteria: tuple[OrderCriterion, ...]


@dataclass(frozen=True)
class _Need:
    """A missing item as parsed from its text: its key, and per alternative a display and window."""

    key: str
    parts: tuple[tuple[str, int | None], ...]
    purpose: str | None


def _parse(text: str) -> _Need:
    """Return the key, display parts and purpose of one missing-data text."""
    item, purpose = text.strip(), None
    types = unsent_types(item)
    if types:
        return _Need(f"records:{types}", ((f"{types} records (not sent: ask the EHR, not the lab)", None),), None)
    found = _PURPOSE.match(item)
    if found:
        item, purpose = found["item"], found["purpose"]
    readable = _READABLE.match(item)
    if readable and readable["what"]:
        return _Need("lab:" + _analyte_key(readable["what"]), ((readable["what"], None),), purpose)
    if readable:
        item = readable["rest"]
    alternatives = [_WITHIN.match(piece) for piece in item.split(" or ")]
    if all(alternatives):
        parts = tuple((m["what"], int(m["days"])) for m in alternatives if m)
        names = sorted({_analyte_key(what) for what, _ in parts})
        return _Need("lab:" + "|".join(names), parts, purpose)
    return _Need(" ".join(item.lower().split()), ((item, None),), purpose)


def _analyte_key(what: str) -> str:
    name = " ".join(what.lower().split())
    return name.removeprefix("total ")


@dataclass
class _Gathered:
    parts: dict[str, tuple[str, int | None]]
    purposes: list[str]
    trials: list[str]
    criteria: list[OrderCriterion]


def _label(gathered: _Gathered) -> str:
    pieces = []
    for what, days in gathered.parts.values():
        pieces.append(what if days is None else f"{what} within {days} days")
    return " or ".join(pieces)


def _merge(gathered: _Gathered, need: _Need) -> None:
    for what, days in need.parts:
        name = _analyte_key(what) if need.key.startswith("lab:") else what
        known = gathered.parts.get(name)
        if known is None:
            gathered.parts[name] = (what, days)
            continue
        # Prefer the fuller display ("total bilirubin" over "bilirubin") and the shorter window.
        shown = what if len(what) > len(known[0]) else known[0]
        windows = [d for d in (days, known[1]) if d is not None]
        gathered.parts[name] = (shown, min(windows) if windows else None)
    if need.purpose and need.purpose not in gathered.purposes:
        gathered.purposes.append(need.purpose)


def order_next(report: MatchReport) -> tuple[OrderItem, ...]:
    """Return the missing data across the undecided trials, ranked by the trial decisions it bears on."""
    gathered: dict[str, _Gathered] = {}
    keys_of_trial: dict[str, set[str]] = {}
    blocked: set[str] = set()  # trials with an unknown criterion that names nothing to order
    for match in report.results:
        if match.status is not Status.POSSIBLY_ELIGIBLE:
            continue
        trial_id = match.trial.id
        wanted = keys_of_trial.setdefault(trial_id, set())
        for leaf in leaf_results(match.criteria):
            if leaf.outcome is not Outcome.UNKNOWN:
                continue
            if not leaf.missing:
                blocked.add(trial_id)
            for text in leaf.missing:
                need = _parse(text)
                entry = gathered.setdefault(need.key, _Gathered({}, [], [], []))
                _merge(entry, need)
                wanted.add(need.key)
                if trial_id not in entry.trials:
                    entry.trials.append(trial_id)
                criterion = OrderCriterion(trial_id, leaf.id)
                if criterion not in entry.criteria:
                    entry.criteria.append(criterion)
    items = []
    for key, entry in gathered.items():
        completes = tuple(t for t in entry.trials if keys_of_trial[t] == {key} and t not in blocked)
        items.append(
            OrderItem(
                key=key,
                label=_label(entry),
                purposes=tuple(entry.purposes),
                trials=tuple(entry.trials),
                completes=completes,
                criteria=tuple(entry.criteria),
            )
        )
    items.sort(key=lambda i: (-len(i.trials), -len(i.completes), -len(i.criteria), i.label.lower(), i.key))
    return tuple(items)
