/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
/**
 * A FHIR R4 Patient whose record is in Patient.contained; '#' references the Patient, '#x' the contained resource with id x.
 */
export type ContainedPatient = {
    contained?: Array<{
        resourceType: string;
    }>;
    id?: string;
    resourceType: ContainedPatient.resourceType;
};
export namespace ContainedPatient {
    export enum resourceType {
        PATIENT = 'Patient',
    }
}

