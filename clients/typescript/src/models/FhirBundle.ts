/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
/**
 * A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html).
 */
export type FhirBundle = {
    entry?: Array<Record<string, any>>;
    resourceType: FhirBundle.resourceType;
    type?: string;
};
export namespace FhirBundle {
    export enum resourceType {
        BUNDLE = 'Bundle',
    }
}

