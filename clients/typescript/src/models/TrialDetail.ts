/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CriterionDefinition } from './CriterionDefinition';
import type { TrialSummary } from './TrialSummary';
export type TrialDetail = {
    catalogVersion: string;
    criteria: Array<CriterionDefinition>;
    trial: TrialSummary;
};

