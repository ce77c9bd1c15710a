/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ScoreInputOut = {
    date: (string | null);
    name: string;
    reference: (string | null);
    unit: string;
    value: (number | string | boolean);
};

