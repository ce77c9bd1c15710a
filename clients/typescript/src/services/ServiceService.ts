/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { Health } from '../models/Health';
import type { CancelablePromise } from '../core/CancelablePromise';
import { OpenAPI } from '../core/OpenAPI';
import { request as __request } from '../core/request';
export class ServiceService {
    /**
     * Health
     * Report that the service is up, with the catalogue version and number of trials.
     * @returns Health Successful Response
     * @throws ApiError
     */
    public static health(): CancelablePromise<Health> {
        return __request(OpenAPI, {
            method: 'GET',
            url: '/health',
            errors: {
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
    /**
     * Health Head
     * Answer 200 with no body when the service is up (a probe that only needs the status).
     * @returns any The service is up (the headers of GET /health, no body)
     * @throws ApiError
     */
    public static healthHead(): CancelablePromise<any> {
        return __request(OpenAPI, {
            method: 'HEAD',
            url: '/health',
            errors: {
                500: `Unexpected internal error; the X-Request-Id response header identifies it in the logs`,
                503: `Request exceeded the time limit, or admission control refused it (too many requests or body bytes in flight); retry after the Retry-After header's seconds`,
            },
        });
    }
}
