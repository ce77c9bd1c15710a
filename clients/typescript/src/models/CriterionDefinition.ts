/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CriterionDefinition = {
    id: string;
    interpretation: (string | null);
    /**
     * The computed logic in readable form; null for review items.
     */
    logic: (string | null);
    parentId: (string | null);
    review: (string | null);
    /**
     * For a review item: needs a person's judgement, or not computable from FHIR data.
     */
    reviewKind?: ('judgement' | 'not_computable' | null);
    text: string;
    type: CriterionDefinition.type;
};
export namespace CriterionDefinition {
    export enum type {
        INCLUSION = 'inclusion',
        EXCLUSION = 'exclusion',
    }
}

