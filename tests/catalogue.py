"""Where the trial-driven tests find the catalogue and the case files they take as data."""

from __future__ import annotations

import os
from pathlib import Path

from service.settings import default_criteria_dir


def criteria_dir() -> Path:
    """Return the catalogue the tests run on: TRIALMATCH_CRITERIA_DIR, else criteria/."""
    return Path(os.environ.get("TRIALMATCH_CRITERIA_DIR") or default_criteria_dir())


def cases_dir() -> Path:
    """Return the folder of trial case files: TRIALMATCH_CASES_DIR, else tests/cases/."""
    return Path(os.environ.get("TRIALMATCH_CASES_DIR") or Path(__file__).parent / "cases")
