from enum import StrEnum

class CardLinkType(StrEnum):
    ABSOLUTE = "absolute"
    SMART = "smart"

    def __str__(self) -> str:
        return str(self.value)
