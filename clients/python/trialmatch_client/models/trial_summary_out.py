from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.trial_summary_out_status import TrialSummaryOutStatus
from typing import cast

if TYPE_CHECKING:
  from ..models.failed_criterion_out import FailedCriterionOut
  from ..models.trial_ref import TrialRef
  from ..models.unknown_criterion_out import UnknownCriterionOut





T = TypeVar("T", bound="TrialSummaryOut")



@_attrs_define
class TrialSummaryOut:
    """ 
        Attributes:
            exclusion_reasons (list[str]):
            failed (list[FailedCriterionOut]): Failed criteria (parts, and lines without parts).
            missing_data (list[str]):
            rank (int):
            score (float): Share of decidable criteria that pass.
            status (TrialSummaryOutStatus):
            to_review (list[str]): Items a person must confirm (an eligible trial with some reads 'eligible, pending N
                review items')
            trial (TrialRef):
            unknown (list[UnknownCriterionOut]): Undecided criteria (parts, and lines without parts).
     """

    exclusion_reasons: list[str]
    failed: list[FailedCriterionOut]
    missing_data: list[str]
    rank: int
    score: float
    status: TrialSummaryOutStatus
    to_review: list[str]
    trial: TrialRef
    unknown: list[UnknownCriterionOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.failed_criterion_out import FailedCriterionOut # noqa: PLC0415
        from ..models.trial_ref import TrialRef # noqa: PLC0415
        from ..models.unknown_criterion_out import UnknownCriterionOut # noqa: PLC0415
        exclusion_reasons = self.exclusion_reasons



        failed = []
        for failed_item_data in self.failed:
            failed_item = failed_item_data.to_dict()
            failed.append(failed_item)



        missing_data = self.missing_data



        rank = self.rank

        score = self.score

        status = self.status.value

        to_review = self.to_review



        trial = self.trial.to_dict()

        unknown = []
        for unknown_item_data in self.unknown:
            unknown_item = unknown_item_data.to_dict()
            unknown.append(unknown_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "exclusionReasons": exclusion_reasons,
            "failed": failed,
            "missingData": missing_data,
            "rank": rank,
            "score": score,
            "status": status,
            "toReview": to_review,
            "trial": trial,
            "unknown": unknown,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failed_criterion_out import FailedCriterionOut # noqa: PLC0415
        from ..models.trial_ref import TrialRef # noqa: PLC0415
        from ..models.unknown_criterion_out import UnknownCriterionOut # noqa: PLC0415
        d = dict(src_dict)
        exclusion_reasons = cast(list[str], d.pop("exclusionReasons"))


        failed = []
        _failed = d.pop("failed")
        for failed_item_data in (_failed):
            failed_item = FailedCriterionOut.from_dict(failed_item_data)



            failed.append(failed_item)


        missing_data = cast(list[str], d.pop("missingData"))


        rank = d.pop("rank")

        score = d.pop("score")

        status = TrialSummaryOutStatus(d.pop("status"))




        to_review = cast(list[str], d.pop("toReview"))


        trial = TrialRef.from_dict(d.pop("trial"))




        unknown = []
        _unknown = d.pop("unknown")
        for unknown_item_data in (_unknown):
            unknown_item = UnknownCriterionOut.from_dict(unknown_item_data)



            unknown.append(unknown_item)


        trial_summary_out = cls(
            exclusion_reasons=exclusion_reasons,
            failed=failed,
            missing_data=missing_data,
            rank=rank,
            score=score,
            status=status,
            to_review=to_review,
            trial=trial,
            unknown=unknown,
        )


        trial_summary_out.additional_properties = d
        return trial_summary_out

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
