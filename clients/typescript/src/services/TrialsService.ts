/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { TrialDetail } from '../models/TrialDetail';
import type { TrialList } from '../models/TrialList';
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class TrialsService {
    /**
     * List Trials
     * List every trial in the catalogue with its criteria counts.
     * @returns TrialList Successful Response
     * @throws ApiError
     */
    public static listTrials(): CancelablePromise<TrialList> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/trials',
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Get Trial
     * Show one trial's criteria in the registry's words with their logic in readable form.
     * @returns TrialDetail Successful Response
     * @throws ApiError
     */
    public static getTrial({
        trialId,
    }: {
        /**
         * A trial id of the catalogue
         */
        trialId: string,
    }): CancelablePromise<TrialDetail> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/trials/{trialId}',
            path: {
                'trialId': trialId,
            },
            errors: {
                401: `API key missing or not accepted (only when keys are configured)`,
                404: `No such trial`,
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
