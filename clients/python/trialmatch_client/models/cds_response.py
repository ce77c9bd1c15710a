from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.card import Card
  from ..models.cds_response_extension_type_0 import CdsResponseExtensionType0





T = TypeVar("T", bound="CdsResponse")



@_attrs_define
class CdsResponse:
    """ 
        Attributes:
            cards (list[Card]):
            extension (CdsResponseExtensionType0 | None | Unset): trialmatch additions under reverse-domain keys
                (invalid.trialmatch.*).
     """

    cards: list[Card]
    extension: CdsResponseExtensionType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.card import Card # noqa: PLC0415
        from ..models.cds_response_extension_type_0 import CdsResponseExtensionType0 # noqa: PLC0415
        cards = []
        for cards_item_data in self.cards:
            cards_item = cards_item_data.to_dict()
            cards.append(cards_item)



        extension: dict[str, Any] | None | Unset
        if isinstance(self.extension, Unset):
            extension = UNSET
        elif isinstance(self.extension, CdsResponseExtensionType0):
            extension = self.extension.to_dict()
        else:
            extension = self.extension


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "cards": cards,
        })
        if extension is not UNSET:
            field_dict["extension"] = extension

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.card import Card # noqa: PLC0415
        from ..models.cds_response_extension_type_0 import CdsResponseExtensionType0 # noqa: PLC0415
        d = dict(src_dict)
        cards = []
        _cards = d.pop("cards")
        for cards_item_data in (_cards):
            cards_item = Card.from_dict(cards_item_data)



            cards.append(cards_item)


        def _parse_extension(data: object) -> CdsResponseExtensionType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                extension_type_0 = CdsResponseExtensionType0.from_dict(data)



                return extension_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CdsResponseExtensionType0 | None | Unset, data)

        extension = _parse_extension(d.pop("extension", UNSET))


        cds_response = cls(
            cards=cards,
            extension=extension,
        )


        cds_response.additional_properties = d
        return cds_response

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
