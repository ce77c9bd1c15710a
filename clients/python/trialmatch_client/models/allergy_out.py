from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="AllergyOut")



@_attrs_define
class AllergyOut:
    """ 
        Attributes:
            categories (list[str]):
            codes (list[str]):
            criticality (None | str):
            display (str):
            reference (str):
            severity (None | str):
            status (None | str):
     """

    categories: list[str]
    codes: list[str]
    criticality: None | str
    display: str
    reference: str
    severity: None | str
    status: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        categories = self.categories



        codes = self.codes



        criticality: None | str
        criticality = self.criticality

        display = self.display

        reference = self.reference

        severity: None | str
        severity = self.severity

        status: None | str
        status = self.status


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "categories": categories,
            "codes": codes,
            "criticality": criticality,
            "display": display,
            "reference": reference,
            "severity": severity,
            "status": status,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        categories = cast(list[str], d.pop("categories"))


        codes = cast(list[str], d.pop("codes"))


        def _parse_criticality(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        criticality = _parse_criticality(d.pop("criticality"))


        display = d.pop("display")

        reference = d.pop("reference")

        def _parse_severity(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        severity = _parse_severity(d.pop("severity"))


        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status = _parse_status(d.pop("status"))


        allergy_out = cls(
            categories=categories,
            codes=codes,
            criticality=criticality,
            display=display,
            reference=reference,
            severity=severity,
            status=status,
        )


        allergy_out.additional_properties = d
        return allergy_out

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
