"""Plans and statements of a drug not taken: kept apart from records done and taken, read only by tests that ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from service.criteria import Catalog, ConditionNode, MedicationNode, ProcedureNode
from service.facts import ClinicalRecord, PatientFacts, Span, stated_within
from service.pipeline import read_facts
from tests.fhir_builders import SNOMED, bundle, patient

AS_OF = dt.date(2026, 11, 22)
D = dt.date.fromisoformat
ENTECAVIR = {"coding": [{"system": "http://www.whocc.no/atc", "code": "J05AF10", "display": "entecavir"}]}
LIVER_TRANSPLANT = {"coding": [{"system": SNOMED, "code": "18027006", "display": "Transplantation of liver"}]}


def facts_of(catalog: Catalog, *resources: dict[str, Any]) -> PatientFacts:
    return read_facts(bundle(patient(), *resources), catalog, AS_OF)


def procedure(status: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "p1", "status": status, "code": LIVER_TRANSPLANT,
            "subject": {"reference": "Patient/p1"}, "performedDateTime": "2026-12-15"}  # fmt: skip


def statement(status: str, rtype: str = "MedicationStatement") -> dict[str, Any]:
    return {"resourceType": rtype, "id": "m1", "status": status, "medicationCodeableConcept": ENTECAVIR,
            "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2026-06-01"}}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "done", "planned"),
    [("preparation", 0, 1), ("completed", 1, 0), ("not-done", 0, 0), ("entered-in-error", 0, 0)],
)
def test_a_planned_procedure_is_kept_apart(catalog: Catalog, status: str, done: int, planned: int) -> None:
    """A Procedure in preparation is a plan (PatientFacts.planned), never a procedure done."""
    facts = facts_of(catalog, procedure(status))
    assert (len(facts.procedures), len(facts.planned)) == (done, planned)


@pytest.mark.parametrize(
    ("status", "rtype", "taken", "not_taken"),
    [
        ("not-taken", "MedicationStatement", 0, 1),
        ("active", "MedicationStatement", 1, 0),
        ("not-done", "MedicationAdministration", 0, 0),
        ("entered-in-error", "MedicationStatement", 0, 0),
    ],
)
def test_a_not_taken_statement_is_kept_apart(
    catalog: Catalog, status: str, rtype: str, taken: int, not_taken: int
) -> None:
    """A MedicationStatement not-taken is kept apart (PatientFacts.not_taken), never exposure or a course."""
    facts = facts_of(catalog, statement(status, rtype))
    assert (len(facts.medications), len(facts.not_taken)) == (taken, not_taken)


def _stated(kind: str, start: str | None, end: str | None) -> ClinicalRecord:
    return ClinicalRecord(
        kind=kind, codings=(), texts=(), status=None, verification=None,
        start=Span(D(start), D(start)) if start else None, end=Span(D(end), D(end)) if end else None,
        ended=False, recorded=None, severity=(), reference=f"{kind}/x", display=kind,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "start", "end", "since", "live"),
    [
        ("procedure", None, None, "2026-08-22", True),
        ("procedure", "2026-12-15", "2026-12-15", "2026-08-22", True),
        ("procedure", "2019-03-01", "2019-03-01", "2026-08-22", False),
        ("procedure", "2019-03-01", "2019-03-01", None, True),
        ("medication", "2020-01-01", None, "2026-08-22", True),
        ("medication", "2024-05-01", "2024-05-01", "2025-11-22", False),
        ("medication", "2026-05-01", "2026-10-01", "2026-08-22", True),
    ],
)
def test_stated_within(kind: str, start: str | None, end: str | None, since: str | None, live: bool) -> None:
    """A plan or not-taken statement counts for a window when undated, open-ended, or dated in or after its start."""
    assert stated_within(_stated(kind, start, end), D(since) if since else None) is live


@pytest.mark.parametrize(
    ("node", "raw"),
    [
        (ConditionNode, {"condition": {"valueset": "ascites", "records": "planned"}}),
        (MedicationNode, {"medication": {"valueset": "hbv-antivirals", "records": "planned"}}),
        (ProcedureNode, {"procedure": {"valueset": "tips", "records": "not_taken"}}),
    ],
)
def test_records_kind_must_fit_the_node(node: Any, raw: dict[str, Any]) -> None:
    """Plans are read only by procedure tests and not-taken statements only by medication tests."""
    with pytest.raises(ValidationError):
        node.model_validate(raw)
