"""A trial file scaffolded from a registry record: every line a review criterion in its own words.

Each line of the record's inclusion and exclusion lists becomes a criterion with its exact
words and a ``review`` note, so the file loads and every line is shown for review until an
author writes its logic. A comment above each lists the value sets and analytes whose names
occur in the line, as suggestions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from service.authoring.record import read_record
from service.criteria import Catalog

NCT_ID = re.compile(r"\bNCT[0-9]{8}\b")
TO_ENCODE = "Not encoded yet: a person decides until its logic is written."


def _words(text: str) -> str:
    return f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "


def _names(*texts: str) -> Iterable[str]:
    for text in texts:
        name = _words(re.sub(r"\(.*?\)", "", text)).strip()
        if len(name) > 2:
            yield name


def suggestions(line: str, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Return the value sets and analytes whose names (id, title, ingredient names, display) occur in a line."""
    words = _words(line)
    valuesets = []
    for vs_id, matcher in sorted(catalog.valuesets.items()):
        valueset = matcher.valueset
        names = _names(vs_id.replace("-", " "), valueset.title, *(n.name for n in valueset.names))
        if any(f" {name} " in words for name in names):
            valuesets.append(vs_id)
    analytes = [
        name
        for name, analyte in sorted(catalog.analytes.analytes.items())
        if any(f" {n} " in words for n in _names(name.replace("_", " "), analyte.display))
    ]
    return valuesets, analytes


def scaffold(record_text: str, source: str, catalog: Catalog, trial_id: str | None = None) -> str:
    """Return the YAML text of a new trial file for a registry record's text."""
    lists = read_record(record_text)
    found = NCT_ID.search(record_text)
    trial = trial_id or (found.group(0) if found else "NCT00000000")
    title = next((line.strip() for line in record_text.splitlines() if line.strip()), trial)
    out = [
        f"# {trial}: scaffolded by `trialmatch new-trial` from sources/{source}. Each line is a review",
        "# criterion in the record's words; write its logic (README, 'Adding a trial'), then run",
        "# `trialmatch check-criteria`.",
        "schema_version: 1",
        f"id: {trial}",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "phase: Not stated in the record",
        "sponsor: Not stated in the record",
        f"url: https://clinicaltrials.gov/study/{trial}",
        f"source: {json.dumps(source, ensure_ascii=False)}",
        "criteria:",
    ]
    for kind, prefix, lines in (("inclusion", "inc", lists.inclusion), ("exclusion", "exc", lists.exclusion)):
        for number, line in enumerate(lines, start=1):
            valuesets, analytes = suggestions(line, catalog)
            out.append("")
            if valuesets:
                out.append(f"  # value sets named in the line: {', '.join(valuesets)}")
            if analytes:
                out.append(f"  # analytes named in the line: {', '.join(analytes)}")
            out += [
                f"  - id: {prefix}-{number}",
                f"    type: {kind}",
                f"    text: {json.dumps(line, ensure_ascii=False)}",
                f"    review: {json.dumps(TO_ENCODE)}",
            ]
    return "\n".join(out) + "\n"
