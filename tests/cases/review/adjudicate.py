"""Write the adjudicated expectation files of the review rounds and ADJUDICATION.md (run by hand, output committed).

    .venv/bin/python -m tests.cases.review.adjudicate /work/review

Reads each round's reviewer file (REVIEW_DIR/roundN/expected.yaml), runs every bundle through
match() at its as_of, and where the engine and the reviewer disagree applies the decision written
in DECISIONS (named cases) or in the rule for its kind (a missing datum or a judgement the engine
names). The reviewer's status is kept unless DECISIONS says it is wrong; the engine's verdict is
recorded as also_acceptable only when it is not "eligible". The bundles are never changed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import yaml

from service.criteria import load_catalog
from service.pipeline import match
from service.rank import TrialMatch
from service.settings import default_criteria_dir

HERE = Path(__file__).parent
ROUNDS = ("round1", "round2")

# (round, bundle prefix, trial) -> (adjudicated status, decision, why). "keep" keeps the reviewer's
# status and accepts the engine's non-eligible verdict too; "engine" adopts the engine's verdict.
KEEP, ENGINE = "keep", "engine"
T1, T2, T3, T4, T5 = "NCT03826433", "NCT05948982", "NCT03209986", "NCT05227846", "NCT01728727"
INFECTION_T1 = (
    "the words name concomitant peritonitis and pneumonia before 'or other infection not under control'; "
    "a current one fails (round-2 reviewer reads the same); unknown is also safe"
)
SEVERE_INFECTION = (
    "an active pneumonia needing admission is read as a severe bacterial infection (round-2 reviewer: "
    "severe pneumonia fails); unknown is also safe"
)
PYELO = (
    "the serious-infection value set counts a current acute pyelonephritis as a serious infection not "
    "under control; the reviewer's unknown is also safe (open point: pyelonephritis could move to the "
    "'other infection' reading, unknown)"
)
HCG = (
    "issue 9 rule: a positive hCG in the window is not cancelled by a later self-reported status without "
    "a test; the reviewer's unknown is also safe"
)
HIV = (
    "issue 9 rule: a reactive HIV screen at any date counts unless a later supplemental antibody test is "
    "negative; the reviewer's unknown is also safe"
)
ANTI_HCV = (
    "a reactive anti-HCV is read as evidence of HCV co-infection for 'coinfection with other viral "
    "hepatitis'; RNA negative or absent leaves past infection possible, so the reviewer's unknown is also"
    " safe"
)
AGE = "reviewer error: age 61 is outside 18-60 (known reviewer error named in the brief)"
WINDOW = (
    "theme 1: a complication current or within 3 calendar months fails the undated end-stage line "
    "(round-2 reviewer reads the same); the round-1 reviewer's unknown was the wider reading"
)
NO_INFECTION = (
    "reviewer error: the bundle holds no peritonitis, pneumonia, sepsis or albumin record (only the "
    "baseline problem list and orders), so nothing on record excludes; the engine's verdict follows the "
    "data"
)
DECISIONS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("round1", "17_", T1): (ENGINE, AGE),
    ("round1", "38_", T1): (ENGINE, AGE),
    ("round1", "20_", T1): (KEEP, INFECTION_T1),
    ("round1", "25_", T1): (KEEP, INFECTION_T1),
    ("round1", "20_", T2): (KEEP, SEVERE_INFECTION + " (exc-5d: more severe than SBP within 2 weeks)"),
    ("round1", "20_", T3): (KEEP, SEVERE_INFECTION),
    ("round1", "20_", T5): (KEEP, SEVERE_INFECTION),
    ("round1", "24_", T1): (KEEP, PYELO),
    ("round1", "24_", T2): (KEEP, PYELO),
    ("round1", "24_", T3): (KEEP, PYELO),
    ("round1", "24_", T5): (KEEP, PYELO),
    ("round1", "50_", T1): (ENGINE, WINDOW + " (ended 91 days ago, inside 3 calendar months on 22 November)"),
    ("round1", "51_", T1): (ENGINE, WINDOW + " (onset 78 days ago)"),
    ("round1", "52_", T1): (ENGINE, WINDOW + " (hepatorenal syndrome 48 days ago)"),
    ("round1", "75_", T2): (KEEP, HCG),
    ("round1", "75_", T3): (KEEP, HCG),
    ("round1", "75_", T4): (KEEP, HCG),
    ("round1", "75_", T5): (KEEP, HCG),
    ("round1", "78_", T1): (KEEP, HIV),
    ("round1", "78_", T2): (KEEP, HIV),
    ("round1", "78_", T3): (KEEP, HIV),
    ("round1", "78_", T4): (KEEP, HIV),
    ("round1", "79_", T3): (KEEP, ANTI_HCV),
    ("round1", "42_", T4): (
        ENGINE,
        "issue 9 rule: with no reference range the fallback ULN comes from one documented sex-specific table "
        "(creatinine male 1.3 mg/dL, MedlinePlus), so 1.40 mg/dL is below 1.2 x ULN = 1.56; the reviewer's range of "
        "lab ULNs is not on the record (open point for the lead: a fallback interval would make this unknown)",
    ),
    ("round2", "061_", T3): (KEEP, ANTI_HCV),
    ("round2", "078_", T1): (ENGINE, NO_INFECTION),
    ("round2", "078_", T2): (ENGINE, NO_INFECTION),
    ("round2", "078_", T3): (ENGINE, NO_INFECTION),
    ("round2", "078_", T4): (ENGINE, NO_INFECTION),
    ("round2", "078_", T5): (ENGINE, NO_INFECTION),
    ("round2", "080_", T1): (ENGINE, NO_INFECTION),
    ("round2", "080_", T2): (ENGINE, NO_INFECTION),
    ("round2", "080_", T3): (ENGINE, NO_INFECTION),
    ("round2", "080_", T4): (ENGINE, NO_INFECTION),
    ("round2", "080_", T5): (ENGINE, NO_INFECTION),
}


def _open_items(found: TrialMatch) -> str:
    """Return the criteria that keep a trial undecided, with the engine's first reason, in one phrase."""
    leaves = [
        c
        for c in found.criteria
        if c.outcome.value == "unknown" and not any(x.parent_id == c.id for x in found.criteria)
    ]
    shown = "; ".join(f"{c.id}: {c.reason[:140]}" for c in leaves[:3])
    return shown + ("; ..." if len(leaves) > 3 else "")


