from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.patient_bundle_entry_item_resource_type_0 import PatientBundleEntryItemResourceType0





T = TypeVar("T", bound="PatientBundleEntryItem")



@_attrs_define
class PatientBundleEntryItem:
    """ 
        Attributes:
            full_url (Any | Unset): Read when it is a non-empty string; otherwise ignored.
            resource (None | PatientBundleEntryItemResourceType0 | Unset): Any FHIR R4 resource; an entry without one is
                passed over.
     """

    full_url: Any | Unset = UNSET
    resource: None | PatientBundleEntryItemResourceType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.patient_bundle_entry_item_resource_type_0 import PatientBundleEntryItemResourceType0 # noqa: PLC0415
        full_url = self.full_url

        resource: dict[str, Any] | None | Unset
        if isinstance(self.resource, Unset):
            resource = UNSET
        elif isinstance(self.resource, PatientBundleEntryItemResourceType0):
            resource = self.resource.to_dict()
        else:
            resource = self.resource


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if full_url is not UNSET:
            field_dict["fullUrl"] = full_url
        if resource is not UNSET:
            field_dict["resource"] = resource

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patient_bundle_entry_item_resource_type_0 import PatientBundleEntryItemResourceType0 # noqa: PLC0415
        d = dict(src_dict)
        full_url = d.pop("fullUrl", UNSET)

        def _parse_resource(data: object) -> None | PatientBundleEntryItemResourceType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                resource_type_0 = PatientBundleEntryItemResourceType0.from_dict(data)



                return resource_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PatientBundleEntryItemResourceType0 | Unset, data)

        resource = _parse_resource(d.pop("resource", UNSET))


        patient_bundle_entry_item = cls(
            full_url=full_url,
            resource=resource,
        )


        patient_bundle_entry_item.additional_properties = d
        return patient_bundle_entry_item

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
