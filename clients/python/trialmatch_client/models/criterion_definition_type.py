from enum import StrEnum

class CriterionDefinitionType(StrEnum):
    EXCLUSION = "exclusion"
    INCLUSION = "inclusion"

    def __str__(self) -> str:
        return str(self.value)
