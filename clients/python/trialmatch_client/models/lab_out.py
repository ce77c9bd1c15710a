from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="LabOut")



@_attrs_define
class LabOut:
    """ 
        Attributes:
            analyte (str):
            code (str):
            comparator (None | str):
            converted (bool):
            date (datetime.date):
            original (str): The value and unit as reported.
            positive (bool | None): Positive/detected, negative/not detected, or null.
            reference (str):
            status (str):
            unit (str): Canonical UCUM unit.
            upper_limit_of_normal (float | None):
            value (float | None): Value in the canonical unit (null for qualitative results).
     """

    analyte: str
    code: str
    comparator: None | str
    converted: bool
    date: datetime.date
    original: str
    positive: bool | None
    reference: str
    status: str
    unit: str
    upper_limit_of_normal: float | None
    value: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        analyte = self.analyte

        code = self.code

        comparator: None | str
        comparator = self.comparator

        converted = self.converted

        date = self.date.isoformat()

        original = self.original

        positive: bool | None
        positive = self.positive

        reference = self.reference

        status = self.status

        unit = self.unit

        upper_limit_of_normal: float | None
        upper_limit_of_normal = self.upper_limit_of_normal

        value: float | None
        value = self.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "analyte": analyte,
            "code": code,
            "comparator": comparator,
            "converted": converted,
            "date": date,
            "original": original,
            "positive": positive,
            "reference": reference,
            "status": status,
            "unit": unit,
            "upperLimitOfNormal": upper_limit_of_normal,
            "value": value,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        analyte = d.pop("analyte")

        code = d.pop("code")

        def _parse_comparator(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        comparator = _parse_comparator(d.pop("comparator"))


        converted = d.pop("converted")

        date = datetime.date.fromisoformat(d.pop("date"))




        original = d.pop("original")

        def _parse_positive(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        positive = _parse_positive(d.pop("positive"))


        reference = d.pop("reference")

        status = d.pop("status")

        unit = d.pop("unit")

        def _parse_upper_limit_of_normal(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        upper_limit_of_normal = _parse_upper_limit_of_normal(d.pop("upperLimitOfNormal"))


        def _parse_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        value = _parse_value(d.pop("value"))


        lab_out = cls(
            analyte=analyte,
            code=code,
            comparator=comparator,
            converted=converted,
            date=date,
            original=original,
            positive=positive,
            reference=reference,
            status=status,
            unit=unit,
            upper_limit_of_normal=upper_limit_of_normal,
            value=value,
        )


        lab_out.additional_properties = d
        return lab_out

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
