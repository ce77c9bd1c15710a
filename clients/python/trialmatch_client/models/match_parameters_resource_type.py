from enum import StrEnum

class MatchParametersResourceType(StrEnum):
    PARAMETERS = "Parameters"

    def __str__(self) -> str:
        return str(self.value)
