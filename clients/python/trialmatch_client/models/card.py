from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.card_indicator import CardIndicator
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.card_link import CardLink
  from ..models.card_source import CardSource





T = TypeVar("T", bound="Card")



@_attrs_define
class Card:
    """ 
        Attributes:
            detail (str):
            indicator (CardIndicator):
            source (CardSource):
            summary (str):
            uuid (str):
            links (list[CardLink] | None | Unset):
     """

    detail: str
    indicator: CardIndicator
    source: CardSource
    summary: str
    uuid: str
    links: list[CardLink] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.card_link import CardLink # noqa: PLC0415
        from ..models.card_source import CardSource # noqa: PLC0415
        detail = self.detail

        indicator = self.indicator.value

        source = self.source.to_dict()

        summary = self.summary

        uuid = self.uuid

        links: list[dict[str, Any]] | None | Unset
        if isinstance(self.links, Unset):
            links = UNSET
        elif isinstance(self.links, list):
            links = []
            for links_type_0_item_data in self.links:
                links_type_0_item = links_type_0_item_data.to_dict()
                links.append(links_type_0_item)


        else:
            links = self.links


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "detail": detail,
            "indicator": indicator,
            "source": source,
            "summary": summary,
            "uuid": uuid,
        })
        if links is not UNSET:
            field_dict["links"] = links

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.card_link import CardLink # noqa: PLC0415
        from ..models.card_source import CardSource # noqa: PLC0415
        d = dict(src_dict)
        detail = d.pop("detail")

        indicator = CardIndicator(d.pop("indicator"))




        source = CardSource.from_dict(d.pop("source"))




        summary = d.pop("summary")

        uuid = d.pop("uuid")

        def _parse_links(data: object) -> list[CardLink] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                links_type_0 = []
                _links_type_0 = data
                for links_type_0_item_data in (_links_type_0):
                    links_type_0_item = CardLink.from_dict(links_type_0_item_data)



                    links_type_0.append(links_type_0_item)

                return links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CardLink] | None | Unset, data)

        links = _parse_links(d.pop("links", UNSET))


        card = cls(
            detail=detail,
            indicator=indicator,
            source=source,
            summary=summary,
            uuid=uuid,
            links=links,
        )


        card.additional_properties = d
        return card

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
