/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AllergyOut } from './AllergyOut';
import type { LabOut } from './LabOut';
import type { PatientOut } from './PatientOut';
import type { RecordOut } from './RecordOut';
import type { Scores } from './Scores';
export type FactsResponse = {
    allergies: Array<AllergyOut>;
    asOf: string;
    catalogVersion: string;
    conditions: Array<RecordOut>;
    findings: Array<RecordOut>;
    labs: Record<string, Array<LabOut>>;
    medications: Array<RecordOut>;
    patient: PatientOut;
    procedures: Array<RecordOut>;
    scores: Scores;
    warnings: Array<string>;
};

