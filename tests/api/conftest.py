"""API fixtures: an app on the real catalogue and the baseline bundle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings
from tests.catalogue import criteria_dir

BASELINE = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"
FHIR = {"content-type": "application/fhir+json"}


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """A client of the app built on the catalogue the tests run on with default limits."""
    with TestClient(create_app(Settings(criteria_dir=criteria_dir()))) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def baseline_bytes() -> bytes:
    """The typical hepatology patient bundle, as sent on the wire."""
    return BASELINE.read_bytes()
