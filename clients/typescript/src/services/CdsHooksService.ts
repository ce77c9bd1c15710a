/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CdsResponse } from '../models/CdsResponse';
import type { Discovery } from '../models/Discovery';
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class CdsHooksService {
    /**
     * Discovery
     * List the CDS Hooks services: one patient-view service whose prefetch the catalogue derives.
     * @returns Discovery Successful Response
     * @throws ApiError
     */
    public static cdsDiscovery(): CancelablePromise<Discovery> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/cds-services',
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Call Service
     * Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for.
     * @returns CdsResponse Successful Response
     * @throws ApiError
     */
    public static cdsPatientView({
        serviceId,
        requestBody,
        asOf,
    }: {
        /**
         * The CDS service id: trialmatch-patient-view
         */
        serviceId: string,
        /**
         * A CDS Hooks patient-view request; prefetch holds the FHIR data (see discovery).
         */
        requestBody: Record<string, any>,
        /**
         * Date every time rule is relative to (YYYY-MM-DD, 1900-01-01 to 2200-12-31); default today in UTC.
         */
        asOf?: string,
    }): CancelablePromise<CdsResponse> {
        return __request(OpenAPI, {
            method: 'POST',
            url: '/cds-services/{serviceId}',
            path: {
                'serviceId': serviceId,
            },
            query: {
                'asOf': asOf,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                404: `The id in the path names nothing the service has`,
                412: `The patient is neither in prefetch nor fetched from fhirServer (no fhirAuthorization, or the fetch failed)`,
                413: `Body larger than the configured limit`,
                415: `Content type is not application/fhir+json or application/json`,
                422: `JSON that is not an acceptable request, or invalid resources; every problem is listed`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Feedback
     * Record what the user did with the service's cards: accepted or overridden, and the coded reason.
     * @returns any Feedback recorded (metrics and logs, without patient data); the body is an empty object
     * @throws ApiError
     */
    public static cdsFeedback({
        serviceId,
        requestBody,
    }: {
        /**
         * The CDS service id: trialmatch-patient-view
         */
        serviceId: string,
        /**
         * CDS Hooks feedback: one entry per card with its outcome (accepted or overridden).
         */
        requestBody: Record<string, any>,
    }): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'POST',
            url: '/cds-services/{serviceId}/feedback',
            path: {
                'serviceId': serviceId,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                404: `The id in the path names nothing the service has`,
                413: `Body larger than the configured limit`,
                415: `Content type is not application/fhir+json or application/json`,
                422: `JSON that is not an acceptable request, or invalid resources; every problem is listed`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
