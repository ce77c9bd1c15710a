/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export { ApiError } from './core/ApiError';
export { CancelablePromise, CancelError } from './core/CancelablePromise';
export { OpenAPI } from './core/OpenAPI';
export type { OpenAPIConfig } from './core/OpenAPI';

export type { AllergyOut } from './models/AllergyOut';
export { Card } from './models/Card';
export { CardLink } from './models/CardLink';
export type { CardSource } from './models/CardSource';
export type { CdsResponse } from './models/CdsResponse';
export type { CdsService } from './models/CdsService';
export { ContainedPatient } from './models/ContainedPatient';
export type { CriteriaCounts } from './models/CriteriaCounts';
export { CriterionDefinition } from './models/CriterionDefinition';
export { CriterionOut } from './models/CriterionOut';
export type { Discovery } from './models/Discovery';
export type { EvidenceOut } from './models/EvidenceOut';
export type { FactsResponse } from './models/FactsResponse';
export type { FailedCriterionOut } from './models/FailedCriterionOut';
export { FhirBundle } from './models/FhirBundle';
export type { Health } from './models/Health';
export type { LabOut } from './models/LabOut';
export { MatchParameter } from './models/MatchParameter';
export { MatchParameters } from './models/MatchParameters';
export type { MatchResponse } from './models/MatchResponse';
export type { MatchSummaryResponse } from './models/MatchSummaryResponse';
export { OperationOutcome } from './models/OperationOutcome';
export type { OrderCriterionOut } from './models/OrderCriterionOut';
export type { OrderItemOut } from './models/OrderItemOut';
export { PatientBundle } from './models/PatientBundle';
export type { PatientOut } from './models/PatientOut';
export type { RecordOut } from './models/RecordOut';
export type { ScoreInputOut } from './models/ScoreInputOut';
export type { ScoreOut } from './models/ScoreOut';
export type { Scores } from './models/Scores';
export type { TrialDetail } from './models/TrialDetail';
export type { TrialList } from './models/TrialList';
export type { TrialRef } from './models/TrialRef';
export { TrialResultOut } from './models/TrialResultOut';
export type { TrialSummary } from './models/TrialSummary';
export { TrialSummaryOut } from './models/TrialSummaryOut';
export type { UnknownCriterionOut } from './models/UnknownCriterionOut';

export { CatalogueService } from './services/CatalogueService';
export { CdsHooksService } from './services/CdsHooksService';
export { FhirService } from './services/FhirService';
export { MatchingService } from './services/MatchingService';
export { ServiceService } from './services/ServiceService';
export { TrialsService } from './services/TrialsService';
