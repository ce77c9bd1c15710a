""" Contains all the data models used in inputs/outputs """

from .allergy_out import AllergyOut
from .capability_statement_response_200 import CapabilityStatementResponse200
from .card import Card
from .card_indicator import CardIndicator
from .card_link import CardLink
from .card_link_type import CardLinkType
from .card_source import CardSource
from .cds_feedback_feedback import CdsFeedbackFeedback
from .cds_feedback_feedback_card_feedback import CdsFeedbackFeedbackCardFeedback
from .cds_feedback_feedback_card_feedback_accepted_suggestions_type_0_item import CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item
from .cds_feedback_feedback_card_feedback_outcome import CdsFeedbackFeedbackCardFeedbackOutcome
from .cds_feedback_feedback_card_feedback_override_reason import CdsFeedbackFeedbackCardFeedbackOverrideReason
from .cds_feedback_feedback_card_feedback_override_reason_reason_type_0 import CdsFeedbackFeedbackCardFeedbackOverrideReasonReasonType0
from .cds_feedback_response_200 import CdsFeedbackResponse200
from .cds_patient_view_hook_request import CdsPatientViewHookRequest
from .cds_patient_view_hook_request_fhir_authorization_type_0 import CdsPatientViewHookRequestFhirAuthorizationType0
from .cds_patient_view_hook_request_hook_context import CdsPatientViewHookRequestHookContext
from .cds_patient_view_hook_request_prefetch_type_0 import CdsPatientViewHookRequestPrefetchType0
from .cds_patient_view_hook_request_prefetch_type_0_additional_property_type_0 import CdsPatientViewHookRequestPrefetchType0AdditionalPropertyType0
from .cds_response import CdsResponse
from .cds_response_extension_type_0 import CdsResponseExtensionType0
from .cds_service import CdsService
from .cds_service_prefetch import CdsServicePrefetch
from .contained_patient import ContainedPatient
from .contained_patient_contained_item import ContainedPatientContainedItem
from .contained_patient_resource_type import ContainedPatientResourceType
from .criteria_counts import CriteriaCounts
from .criterion_definition import CriterionDefinition
from .criterion_definition_review_kind_type_0 import CriterionDefinitionReviewKindType0
from .criterion_definition_type import CriterionDefinitionType
from .criterion_out import CriterionOut
from .criterion_out_outcome import CriterionOutOutcome
from .criterion_out_review_kind_type_0 import CriterionOutReviewKindType0
from .criterion_out_type import CriterionOutType
from .discovery import Discovery
from .evidence_out import EvidenceOut
from .facts_response import FactsResponse
from .facts_response_labs import FactsResponseLabs
from .failed_criterion_out import FailedCriterionOut
from .fhir_bundle import FhirBundle
from .fhir_bundle_entry_item import FhirBundleEntryItem
from .fhir_bundle_resource_type import FhirBundleResourceType
from .health import Health
from .lab_out import LabOut
from .list_research_studies_response_200 import ListResearchStudiesResponse200
from .match_operation_definition_response_200 import MatchOperationDefinitionResponse200
from .match_parameter import MatchParameter
from .match_parameter_name import MatchParameterName
from .match_parameters import MatchParameters
from .match_parameters_resource_type import MatchParametersResourceType
from .match_patient_fhir_trial_item import MatchPatientFhirTrialItem
from .match_patient_trial_item import MatchPatientTrialItem
from .match_patient_view import MatchPatientView
from .match_response import MatchResponse
from .match_summary_response import MatchSummaryResponse
from .operation_outcome import OperationOutcome
from .operation_outcome_issue_item import OperationOutcomeIssueItem
from .operation_outcome_resource_type import OperationOutcomeResourceType
from .order_criterion_out import OrderCriterionOut
from .order_item_out import OrderItemOut
from .patient_bundle import PatientBundle
from .patient_bundle_entry_item import PatientBundleEntryItem
from .patient_bundle_entry_item_resource_type_0 import PatientBundleEntryItemResourceType0
from .patient_bundle_resource_type import PatientBundleResourceType
from .patient_bundle_type import PatientBundleType
from .patient_out import PatientOut
from .read_research_study_response_200 import ReadResearchStudyResponse200
from .read_value_set_response_200 import ReadValueSetResponse200
from .record_out import RecordOut
from .score_input_out import ScoreInputOut
from .score_out import ScoreOut
from .score_out_detail import ScoreOutDetail
from .scores import Scores
from .trial_detail import TrialDetail
from .trial_list import TrialList
from .trial_ref import TrialRef
from .trial_result_out import TrialResultOut
from .trial_result_out_status import TrialResultOutStatus
from .trial_summary import TrialSummary
from .trial_summary_out import TrialSummaryOut
from .trial_summary_out_status import TrialSummaryOutStatus
from .unknown_criterion_out import UnknownCriterionOut

