/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
/**
 * A FHIR R4 OperationOutcome describing what is wrong and where.
 */
export type OperationOutcome = {
    issue: Array<{
        code: string;
        diagnostics?: string;
        expression?: Array<string>;
        severity: string;
    }>;
    resourceType: OperationOutcome.resourceType;
};
export namespace OperationOutcome {
    export enum resourceType {
        OPERATION_OUTCOME = 'OperationOutcome',
    }
}

