from enum import StrEnum

class FhirBundleResourceType(StrEnum):
    BUNDLE = "Bundle"

    def __str__(self) -> str:
        return str(self.value)
