from enum import StrEnum

class CriterionOutOutcome(StrEnum):
    FAIL = "fail"
    PASS = "pass"
    REVIEW = "review"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)
