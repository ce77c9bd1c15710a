from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.criterion_definition import CriterionDefinition
  from ..models.trial_summary import TrialSummary





T = TypeVar("T", bound="TrialDetail")



@_attrs_define
class TrialDetail:
    """ 
        Attributes:
            catalog_version (str):
            criteria (list[CriterionDefinition]):
            trial (TrialSummary):
     """

    catalog_version: str
    criteria: list[CriterionDefinition]
    trial: TrialSummary
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.criterion_definition import CriterionDefinition # noqa: PLC0415
        from ..models.trial_summary import TrialSummary # noqa: PLC0415
        catalog_version = self.catalog_version

        criteria = []
        for criteria_item_data in self.criteria:
            criteria_item = criteria_item_data.to_dict()
            criteria.append(criteria_item)



        trial = self.trial.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "catalogVersion": catalog_version,
            "criteria": criteria,
            "trial": trial,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.criterion_definition import CriterionDefinition # noqa: PLC0415
        from ..models.trial_summary import TrialSummary # noqa: PLC0415
        d = dict(src_dict)
        catalog_version = d.pop("catalogVersion")

        criteria = []
        _criteria = d.pop("criteria")
        for criteria_item_data in (_criteria):
            criteria_item = CriterionDefinition.from_dict(criteria_item_data)



            criteria.append(criteria_item)


        trial = TrialSummary.from_dict(d.pop("trial"))




        trial_detail = cls(
            catalog_version=catalog_version,
            criteria=criteria,
            trial=trial,
        )


        trial_detail.additional_properties = d
        return trial_detail

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
