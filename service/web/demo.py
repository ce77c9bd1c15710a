"""Demo patients: committed test cases materialised into the package, each named for what it shows.

The bundles under ``demo/`` are generated from tests/cases by tests/web/build_demo.py (a test
fails when they drift); the service never reads the tests folder.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import orjson

DEMO_DIR = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class Demo:
    """A demo patient: its file name, a title, what it shows, and the date it is matched as of."""

    name: str
    title: str
    shows: str
    as_of: dt.date


@cache
def demos() -> tuple[Demo, ...]:
    """Return the demo patients in the order the page offers them."""
    index = json.loads((DEMO_DIR / "index.json").read_text(encoding="utf-8"))
    return tuple(Demo(d["name"], d["title"], d["shows"], dt.date.fromisoformat(d["asOf"])) for d in index)


def find_demo(name: str) -> Demo | None:
    """Return the demo of this name, or None (the name comes from a form and is checked against the index)."""
    return next((d for d in demos() if d.name == name), None)


def demo_bundle(demo: Demo) -> object:
    """Return the parsed Bundle of a demo patient."""
    return orjson.loads((DEMO_DIR / f"{demo.name}.json").read_bytes())
