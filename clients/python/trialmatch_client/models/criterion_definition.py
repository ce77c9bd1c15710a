from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.criterion_definition_review_kind_type_0 import CriterionDefinitionReviewKindType0
from ..models.criterion_definition_type import CriterionDefinitionType
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="CriterionDefinition")



@_attrs_define
class CriterionDefinition:
    """ 
        Attributes:
            id (str):
            interpretation (None | str):
            logic (None | str): The computed logic in readable form; null for review items.
            parent_id (None | str):
            review (None | str):
            text (str):
            type_ (CriterionDefinitionType):
            review_kind (CriterionDefinitionReviewKindType0 | None | Unset): For a review item: needs a person's judgement,
                or not computable from FHIR data.
     """

    id: str
    interpretation: None | str
    logic: None | str
    parent_id: None | str
    review: None | str
    text: str
    type_: CriterionDefinitionType
    review_kind: CriterionDefinitionReviewKindType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        interpretation: None | str
        interpretation = self.interpretation

        logic: None | str
        logic = self.logic

        parent_id: None | str
        parent_id = self.parent_id

        review: None | str
        review = self.review

        text = self.text

        type_ = self.type_.value

        review_kind: None | str | Unset
        if isinstance(self.review_kind, Unset):
            review_kind = UNSET
        elif isinstance(self.review_kind, CriterionDefinitionReviewKindType0):
            review_kind = self.review_kind.value
        else:
            review_kind = self.review_kind


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "interpretation": interpretation,
            "logic": logic,
            "parentId": parent_id,
            "review": review,
            "text": text,
            "type": type_,
        })
        if review_kind is not UNSET:
            field_dict["reviewKind"] = review_kind

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_interpretation(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        interpretation = _parse_interpretation(d.pop("interpretation"))


        def _parse_logic(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        logic = _parse_logic(d.pop("logic"))


        def _parse_parent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        parent_id = _parse_parent_id(d.pop("parentId"))


        def _parse_review(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        review = _parse_review(d.pop("review"))


        text = d.pop("text")

        type_ = CriterionDefinitionType(d.pop("type"))




        def _parse_review_kind(data: object) -> CriterionDefinitionReviewKindType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                review_kind_type_0 = CriterionDefinitionReviewKindType0(data)



                return review_kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CriterionDefinitionReviewKindType0 | None | Unset, data)

        review_kind = _parse_review_kind(d.pop("reviewKind", UNSET))


        criterion_definition = cls(
            id=id,
            interpretation=interpretation,
            logic=logic,
            parent_id=parent_id,
            review=review,
            text=text,
            type_=type_,
            review_kind=review_kind,
        )


        criterion_definition.additional_properties = d
        return criterion_definition

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
