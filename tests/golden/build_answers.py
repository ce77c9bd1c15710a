"""Regenerate the stored /match answers of every committed bundle (run by hand, output committed).

The golden answers pin what the service answers, byte for byte in meaning, for every committed
case bundle: the bundles under tests/cases/bundles/, every case of tests/cases/NCT*.yaml applied
to its base bundle, and the web demo bundles under service/web/demo/. tests/golden/
test_golden_answers.py compares today's answers with them, so a change meant to be invisible
(speed work, refactoring) cannot change a verdict unnoticed. A change that means to change
answers (new criteria, engine rules) regenerates them and commits the result with the change:

    .venv/bin/python tests/golden/build_answers.py

Each answer is the HTTP status and the full JSON answer of ``POST /match?asOf=<date>`` (every trial), stored with
sorted keys, one JSON line per input in tests/golden/answers.jsonl.xz (about 75 MB of JSON,
which xz compresses to about 0.1 MB because the answers are alike).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import lzma
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.cases.test_trial_cases import BUNDLES_DIR, CASES_DIR, build_bundle  # noqa: E402

ANSWERS = Path(__file__).resolve().parent / "answers.jsonl.xz"
DEMO_DIR = REPO / "service" / "web" / "demo"
# The committed bundles under tests/cases/bundles/ carry no as-of date of their own; the one their
# builders (tests/cases/build_baseline.py) and the benchmark use.
BUNDLE_AS_OF = dt.date(2026, 11, 22)


def golden_inputs() -> Iterator[tuple[str, dict[str, Any], dt.date]]:
    """Yield (name, bundle, as-of) for every committed bundle, in a stable order."""
    for path in sorted(BUNDLES_DIR.glob("*.json")):
        yield f"bundle.{path.stem}", json.loads(path.read_text(encoding="utf-8")), BUNDLE_AS_OF
    for path in sorted(CASES_DIR.glob("NCT*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec.get("cases") or ():
            as_of = dt.date.fromisoformat(str(case.get("as_of", spec["as_of"])))
            yield f"case.{path.stem}.{case['name']}", build_bundle(case.get("base", spec["base"]), case), as_of
    for demo in json.loads((DEMO_DIR / "index.json").read_text(encoding="utf-8")):
        bundle = json.loads((DEMO_DIR / f"{demo['name']}.json").read_text(encoding="utf-8"))
        yield f"demo.{demo['name']}", bundle, dt.date.fromisoformat(demo["asOf"])


def load_stored() -> dict[str, Any]:
    """Return the stored answers by input name (an empty dict if none are stored)."""
    if not ANSWERS.exists():
        return {}
    lines = lzma.decompress(ANSWERS.read_bytes()).splitlines()
    return {item["name"]: item["response"] for item in map(orjson.loads, lines)}


def answer(client: Any, bundle: dict[str, Any], as_of: dt.date) -> Any:
    """Return the HTTP status and parsed full JSON answer of POST /match for this bundle on this date.

    A few cases pin dates outside the range asOf accepts (they call match() directly); their
    stored answer is the 400 OperationOutcome.
    """
    response = client.post(
        "/match",
        params={"asOf": as_of.isoformat()},
        content=orjson.dumps(bundle),
        headers={"content-type": "application/fhir+json", "accept": "application/json"},
    )
    return {"status": response.status_code, "answer": orjson.loads(response.content)}


def main() -> None:
    """Write every answer to tests/golden/answers.jsonl.xz (answers of inputs that are gone drop out)."""
    from fastapi.testclient import TestClient

    from service.main import create_app
    from service.settings import Settings, default_criteria_dir

    logging.disable(logging.INFO)
    lines = []
    with TestClient(create_app(Settings(criteria_dir=default_criteria_dir(), work_processes=0))) as client:
        for name, bundle, as_of in golden_inputs():
            item = {"name": name, "response": answer(client, bundle, as_of)}
            lines.append(orjson.dumps(item, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
    ANSWERS.write_bytes(lzma.compress(b"".join(lines), preset=6))
    print(f"wrote {len(lines)} answers to {ANSWERS.relative_to(REPO)} ({ANSWERS.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
