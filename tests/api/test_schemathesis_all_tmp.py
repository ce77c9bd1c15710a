"""Schemathesis against the committed OpenAPI spec: no 5xx, and every answer matches its schema.

Cases are generated from openapi/openapi.json (the committed file, not the live app's) and sent
to the app in process through ASGI. Bodies generated from the Bundle schema are mostly not
acceptable Bundles, so most answers are 4xx OperationOutcomes; what is checked is that nothing
is a server error and every answer, error or not, conforms to the schema the spec declares.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from service.main import create_app
from service.settings import Settings, default_criteria_dir

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"

schema = schemathesis.openapi.from_path(SPEC)
schema.app = create_app(Settings(criteria_dir=default_criteria_dir()))


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_conforms_to_committed_spec(case: schemathesis.Case) -> None:
    """Every operation answers generated requests without a 5xx and with a body its schema allows."""
    case.call_and_validate()
