"""Real FHIR files from public projects (shared/corpus/external): never a 5xx, Synthea exports answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.criteria import Catalog
from tests.api.conftest import FHIR

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "external"
FILES = sorted(CORPUS.glob("*/*.json")) if CORPUS.is_dir() else []
SYNTHEA = [f for f in FILES if f.parent.name.startswith("synthea") and "Information" not in f.name]

pytestmark = pytest.mark.skipif(not FILES, reason="shared/corpus/external is not beside the checkout")


@pytest.mark.parametrize("path", FILES, ids=[f"{f.parent.name}/{f.name[:40]}" for f in FILES])
def test_corpus_file_gets_an_answer_or_a_client_error(client: TestClient, path: Path) -> None:
    """Every corpus file gets 200 or a 4xx OperationOutcome from /match and /facts, never a 5xx."""
    body = path.read_bytes()
    for route in ("/match?asOf=2026-11-22", "/facts?asOf=2026-11-22"):
        response = client.post(route, content=body, headers=FHIR)
        assert response.status_code in (200, 413, 422), (route, response.status_code, response.text[:300])
        if response.status_code != 200:
            assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("path", SYNTHEA, ids=[f.name[:40] for f in SYNTHEA])
def test_synthea_export_is_read_and_matched(client: TestClient, path: Path, catalog: Catalog) -> None:
    """A Synthea patient export (hundreds of Claims, Encounters, vital signs) is matched against every trial."""
    response = client.post("/match?asOf=2026-11-22", content=path.read_bytes(), headers=FHIR)
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert len(body["results"]) == len(catalog.trials)
    assert any(w.startswith("passed over") and "Claim" in w for w in body["warnings"])
