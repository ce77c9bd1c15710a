/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ScoreOut } from './ScoreOut';
/**
 * One field per score the service computes; each has a value or the inputs it still needs.
 */
export type Scores = {
    /**
     * Body-mass index in kg/m2, one decimal (clinical.md D.5).
     */
    bmi: ScoreOut;
    /**
     * Child-Pugh total, 5-15, with its class in detail (CCJM Table 1).
     */
    childPugh: ScoreOut;
    /**
     * Classic MELD, 6-40 (UNOS/OPTN before 2016, Kamath 2001).
     */
    meld: ScoreOut;
    /**
     * MELD 3.0 (Kim 2021; OPTN 2023).
     */
    meld3: ScoreOut;
    /**
     * MELD-Na, capped at 40 (OPTN Policy 9.1, January 2016).
     */
    meldNa: ScoreOut;
};

