/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { FactsResponse } from '../models/FactsResponse';
import type { FhirBundle } from '../models/FhirBundle';
import type { MatchParameters } from '../models/MatchParameters';
import type { MatchResponse } from '../models/MatchResponse';
import type { MatchSummaryResponse } from '../models/MatchSummaryResponse';
import type { PatientBundle } from '../models/PatientBundle';
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class MatchingService {
    /**
     * Post Match Fhir
     * Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources.
     * @returns FhirBundle A FHIR searchset Bundle of ResearchStudy resources, best first (same as POST /match with Accept: application/fhir+json).
     * @throws ApiError
     */
    public static matchPatientFhir({
        requestBody,
        asOf,
        trial,
    }: {
        /**
         * A FHIR R4 Bundle holding exactly one Patient (PatientBundle); or a FHIR Parameters resource (MatchParameters) with 'resource' (that Bundle, or a Patient with its record contained), 'onlyCertainMatches' (valueBoolean) and 'count' (valueInteger), as GET /OperationDefinition/ResearchStudy-match defines.
         */
        requestBody: (PatientBundle | MatchParameters),
        /**
         * Date every time rule is relative to (YYYY-MM-DD, 1900-01-01 to 2200-12-31); default today in UTC.
         */
        asOf?: string,
        /**
         * Restrict to these trial ids (repeatable; ClinicalTrials.gov NCT numbers of the catalogue).
         */
        trial?: Array<'NCT01728727' | 'NCT03209986' | 'NCT03826433' | 'NCT05227846' | 'NCT05948982'>,
    }): CancelablePromise<FhirBundle> {
        return __request(OpenAPI, {
            method: 'POST',
            url: '/ResearchStudy/$match',
            query: {
                'asOf': asOf,
                'trial': trial,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                413: `Body larger than the configured limit`,
                415: `Content type is not application/fhir+json or application/json`,
                422: `JSON that is not an acceptable request, or invalid resources; every problem is listed`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Post Facts
     * Show what the service read from a Bundle: labs in canonical units, records, scores, warnings.
     * @returns FactsResponse Successful Response
     * @throws ApiError
     */
    public static readFacts({
        requestBody,
        asOf,
    }: {
        /**
         * A FHIR R4 Bundle (any type) holding exactly one Patient.
         */
        requestBody: PatientBundle,
        /**
         * Date every time rule is relative to (YYYY-MM-DD, 1900-01-01 to 2200-12-31); default today in UTC.
         */
        asOf?: string,
    }): CancelablePromise<FactsResponse> {
        return __request(OpenAPI, {
            method: 'POST',
            url: '/facts',
            query: {
                'asOf': asOf,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                413: `Body larger than the configured limit`,
                415: `Content type is not application/fhir+json or application/json`,
                422: `JSON that is not an acceptable request, or invalid resources; every problem is listed`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Post Match
     * Match one patient's Bundle against every trial and return them ranked with reasons.
     * @returns any The JSON answer (application/json), or with `Accept: application/fhir+json` a FHIR searchset Bundle of ResearchStudy resources, best first, with status, score and per-criterion verdicts as extensions (see service/fhir_answer.py).
     * @throws ApiError
     */
    public static matchPatient({
        requestBody,
        asOf,
        trial,
        view = 'full',
    }: {
        /**
         * A FHIR R4 Bundle (any type) holding exactly one Patient.
         */
        requestBody: PatientBundle,
        /**
         * Date every time rule is relative to (YYYY-MM-DD, 1900-01-01 to 2200-12-31); default today in UTC.
         */
        asOf?: string,
        /**
         * Restrict to these trial ids (repeatable; ClinicalTrials.gov NCT numbers of the catalogue).
         */
        trial?: Array<'NCT01728727' | 'NCT03209986' | 'NCT03826433' | 'NCT05227846' | 'NCT05948982'>,
        /**
         * `full` (default): every criterion's verdict with reasons and evidence, scores and what to order next (MatchResponse). `summary`: per trial its status, score, failed and unknown criterion ids with reasons, exclusion reasons and missing data (MatchSummaryResponse), for callers of many trials. The FHIR answer (Accept: application/fhir+json) is always full.
         */
        view?: 'full' | 'summary',
    }): CancelablePromise<(MatchResponse | MatchSummaryResponse)> {
        return __request(OpenAPI, {
            method: 'POST',
            url: '/match',
            query: {
                'asOf': asOf,
                'trial': trial,
                'view': view,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `Malformed body (not UTF-8 JSON) or query parameter`,
                401: `API key missing or not accepted (only when keys are configured)`,
                413: `Body larger than the configured limit`,
                415: `Content type is not application/fhir+json or application/json`,
                422: `JSON that is not an acceptable request, or invalid resources; every problem is listed`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
