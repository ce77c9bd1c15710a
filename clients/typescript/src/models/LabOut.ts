/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type LabOut = {
    analyte: string;
    code: string;
    comparator: (string | null);
    converted: boolean;
    date: string;
    /**
     * The value and unit as reported.
     */
    original: string;
    /**
     * Positive/detected, negative/not detected, or null.
     */
    positive: (boolean | null);
    reference: string;
    status: string;
    /**
     * Canonical UCUM unit.
     */
    unit: string;
    upperLimitOfNormal: (number | null);
    /**
     * Value in the canonical unit (null for qualitative results).
     */
    value: (number | null);
};

