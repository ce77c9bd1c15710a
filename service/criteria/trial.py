"""A trial file and the loaded catalogue: criteria, parts, trial metadata, and walks over their logic."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from service.criteria.nodes import (
    Agree,
    All,
    Allergy,
    AnyOf,
    ConditionNode,
    ConditionOnset,
    EventCount,
    Lab,
    LabControl,
    LabPositive,
    LabPositiveTest,
    LabSeries,
    LabTest,
    LabUln,
    LabUlnTest,
    MedicationDuration,
    MedicationNode,
    NewestOf,
    Node,
    Not,
    PositiveResults,
    ProcedureNode,
    RecordTest,
    Score,
    SexSpecific,
    _Strict,
)
from service.terminology import AnalyteTable, CodeMatcher
from service.units import UnitTable

SCHEMA_VERSION = 1
ReviewKind = Literal["judgement", "not_computable"]
"""Why a person decides: the words call for a judgement, or the data is not in FHIR records at all."""


def _kind_needs_review(review: str | None, kind: ReviewKind | None) -> None:
    if kind is not None and review is None:
        raise ValueError("review_kind goes with review")


class Part(_Strict):
    """A sub-criterion: one testable condition inside a registry line."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)
    logic: Node | None = None
    review: str | None = None
    on_record: Node | None = Field(
        default=None,
        description="With review: a person judges only when this names something on record; otherwise the part passes.",
    )
    review_kind: ReviewKind | None = Field(
        default=None, description="judgement (the default) or not_computable: the data is not in FHIR records."
    )
    interpretation: str | None = None

    @model_validator(mode="after")
    def _logic_or_review(self) -> Part:
        if (self.logic is None) == (self.review is None):
            raise ValueError("give exactly one of 'logic' or 'review'")
        if self.on_record is not None and self.review is None:
            raise ValueError("on_record goes with review")
        _kind_needs_review(self.review, self.review_kind)
        return self


class Criterion(_Strict):
    """One registry line, in the registry's words, with its logic, review note or parts."""

    id: str = Field(pattern=r"^(inc|exc)-[0-9]+$")
    type: Literal["inclusion", "exclusion"]
    text: str = Field(min_length=1)
    logic: Node | None = None
    review: str | None = None
    on_record: Node | None = Field(
        default=None,
        description="With review: a person judges only when this names something on record; otherwise the line passes.",
    )
    review_kind: ReviewKind | None = Field(
        default=None, description="judgement (the default) or not_computable: the data is not in FHIR records."
    )
    parts: tuple[Part, ...] = ()
    interpretation: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Criterion:
        forms = [self.logic is not None, self.review is not None, bool(self.parts)]
        if sum(forms) != 1:
            raise ValueError("give exactly one of 'logic', 'review' or 'parts'")
        if self.on_record is not None and self.review is None:
            raise ValueError("on_record goes with review")
        _kind_needs_review(self.review, self.review_kind)
        prefix = "inc-" if self.type == "inclusion" else "exc-"
        if not self.id.startswith(prefix):
            raise ValueError(f"an {self.type} criterion id starts with '{prefix}'")
        return self


class Trial(_Strict):
    """One trial of the catalogue."""

    schema_version: Literal[1]
    id: str = Field(pattern=r"^NCT[0-9]{8}$")
    title: str
    phase: str
    sponsor: str
    url: str
    source: str = Field(description="The registry record the criteria were copied from.")
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class ScoreInputs(_Strict):
    """Value sets the score calculations read (Child-Pugh ascites and HE grades, dialysis)."""

    ascites: str
    ascites_severe: str
    encephalopathy: str
    encephalopathy_coma: str
    dialysis: str


class CatalogMeta(_Strict):
    """``criteria/catalog.yaml``: the catalogue's version and catalogue-wide settings."""

    schema_version: Literal[1]
    catalog_version: str
    score_inputs: ScoreInputs
    meld3_cap: int | None = 40


# -- the loaded catalogue --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Catalog:
    """A validated catalogue, compiled for evaluation."""

    version: str
    meta: CatalogMeta
    trials: dict[str, Trial]
    valuesets: dict[str, CodeMatcher]
    analytes: AnalyteTable
    units: UnitTable


def walk_trial(trial: Trial) -> Iterator[tuple[str, Node]]:
    """Yield (path, node) for every logic node of a trial; a path starts with the criterion or part id."""
    for criterion in trial.criteria:
        for key in ("logic", "on_record"):
            node = getattr(criterion, key)
            if node is not None:
                yield from walk_logic(node, f"{criterion.id}: {key}")
        for part in criterion.parts:
            for key in ("logic", "on_record"):
                node = getattr(part, key)
                if node is not None:
                    yield from walk_logic(node, f"{part.id}: {key}")


