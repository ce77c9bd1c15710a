/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { OrderCriterionOut } from './OrderCriterionOut';
export type OrderItemOut = {
    /**
     * Of those, the trials for which it is all that is missing.
     */
    completes: Array<string>;
    criteria: Array<OrderCriterionOut>;
    /**
     * Stable key of the item, to add items up across patients.
     */
    key: string;
    /**
     * What to order, with the look-back window that satisfies every criterion.
     */
    label: string;
    /**
     * Scores the item is an input of, when it is needed for one.
     */
    purposes: Array<string>;
    /**
     * Undecided (possibly eligible) trials that wait on it, best first.
     */
    trials: Array<string>;
};

