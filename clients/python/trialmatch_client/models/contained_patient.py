from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.contained_patient_resource_type import ContainedPatientResourceType
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.contained_patient_contained_item import ContainedPatientContainedItem





T = TypeVar("T", bound="ContainedPatient")



@_attrs_define
class ContainedPatient:
    """ A FHIR R4 Patient whose record is in Patient.contained; '#' references the Patient, '#x' the contained resource with
    id x.

        Attributes:
            resource_type (ContainedPatientResourceType):
            contained (list[ContainedPatientContainedItem] | Unset):
            id (str | Unset):
     """

    resource_type: ContainedPatientResourceType
    contained: list[ContainedPatientContainedItem] | Unset = UNSET
    id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.contained_patient_contained_item import ContainedPatientContainedItem # noqa: PLC0415
        resource_type = self.resource_type.value

        contained: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.contained, Unset):
            contained = []
            for contained_item_data in self.contained:
                contained_item = contained_item_data.to_dict()
                contained.append(contained_item)



        id = self.id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "resourceType": resource_type,
        })
        if contained is not UNSET:
            field_dict["contained"] = contained
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contained_patient_contained_item import ContainedPatientContainedItem # noqa: PLC0415
        d = dict(src_dict)
        resource_type = ContainedPatientResourceType(d.pop("resourceType"))




        _contained = d.pop("contained", UNSET)
        contained: list[ContainedPatientContainedItem] | Unset = UNSET
        if _contained is not UNSET:
            contained = []
            for contained_item_data in _contained:
                contained_item = ContainedPatientContainedItem.from_dict(contained_item_data)



                contained.append(contained_item)


        id = d.pop("id", UNSET)

        contained_patient = cls(
            resource_type=resource_type,
            contained=contained,
            id=id,
        )


        contained_patient.additional_properties = d
        return contained_patient

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
