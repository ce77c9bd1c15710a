"""Schemathesis against the committed OpenAPI spec: no 5xx, and every answer matches its schema.

Cases are generated from openapi/openapi.json (the committed file, not the live app's) and sent
to the app in process through ASGI. Every check schemathesis runs by default applies, none
excluded: no server error; status codes, content types, headers and bodies as declared; data
the schema allows is accepted and data it forbids is refused; unsupported methods get 405 with
Allow. The request body schema (PatientBundle) and the parameters (asOf a date from 1900 to
2200, trial one of the catalogue's ids) say exactly what the service accepts, so both hold.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

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
    """Every operation passes every default schemathesis check on generated requests, valid and invalid."""
    case.call_and_validate()
