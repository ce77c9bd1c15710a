/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { OrderItemOut } from './OrderItemOut';
import type { PatientOut } from './PatientOut';
import type { Scores } from './Scores';
import type { TrialResultOut } from './TrialResultOut';
export type MatchResponse = {
    asOf: string;
    catalogVersion: string;
    /**
     * The missing data across undecided trials, ranked by how many trial decisions wait on it.
     */
    orderNext: Array<OrderItemOut>;
    patient: PatientOut;
    results: Array<TrialResultOut>;
    scores: Scores;
    warnings: Array<string>;
};

