/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { PatientOut } from './PatientOut';
import type { TrialSummaryOut } from './TrialSummaryOut';
/**
 * The answer of POST /match?view=summary: per trial only what decides it, for callers of many trials.
 */
export type MatchSummaryResponse = {
    asOf: string;
    catalogVersion: string;
    patient: PatientOut;
    results: Array<TrialSummaryOut>;
    view: string;
    warnings: Array<string>;
};

