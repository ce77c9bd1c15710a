/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { TrialSummary } from './TrialSummary';
export type TrialList = {
    catalogVersion: string;
    trials: Array<TrialSummary>;
};

