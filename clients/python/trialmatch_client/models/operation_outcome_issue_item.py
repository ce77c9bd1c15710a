from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="OperationOutcomeIssueItem")



@_attrs_define
class OperationOutcomeIssueItem:
    """ 
        Attributes:
            code (str):
            severity (str):
            diagnostics (str | Unset):
            expression (list[str] | Unset):
     """

    code: str
    severity: str
    diagnostics: str | Unset = UNSET
    expression: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        code = self.code

        severity = self.severity

        diagnostics = self.diagnostics

        expression: list[str] | Unset = UNSET
        if not isinstance(self.expression, Unset):
            expression = self.expression




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "code": code,
            "severity": severity,
        })
        if diagnostics is not UNSET:
            field_dict["diagnostics"] = diagnostics
        if expression is not UNSET:
            field_dict["expression"] = expression

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        severity = d.pop("severity")

        diagnostics = d.pop("diagnostics", UNSET)

        expression = cast(list[str], d.pop("expression", UNSET))


        operation_outcome_issue_item = cls(
            code=code,
            severity=severity,
            diagnostics=diagnostics,
            expression=expression,
        )


        operation_outcome_issue_item.additional_properties = d
        return operation_outcome_issue_item

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
