/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CriterionOut } from './CriterionOut';
import type { TrialRef } from './TrialRef';
export type TrialResultOut = {
    criteria: Array<CriterionOut>;
    exclusionReasons: Array<string>;
    missingData: Array<string>;
    rank: number;
    /**
     * Share of decidable criteria that pass.
     */
    score: number;
    status: TrialResultOut.status;
    toReview: Array<string>;
    trial: TrialRef;
};
export namespace TrialResultOut {
    export enum status {
        ELIGIBLE = 'eligible',
        POSSIBLY_ELIGIBLE = 'possibly_eligible',
        INELIGIBLE = 'ineligible',
    }
}

