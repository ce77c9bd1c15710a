from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.allergy_out import AllergyOut
  from ..models.facts_response_labs import FactsResponseLabs
  from ..models.patient_out import PatientOut
  from ..models.record_out import RecordOut
  from ..models.scores import Scores





T = TypeVar("T", bound="FactsResponse")



@_attrs_define
class FactsResponse:
    """ 
        Attributes:
            allergies (list[AllergyOut]):
            as_of (datetime.date):
            catalog_version (str):
            conditions (list[RecordOut]):
            findings (list[RecordOut]):
            labs (FactsResponseLabs):
            medications (list[RecordOut]):
            patient (PatientOut):
            procedures (list[RecordOut]):
            scores (Scores): One field per score the service computes; each has a value or the inputs it still needs.
            warnings (list[str]):
     """

    allergies: list[AllergyOut]
    as_of: datetime.date
    catalog_version: str
    conditions: list[RecordOut]
    findings: list[RecordOut]
    labs: FactsResponseLabs
    medications: list[RecordOut]
    patient: PatientOut
    procedures: list[RecordOut]
    scores: Scores
    warnings: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.allergy_out import AllergyOut # noqa: PLC0415
        from ..models.facts_response_labs import FactsResponseLabs # noqa: PLC0415
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.record_out import RecordOut # noqa: PLC0415
        from ..models.scores import Scores # noqa: PLC0415
        allergies = []
        for allergies_item_data in self.allergies:
            allergies_item = allergies_item_data.to_dict()
            allergies.append(allergies_item)



        as_of = self.as_of.isoformat()

        catalog_version = self.catalog_version

        conditions = []
        for conditions_item_data in self.conditions:
            conditions_item = conditions_item_data.to_dict()
            conditions.append(conditions_item)



        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)



        labs = self.labs.to_dict()

        medications = []
        for medications_item_data in self.medications:
            medications_item = medications_item_data.to_dict()
            medications.append(medications_item)



        patient = self.patient.to_dict()

        procedures = []
        for procedures_item_data in self.procedures:
            procedures_item = procedures_item_data.to_dict()
            procedures.append(procedures_item)



        scores = self.scores.to_dict()

        warnings = self.warnings




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "allergies": allergies,
            "asOf": as_of,
            "catalogVersion": catalog_version,
            "conditions": conditions,
            "findings": findings,
            "labs": labs,
            "medications": medications,
            "patient": patient,
            "procedures": procedures,
            "scores": scores,
            "warnings": warnings,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allergy_out import AllergyOut # noqa: PLC0415
        from ..models.facts_response_labs import FactsResponseLabs # noqa: PLC0415
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.record_out import RecordOut # noqa: PLC0415
        from ..models.scores import Scores # noqa: PLC0415
        d = dict(src_dict)
        allergies = []
        _allergies = d.pop("allergies")
        for allergies_item_data in (_allergies):
            allergies_item = AllergyOut.from_dict(allergies_item_data)



            allergies.append(allergies_item)


        as_of = datetime.date.fromisoformat(d.pop("asOf"))




        catalog_version = d.pop("catalogVersion")

        conditions = []
        _conditions = d.pop("conditions")
        for conditions_item_data in (_conditions):
            conditions_item = RecordOut.from_dict(conditions_item_data)



            conditions.append(conditions_item)


        findings = []
        _findings = d.pop("findings")
        for findings_item_data in (_findings):
            findings_item = RecordOut.from_dict(findings_item_data)



            findings.append(findings_item)


        labs = FactsResponseLabs.from_dict(d.pop("labs"))




        medications = []
        _medications = d.pop("medications")
        for medications_item_data in (_medications):
            medications_item = RecordOut.from_dict(medications_item_data)



            medications.append(medications_item)


        patient = PatientOut.from_dict(d.pop("patient"))




        procedures = []
        _procedures = d.pop("procedures")
        for procedures_item_data in (_procedures):
            procedures_item = RecordOut.from_dict(procedures_item_data)



            procedures.append(procedures_item)


        scores = Scores.from_dict(d.pop("scores"))




        warnings = cast(list[str], d.pop("warnings"))


        facts_response = cls(
            allergies=allergies,
            as_of=as_of,
            catalog_version=catalog_version,
            conditions=conditions,
            findings=findings,
            labs=labs,
            medications=medications,
            patient=patient,
            procedures=procedures,
            scores=scores,
            warnings=warnings,
        )


        facts_response.additional_properties = d
        return facts_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
