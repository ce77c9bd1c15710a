/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type OrderCriterionOut = {
    /**
     * The undecided criterion (or part) id the item would help decide.
     */
    criterion: string;
    trial: string;
};

