from enum import StrEnum

class MatchParameterName(StrEnum):
    COUNT = "count"
    ONLYCERTAINMATCHES = "onlyCertainMatches"
    RESOURCE = "resource"

    def __str__(self) -> str:
        return str(self.value)
