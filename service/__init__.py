"""trialmatch: FHIR-native clinical-trial eligibility service."""
