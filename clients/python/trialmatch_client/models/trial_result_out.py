from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.trial_result_out_status import TrialResultOutStatus
from typing import cast

if TYPE_CHECKING:
  from ..models.criterion_out import CriterionOut
  from ..models.trial_ref import TrialRef





T = TypeVar("T", bound="TrialResultOut")



@_attrs_define
class TrialResultOut:
    """ 
        Attributes:
            criteria (list[CriterionOut]):
            exclusion_reasons (list[str]):
            missing_data (list[str]):
            rank (int):
            score (float): Share of decidable criteria that pass.
            status (TrialResultOutStatus):
            to_review (list[str]):
            trial (TrialRef):
     """

    criteria: list[CriterionOut]
    exclusion_reasons: list[str]
    missing_data: list[str]
    rank: int
    score: float
    status: TrialResultOutStatus
    to_review: list[str]
    trial: TrialRef
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.criterion_out import CriterionOut # noqa: PLC0415
        from ..models.trial_ref import TrialRef # noqa: PLC0415
        criteria = []
        for criteria_item_data in self.criteria:
            criteria_item = criteria_item_data.to_dict()
            criteria.append(criteria_item)



        exclusion_reasons = self.exclusion_reasons



        missing_data = self.missing_data



        rank = self.rank

        score = self.score

        status = self.status.value

        to_review = self.to_review



        trial = self.trial.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "criteria": criteria,
            "exclusionReasons": exclusion_reasons,
            "missingData": missing_data,
            "rank": rank,
            "score": score,
            "status": status,
            "toReview": to_review,
            "trial": trial,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.criterion_out import CriterionOut # noqa: PLC0415
        from ..models.trial_ref import TrialRef # noqa: PLC0415
        d = dict(src_dict)
        criteria = []
        _criteria = d.pop("criteria")
        for criteria_item_data in (_criteria):
            criteria_item = CriterionOut.from_dict(criteria_item_data)



            criteria.append(criteria_item)


        exclusion_reasons = cast(list[str], d.pop("exclusionReasons"))


        missing_data = cast(list[str], d.pop("missingData"))


        rank = d.pop("rank")

        score = d.pop("score")

        status = TrialResultOutStatus(d.pop("status"))




        to_review = cast(list[str], d.pop("toReview"))


        trial = TrialRef.from_dict(d.pop("trial"))




        trial_result_out = cls(
            criteria=criteria,
            exclusion_reasons=exclusion_reasons,
            missing_data=missing_data,
            rank=rank,
            score=score,
            status=status,
            to_review=to_review,
            trial=trial,
        )


        trial_result_out.additional_properties = d
        return trial_result_out

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
