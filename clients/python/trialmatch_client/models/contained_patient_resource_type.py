from enum import StrEnum

class ContainedPatientResourceType(StrEnum):
    PATIENT = "Patient"

    def __str__(self) -> str:
        return str(self.value)
