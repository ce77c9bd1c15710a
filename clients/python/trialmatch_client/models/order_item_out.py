from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.order_criterion_out import OrderCriterionOut





T = TypeVar("T", bound="OrderItemOut")



@_attrs_define
class OrderItemOut:
    """ 
        Attributes:
            completes (list[str]): Of those, the trials for which it is all that is missing.
            criteria (list[OrderCriterionOut]):
            key (str): Stable key of the item, to add items up across patients.
            label (str): What to order, with the look-back window that satisfies every criterion.
            purposes (list[str]): Scores the item is an input of, when it is needed for one.
            trials (list[str]): Undecided (possibly eligible) trials that wait on it, best first.
     """

    completes: list[str]
    criteria: list[OrderCriterionOut]
    key: str
    label: str
    purposes: list[str]
    trials: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.order_criterion_out import OrderCriterionOut # noqa: PLC0415
        completes = self.completes



        criteria = []
        for criteria_item_data in self.criteria:
            criteria_item = criteria_item_data.to_dict()
            criteria.append(criteria_item)



        key = self.key

        label = self.label

        purposes = self.purposes



        trials = self.trials




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "completes": completes,
            "criteria": criteria,
            "key": key,
            "label": label,
            "purposes": purposes,
            "trials": trials,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order_criterion_out import OrderCriterionOut # noqa: PLC0415
        d = dict(src_dict)
        completes = cast(list[str], d.pop("completes"))


        criteria = []
        _criteria = d.pop("criteria")
        for criteria_item_data in (_criteria):
            criteria_item = OrderCriterionOut.from_dict(criteria_item_data)



            criteria.append(criteria_item)


        key = d.pop("key")

        label = d.pop("label")

        purposes = cast(list[str], d.pop("purposes"))


        trials = cast(list[str], d.pop("trials"))


        order_item_out = cls(
            completes=completes,
            criteria=criteria,
            key=key,
            label=label,
            purposes=purposes,
            trials=trials,
        )


        order_item_out.additional_properties = d
        return order_item_out

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
