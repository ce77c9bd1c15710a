"""Demo patients: materialised from the case files without drift, packaged, and showing what they are named for."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from service.criteria import Catalog
from service.order import order_next
from service.pipeline import match
from service.web.demo import DEMO_DIR, demo_bundle, demos
from tests.web.build_demo import build

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "service" / "web"

# What a provisional liver cancer leaves to order: confirmation of the diagnosis. The records module
# words these items, so the pattern pins what they are about rather than their exact words.
CONFIRMATIONS = re.compile(
    r"confirmation (or dates )?of (hepatocellular carcinoma and primary liver cancer|malignant neoplasm, any site) "
    r"\((current|ever)\)"
)
# demo -> (trial statuses in rank order, keys of what to order next in order, or a pattern every key matches)
SHOWS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | re.Pattern[str]]] = {
    "eligible_for_all_five_pending_review": (("eligible",) * 5, ()),
    "missing_labs_inr_hiv_test_hbv_dna": (
        ("possibly_eligible",) * 5,
        ("lab:inr", "lab:hiv antibody / antigen screen", "lab:hbv dna"),
    ),
    "ineligible_bilirubin_205_umol_no_hiv_test": (
        ("eligible", "possibly_eligible", "possibly_eligible", "ineligible", "ineligible"),
        ("lab:hiv antibody / antigen screen",),
    ),
    "ineligible_active_liver_cancer": (
        ("possibly_eligible",) + ("ineligible",) * 4,
        ("confirmation of hepatocellular carcinoma and primary liver cancer (ever)",),
    ),
    "uncertain_provisional_liver_cancer": (("possibly_eligible",) * 4 + ("ineligible",), CONFIRMATIONS),
    "woman_without_pregnancy_test": (
        ("eligible",) + ("possibly_eligible",) * 4,
        ("lab:hcg (pregnancy test)|pregnancy status",),
    ),
    "hbv_dna_detected": (("eligible",) * 3 + ("possibly_eligible", "ineligible"), ("lab:hbv dna",)),
}


def test_committed_demo_files_are_what_the_generator_builds() -> None:
    """service/web/demo/ holds exactly the files tests/web/build_demo.py builds from the case files."""
    committed = {path.name: path.read_text(encoding="utf-8") for path in DEMO_DIR.glob("*.json")}
    assert committed == build(), "demo bundles drifted; regenerate: .venv/bin/python tests/web/build_demo.py"


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_demo_shows_what_it_is_named_for(catalog: Catalog, name: str) -> None:
    """Each demo patient gives the statuses and the order-next list its name and description promise."""
    (demo,) = [d for d in demos() if d.name == name]
    report = match(demo_bundle(demo), catalog, demo.as_of)
    statuses, order = SHOWS[name]
    assert tuple(m.status.value for m in report.results) == statuses
    keys = tuple(item.key for item in order_next(report))
    if isinstance(order, re.Pattern):
        assert keys and all(order.fullmatch(key) for key in keys), keys
        assert any("hepatocellular" in key and "(current)" in key for key in keys)
    else:
        assert keys == order


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
