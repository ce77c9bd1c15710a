/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
/**
 * A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding exactly one Patient.
 */
export type PatientBundle = {
    entry: Array<{
        /**
         * Read when it is a non-empty string; otherwise ignored.
         */
        fullUrl?: any;
        /**
         * Any FHIR R4 resource; an entry without one is passed over.
         */
        resource?: any | null;
    }>;
    resourceType: PatientBundle.resourceType;
    type: PatientBundle.type;
};
export namespace PatientBundle {
    export enum resourceType {
        BUNDLE = 'Bundle',
    }
    export enum type {
        BATCH = 'batch',
        BATCH_RESPONSE = 'batch-response',
        COLLECTION = 'collection',
        DOCUMENT = 'document',
        HISTORY = 'history',
        MESSAGE = 'message',
        SEARCHSET = 'searchset',
        TRANSACTION = 'transaction',
        TRANSACTION_RESPONSE = 'transaction-response',
    }
}

