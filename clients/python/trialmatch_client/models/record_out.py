from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="RecordOut")



@_attrs_define
class RecordOut:
    """ 
        Attributes:
            codes (list[str]):
            display (str):
            end (None | str):
            ended (bool):
            kind (str):
            recorded (datetime.date | None):
            reference (str):
            severity (list[str]):
            start (None | str):
            status (None | str):
            verification (None | str):
     """

    codes: list[str]
    display: str
    end: None | str
    ended: bool
    kind: str
    recorded: datetime.date | None
    reference: str
    severity: list[str]
    start: None | str
    status: None | str
    verification: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        codes = self.codes



        display = self.display

        end: None | str
        end = self.end

        ended = self.ended

        kind = self.kind

        recorded: None | str
        if isinstance(self.recorded, datetime.date):
            recorded = self.recorded.isoformat()
        else:
            recorded = self.recorded

        reference = self.reference

        severity = self.severity



        start: None | str
        start = self.start

        status: None | str
        status = self.status

        verification: None | str
        verification = self.verification


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "codes": codes,
            "display": display,
            "end": end,
            "ended": ended,
            "kind": kind,
            "recorded": recorded,
            "reference": reference,
            "severity": severity,
            "start": start,
            "status": status,
            "verification": verification,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        codes = cast(list[str], d.pop("codes"))


        display = d.pop("display")

        def _parse_end(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        end = _parse_end(d.pop("end"))


        ended = d.pop("ended")

        kind = d.pop("kind")

        def _parse_recorded(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                recorded_type_0 = datetime.date.fromisoformat(data)



                return recorded_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        recorded = _parse_recorded(d.pop("recorded"))


        reference = d.pop("reference")

        severity = cast(list[str], d.pop("severity"))


        def _parse_start(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        start = _parse_start(d.pop("start"))


        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status = _parse_status(d.pop("status"))


        def _parse_verification(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        verification = _parse_verification(d.pop("verification"))


        record_out = cls(
            codes=codes,
            display=display,
            end=end,
            ended=ended,
            kind=kind,
            recorded=recorded,
            reference=reference,
            severity=severity,
            start=start,
            status=status,
            verification=verification,
        )


        record_out.additional_properties = d
        return record_out

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
