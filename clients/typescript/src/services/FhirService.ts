/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class FhirService {
    /**
     * Match Definition
     * Return the OperationDefinition of ResearchStudy/$match, with its Parameters input.
     * @returns any The OperationDefinition
     * @throws ApiError
     */
    public static matchOperationDefinition(): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/OperationDefinition/ResearchStudy-match',
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Metadata
     * Return the FHIR CapabilityStatement: the $match operation, the types read, formats and security.
     * @returns any The CapabilityStatement
     * @throws ApiError
     */
    public static capabilityStatement(): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/metadata',
            errors: {
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