__all__ = (
    "AllergyOut",
    "CapabilityStatementResponse200",
    "Card",
    "CardIndicator",
    "CardLink",
    "CardLinkType",
    "CardSource",
    "CdsFeedbackFeedback",
    "CdsFeedbackFeedbackCardFeedback",
    "CdsFeedbackFeedbackCardFeedbackAcceptedSuggestionsType0Item",
    "CdsFeedbackFeedbackCardFeedbackOutcome",
    "CdsFeedbackFeedbackCardFeedbackOverrideReason",
    "CdsFeedbackFeedbackCardFeedbackOverrideReasonReasonType0",
    "CdsFeedbackResponse200",
    "CdsPatientViewHookRequest",
    "CdsPatientViewHookRequestFhirAuthorizationType0",
    "CdsPatientViewHookRequestHookContext",
    "CdsPatientViewHookRequestPrefetchType0",
    "CdsPatientViewHookRequestPrefetchType0AdditionalPropertyType0",
    "CdsResponse",
    "CdsResponseExtensionType0",
    "CdsService",
    "CdsServicePrefetch",
    "ContainedPatient",
    "ContainedPatientContainedItem",
    "ContainedPatientResourceType",
    "CriteriaCounts",
    "CriterionDefinition",
    "CriterionDefinitionReviewKindType0",
    "CriterionDefinitionType",
    "CriterionOut",
    "CriterionOutOutcome",
    "CriterionOutReviewKindType0",
    "CriterionOutType",
    "Discovery",
    "EvidenceOut",
    "FactsResponse",
    "FactsResponseLabs",
    "FailedCriterionOut",
    "FhirBundle",
    "FhirBundleEntryItem",
    "FhirBundleResourceType",
    "Health",
    "LabOut",
    "ListResearchStudiesResponse200",
    "MatchOperationDefinitionResponse200",
    "MatchParameter",
    "MatchParameterName",
    "MatchParameters",
    "MatchParametersResourceType",
    "MatchPatientFhirTrialItem",
    "MatchPatientTrialItem",
    "MatchPatientView",
    "MatchResponse",
    "MatchSummaryResponse",
    "OperationOutcome",
    "OperationOutcomeIssueItem",
    "OperationOutcomeResourceType",
    "OrderCriterionOut",
    "OrderItemOut",
    "PatientBundle",
    "PatientBundleEntryItem",
    "PatientBundleEntryItemResourceType0",
    "PatientBundleResourceType",
    "PatientBundleType",
    "PatientOut",
    "ReadResearchStudyResponse200",
    "ReadValueSetResponse200",
    "RecordOut",
    "ScoreInputOut",
    "ScoreOut",
    "ScoreOutDetail",
    "Scores",
    "TrialDetail",
    "TrialList",
    "TrialRef",
    "TrialResultOut",
    "TrialResultOutStatus",
    "TrialSummary",
    "TrialSummaryOut",
    "TrialSummaryOutStatus",
    "UnknownCriterionOut",
)
