/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ContainedPatient } from './ContainedPatient';
import type { PatientBundle } from './PatientBundle';
/**
 * One $match parameter: 'resource' with resource (the patient's Bundle, or a Patient whose record is contained), 'onlyCertainMatches' with valueBoolean (only eligible trials with no review item pending), or 'count' with valueInteger (at most this many trials, 1 to 1000).
 */
export type MatchParameter = {
    name: MatchParameter.name;
    resource?: (PatientBundle | ContainedPatient);
    valueBoolean?: boolean;
    valueInteger?: number;
    valuePositiveInt?: number;
};
export namespace MatchParameter {
    export enum name {
        RESOURCE = 'resource',
        ONLY_CERTAIN_MATCHES = 'onlyCertainMatches',
        COUNT = 'count',
    }
}

