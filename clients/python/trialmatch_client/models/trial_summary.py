from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.criteria_counts import CriteriaCounts





T = TypeVar("T", bound="TrialSummary")



@_attrs_define
class TrialSummary:
    """ 
        Attributes:
            criteria_counts (CriteriaCounts):
            id (str):
            phase (str):
            sponsor (str):
            title (str):
            url (str):
     """

    criteria_counts: CriteriaCounts
    id: str
    phase: str
    sponsor: str
    title: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.criteria_counts import CriteriaCounts # noqa: PLC0415
        criteria_counts = self.criteria_counts.to_dict()

        id = self.id

        phase = self.phase

        sponsor = self.sponsor

        title = self.title

        url = self.url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "criteriaCounts": criteria_counts,
            "id": id,
            "phase": phase,
            "sponsor": sponsor,
            "title": title,
            "url": url,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.criteria_counts import CriteriaCounts # noqa: PLC0415
        d = dict(src_dict)
        criteria_counts = CriteriaCounts.from_dict(d.pop("criteriaCounts"))




        id = d.pop("id")

        phase = d.pop("phase")

        sponsor = d.pop("sponsor")

        title = d.pop("title")

        url = d.pop("url")

        trial_summary = cls(
            criteria_counts=criteria_counts,
            id=id,
            phase=phase,
            sponsor=sponsor,
            title=title,
            url=url,
        )


        trial_summary.additional_properties = d
        return trial_summary

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
