from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.criterion_out_outcome import CriterionOutOutcome
from ..models.criterion_out_review_kind_type_0 import CriterionOutReviewKindType0
from ..models.criterion_out_type import CriterionOutType
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.evidence_out import EvidenceOut





T = TypeVar("T", bound="CriterionOut")



@_attrs_define
class CriterionOut:
    """ 
        Attributes:
            evidence (list[EvidenceOut]):
            id (str):
            missing (list[str]): Data that would decide an unknown criterion.
            outcome (CriterionOutOutcome):
            parent_id (None | str):
            reason (str): What the data showed, with numbers, units and dates.
            text (str): The registry's words for this criterion.
            type_ (CriterionOutType):
            interpretation (None | str | Unset):
            review_kind (CriterionOutReviewKindType0 | None | Unset): For a review outcome: needs a person's judgement, or
                not computable from FHIR data.
     """

    evidence: list[EvidenceOut]
    id: str
    missing: list[str]
    outcome: CriterionOutOutcome
    parent_id: None | str
    reason: str
    text: str
    type_: CriterionOutType
    interpretation: None | str | Unset = UNSET
    review_kind: CriterionOutReviewKindType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.evidence_out import EvidenceOut # noqa: PLC0415
        evidence = []
        for evidence_item_data in self.evidence:
            evidence_item = evidence_item_data.to_dict()
            evidence.append(evidence_item)



        id = self.id

        missing = self.missing



        outcome = self.outcome.value

        parent_id: None | str
        parent_id = self.parent_id

        reason = self.reason

        text = self.text

        type_ = self.type_.value

        interpretation: None | str | Unset
        if isinstance(self.interpretation, Unset):
            interpretation = UNSET
        else:
            interpretation = self.interpretation

        review_kind: None | str | Unset
        if isinstance(self.review_kind, Unset):
            review_kind = UNSET
        elif isinstance(self.review_kind, CriterionOutReviewKindType0):
            review_kind = self.review_kind.value
        else:
            review_kind = self.review_kind


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "evidence": evidence,
            "id": id,
            "missing": missing,
            "outcome": outcome,
            "parentId": parent_id,
            "reason": reason,
            "text": text,
            "type": type_,
        })
        if interpretation is not UNSET:
            field_dict["interpretation"] = interpretation
        if review_kind is not UNSET:
            field_dict["reviewKind"] = review_kind

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.evidence_out import EvidenceOut # noqa: PLC0415
        d = dict(src_dict)
        evidence = []
        _evidence = d.pop("evidence")
        for evidence_item_data in (_evidence):
            evidence_item = EvidenceOut.from_dict(evidence_item_data)



            evidence.append(evidence_item)


        id = d.pop("id")

        missing = cast(list[str], d.pop("missing"))


        outcome = CriterionOutOutcome(d.pop("outcome"))




        def _parse_parent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        parent_id = _parse_parent_id(d.pop("parentId"))


        reason = d.pop("reason")

        text = d.pop("text")

        type_ = CriterionOutType(d.pop("type"))




        def _parse_interpretation(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        interpretation = _parse_interpretation(d.pop("interpretation", UNSET))


        def _parse_review_kind(data: object) -> CriterionOutReviewKindType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                review_kind_type_0 = CriterionOutReviewKindType0(data)



                return review_kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CriterionOutReviewKindType0 | None | Unset, data)

        review_kind = _parse_review_kind(d.pop("reviewKind", UNSET))


        criterion_out = cls(
            evidence=evidence,
            id=id,
            missing=missing,
            outcome=outcome,
            parent_id=parent_id,
            reason=reason,
            text=text,
            type_=type_,
            interpretation=interpretation,
            review_kind=review_kind,
        )


        criterion_out.additional_properties = d
        return criterion_out

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
