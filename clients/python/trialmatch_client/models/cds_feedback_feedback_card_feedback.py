from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.cds_feedback_feedback_card_feedback_outcome import CdsFeedbackFeedbackCardFeedbackOutcome
from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.cds_feedback_feedback_card_feedback_accepted_suggestions_type_0_item import CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item
  from ..models.cds_feedback_feedback_card_feedback_override_reason import CdsFeedbackFeedbackCardFeedbackOverrideReason





T = TypeVar("T", bound="CdsFeedbackFeedbackCardFeedback")



@_attrs_define
class CdsFeedbackFeedbackCardFeedback:
    """ One card's outcome, as the CDS Hooks 2.0 feedback section defines it.

        Attributes:
            card (str):
            outcome (CdsFeedbackFeedbackCardFeedbackOutcome):
            outcome_timestamp (datetime.datetime):
            accepted_suggestions (list[CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item] | None | Unset):
            override_reason (CdsFeedbackFeedbackCardFeedbackOverrideReason | None | Unset):
     """

    card: str
    outcome: CdsFeedbackFeedbackCardFeedbackOutcome
    outcome_timestamp: datetime.datetime
    accepted_suggestions: list[CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item] | None | Unset = UNSET
    override_reason: CdsFeedbackFeedbackCardFeedbackOverrideReason | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.cds_feedback_feedback_card_feedback_accepted_suggestions_type_0_item import CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item # noqa: PLC0415
        from ..models.cds_feedback_feedback_card_feedback_override_reason import CdsFeedbackFeedbackCardFeedbackOverrideReason # noqa: PLC0415
        card = self.card

        outcome = self.outcome.value

        outcome_timestamp = self.outcome_timestamp.isoformat()

        accepted_suggestions: list[dict[str, Any]] | None | Unset
        if isinstance(self.accepted_suggestions, Unset):
            accepted_suggestions = UNSET
        elif isinstance(self.accepted_suggestions, list):
            accepted_suggestions = []
            for accepted_suggestions_type_0_item_data in self.accepted_suggestions:
                accepted_suggestions_type_0_item = accepted_suggestions_type_0_item_data.to_dict()
                accepted_suggestions.append(accepted_suggestions_type_0_item)


        else:
            accepted_suggestions = self.accepted_suggestions

        override_reason: dict[str, Any] | None | Unset
        if isinstance(self.override_reason, Unset):
            override_reason = UNSET
        elif isinstance(self.override_reason, CdsFeedbackFeedbackCardFeedbackOverrideReason):
            override_reason = self.override_reason.to_dict()
        else:
            override_reason = self.override_reason


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "card": card,
            "outcome": outcome,
            "outcomeTimestamp": outcome_timestamp,
        })
        if accepted_suggestions is not UNSET:
            field_dict["acceptedSuggestions"] = accepted_suggestions
        if override_reason is not UNSET:
            field_dict["overrideReason"] = override_reason

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cds_feedback_feedback_card_feedback_accepted_suggestions_type_0_item import CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item # noqa: PLC0415
        from ..models.cds_feedback_feedback_card_feedback_override_reason import CdsFeedbackFeedbackCardFeedbackOverrideReason # noqa: PLC0415
        d = dict(src_dict)
        card = d.pop("card")

        outcome = CdsFeedbackFeedbackCardFeedbackOutcome(d.pop("outcome"))




        outcome_timestamp = datetime.datetime.fromisoformat(d.pop("outcomeTimestamp"))




        def _parse_accepted_suggestions(data: object) -> list[CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accepted_suggestions_type_0 = []
                _accepted_suggestions_type_0 = data
                for accepted_suggestions_type_0_item_data in (_accepted_suggestions_type_0):
                    accepted_suggestions_type_0_item = CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item.from_dict(accepted_suggestions_type_0_item_data)



                    accepted_suggestions_type_0.append(accepted_suggestions_type_0_item)

                return accepted_suggestions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item] | None | Unset, data)

        accepted_suggestions = _parse_accepted_suggestions(d.pop("acceptedSuggestions", UNSET))


        def _parse_override_reason(data: object) -> CdsFeedbackFeedbackCardFeedbackOverrideReason | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                override_reason_override_reason = CdsFeedbackFeedbackCardFeedbackOverrideReason.from_dict(data)



                return override_reason_override_reason
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CdsFeedbackFeedbackCardFeedbackOverrideReason | None | Unset, data)

        override_reason = _parse_override_reason(d.pop("overrideReason", UNSET))


        cds_feedback_feedback_card_feedback = cls(
            card=card,
            outcome=outcome,
            outcome_timestamp=outcome_timestamp,
            accepted_suggestions=accepted_suggestions,
            override_reason=override_reason,
        )


        cds_feedback_feedback_card_feedback.additional_properties = d
        return cds_feedback_feedback_card_feedback

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
