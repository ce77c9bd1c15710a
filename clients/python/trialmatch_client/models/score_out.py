from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.score_input_out import ScoreInputOut
  from ..models.score_out_detail import ScoreOutDetail





T = TypeVar("T", bound="ScoreOut")



@_attrs_define
class ScoreOut:
    """ 
        Attributes:
            detail (ScoreOutDetail):
            flags (list[str]):
            inputs (list[ScoreInputOut]):
            missing (list[str]):
            value (float | None):
     """

    detail: ScoreOutDetail
    flags: list[str]
    inputs: list[ScoreInputOut]
    missing: list[str]
    value: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.score_input_out import ScoreInputOut # noqa: PLC0415
        from ..models.score_out_detail import ScoreOutDetail # noqa: PLC0415
        detail = self.detail.to_dict()

        flags = self.flags



        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = inputs_item_data.to_dict()
            inputs.append(inputs_item)



        missing = self.missing



        value: float | None
        value = self.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "detail": detail,
            "flags": flags,
            "inputs": inputs,
            "missing": missing,
            "value": value,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.score_input_out import ScoreInputOut # noqa: PLC0415
        from ..models.score_out_detail import ScoreOutDetail # noqa: PLC0415
        d = dict(src_dict)
        detail = ScoreOutDetail.from_dict(d.pop("detail"))




        flags = cast(list[str], d.pop("flags"))


        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in (_inputs):
            inputs_item = ScoreInputOut.from_dict(inputs_item_data)



            inputs.append(inputs_item)


        missing = cast(list[str], d.pop("missing"))


        def _parse_value(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        value = _parse_value(d.pop("value"))


        score_out = cls(
            detail=detail,
            flags=flags,
            inputs=inputs,
            missing=missing,
            value=value,
        )


        score_out.additional_properties = d
        return score_out

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
