/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type RecordOut = {
    codes: Array<string>;
    display: string;
    end: (string | null);
    ended: boolean;
    kind: string;
    recorded: (string | null);
    reference: string;
    severity: Array<string>;
    start: (string | null);
    status: (string | null);
    verification: (string | null);
};

