/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class CatalogueService {
    /**
     * List Research Studies
     * Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle.
     * @returns any A FHIR R5 resource
     * @throws ApiError
     */
    public static listResearchStudies({
        id,
        identifier,
    }: {
        /**
         * Trial ids, comma-separated
         */
        id?: string,
        /**
         * [system|]NCT number, comma-separated
         */
        identifier?: string,
    }): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/ResearchStudy',
            query: {
                '_id': id,
                'identifier': identifier,
            },
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Read Research Study
     * Read one trial as an R5 ResearchStudy with its eligibility criteria contained.
     * @returns any A FHIR R5 resource
     * @throws ApiError
     */
    public static readResearchStudy({
        trialId,
    }: {
        trialId: string,
    }): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/ResearchStudy/{trialId}',
            path: {
                'trialId': trialId,
            },
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                404: `The id in the path names nothing the service has`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Read Value Set
     * Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked against.
     * @returns any A FHIR R5 resource
     * @throws ApiError
     */
    public static readValueSet({
        valueSetId,
    }: {
        valueSetId: string,
    }): CancelablePromise<Record<string, any>> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/ValueSet/{valueSetId}',
            path: {
                'valueSetId': valueSetId,
            },
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                404: `The id in the path names nothing the service has`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
