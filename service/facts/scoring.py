"""Scores from facts: Child-Pugh, MELD variants and BMI from the latest counted values and current records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service import scores as formulas
from service.dates import shift
from service.facts.model import RECORD_TYPES, ClinicalRecord, PatientFacts, ScoreInput, ScoreResult, not_provided_text
from service.facts.records import is_current, matching, occurred_within, severity_of
from service.terminology import CodeMatcher

DIALYSIS_WINDOW_DAYS = 7
DIALYSIS_MIN_SESSIONS = 2


@dataclass(frozen=True)
class ScoreMatchers:
    """The value sets Child-Pugh and MELD read (named in criteria/catalog.yaml)."""

    ascites: CodeMatcher
    ascites_severe: CodeMatcher
    encephalopathy: CodeMatcher
    encephalopathy_coma: CodeMatcher
    dialysis: CodeMatcher


Grades = tuple[tuple[formulas.AscitesGrade, ...], tuple[formulas.EncephalopathyGrade, ...]]


def _clinical_grades(
    clinical: list[ClinicalRecord], matchers: ScoreMatchers
) -> tuple[Grades, list[str], tuple[ScoreInput, ...]]:
    """Return the Child-Pugh ascites and encephalopathy grades current records allow, with flags and inputs.

    A grade the records do not give (ascites with no severity, encephalopathy with no grade)
    allows both of its Child-Pugh grades (2 or 3 points): the score becomes an interval.
    """
    flags: list[str] = []
    ascites_records = [r for r, _ in matching(clinical, matchers.ascites)]
    severe_ascites = [r for r, _ in matching(clinical, matchers.ascites_severe)]
    ascites: tuple[formulas.AscitesGrade, ...] = ("none",)
    if severe_ascites or any(severity_of(r) in ("moderate", "severe") for r in ascites_records):
        ascites = ("moderate_severe",)
    elif ascites_records:
        ascites = ("mild",)
        if all(severity_of(r) is None for r in ascites_records):
            ascites = ("mild", "moderate_severe")
            flags.append("ascites recorded without severity: mild or moderate-severe (2 or 3 points)")
    else:
        flags.append("no current ascites record, scored as none")
    he_records = [r for r, _ in matching(clinical, matchers.encephalopathy)]
    coma = [r for r, _ in matching(clinical, matchers.encephalopathy_coma)]
    encephalopathy: tuple[formulas.EncephalopathyGrade, ...] = ("none",)
    if coma or any(severity_of(r) == "severe" for r in he_records):
        encephalopathy = ("grade_3_4",)
    elif he_records:
        encephalopathy = ("grade_1_2",)
        if all(severity_of(r) is None for r in he_records):
            encephalopathy = ("grade_1_2", "grade_3_4")
            flags.append("hepatic encephalopathy recorded without grade: grade 1-2 or 3-4 (2 or 3 points)")
    else:
        flags.append("no current hepatic encephalopathy record, scored as none")
    inputs = tuple(
        ScoreInput(name, "/".join(grade), "", r.recorded or (r.start.end if r.start else None), r.reference)
        for name, grade, records in (
            ("ascites", ascites, severe_ascites or ascites_records),
            ("hepatic encephalopathy", encephalopathy, coma or he_records),
        )
        for r in records[:1]
    )
    return (ascites, encephalopathy), flags, inputs


def _lab_input(facts: PatientFacts, analyte: str, label: str, as_of: dt.date, days: int) -> ScoreInput | None:
    value = facts.latest(analyte, as_of, days)
    if value is None or value.value is None or value.comparator is not None:
        return None
    return ScoreInput(label, round(value.value, 4), value.unit, value.effective, value.reference)


def compute_scores(
    facts: PatientFacts,
    as_of: dt.date,
    matchers: ScoreMatchers,
    lookback: dict[str, int],
    meld3_cap: int | None,
) -> dict[str, ScoreResult]:
    """Compute Child-Pugh, MELD, MELD-Na, MELD 3.0 and BMI from the latest values in their look-backs.

    A lab feeds a score when it is the latest counted value within the analyte's look-back
    (analytes.yaml lookback_days) before the as-of date; a censored value ('<', '>') does not.
    """
    labs = {
        name: _lab_input(facts, name, label, as_of, lookback[name])
        for name, label in (
            ("bilirubin_total", "total bilirubin"),
            ("albumin", "albumin"),
            ("inr", "INR"),
            ("creatinine", "creatinine"),
            ("sodium", "sodium"),
        )
    }

    def missing(*names: str) -> tuple[str, ...]:
        return tuple(
            f"{n.replace('_total', '').replace('_', ' ')} within {lookback[n]} days" for n in names if labs[n] is None
        )

    out: dict[str, ScoreResult] = {}

    # Child-Pugh: ascites and encephalopathy grades from current conditions and findings. A
    # record whose currency is unknown (no clinical status, a partial abatement date) is scored
    # both ways; if that changes a grade the score is unknown and names the record.
    records = [r for r in facts.conditions + facts.findings if not r.uncertain]
    # A finding to confirm (an Observation or an Encounter reason, README) is scored both ways too.
    currency = [(r, None if r.confirm and is_current(r, as_of) else is_current(r, as_of)) for r in records]
    certain = [r for r, now in currency if now]
    grades = _clinical_grades(certain, matchers)
    unsure = [r for r, now in currency if now is None]
    doubtful: tuple[str, ...] = ()
    if unsure and _clinical_grades(certain + unsure, matchers)[0] != grades[0]:
        read = {id(r) for r, _ in matching(unsure, matchers.ascites)} | {
            id(r) for r, _ in matching(unsure, matchers.encephalopathy)
        }
        doubtful = tuple(f"whether {r.display} ({r.reference}) is current" for r in unsure if id(r) in read)
    (ascites, encephalopathy), flags, clinical_inputs = grades
    unsent = facts.unprovided(RECORD_TYPES["condition"])
    if unsent and (ascites, encephalopathy) != (("moderate_severe",), ("grade_3_4",)):
        # Records not sent could raise a grade (worst case: both at their top grade), so the
        # points are not known; the score is unknown rather than scored with "none".
        doubtful += (f"ascites and hepatic encephalopathy records: {not_provided_text(unsent)}",)
    cp_missing = missing("bilirubin_total", "albumin", "inr")
    bili, alb, inr = labs["bilirubin_total"], labs["albumin"], labs["inr"]
    if bili and alb and inr and doubtful:
        out["child_pugh"] = ScoreResult("child_pugh", None, (bili, alb, inr), doubtful)
    elif bili and alb and inr:
        options = [
            formulas.child_pugh(float(bili.value), float(alb.value), float(inr.value), a, e)
            for a in ascites
            for e in encephalopathy
        ]
        low = min(options, key=lambda cp: cp.total)
        high = max(options, key=lambda cp: cp.total)

        def points(name: str) -> str:
            values = sorted({getattr(cp, name) for cp in options})
            return "/".join(str(v) for v in values)

        classes = "/".join(sorted({cp.child_class for cp in options}))
        out["child_pugh"] = ScoreResult(
            "child_pugh",
            float(low.total),
            (bili, alb, inr, *clinical_inputs),
            (),
            (
                ("class", classes),
                ("bilirubin", points("bilirubin")),
                ("albumin", points("albumin")),
                ("INR", points("inr")),
                ("ascites", points("ascites")),
                ("encephalopathy", points("encephalopathy")),
            ),
            tuple(flags),
            float(high.total) if high.total != low.total else None,
        )
    else:
        out["child_pugh"] = ScoreResult(
            "child_pugh", None, tuple(i for i in (bili, alb, inr) if i), cp_missing + doubtful
        )

    # Dialysis: at least two sessions in the prior 7 days (OPTN rule, clinical.md D.2).
    sessions = [
        r
        for r, _ in matching(facts.procedures, matchers.dialysis)
        if occurred_within(r, as_of, shift(as_of, days=-DIALYSIS_WINDOW_DAYS))
    ]
    dialysis = len(sessions) >= DIALYSIS_MIN_SESSIONS
    unsent_procedures = () if dialysis else facts.unprovided(RECORD_TYPES["procedure"])
    dialysis_inputs = tuple(ScoreInput("dialysis session", True, "", r.recorded, r.reference) for r in sessions)
    cr, na = labs["creatinine"], labs["sodium"]
    meld_labs = (cr, bili, inr)
    if cr and bili and inr and unsent_procedures:
        # Dialysis sessions not sent would set creatinine to 4.0 mg/dL: every MELD variant is unknown.
        known: tuple[ScoreInput, ...] = (cr, bili, inr)
        why = not_provided_text(unsent_procedures)
        need: tuple[str, ...] = (f"dialysis sessions within {DIALYSIS_WINDOW_DAYS} days: {why}",)
        for name in ("meld", "meld_na", "meld_3"):
            out[name] = ScoreResult(name, None, known, need)
    elif cr and bili and inr:
        args = (float(cr.value), float(bili.value), float(inr.value))
        base = (cr, bili, inr, *dialysis_inputs)
        detail = (("dialysis", "yes" if dialysis else "no"),)
        out["meld"] = ScoreResult("meld", float(formulas.meld(*args, dialysis=dialysis)), base, (), detail)
        if na:
            out["meld_na"] = ScoreResult(
                "meld_na",
                float(formulas.meld_na(*args, float(na.value), dialysis=dialysis)),
                (*base, na),
                (),
                detail,
            )
        else:
            out["meld_na"] = ScoreResult("meld_na", None, base, missing("sodium"))
        sex_known = facts.sex in ("male", "female")
        if na and alb and sex_known:
            value = formulas.meld_3(
                facts.sex == "female",
                *args,
                float(na.value),
                float(alb.value),
                dialysis=dialysis,
                cap=meld3_cap,
            )
            out["meld_3"] = ScoreResult("meld_3", float(value), (*base, na, alb), (), detail)
        else:
            need = missing("sodium", "albumin") + (() if sex_known else ("administrative sex male or female",))
            out["meld_3"] = ScoreResult("meld_3", None, base, need)
    else:
        found = tuple(i for i in meld_labs if i)
        out["meld"] = ScoreResult("meld", None, found, missing("creatinine", "bilirubin_total", "inr"))
        out["meld_na"] = ScoreResult("meld_na", None, found, missing("creatinine", "bilirubin_total", "inr", "sodium"))
        need3 = missing("creatinine", "bilirubin_total", "inr", "sodium", "albumin")
        out["meld_3"] = ScoreResult("meld_3", None, found, need3)

    # BMI: a BMI observation, else weight over height squared.
    bmi_obs = _lab_input(facts, "bmi", "BMI", as_of, lookback["bmi"])
    weight = _lab_input(facts, "weight", "weight", as_of, lookback["weight"])
    height = _lab_input(facts, "height", "height", as_of, lookback["height"])
    if bmi_obs is not None:
        out["bmi"] = ScoreResult(
            "bmi",
            formulas.round_half_up(float(bmi_obs.value), 1),
            (bmi_obs,),
            (),
            (("from", "BMI observation"),),
        )
    elif weight is not None and height is not None:
        derived = formulas.bmi(float(weight.value), float(height.value))
        out["bmi"] = ScoreResult("bmi", derived, (weight, height), (), (("from", "weight and height"),))
    else:
        need = tuple(
            f"{name} within {lookback[name]} days"
            for name, item in (("weight", weight), ("height", height))
            if item is None
        )
        out["bmi"] = ScoreResult(
            "bmi",
            None,
            tuple(i for i in (weight, height) if i),
            (f"BMI within {lookback['bmi']} days or " + " and ".join(need),),
        )
    return out
