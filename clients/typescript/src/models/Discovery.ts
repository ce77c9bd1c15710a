/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CdsService } from './CdsService';
export type Discovery = {
    services: Array<CdsService>;
};

