"""A trial added as data keeps the trial-driven suite green: no test counts trials or names one it need not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from tests.catalogue import cases_dir, criteria_dir

ADDED = Path(__file__).parent / "added_trial"
REPO = Path(__file__).resolve().parents[2]
TRIAL_ID = "NCT00000006"
# The tests that take the catalogue and the case files as data.
TRIAL_DRIVEN = (
    "tests/cases/test_trial_cases.py",
    "tests/unit/test_criteria.py",
    "tests/unit/test_authoring.py",
    "tests/unit/test_terminology_data.py",
    "tests/api/test_api.py",
    "tests/api/test_catalogue_fhir.py",
    "tests/web/test_demo.py",
)


def add_analytes(criteria: Path) -> None:
    """Merge the analytes the added trial reads into a copied catalogue's analyte table."""
    table_path = criteria / "analytes.yaml"
    table = yaml.safe_load(table_path.read_text(encoding="utf-8"))
    table["analytes"].update(yaml.safe_load((ADDED / "analytes.added.yaml").read_text(encoding="utf-8")))
    table_path.write_text(yaml.safe_dump(table, sort_keys=False, allow_unicode=True), encoding="utf-8")


def add_trial(target: Path) -> tuple[Path, Path]:
    """Copy the catalogue and the case files under ``target`` and add the made-up trial to both."""
    criteria, cases = target / "criteria", target / "cases"
    shutil.copytree(criteria_dir(), criteria)
    add_analytes(criteria)
    shutil.copy(ADDED / f"{TRIAL_ID}.yaml", criteria / "trials" / f"{TRIAL_ID}.yaml")
    shutil.copy(ADDED / "record.txt", criteria / "sources" / f"{TRIAL_ID}.txt")
    shutil.copytree(cases_dir() / "bundles", cases / "bundles")
    for path in cases_dir().glob("NCT*.yaml"):
        shutil.copy(path, cases / path.name)
    shutil.copy(ADDED / f"{TRIAL_ID}.added.yaml", cases / f"{TRIAL_ID}.added.yaml")
    return criteria, cases


def test_a_sixth_trial_keeps_the_trial_driven_suite_green(tmp_path: Path) -> None:
    """A well-formed trial file and its case file dropped into a copy of the catalogue keep it all green."""
    criteria, cases = add_trial(tmp_path)
    report = tmp_path / "report.xml"
    env = {**os.environ, "TRIALMATCH_CRITERIA_DIR": str(criteria), "TRIALMATCH_CASES_DIR": str(cases)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *TRIAL_DRIVEN],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    root = ET.parse(report).getroot()  # noqa: S314 (the report pytest just wrote)
    names = [case.get("name", "") for case in root.iter("testcase")]
    assert sum(TRIAL_ID in name for name in names) >= 4, "the added trial's cases did not run"
