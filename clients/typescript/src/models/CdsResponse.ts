/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { Card } from './Card';
export type CdsResponse = {
    cards: Array<Card>;
    /**
     * trialmatch additions under reverse-domain keys (invalid.trialmatch.*).
     */
    extension?: (Record<string, any> | null);
};

