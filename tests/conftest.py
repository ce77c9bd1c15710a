"""Shared fixtures: the catalogue, loaded once.

The trial-driven tests take the catalogue and the case files as data: ``TRIALMATCH_CRITERIA_DIR``
(which the service's settings read too) and ``TRIALMATCH_CASES_DIR`` point them at another
catalogue and its case files (tests/cases/test_added_trial.py runs them on a copy with a trial
added).
"""

from __future__ import annotations

import os

import pytest

from service.criteria import Catalog, load_catalog
from tests.catalogue import criteria_dir

# Apps built by the tests run their work in threads (the default, two worker processes per app,
# would start processes for every app a test builds); tests/api/test_server.py runs processes.
os.environ.setdefault("TRIALMATCH_WORK_PROCESSES", "0")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogue the tests run on, validated as the service validates it at start-up."""
    return load_catalog(criteria_dir())
