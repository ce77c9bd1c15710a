"""Demo patients: materialised from the case files without drift, packaged, and showing what they are named for."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.criteria import Catalog
from service.order import order_next
from service.pipeline import match
from service.web.demo import DEMO_DIR, demo_bundle, demos
from tests.web.build_demo import build

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "service" / "web"

EXPECTED = Path(__file__).with_name("demo_expected.yaml")
SHOWS: dict[str, dict[str, Any]] = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
"""Demo -> the status per trial it shows and what to order next (tests/web/demo_expected.yaml)."""


def test_committed_demo_files_are_what_the_generator_builds() -> None:
    """service/web/demo/ holds exactly the files tests/web/build_demo.py builds from the case files."""
    committed = {path.name: path.read_text(encoding="utf-8") for path in DEMO_DIR.glob("*.json")}
    assert committed == build(), "demo bundles drifted; regenerate: .venv/bin/python tests/web/build_demo.py"


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_demo_shows_what_it_is_named_for(catalog: Catalog, name: str) -> None:
    """Each demo patient gives the statuses and the order-next list its name and description promise."""
    (demo,) = [d for d in demos() if d.name == name]
    report = match(demo_bundle(demo), catalog, demo.as_of)
    expected = SHOWS[name]
    pinned: dict[str, str] = expected["statuses"]
    assert {m.trial.id: m.status.value for m in report.results if m.trial.id in pinned} == pinned
    keys = [item.key for item in order_next(report) if set(item.trials) & set(pinned)]
    if "order_pattern" in expected:
        pattern = re.compile(" ".join(expected["order_pattern"].split()))
        assert keys and all(pattern.fullmatch(key) for key in keys), keys
        assert any(expected["order_includes"] in key for key in keys), keys
    else:
        assert sorted(keys) == sorted(expected["order"])
        if "first" in expected:
            assert keys[0] == expected["first"]


def test_every_demo_is_pinned_here() -> None:
    """Every demo offered on the page has its expected outcome in this file."""
    assert {d.name for d in demos()} == set(SHOWS)


def test_every_web_file_is_packaged() -> None:
    """Each template, static file and demo bundle matches a package-data pattern, so the wheel carries it."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["service.web"]
    files = [p.relative_to(WEB).as_posix() for p in WEB.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    unpackaged = [f for f in files if "__pycache__" not in f and not any(fnmatch(f, pat) for pat in patterns)]
    assert files and not unpackaged
