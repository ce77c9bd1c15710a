/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type FailedCriterionOut = {
    /**
     * The failed criterion (or part) id.
     */
    id: string;
    /**
     * What the data showed, with numbers, units and dates.
     */
    reason: string;
};

