/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { MatchParameter } from './MatchParameter';
/**
 * A FHIR R4 Parameters resource (https://hl7.org/fhir/R4/parameters.html), the $match input the CodeX trial-matching guidance uses: 'resource' once (required), 'onlyCertainMatches' and 'count' at most once each; any other name, a repeat or a wrong value type is a 422.
 */
export type MatchParameters = {
    parameter: Array<MatchParameter>;
    resourceType: MatchParameters.resourceType;
};
export namespace MatchParameters {
    export enum resourceType {
        PARAMETERS = 'Parameters',
    }
}

