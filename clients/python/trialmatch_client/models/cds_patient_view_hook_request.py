from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.cds_patient_view_hook_request_fhir_authorization_type_0 import CdsPatientViewHookRequestFhirAuthorizationType0
  from ..models.cds_patient_view_hook_request_hook_context import CdsPatientViewHookRequestHookContext
  from ..models.cds_patient_view_hook_request_prefetch_type_0 import CdsPatientViewHookRequestPrefetchType0





T = TypeVar("T", bound="CdsPatientViewHookRequest")



@_attrs_define
class CdsPatientViewHookRequest:
    """ A CDS Hooks request; prefetch, and keys it lacks fetched from ``fhirServer`` with ``fhirAuthorization``.

        Attributes:
            context (CdsPatientViewHookRequestHookContext): The patient-view context: the user and the patient whose chart
                is open.
            hook (str):
            hook_instance (str):
            fhir_authorization (CdsPatientViewHookRequestFhirAuthorizationType0 | None | Unset):
            fhir_server (None | str | Unset):
            prefetch (CdsPatientViewHookRequestPrefetchType0 | None | Unset):
     """

    context: CdsPatientViewHookRequestHookContext
    hook: str
    hook_instance: str
    fhir_authorization: CdsPatientViewHookRequestFhirAuthorizationType0 | None | Unset = UNSET
    fhir_server: None | str | Unset = UNSET
    prefetch: CdsPatientViewHookRequestPrefetchType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cds_patient_view_hook_request_fhir_authorization_type_0 import CdsPatientViewHookRequestFhirAuthorizationType0 # noqa: PLC0415
        from ..models.cds_patient_view_hook_request_hook_context import CdsPatientViewHookRequestHookContext # noqa: PLC0415
        from ..models.cds_patient_view_hook_request_prefetch_type_0 import CdsPatientViewHookRequestPrefetchType0 # noqa: PLC0415
        context = self.context.to_dict()

        hook = self.hook

        hook_instance = self.hook_instance

        fhir_authorization: dict[str, Any] | None | Unset
        if isinstance(self.fhir_authorization, Unset):
            fhir_authorization = UNSET
        elif isinstance(self.fhir_authorization, CdsPatientViewHookRequestFhirAuthorizationType0):
            fhir_authorization = self.fhir_authorization.to_dict()
        else:
            fhir_authorization = self.fhir_authorization

        fhir_server: None | str | Unset
        if isinstance(self.fhir_server, Unset):
            fhir_server = UNSET
        else:
            fhir_server = self.fhir_server

        prefetch: dict[str, Any] | None | Unset
        if isinstance(self.prefetch, Unset):
            prefetch = UNSET
        elif isinstance(self.prefetch, CdsPatientViewHookRequestPrefetchType0):
            prefetch = self.prefetch.to_dict()
        else:
            prefetch = self.prefetch


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "context": context,
            "hook": hook,
            "hookInstance": hook_instance,
        })
        if fhir_authorization is not UNSET:
            field_dict["fhirAuthorization"] = fhir_authorization
        if fhir_server is not UNSET:
            field_dict["fhirServer"] = fhir_server
        if prefetch is not UNSET:
            field_dict["prefetch"] = prefetch

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cds_patient_view_hook_request_fhir_authorization_type_0 import CdsPatientViewHookRequestFhirAuthorizationType0 # noqa: PLC0415
        from ..models.cds_patient_view_hook_request_hook_context import CdsPatientViewHookRequestHookContext # noqa: PLC0415
        from ..models.cds_patient_view_hook_request_prefetch_type_0 import CdsPatientViewHookRequestPrefetchType0 # noqa: PLC0415
        d = dict(src_dict)
        context = CdsPatientViewHookRequestHookContext.from_dict(d.pop("context"))




        hook = d.pop("hook")

        hook_instance = d.pop("hookInstance")

        def _parse_fhir_authorization(data: object) -> CdsPatientViewHookRequestFhirAuthorizationType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                fhir_authorization_type_0 = CdsPatientViewHookRequestFhirAuthorizationType0.from_dict(data)



                return fhir_authorization_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CdsPatientViewHookRequestFhirAuthorizationType0 | None | Unset, data)

        fhir_authorization = _parse_fhir_authorization(d.pop("fhirAuthorization", UNSET))


        def _parse_fhir_server(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fhir_server = _parse_fhir_server(d.pop("fhirServer", UNSET))


        def _parse_prefetch(data: object) -> CdsPatientViewHookRequestPrefetchType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prefetch_type_0 = CdsPatientViewHookRequestPrefetchType0.from_dict(data)



                return prefetch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CdsPatientViewHookRequestPrefetchType0 | None | Unset, data)

        prefetch = _parse_prefetch(d.pop("prefetch", UNSET))


        cds_patient_view_hook_request = cls(
            context=context,
            hook=hook,
            hook_instance=hook_instance,
            fhir_authorization=fhir_authorization,
            fhir_server=fhir_server,
            prefetch=prefetch,
        )


        cds_patient_view_hook_request.additional_properties = d
        return cds_patient_view_hook_request

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
