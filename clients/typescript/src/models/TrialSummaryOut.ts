/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { FailedCriterionOut } from './FailedCriterionOut';
import type { TrialRef } from './TrialRef';
import type { UnknownCriterionOut } from './UnknownCriterionOut';
export type TrialSummaryOut = {
    exclusionReasons: Array<string>;
    /**
     * Failed criteria (parts, and lines without parts).
     */
    failed: Array<FailedCriterionOut>;
    missingData: Array<string>;
    rank: number;
    /**
     * Share of decidable criteria that pass.
     */
    score: number;
    status: TrialSummaryOut.status;
    /**
     * Items a person must confirm (an eligible trial with some reads 'eligible, pending N review items')
     */
    toReview: Array<string>;
    trial: TrialRef;
    /**
     * Undecided criteria (parts, and lines without parts).
     */
    unknown: Array<UnknownCriterionOut>;
};
export namespace TrialSummaryOut {
    export enum status {
        ELIGIBLE = 'eligible',
        POSSIBLY_ELIGIBLE = 'possibly_eligible',
        INELIGIBLE = 'ineligible',
    }
}