def adjudicate(review_dir: Path) -> list[str]:
    """Write each round's expected.yaml under tests/cases/review and return the adjudication lines."""
    catalog = load_catalog(default_criteria_dir())
    lines: list[str] = []
    for name in ROUNDS:
        entries = yaml.safe_load((review_dir / name / "expected.yaml").read_text(encoding="utf-8"))
        for entry in entries:
            doc = json.loads((HERE / name / entry["file"]).read_text(encoding="utf-8"))
            report = match(doc, catalog, dt.date.fromisoformat(str(entry["as_of"])))
            got = {m.trial.id: m for m in report.results}
            for trial, want in entry["trials"].items():
                found = got[trial]
                engine, reviewer = found.status.value, want["status"]
                if engine == reviewer:
                    continue
                also: list[str] = list(want.get("also_acceptable") or [])
                key = next(
                    (k for k in DECISIONS if k[0] == name and entry["file"].startswith(k[1]) and k[2] == trial), None
                )
                if key is not None:
                    decision, why = DECISIONS[key]
                elif engine == "eligible":
                    raise SystemExit(f"{name}/{entry['file']} {trial}: engine eligible, reviewer {reviewer}: decide it")
                elif engine == "possibly_eligible":
                    decision = KEEP
                    kind = "a missing datum or a judgement" if reviewer == "eligible" else "a judgement or a datum"
                    why = f"{kind} the engine names keeps it undecided: {_open_items(found)}"
                else:
                    raise SystemExit(
                        f"{name}/{entry['file']} {trial}: engine ineligible, reviewer {reviewer}: decide it"
                    )
                if decision == ENGINE:
                    want["status"] = engine
                    also = [s for s in also if s != engine]
                    verdict = f"adjudicated {engine}"
                else:
                    if engine not in also:
                        also.append(engine)
                    verdict = f"kept {reviewer}, {engine} also acceptable"
                if also:
                    want["also_acceptable"] = also
                want.setdefault("why", "")
                want["adjudication"] = why
                lines.append(f"| {name} | {entry['file']} | {trial} | {reviewer} | {engine} | {verdict} | {why} |")
        header = (
            f"# Adjudicated expectations for the {name} review bundles (issue 9): the reviewer's file with,\n"
            "# where the engine and the reviewer disagree, the decision ('adjudication' says why;\n"
            "# 'also_acceptable' lists a verdict, never 'eligible', that also passes).\n"
            "# Regenerate: python -m tests.cases.review.adjudicate REVIEW_DIR.\n"
        )
        text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=120)
        (HERE / name / "expected.yaml").write_text(header + text, encoding="utf-8")
    return lines


def main() -> None:
    """Regenerate the expectation files and ADJUDICATION.md from the reviewer files in argv[1]."""
    lines = adjudicate(Path(sys.argv[1]))
    intro = (HERE / "ADJUDICATION.intro.md").read_text(encoding="utf-8")
    table = ["| round | bundle | trial | reviewer | engine | decision | why |", "|---|---|---|---|---|---|---|", *lines]
    (HERE / "ADJUDICATION.md").write_text(intro + "\n" + "\n".join(table) + "\n", encoding="utf-8")
    print(f"{len(lines)} disagreements adjudicated")


if __name__ == "__main__":
    main()
