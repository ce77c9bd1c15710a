from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.order_item_out import OrderItemOut
  from ..models.patient_out import PatientOut
  from ..models.scores import Scores
  from ..models.trial_result_out import TrialResultOut





T = TypeVar("T", bound="MatchResponse")



@_attrs_define
class MatchResponse:
    """ 
        Attributes:
            as_of (datetime.date):
            catalog_version (str):
            order_next (list[OrderItemOut]): The missing data across undecided trials, ranked by how many trial decisions
                wait on it.
            patient (PatientOut):
            results (list[TrialResultOut]):
            scores (Scores): One field per score the service computes; each has a value or the inputs it still needs.
            warnings (list[str]):
     """

    as_of: datetime.date
    catalog_version: str
    order_next: list[OrderItemOut]
    patient: PatientOut
    results: list[TrialResultOut]
    scores: Scores
    warnings: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.order_item_out import OrderItemOut # noqa: PLC0415
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.scores import Scores # noqa: PLC0415
        from ..models.trial_result_out import TrialResultOut # noqa: PLC0415
        as_of = self.as_of.isoformat()

        catalog_version = self.catalog_version

        order_next = []
        for order_next_item_data in self.order_next:
            order_next_item = order_next_item_data.to_dict()
            order_next.append(order_next_item)



        patient = self.patient.to_dict()

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)



        scores = self.scores.to_dict()

        warnings = self.warnings




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "asOf": as_of,
            "catalogVersion": catalog_version,
            "orderNext": order_next,
            "patient": patient,
            "results": results,
            "scores": scores,
            "warnings": warnings,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order_item_out import OrderItemOut # noqa: PLC0415
        from ..models.patient_out import PatientOut # noqa: PLC0415
        from ..models.scores import Scores # noqa: PLC0415
        from ..models.trial_result_out import TrialResultOut # noqa: PLC0415
        d = dict(src_dict)
        as_of = datetime.date.fromisoformat(d.pop("asOf"))




        catalog_version = d.pop("catalogVersion")

        order_next = []
        _order_next = d.pop("orderNext")
        for order_next_item_data in (_order_next):
            order_next_item = OrderItemOut.from_dict(order_next_item_data)



            order_next.append(order_next_item)


        patient = PatientOut.from_dict(d.pop("patient"))




        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = TrialResultOut.from_dict(results_item_data)



            results.append(results_item)


        scores = Scores.from_dict(d.pop("scores"))




        warnings = cast(list[str], d.pop("warnings"))


        match_response = cls(
            as_of=as_of,
            catalog_version=catalog_version,
            order_next=order_next,
            patient=patient,
            results=results,
            scores=scores,
            warnings=warnings,
        )


        match_response.additional_properties = d
        return match_response

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
