"""Plans: every trial's registry lines compiled once, at catalogue load, into flat steps.

A step is a leaf (a line without parts, or one part) or a line with its parts. A leaf holds
what its verdict line repeats word for word (id, parent, inclusion or exclusion, the
registry's words, interpretation, review kind) and the index of its verdict in a request's
table of verdicts: leaves with an equal test read on the same side (inclusion or exclusion)
share one index, so a request computes each distinct verdict once and every other leaf only
reads it (service.evaluate.criterion.run). A review-only leaf's verdict is a constant,
computed here. A line with parts has its own index, shared by lines whose parts have the same
ids and verdict indexes, since its verdict is made from theirs alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from service.criteria import Criterion, Node, Part, Trial
from service.evaluate.result import REVIEW_WORDS
from service.facts import Evidence
from service.logic import Outcome

# A leaf's verdict: outcome, reason, evidence and the data that would decide it.
Verdict = tuple[Outcome, str, tuple[Evidence, ...], tuple[str, ...]]


class Leaf(NamedTuple):
    """A line without parts, or one part: its fixed words and where its verdict is kept."""

    head: tuple[str, str | None, str, str]  # id, parent id, "inclusion" or "exclusion", the registry's words
    tail: tuple[str | None, str | None]  # interpretation, review kind
    slot: int  # its verdict's index in a request's table (Plans.sources)


class Line(NamedTuple):
    """A registry line with parts: its fixed words, its parts, and where its verdict is kept."""

    head: tuple[str, None, str, str]
    tail: tuple[str | None, None]
    parts: tuple[Leaf, ...]
    slot: int  # its verdict's index in a request's table of line verdicts


Step = Leaf | Line


class Test(NamedTuple):
    """How a leaf with logic gets its verdict: the node's truth read as an inclusion or an exclusion."""

    node: Node
    exclusion: bool


class OnRecord(NamedTuple):
    """How a review asked only when something related is on record gets its verdict."""

    node: Node
    review: str
    text: str


@dataclass(frozen=True, eq=False)
class Plans:
    """Every trial's steps and the table of distinct verdicts they read (index -> how to compute it)."""

    trials: dict[str, tuple[Trial, tuple[Step, ...]]]
    sources: tuple[Test | OnRecord | None, ...]  # None: a constant verdict, already in ``initial``
    initial: tuple[Verdict | None, ...]
    lines: int  # how many distinct line verdicts
    node_keys: dict[int, str]  # id of a catalogue node -> the key equal nodes share (Evaluator.node)


class _Compiler:
    """Interns verdicts and line verdicts to indexes while steps are built."""

    def __init__(self, node_keys: dict[int, str]) -> None:
        self.node_keys = node_keys
        self.shared: dict[object, int] = {}
        self.sources: list[Test | OnRecord | None] = []
        self.initial: list[Verdict | None] = []
        self.lines: dict[object, int] = {}

    def slot(self, share: object, source: Test | OnRecord | None, constant: Verdict | None) -> int:
        """Return the index of a verdict, the existing one when ``share`` was seen (None: never shared)."""
        if share is not None and (found := self.shared.get(share)) is not None:
            return found
        index = len(self.sources)
        self.sources.append(source)
        self.initial.append(constant)
        if share is not None:
            self.shared[share] = index
        return index

    def leaf(self, item: Criterion | Part, parent: str | None, exclusion: bool) -> Leaf:
        ctype = "exclusion" if exclusion else "inclusion"
        kind = None
        if item.review is not None and item.on_record is not None:
            key = self.node_keys.get(id(item.on_record))
            share = None if key is None else ("on_record", key, item.review, item.text)
            slot = self.slot(share, OnRecord(item.on_record, item.review, item.text), None)
        elif item.review is not None:
            kind = item.review_kind or "judgement"
            verdict: Verdict = (Outcome.REVIEW, f"{REVIEW_WORDS[kind]}: {item.review}", (), ())
            slot = self.slot(("review", verdict[1]), None, verdict)
        else:
            assert item.logic is not None  # the schema gives a leaf exactly one of logic or review
            key = self.node_keys.get(id(item.logic))
            slot = self.slot(None if key is None else (key, exclusion), Test(item.logic, exclusion), None)
        return Leaf((item.id, parent, ctype, item.text), (item.interpretation, kind), slot)

    def steps(self, criteria: Iterable[Criterion]) -> tuple[Step, ...]:
        return tuple(self.criterion(c) for c in criteria)

    def plans(self, trials: dict[str, tuple[Trial, tuple[Step, ...]]]) -> Plans:
        return Plans(trials, tuple(self.sources), tuple(self.initial), len(self.lines), self.node_keys)

    def criterion(self, criterion: Criterion) -> Step:
        exclusion = criterion.type == "exclusion"
        if not criterion.parts:
            return self.leaf(criterion, None, exclusion)
        parts = tuple(self.leaf(part, criterion.id, exclusion) for part in criterion.parts)
        share = tuple((part.head[0], part.slot) for part in parts)
        slot = self.lines.setdefault(share, len(self.lines))
        return Line((criterion.id, None, criterion.type, criterion.text), (criterion.interpretation, None), parts, slot)


def compile_plans(trials: Iterable[Trial], node_keys: dict[int, str]) -> Plans:
    """Compile every trial's registry lines into steps over one table of distinct verdicts."""
    compiler = _Compiler(node_keys)
    steps = {trial.id: (trial, compiler.steps(trial.criteria)) for trial in trials}
    return compiler.plans(steps)


def compile_criteria(criteria: Iterable[Criterion], node_keys: dict[int, str]) -> tuple[tuple[Step, ...], Plans]:
    """Compile registry lines outside a catalogue (a trial or line built after load) into steps and their table."""
    compiler = _Compiler(node_keys)
    steps = compiler.steps(criteria)
    return steps, compiler.plans({})
