/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CardLink = {
    label: string;
    type: CardLink.type;
    url: string;
};
export namespace CardLink {
    export enum type {
        ABSOLUTE = 'absolute',
        SMART = 'smart',
    }
}

