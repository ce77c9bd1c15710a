/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type UnknownCriterionOut = {
    /**
     * The undecided criterion (or part) id.
     */
    id: string;
    /**
     * Data that would decide it.
     */
    missing: Array<string>;
    reason: string;
};

