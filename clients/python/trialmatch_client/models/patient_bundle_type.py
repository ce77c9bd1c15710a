from enum import StrEnum

class PatientBundleType(StrEnum):
    BATCH = "batch"
    BATCH_RESPONSE = "batch-response"
    COLLECTION = "collection"
    DOCUMENT = "document"
    HISTORY = "history"
    MESSAGE = "message"
    SEARCHSET = "searchset"
    TRANSACTION = "transaction"
    TRANSACTION_RESPONSE = "transaction-response"

    def __str__(self) -> str:
        return str(self.value)
