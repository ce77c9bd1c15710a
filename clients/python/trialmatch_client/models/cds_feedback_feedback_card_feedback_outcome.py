from enum import StrEnum

class CdsFeedbackFeedbackCardFeedbackOutcome(StrEnum):
    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"

    def __str__(self) -> str:
        return str(self.value)
