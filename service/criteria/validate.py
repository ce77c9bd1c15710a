"""The validator behind check-criteria: one line per real error, and the checks a schema cannot make.

Each line names the file, the criterion id, the YAML key path as written, what is wrong and
what is allowed. Value sets, analytes and units are checked on the YAML as written, so a trial
with schema errors still has its unknown references reported in the same pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from service.criteria.nodes import (
    NODE_TAG,
    NODE_TYPES,
    LabControl,
    LabSeries,
    LabSeriesTest,
    LabTest,
    NewestOf,
    PositiveResults,
)
from service.criteria.trial import Trial, walk_trial
from service.terminology import AnalyteTable, ValueSet
from service.units import UnitTable


def _key_path(loc: Iterable[str | int]) -> str:
    """Return a location as YAML keys and list indices (``logic.any[1].lab.unit``), union tags dropped."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(NODE_TAG):
            path += f".{part}" if path else part
    return path


def _where(data: Any, loc: tuple[str | int, ...]) -> tuple[str, tuple[str | int, ...]]:
    """Return the criterion (or part) id a location lies in, and the location inside it."""
    if len(loc) < 2 or loc[0] != "criteria" or not isinstance(loc[1], int):
        return "", loc
    try:
        criterion = data["criteria"][loc[1]]
        label, rest = str(criterion.get("id") or f"criteria[{loc[1]}]"), loc[2:]
        if len(rest) >= 2 and rest[0] == "parts" and isinstance(rest[1], int):
            part = criterion["parts"][rest[1]]
            label, rest = str(part.get("id") or f"{label} parts[{rest[1]}]"), rest[2:]
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"criteria[{loc[1]}]", loc[2:]
    return label, rest


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated, Optional and tuple[...] from a field annotation, down to a model when there is one."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated or origin is tuple:
            annotation = args[0]
        elif origin in (Union, UnionType) and type(None) in args and len(args) == 2:
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    """Return the schema model that a location points into, following YAML keys and node tags."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if part.startswith(NODE_TAG):
            current = NODE_TYPES.get(part.removeprefix(NODE_TAG))
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        if part not in fields:
            return None
        current = _unwrap(fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _keys_of(model: type[BaseModel] | None) -> str:
    if model is None:
        return "see criteria/schema.json"
    return ", ".join(field.alias or name for name, field in model.model_fields.items())


def _what(error: Any, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """Return what is wrong and what is allowed, for one validation error."""
    kind, value = error["type"], error.get("input")
    nodes = ", ".join(NODE_TYPES)
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'; allowed: {_keys_of(_model_at(model, loc[:-1]))}"
    if kind == "missing":
        return f"missing key '{loc[-1]}'"
    if kind == "union_tag_invalid":
        return f"unknown logic node '{next(iter(value))}'; allowed: {nodes}"
    if kind == "union_tag_not_found":
        if isinstance(value, dict):
            found = ", ".join(map(str, value)) or "none"
            return f"a logic node has exactly one key (found: {found}); allowed: {nodes}"
        return f"a logic node is a mapping with one key, got {value!r}; allowed: {nodes}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "value_error" or isinstance(value, (dict, list)) or value is None:
        return message
    return f"{message}, got {value!r}"


def describe_errors(model: type[BaseModel], data: Any, name: str, error: ValidationError) -> list[str]:
    """Return one line per real validation error: file, criterion id, YAML key path, what is wrong and allowed.

    A tuple whose items failed also reports itself too short (counting only the valid items);
    that echo is left out.
    """
    lines: list[str] = []
    for detail in error.errors(include_url=False):
        value = detail.get("input")
        counted = (detail.get("ctx") or {}).get("actual_length")
        if detail["type"] == "too_short" and isinstance(value, (list, tuple)) and counted != len(value):
            continue
        loc = tuple(detail["loc"])
        criterion, inside = _where(data, loc) if model is Trial else ("", loc)
        where = ": ".join(part for part in (name, criterion, _key_path(inside)) if part)
        line = f"{where}: {_what(detail, model, loc)}"
        if line not in lines:
            lines.append(line)
    return lines or [f"{name}: does not validate: {error}"]


def _check_trial(
    trial: Trial,
    valuesets: dict[str, ValueSet],
    analytes: AnalyteTable | None,
    units: UnitTable | None,
) -> list[str]:
    problems: list[str] = []
    name = f"trials/{trial.id}.yaml"
    ids: set[str] = set()
    for index, criterion in enumerate(trial.criteria):
        for cid in [criterion.id, *(p.id for p in criterion.parts)]:
            if cid in ids:
                problems.append(f"{name}: criteria[{index}]: duplicate id '{cid}'")
            ids.add(cid)
    for path, node in walk_trial(trial):
        where = f"{name}: {path}"
        test: Any = None
        for key in ("medication", "procedure", "medication_duration"):
            if getattr(getattr(node, key, None), "severity", ()) or getattr(getattr(node, key, None), "stage", None):
                problems.append(f"{where}.{key}.severity: only a condition has a severity or stage")
        if analytes is None or units is None:
            continue
        if isinstance(node, PositiveResults):
            evidence_name = node.positive_results.analyte
            evidence = analytes.analytes.get(evidence_name)
            if evidence is not None and evidence.kind == "quantity":
                problems.append(f"{where}.positive_results.analyte: '{evidence_name}' has no qualitative results")
        numeric: list[LabSeriesTest | LabTest] = [node.lab_series] if isinstance(node, LabSeries) else []
        numeric += list(node.newest_of) if isinstance(node, NewestOf) else []
        for series in numeric:
            entry = analytes.analytes.get(series.analyte)
            if entry is not None and entry.kind == "qualitative":
                problems.append(f"{where}: '{series.analyte}' has no numeric values; allowed: a quantity analyte")
        if isinstance(node, LabControl):
            test_control = node.lab_control
            for key in ("analyte", "control"):
                entry = analytes.analytes.get(getattr(test_control, key))
                if entry is None:
                    continue  # reported by check_references
                if entry.kind == "qualitative":
                    problems.append(f"{where}.lab_control.{key}: '{entry.display}' has no numeric values")
                elif key == "control" and units.declared(entry, test_control.unit) is None:
                    allowed = ", ".join(sorted({entry.canonical_unit, *entry.units} - {""}))
                    problems.append(
                        f"{where}.lab_control.unit: unknown unit '{test_control.unit}' for the control "
                        f"{test_control.control}; allowed: {allowed}"
                    )
        for key in ("lab", "lab_uln", "lab_positive"):
            test = getattr(node, key, None)
            if test is None:
                continue
            analyte = analytes.analytes.get(test.analyte)
            if analyte is None:
                continue
            if key in ("lab", "lab_uln") and analyte.kind == "qualitative":
                problems.append(f"{where}.{key}.analyte: '{test.analyte}' has no numeric values")
            if key == "lab_uln" and (analyte.uln is None or units.declared(analyte, analyte.uln.unit) is None):
                problems.append(f"{where}.{key}.analyte: '{test.analyte}' has no fallback ULN in analytes.yaml")
    return problems


def _suggest(name: str, known: Iterable[str], what: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=3)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"allowed: {what}"


def check_references(
    name: str, data: Any, valuesets: set[str], analytes: AnalyteTable | None, units: UnitTable | None
) -> list[str]:
    """Return a line for each value set, analyte or unit a trial's YAML names that the catalogue lacks."""
    problems: list[str] = []
    criteria = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(criteria, list):
        return problems

    def report(loc: tuple[str | int, ...], what: str) -> None:
        criterion, inside = _where(data, loc)
        problems.append(f"{name}: {criterion}: {_key_path(inside)}: {what}")

    def visit(value: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, (*loc, index))
            return
        if not isinstance(value, dict):
            return
        named = [(key, value.get(key)) for key in ("valueset", "substances")]
        if loc and loc[-1] == "event_count":  # an event count names a value set per kind of event
            named += [(key, value.get(key)) for key in ("admissions", "medications", "procedures")]
        if loc and loc[-1] == "stage":  # a grade/stage filter names two value sets
            named += [("counts", value.get("counts")), ("other", value.get("other"))]
        for key, valueset in named:
            if isinstance(valueset, str) and valueset not in valuesets:
                hint = _suggest(valueset, valuesets, "a file name under valuesets/")
                report((*loc, key), f"unknown value set '{valueset}'; {hint}")
        if analytes is not None:
            table = analytes.analytes
            for key in ("analyte", "or_analytes", "analytes", "control"):
                names = value.get(key)
                for index, analyte in enumerate(names if isinstance(names, list) else [names]):
                    if isinstance(analyte, str) and analyte not in table:
                        where = (*loc, key, index) if isinstance(names, list) else (*loc, key)
                        hint = _suggest(analyte, table, "an analyte of analytes.yaml")
                        report(where, f"unknown analyte '{analyte}'; {hint}")
            entry, unit = table.get(str(value.get("analyte"))), value.get("unit")
            unknown_unit = entry is not None and isinstance(unit, str) and units is not None
            if entry is not None and unknown_unit and units is not None and units.declared(entry, str(unit)) is None:
                allowed = ", ".join(sorted({entry.canonical_unit, *entry.units} - {""})) or "none (not numeric)"
                report((*loc, "unit"), f"unknown unit '{unit}' for {value['analyte']}; allowed: {allowed}")
        for key, item in value.items():
            visit(item, (*loc, key))

    for index, criterion in enumerate(criteria):
        visit(criterion, ("criteria", index))
    return problems