@dataclass(frozen=True)
class CatalogReads:
    """What the catalogue's criteria read: value sets by record kind, analytes with their widest window."""

    conditions: frozenset[str]
    procedures: frozenset[str]
    medications: frozenset[str]
    analytes: dict[str, int]  # analyte -> widest within_days a criterion asks for (0: its default look-back)
    scores: bool
    allergies: bool
    admissions: frozenset[str] = frozenset()  # value sets of admission reasons an event count reads


WHOLE_RECORD_DAYS = 36525
"""The look-back, 100 years, of a test that reads the whole record (positive_results)."""


def catalog_reads(trials: Iterable[Trial]) -> CatalogReads:
    """Walk every logic node once and collect what the criteria read (score inputs not included)."""
    conditions: set[str] = set()
    procedures: set[str] = set()
    medications: set[str] = set()
    analytes: dict[str, int] = {}
    admissions: set[str] = set()
    scores = allergies = False
    for trial in trials:
        for _, node in walk_trial(trial):
            if isinstance(node, ConditionNode):
                conditions.add(node.condition.valueset)
            elif isinstance(node, ProcedureNode):
                procedures.add(node.procedure.valueset)
            elif isinstance(node, MedicationNode):
                medications.add(node.medication.valueset)
            elif isinstance(node, MedicationDuration):
                medications.add(node.medication_duration.valueset)
            elif isinstance(node, PositiveResults):
                # Evidence of a diagnosis is read over the whole record.
                name = node.positive_results.analyte
                analytes[name] = max(analytes.get(name, 0), WHOLE_RECORD_DAYS)
            elif isinstance(node, ConditionOnset):
                conditions.add(node.condition_onset.valueset)
            elif isinstance(node, LabSeries):
                # A series is read back to the newest result before its span: the whole record.
                name = node.lab_series.analyte
                analytes[name] = max(analytes.get(name, 0), WHOLE_RECORD_DAYS)
            elif isinstance(node, NewestOf):
                for lab in node.newest_of:
                    analytes[lab.analyte] = max(analytes.get(lab.analyte, 0), lab.within_days or 0)
            elif isinstance(node, LabControl):
                test_control = node.lab_control
                for name in (test_control.analyte, test_control.control):
                    analytes[name] = max(analytes.get(name, 0), test_control.within_days or 0)
            elif isinstance(node, EventCount):
                count = node.event_count
                # Admission reasons are read as conditions too (an Encounter's reason is a finding).
                for valuesets, read in (
                    (admissions, count.admissions),
                    (conditions, count.admissions),
                    (medications, count.medications),
                    (procedures, count.procedures),
                ):
                    if read is not None:
                        valuesets.add(read)
            elif isinstance(node, Score):
                scores = True
            elif isinstance(node, Allergy):
                allergies = True
            else:
                test: LabTest | LabUlnTest | LabPositiveTest | None = None
                if isinstance(node, Lab):
                    test = node.lab
                elif isinstance(node, LabUln):
                    test = node.lab_uln
                elif isinstance(node, LabPositive):
                    test = node.lab_positive
                if test is None:
                    continue
                for name in (test.analyte, *getattr(test, "or_analytes", ())):
                    analytes[name] = max(analytes.get(name, 0), test.within_days or 0)
    return CatalogReads(
        frozenset(conditions),
        frozenset(procedures),
        frozenset(medications),
        analytes,
        scores,
        allergies,
        frozenset(admissions),
    )


def walk_logic(node: Node, path: str = "logic") -> Iterator[tuple[str, Node]]:
    """Yield (path, node) for a logic node and every node under it (implied_by trees included)."""
    yield path, node
    if isinstance(node, All):
        for i, child in enumerate(node.all):
            yield from walk_logic(child, f"{path}.all[{i}]")
    elif isinstance(node, AnyOf):
        for i, child in enumerate(node.any):
            yield from walk_logic(child, f"{path}.any[{i}]")
    elif isinstance(node, Agree):
        for i, child in enumerate(node.agree):
            yield from walk_logic(child, f"{path}.agree[{i}]")
    elif isinstance(node, Not):
        yield from walk_logic(node.not_, f"{path}.not")
    elif isinstance(node, SexSpecific):
        yield from walk_logic(node.sex_specific.logic, f"{path}.sex_specific.logic")
    else:
        for key in ("condition", "medication", "procedure"):
            test = getattr(node, key, None)
            if isinstance(test, RecordTest) and test.implied_by is not None:
                yield from walk_logic(test.implied_by, f"{path}.{key}.implied_by")


def export_schema() -> dict[str, Any]:
    """Return the JSON Schema of a trial file, with the schema version."""
    schema = Trial.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://trialmatch.example/schema/trial-v{SCHEMA_VERSION}.json"
    schema["title"] = f"trialmatch trial file, schema version {SCHEMA_VERSION}"
    return schema


def schema_text() -> str:
    """Return the exported JSON Schema as the text committed in criteria/schema.json."""
    return json.dumps(export_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
