/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type PatientOut = {
    /**
     * Age in completed years on the as-of date; null if unknown or uncertain.
     */
    age: (number | null);
    /**
     * Smallest and largest possible age (partial birth dates).
     */
    ageRange: (any[] | null);
    deceased?: (boolean | null);
    id: string;
    sex: (string | null);
};

