from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.match_parameters_resource_type import MatchParametersResourceType
from typing import cast

if TYPE_CHECKING:
  from ..models.match_parameter import MatchParameter





T = TypeVar("T", bound="MatchParameters")



@_attrs_define
class MatchParameters:
    """ A FHIR R4 Parameters resource (https://hl7.org/fhir/R4/parameters.html), the $match input the CodeX trial-matching
    guidance uses: 'resource' once (required), 'onlyCertainMatches' and 'count' at most once each; any other name, a
    repeat or a wrong value type is a 422.

        Attributes:
            parameter (list[MatchParameter]):
            resource_type (MatchParametersResourceType):
     """

    parameter: list[MatchParameter]
    resource_type: MatchParametersResourceType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.match_parameter import MatchParameter # noqa: PLC0415
        parameter = []
        for parameter_item_data in self.parameter:
            parameter_item = parameter_item_data.to_dict()
            parameter.append(parameter_item)



        resource_type = self.resource_type.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "parameter": parameter,
            "resourceType": resource_type,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.match_parameter import MatchParameter # noqa: PLC0415
        d = dict(src_dict)
        parameter = []
        _parameter = d.pop("parameter")
        for parameter_item_data in (_parameter):
            parameter_item = MatchParameter.from_dict(parameter_item_data)



            parameter.append(parameter_item)


        resource_type = MatchParametersResourceType(d.pop("resourceType"))




        match_parameters = cls(
            parameter=parameter,
            resource_type=resource_type,
        )


        match_parameters.additional_properties = d
        return match_parameters

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
