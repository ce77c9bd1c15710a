from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.cds_feedback_feedback_card_feedback import CdsFeedbackFeedbackCardFeedback





T = TypeVar("T", bound="CdsFeedbackFeedback")



@_attrs_define
class CdsFeedbackFeedback:
    """ The body of POST /cds-services/{id}/feedback.

        Attributes:
            feedback (list[CdsFeedbackFeedbackCardFeedback]):
     """

    feedback: list[CdsFeedbackFeedbackCardFeedback]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cds_feedback_feedback_card_feedback import CdsFeedbackFeedbackCardFeedback # noqa: PLC0415
        feedback = []
        for feedback_item_data in self.feedback:
            feedback_item = feedback_item_data.to_dict()
            feedback.append(feedback_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "feedback": feedback,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cds_feedback_feedback_card_feedback import CdsFeedbackFeedbackCardFeedback # noqa: PLC0415
        d = dict(src_dict)
        feedback = []
        _feedback = d.pop("feedback")
        for feedback_item_data in (_feedback):
            feedback_item = CdsFeedbackFeedbackCardFeedback.from_dict(feedback_item_data)



            feedback.append(feedback_item)


        cds_feedback_feedback = cls(
            feedback=feedback,
        )


        cds_feedback_feedback.additional_properties = d
        return cds_feedback_feedback

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
