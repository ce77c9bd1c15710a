/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type TrialRef = {
    id: string;
    phase: string;
    sponsor: string;
    title: string;
    url: string;
};

