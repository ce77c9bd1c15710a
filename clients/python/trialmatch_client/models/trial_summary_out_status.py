from enum import StrEnum

class TrialSummaryOutStatus(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    POSSIBLY_ELIGIBLE = "possibly_eligible"

    def __str__(self) -> str:
        return str(self.value)
