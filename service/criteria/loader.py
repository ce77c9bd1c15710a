"""Loading the catalogue: read every file once, validate it all, report every problem, version it by content."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from service.criteria.trial import Catalog, CatalogMeta, Trial
from service.criteria.validate import _check_trial, check_references, describe_errors
from service.errors import CatalogError
from service.terminology import AnalyteTable, CodeMatcher, ValueSet
from service.units import UnitTable

_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        # libyaml's parser when PyYAML has it (its wheels do): the value sets hold thousands of
        # codes, and the pure-Python parser takes seconds over them. Same safe constructor.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read as YAML: {error}")
        return None


def _validate(model: type[BaseModel], data: Any, name: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(describe_errors(model, data, name, error))
        return None


def _load_folder(folder: Path, model: type[BaseModel], problems: list[str]) -> dict[str, Any]:
    """Validate every YAML file of a folder as ``model``; each file's id must be its name."""
    loaded: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        name = f"{folder.name}/{path.name}"
        item = _validate(model, _read_yaml(path, problems), name, problems)
        if item is None:
            continue
        if item.id != path.stem:
            problems.append(f"{name}: id '{item.id}' does not match the file name")
        loaded[item.id] = item
    return loaded


def load_catalog(directory: Path, copies_per_iu: float | None = None) -> Catalog:
    """Load and validate the whole catalogue; raise CatalogError listing every problem."""
    problems: list[str] = []
    if not directory.is_dir():
        raise CatalogError([f"{directory}: criteria directory not found"])
    meta = _validate(CatalogMeta, _read_yaml(directory / "catalog.yaml", problems), "catalog.yaml", problems)
    analytes = _validate(AnalyteTable, _read_yaml(directory / "analytes.yaml", problems), "analytes.yaml", problems)
    valuesets: dict[str, ValueSet] = _load_folder(directory / "valuesets", ValueSet, problems)
    trials: dict[str, Trial] = _load_folder(directory / "trials", Trial, problems)
    units = UnitTable(analytes, copies_per_iu) if analytes is not None else None
    for path in sorted((directory / "trials").glob("*.yaml")):
        # References are checked on the YAML as written, so a trial with schema errors still has
        # its unknown value sets, analytes and units reported in the same pass.
        data = _read_yaml(path, [])
        problems.extend(check_references(f"trials/{path.name}", data, set(valuesets), analytes, units))
    if not trials and not problems:
        problems.append("trials/: no trial files")
    if meta is not None:
        for field_name, vs_id in meta.score_inputs:
            if vs_id not in valuesets:
                problems.append(f"catalog.yaml: score_inputs.{field_name}: unknown value set '{vs_id}'")
    for trial in trials.values():
        problems.extend(_check_trial(trial, valuesets, analytes, units))
    if problems or meta is None or analytes is None or units is None:
        raise CatalogError(problems)
    matchers = {vs_id: CodeMatcher(vs) for vs_id, vs in valuesets.items()}
    return Catalog(catalog_version(directory, meta.catalog_version), meta, trials, matchers, analytes, units)


CONTENT_FILES = ("catalog.yaml", "analytes.yaml", "valuesets/*.yaml", "trials/*.yaml", "sources/*.txt")
"""The files whose bytes make the catalogue: any change to one changes the catalogue version."""


def catalog_digest(directory: Path) -> str:
    """Return a SHA-256 over the catalogue's files (relative name and bytes, in name order)."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in CONTENT_FILES for path in directory.glob(pattern)})
    for path in paths:
        name = path.relative_to(directory).as_posix().encode()
        data = path.read_bytes()
        # Length-prefixed, so that no two different catalogues can give the same byte stream.
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def catalog_version(directory: Path, label: str) -> str:
    """Return the version an answer names: the author's label, then 12 hex digits of the content digest.

    The label (catalog.yaml ``catalog_version``) is for people; the digest changes whenever any
    trial, value set, the analyte table or catalog.yaml changes, bumped label or not.
    """
    return f"{label}+{catalog_digest(directory)[:12]}"
