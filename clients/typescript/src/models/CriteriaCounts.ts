/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CriteriaCounts = {
    computed: number;
    exclusion: number;
    inclusion: number;
    review: number;
};

