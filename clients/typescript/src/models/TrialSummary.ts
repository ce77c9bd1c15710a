/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CriteriaCounts } from './CriteriaCounts';
export type TrialSummary = {
    criteriaCounts: CriteriaCounts;
    id: string;
    phase: string;
    sponsor: string;
    title: string;
    url: string;
};

