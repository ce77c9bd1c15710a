"""Shared fixtures: the real catalogue, loaded once."""

from __future__ import annotations

import os

import pytest

from service.criteria import Catalog, load_catalog
from service.settings import default_criteria_dir

# Apps built by the tests run their work in threads (the default, two worker processes per app,
# would start processes for every app a test builds); tests/api/test_server.py runs processes.
os.environ.setdefault("TRIALMATCH_WORK_PROCESSES", "0")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogue under criteria/, validated as the service validates it at start-up."""
    return load_catalog(default_criteria_dir())
