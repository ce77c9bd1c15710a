/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { EvidenceOut } from './EvidenceOut';
export type CriterionOut = {
    evidence: Array<EvidenceOut>;
    id: string;
    interpretation?: (string | null);
    /**
     * Data that would decide an unknown criterion.
     */
    missing: Array<string>;
    outcome: CriterionOut.outcome;
    parentId: (string | null);
    /**
     * What the data showed, with numbers, units and dates.
     */
    reason: string;
    /**
     * For a review outcome: needs a person's judgement, or not computable from FHIR data.
     */
    reviewKind?: ('judgement' | 'not_computable' | null);
    /**
     * The registry's words for this criterion.
     */
    text: string;
    type: CriterionOut.type;
};
export namespace CriterionOut {
    export enum outcome {
        PASS = 'pass',
        FAIL = 'fail',
        UNKNOWN = 'unknown',
        REVIEW = 'review',
    }
    export enum type {
        INCLUSION = 'inclusion',
        EXCLUSION = 'exclusion',
    }
}

