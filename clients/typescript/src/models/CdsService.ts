/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CdsService = {
    description: string;
    hook: string;
    id: string;
    prefetch: Record<string, string>;
    title: string;
    usageRequirements: string;
};

