from enum import StrEnum

class CriterionOutReviewKindType0(StrEnum):
    JUDGEMENT = "judgement"
    NOT_COMPUTABLE = "not_computable"

    def __str__(self) -> str:
        return str(self.value)
