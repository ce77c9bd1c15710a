from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.fhir_bundle_resource_type import FhirBundleResourceType
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.fhir_bundle_entry_item import FhirBundleEntryItem





T = TypeVar("T", bound="FhirBundle")



@_attrs_define
class FhirBundle:
    """ A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html).

        Attributes:
            resource_type (FhirBundleResourceType):
            entry (list[FhirBundleEntryItem] | Unset):
            type_ (str | Unset):
     """

    resource_type: FhirBundleResourceType
    entry: list[FhirBundleEntryItem] | Unset = UNSET
    type_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.fhir_bundle_entry_item import FhirBundleEntryItem # noqa: PLC0415
        resource_type = self.resource_type.value

        entry: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.entry, Unset):
            entry = []
            for entry_item_data in self.entry:
                entry_item = entry_item_data.to_dict()
                entry.append(entry_item)



        type_ = self.type_


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "resourceType": resource_type,
        })
        if entry is not UNSET:
            field_dict["entry"] = entry
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fhir_bundle_entry_item import FhirBundleEntryItem # noqa: PLC0415
        d = dict(src_dict)
        resource_type = FhirBundleResourceType(d.pop("resourceType"))




        _entry = d.pop("entry", UNSET)
        entry: list[FhirBundleEntryItem] | Unset = UNSET
        if _entry is not UNSET:
            entry = []
            for entry_item_data in _entry:
                entry_item = FhirBundleEntryItem.from_dict(entry_item_data)



                entry.append(entry_item)


        type_ = d.pop("type", UNSET)

        fhir_bundle = cls(
            resource_type=resource_type,
            entry=entry,
            type_=type_,
        )


        fhir_bundle.additional_properties = d
        return fhir_bundle

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
