/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AllergyOut = {
    categories: Array<string>;
    codes: Array<string>;
    criticality: (string | null);
    display: string;
    reference: string;
    severity: (string | null);
    status: (string | null);
};

