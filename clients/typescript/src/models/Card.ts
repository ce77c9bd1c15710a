/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CardLink } from './CardLink';
import type { CardSource } from './CardSource';
export type Card = {
    detail: string;
    indicator: Card.indicator;
    links?: (Array<CardLink> | null);
    source: CardSource;
    summary: string;
    uuid: string;
};
export namespace Card {
    export enum indicator {
        INFO = 'info',
        WARNING = 'warning',
        CRITICAL = 'critical',
    }
}

