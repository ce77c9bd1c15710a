from enum import StrEnum

class MatchPatientTrialItem(StrEnum):
    NCT01728727 = "NCT01728727"
    NCT03209986 = "NCT03209986"
    NCT03826433 = "NCT03826433"
    NCT05227846 = "NCT05227846"
    NCT05948982 = "NCT05948982"

    def __str__(self) -> str:
        return str(self.value)
