/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ScoreInputOut } from './ScoreInputOut';
export type ScoreOut = {
    detail: Record<string, string>;
    flags: Array<string>;
    inputs: Array<ScoreInputOut>;
    missing: Array<string>;
    value: (number | null);
};

