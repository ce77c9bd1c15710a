"""The answer written as bytes in the worker (service/answer.py) is the response models' answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from service.answer import match_bytes
from service.criteria import Catalog
from service.pipeline import match
from service.rank import leaf_results
from service.schemas import MatchResponse, MatchSummaryResponse, match_out
from tests.api.conftest import FHIR

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "service" / "web" / "demo"
BUNDLES = sorted((REPO / "tests" / "cases" / "bundles").glob("*.json")) + sorted(
    p for p in DEMO.glob("*.json") if p.name != "index.json"
)
AS_OF = dt.date(2026, 11, 22)


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_full_answer_equals_the_models_dump(path: Path, catalog: Catalog) -> None:
    """The full answer's bytes parse to exactly what MatchResponse dumps, types of numbers included."""
    report = match(json.loads(path.read_bytes()), catalog, AS_OF)
    written = orjson.loads(match_bytes(report))
    assert written == json.loads(match_out(report).model_dump_json(by_alias=True))
    assert MatchResponse.model_validate(written).model_dump(by_alias=True, mode="json") == written
    floats = [written["results"][i]["score"] for i in range(len(written["results"]))]
    assert all(isinstance(score, float) for score in floats)


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_summary_lists_the_failed_and_unknown_leaves(path: Path, catalog: Catalog) -> None:
    """The summary answer validates as MatchSummaryResponse and lists each trial's failed and unknown leaves."""
    report = match(json.loads(path.read_bytes()), catalog, AS_OF)
    summary = orjson.loads(match_bytes(report, "summary"))
    assert MatchSummaryResponse.model_validate(summary).model_dump(by_alias=True, mode="json") == summary
    full = orjson.loads(match_bytes(report))
    assert [r["trial"]["id"] for r in summary["results"]] == [r["trial"]["id"] for r in full["results"]]
    for result, trial in zip(summary["results"], report.results, strict=True):
        leaves = leaf_results(trial.criteria)
        assert [f["id"] for f in result["failed"]] == [r.id for r in leaves if r.outcome.value == "fail"]
        assert [u["id"] for u in result["unknown"]] == [r.id for r in leaves if r.outcome.value == "unknown"]
        assert (result["status"], result["score"]) == (trial.status.value, trial.score)
        assert result["toReview"] == list(trial.to_review)


def test_view_summary_over_http(client: TestClient, baseline_bytes: bytes) -> None:
    """POST /match?view=summary answers the summary; an unknown view is a 400 OperationOutcome naming it."""
    summary = client.post(f"/match?asOf={AS_OF}&view=summary", content=baseline_bytes, headers=FHIR)
    assert summary.status_code == 200
    assert summary.json()["view"] == "summary"
    assert "criteria" not in summary.json()["results"][0]
    wrong = client.post(f"/match?asOf={AS_OF}&view=everything", content=baseline_bytes, headers=FHIR)
    assert wrong.status_code == 400
    assert wrong.json()["issue"][0]["expression"] == ["query.view"]
