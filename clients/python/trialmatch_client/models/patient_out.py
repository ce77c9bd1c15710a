from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="PatientOut")



@_attrs_define
class PatientOut:
    """ 
        Attributes:
            age (int | None): Age in completed years on the as-of date; null if unknown or uncertain.
            age_range (list[int] | None): Smallest and largest possible age (partial birth dates).
            id (str):
            sex (None | str):
            deceased (bool | None | Unset):
     """

    age: int | None
    age_range: list[int] | None
    id: str
    sex: None | str
    deceased: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        age: int | None
        age = self.age

        age_range: list[int] | None
        if isinstance(self.age_range, list):
            age_range = []
            for age_range_type_0_item_data in self.age_range:
                age_range_type_0_item: int
                age_range_type_0_item = age_range_type_0_item_data
                age_range.append(age_range_type_0_item)


        else:
            age_range = self.age_range

        id = self.id

        sex: None | str
        sex = self.sex

        deceased: bool | None | Unset
        if isinstance(self.deceased, Unset):
            deceased = UNSET
        else:
            deceased = self.deceased


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "age": age,
            "ageRange": age_range,
            "id": id,
            "sex": sex,
        })
        if deceased is not UNSET:
            field_dict["deceased"] = deceased

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_age(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        age = _parse_age(d.pop("age"))


        def _parse_age_range(data: object) -> list[int] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                age_range_type_0 = []
                _age_range_type_0 = data
                for age_range_type_0_item_data in (_age_range_type_0):
                    def _parse_age_range_type_0_item(data: object) -> int:
                        return cast(int, data)

                    age_range_type_0_item = _parse_age_range_type_0_item(age_range_type_0_item_data)

                    age_range_type_0.append(age_range_type_0_item)

                return age_range_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None, data)

        age_range = _parse_age_range(d.pop("ageRange"))


        id = d.pop("id")

        def _parse_sex(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sex = _parse_sex(d.pop("sex"))


        def _parse_deceased(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        deceased = _parse_deceased(d.pop("deceased", UNSET))


        patient_out = cls(
            age=age,
            age_range=age_range,
            id=id,
            sex=sex,
            deceased=deceased,
        )


        patient_out.additional_properties = d
        return patient_out

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
