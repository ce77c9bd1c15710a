from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from typing import Literal, cast
import datetime

if TYPE_CHECKING:
  from ..models.patient_out import PatientOut
  from ..models.trial_summary_out import TrialSummaryOut





T = TypeVar("T", bound="MatchSummaryResponse")



@_attrs_define
class MatchSummaryResponse:
    """ The answer of POST /match?view=summary: per trial only what decides it, for callers of many trials.

        Attributes:
            as_of (datetime.date):
            catalog_version (str):
            patient (PatientOut):
            results (list[TrialSummaryOut]):
            view (Literal['summary']):
            warnings (list[str]):
     """

    as_of: datetime.date
    catalog_version: str
    patient: PatientOut
    results: list[TrialSummaryOut]
    view: Literal['summary']
    warnings: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.trial_summary_out import TrialSummaryOut # noqa: PLC0415
        as_of = self.as_of.isoformat()

        catalog_version = self.catalog_version

        patient = self.patient.to_dict()

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)



        view = self.view

        warnings = self.warnings




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "asOf": as_of,
            "catalogVersion": catalog_version,
            "patient": patient,
            "results": results,
            "view": view,
            "warnings": warnings,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.trial_summary_out import TrialSummaryOut # noqa: PLC0415
        d = dict(src_dict)
        as_of = datetime.date.fromisoformat(d.pop("asOf"))




        catalog_version = d.pop("catalogVersion")

        patient = PatientOut.from_dict(d.pop("patient"))




        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = TrialSummaryOut.from_dict(results_item_data)



            results.append(results_item)


        view = cast(Literal['summary'] , d.pop("view"))
        if view != 'summary':
            raise ValueError(f"view must match const 'summary', got '{view}'")

        warnings = cast(list[str], d.pop("warnings"))


        match_summary_response = cls(
            as_of=as_of,
            catalog_version=catalog_version,
            patient=patient,
            results=results,
            view=view,
            warnings=warnings,
        )


        match_summary_response.additional_properties = d
        return match_summary_response

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
