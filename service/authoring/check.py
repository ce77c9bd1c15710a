"""Every check of a catalogue in one pass, one line per problem.

Beside what the loader checks at start-up (schema, value sets, analytes, units, all worded with
the criterion id and the YAML key path), an author's check reads each trial's YAML as written
and checks that its words quote its registry record (``source``, a file under
``criteria/sources/``), that a part's words come from its line, and, given the case files,
that every computed criterion or part has a case that makes it pass and one that makes it fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from service.criteria import load_catalog, schema_text
from service.errors import CatalogError


def normal(text: str) -> str:
    """Return text with runs of white space (no-break spaces included) as one space."""
    return " ".join(str(text).replace("\u00a0", " ").split())


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # the loader reports it


def _leaves(data: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Yield (criterion or part, its parent line or None) for each item of a trial's YAML."""
    criteria = data.get("criteria") if isinstance(data, dict) else None
    for criterion in criteria if isinstance(criteria, list) else ():
        if not isinstance(criterion, dict):
            continue
        yield criterion, None
        for part in criterion.get("parts") or ():
            if isinstance(part, dict):
                yield part, criterion


def check_words(directory: Path, name: str, data: Any) -> list[str]:
    """Return a line for each criterion whose words are not in the trial's record, or part not in its line."""
    if not isinstance(data, dict):
        return []
    source = data.get("source")
    record_path = directory / "sources" / str(source)
    if not isinstance(source, str) or not record_path.is_file():
        return [f"{name}: source: no record file sources/{source}; allowed: a registry record kept under sources/"]
    record = normal(record_path.read_text(encoding="utf-8"))
    problems = []
    for item, parent in _leaves(data):
        text, label = normal(item.get("text", "")), item.get("id", "?")
        if not text:
            continue
        if parent is None and text not in record:
            problems.append(f"{name}: {label}: text: the words are not in the record sources/{source}")
        elif parent is not None and text.rstrip(";,. ") not in normal(parent.get("text", "")):
            problems.append(f"{name}: {label}: text: the words are not in the line {parent.get('id', '?')}")
    return problems


def case_outcomes(cases: Path) -> tuple[dict[tuple[str, str], set[str]], list[str]]:
    """Return the outcomes the case files expect per (trial, criterion id), and problems reading them."""
    seen: dict[tuple[str, str], set[str]] = {}
    problems: list[str] = []
    for path in sorted(cases.glob("NCT*.yaml")):
        spec = _yaml(path)
        if not isinstance(spec, dict) or not isinstance(spec.get("cases"), list):
            problems.append(f"{path.name}: not a case file (trial, as_of, base and a list of cases)")
            continue
        for case in spec["cases"]:
            for cid, outcome in (case.get("expect") or {}).items():
                seen.setdefault((str(spec.get("trial")), str(cid)), set()).add(str(outcome))
    return seen, problems


def check_cases(name: str, data: Any, outcomes: dict[tuple[str, str], set[str]]) -> list[str]:
    """Return a line for each computed leaf no case makes pass (or fail), and each id a case names wrongly."""
    if not isinstance(data, dict):
        return []
    trial, problems = str(data.get("id")), []
    ids = set()
    for item, _ in _leaves(data):
        ids.add(str(item.get("id")))
        if "logic" not in item:
            continue
        have = outcomes.get((trial, str(item.get("id"))), set())
        for outcome in ("pass", "fail"):
            if outcome not in have:
                problems.append(
                    f"{name}: {item.get('id')}: logic: no case makes it {outcome}; "
                    f"allowed: a case in tests/cases/{trial}.<topic>.yaml expecting {{{item.get('id')}: {outcome}}}"
                )
    for case_trial, cid in sorted(outcomes):
        if case_trial == trial and cid not in ids:
            problems.append(f"{name}: {cid}: a case file expects an outcome for an id the trial does not have")
    return problems


def check_catalogue(directory: Path, cases: Path | None = None) -> list[str]:
    """Return every problem of a catalogue (and its case files when given), one line each, in one pass."""
    problems: list[str] = []
    try:
        load_catalog(directory)
    except CatalogError as error:
        problems.extend(error.problems)
    committed = directory / "schema.json"
    if committed.exists() and committed.read_text(encoding="utf-8") != schema_text():
        problems.append("schema.json: out of date; run 'trialmatch export-schema'")
    outcomes: dict[tuple[str, str], set[str]] = {}
    if cases is not None:
        outcomes, unreadable = case_outcomes(cases)
        problems.extend(unreadable)
    for path in sorted((directory / "trials").glob("*.yaml")):
        name, data = f"trials/{path.name}", _yaml(path)
        problems.extend(check_words(directory, name, data))
        if cases is not None:
            problems.extend(check_cases(name, data, outcomes))
    return problems
