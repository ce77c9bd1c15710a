/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type EvidenceOut = {
    display: string;
    /**
     * The FHIR resource the verdict rests on (Type/id or fullUrl).
     */
    reference: string;
};

