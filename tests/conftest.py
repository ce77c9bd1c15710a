"""Shared fixtures: the real catalogue, loaded once."""

from __future__ import annotations

import pytest

from service.criteria import Catalog, load_catalog
from service.settings import default_criteria_dir


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalogue under criteria/, validated as the service validates it at start-up."""
    return load_catalog(default_criteria_dir())
