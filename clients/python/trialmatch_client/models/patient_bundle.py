from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.patient_bundle_resource_type import PatientBundleResourceType
from ..models.patient_bundle_type import PatientBundleType
from typing import cast

if TYPE_CHECKING:
  from ..models.patient_bundle_entry_item import PatientBundleEntryItem





T = TypeVar("T", bound="PatientBundle")



@_attrs_define
class PatientBundle:
    """ A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding exactly one Patient.

        Attributes:
            entry (list[PatientBundleEntryItem]):
            resource_type (PatientBundleResourceType):
            type_ (PatientBundleType):
     """

    entry: list[PatientBundleEntryItem]
    resource_type: PatientBundleResourceType
    type_: PatientBundleType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.patient_bundle_entry_item import PatientBundleEntryItem # noqa: PLC0415
        entry = []
        for entry_item_data in self.entry:
            entry_item = entry_item_data.to_dict()
            entry.append(entry_item)



        resource_type = self.resource_type.value

        type_ = self.type_.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "entry": entry,
            "resourceType": resource_type,
            "type": type_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patient_bundle_entry_item import PatientBundleEntryItem # noqa: PLC0415
        d = dict(src_dict)
        entry = []
        _entry = d.pop("entry")
        for entry_item_data in (_entry):
            entry_item = PatientBundleEntryItem.from_dict(entry_item_data)



            entry.append(entry_item)


        resource_type = PatientBundleResourceType(d.pop("resourceType"))




        type_ = PatientBundleType(d.pop("type"))




        patient_bundle = cls(
            entry=entry,
            resource_type=resource_type,
            type_=type_,
        )


        patient_bundle.additional_properties = d
        return patient_bundle

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
