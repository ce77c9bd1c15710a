from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.score_out import ScoreOut





T = TypeVar("T", bound="Scores")



@_attrs_define
class Scores:
    """ One field per score the service computes; each has a value or the inputs it still needs.

        Attributes:
            bmi (ScoreOut):
            child_pugh (ScoreOut):
            meld (ScoreOut):
            meld3 (ScoreOut):
            meld_na (ScoreOut):
     """

    bmi: ScoreOut
    child_pugh: ScoreOut
    meld: ScoreOut
    meld3: ScoreOut
    meld_na: ScoreOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.score_out import ScoreOut # noqa: PLC0415
        bmi = self.bmi.to_dict()

        child_pugh = self.child_pugh.to_dict()

        meld = self.meld.to_dict()

        meld3 = self.meld3.to_dict()

        meld_na = self.meld_na.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "bmi": bmi,
            "childPugh": child_pugh,
            "meld": meld,
            "meld3": meld3,
            "meldNa": meld_na,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.score_out import ScoreOut # noqa: PLC0415
        d = dict(src_dict)
        bmi = ScoreOut.from_dict(d.pop("bmi"))




        child_pugh = ScoreOut.from_dict(d.pop("childPugh"))




        meld = ScoreOut.from_dict(d.pop("meld"))




        meld3 = ScoreOut.from_dict(d.pop("meld3"))




        meld_na = ScoreOut.from_dict(d.pop("meldNa"))




        scores = cls(
            bmi=bmi,
            child_pugh=child_pugh,
            meld=meld,
            meld3=meld3,
            meld_na=meld_na,
        )


        scores.additional_properties = d
        return scores

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
