from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.match_parameter_name import MatchParameterName
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.contained_patient import ContainedPatient
  from ..models.patient_bundle import PatientBundle





T = TypeVar("T", bound="MatchParameter")



@_attrs_define
class MatchParameter:
    """ One $match parameter: 'resource' with resource (the patient's Bundle, or a Patient whose record is contained),
    'onlyCertainMatches' with valueBoolean (only eligible trials with no review item pending), or 'count' with
    valueInteger (at most this many trials, 1 to 1000).

        Attributes:
            name (MatchParameterName):
            resource (ContainedPatient | PatientBundle | Unset):
            value_boolean (bool | Unset):
            value_integer (int | Unset):
            value_positive_int (int | Unset):
     """

    name: MatchParameterName
    resource: ContainedPatient | PatientBundle | Unset = UNSET
    value_boolean: bool | Unset = UNSET
    value_integer: int | Unset = UNSET
    value_positive_int: int | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.contained_patient import ContainedPatient # noqa: PLC0415
        from ..models.patient_bundle import PatientBundle # noqa: PLC0415
        name = self.name.value

        resource: dict[str, Any] | Unset
        if isinstance(self.resource, Unset):
            resource = UNSET
        elif isinstance(self.resource, PatientBundle):
            resource = self.resource.to_dict()
        else:
            resource = self.resource.to_dict()


        value_boolean = self.value_boolean

        value_integer = self.value_integer

        value_positive_int = self.value_positive_int


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "name": name,
        })
        if resource is not UNSET:
            field_dict["resource"] = resource
        if value_boolean is not UNSET:
            field_dict["valueBoolean"] = value_boolean
        if value_integer is not UNSET:
            field_dict["valueInteger"] = value_integer
        if value_positive_int is not UNSET:
            field_dict["valuePositiveInt"] = value_positive_int

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contained_patient import ContainedPatient # noqa: PLC0415
        from ..models.patient_bundle import PatientBundle # noqa: PLC0415
        d = dict(src_dict)
        name = MatchParameterName(d.pop("name"))




        def _parse_resource(data: object) -> ContainedPatient | PatientBundle | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                resource_type_0 = PatientBundle.from_dict(data)



                return resource_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            resource_type_1 = ContainedPatient.from_dict(data)



            return resource_type_1

        resource = _parse_resource(d.pop("resource", UNSET))


        value_boolean = d.pop("valueBoolean", UNSET)

        value_integer = d.pop("valueInteger", UNSET)

        value_positive_int = d.pop("valuePositiveInt", UNSET)

        match_parameter = cls(
            name=name,
            resource=resource,
            value_boolean=value_boolean,
            value_integer=value_integer,
            value_positive_int=value_positive_int,
        )

        return match_parameter

