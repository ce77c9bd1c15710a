"""Today's /match answers equal the stored golden answers, for every committed bundle.

Regenerate them with ``.venv/bin/python tests/golden/build_answers.py`` when a change means to
change answers (see that file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings, default_criteria_dir
from tests.golden.build_answers import answer, golden_inputs, load_stored

INPUTS = list(golden_inputs())
STORED = load_stored()
REGENERATE = "regenerate with .venv/bin/python tests/golden/build_answers.py if the change is meant"


@pytest.fixture(scope="module")
def golden_client() -> Iterator[TestClient]:
    """A client of the app on the real catalogue, its work in threads."""
    with TestClient(create_app(Settings(criteria_dir=default_criteria_dir(), work_processes=0))) as client:
        yield client


def differences(want: Any, got: Any, path: str = "$") -> Iterator[str]:
    """Yield the JSON paths where two answers differ, with both values."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(want.keys() | got.keys()):
            if key not in got or key not in want:
                yield f"{path}.{key}: stored {want.get(key, '<absent>')!r}, now {got.get(key, '<absent>')!r}"
            else:
                yield from differences(want[key], got[key], f"{path}.{key}")
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for index, (a, b) in enumerate(zip(want, got, strict=True)):
            yield from differences(a, b, f"{path}[{index}]")
    elif want != got or type(want) is not type(got):
        yield f"{path}: stored {want!r}, now {got!r}"


@pytest.mark.parametrize(("name", "bundle", "as_of"), [pytest.param(*i, id=i[0]) for i in INPUTS])
def test_answer_equals_stored(golden_client: TestClient, name: str, bundle: dict[str, Any], as_of: dt.date) -> None:
    """The full /match answer of this committed bundle equals its stored golden answer."""
    assert name in STORED, f"no stored answer for {name}; {REGENERATE}"
    found = list(differences(STORED[name], answer(golden_client, bundle, as_of)))
    assert not found, f"{len(found)} differences; {REGENERATE}:\n" + "\n".join(found[:20])


def test_no_stored_answer_without_an_input() -> None:
    """Every stored answer belongs to a committed bundle (stale answers are removed on regeneration)."""
    stale = sorted(STORED.keys() - {name for name, _, _ in INPUTS})
    assert not stale, f"stored answers without an input: {stale[:10]}; {REGENERATE}"


def test_differences_finds_a_changed_verdict() -> None:
    """The comparison reports a changed outcome deep in an answer, with its path."""
    want = {"results": [{"criteria": [{"outcome": "pass"}]}], "score": 1}
    got = {"results": [{"criteria": [{"outcome": "fail"}]}], "score": 1.0}
    assert list(differences(want, got)) == [
        "$.results[0].criteria[0].outcome: stored 'pass', now 'fail'",
        "$.score: stored 1, now 1.0",
    ]
