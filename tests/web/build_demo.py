"""Regenerate the web view's demo patients under service/web/demo/ (run by hand, output committed).

Each demo is a committed test case (a case of tests/cases/NCT*.yaml applied to its base bundle)
or a committed bundle, named for what it shows. The service must not read the tests folder at
run time, so the bundles are materialised into the package; tests/web/test_demo.py fails when
they drift from their sources. Run from the repository root:

    .venv/bin/python tests/web/build_demo.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.cases.test_trial_cases import BUNDLES_DIR, CASES_DIR, build_bundle  # noqa: E402

DEMO_DIR = REPO / "service" / "web" / "demo"

# (name, title, what it shows, source): source is "<case file>#<case name>" or "bundle:<name>".
DEMOS: list[tuple[str, str, str, str]] = [
    (
        "eligible_for_all_five_pending_review",
        "Eligible for all five trials, pending review",
        "Hepatitis B cirrhosis with mild ascites, Child-Pugh 9, on entecavir; every computed criterion passes "
        "and the review items are left to the coordinator.",
        "NCT05227846.yaml#baseline",
    ),
    (
        "missing_labs_inr_hiv_test_hbv_dna",
        "Missing labs: INR, HIV test and HBV DNA",
        "No INR, HIV test or HBV DNA on record: every trial is possibly eligible and the order-next list ranks "
        "the INR first (all five trials wait on it).",
        "NCT05227846.missing_labs.yaml#inr_hiv_test_and_hbv_dna_missing_unknown",
    ),
    (
        "ineligible_bilirubin_205_umol_no_hiv_test",
        "Bilirubin 205 µmol/L and no HIV test",
        "The README's worked example: ineligible for two trials (bilirubin, MELD 22), possibly eligible for two "
        "until an HIV test is done, eligible for one.",
        "bundle:readme_example_bilirubin_205_umol_no_hiv_test",
    ),
    (
        "ineligible_active_liver_cancer",
        "Active hepatocellular carcinoma",
        "A current liver cancer diagnosis excludes the patient from four trials; NCT03826433 names liver "
        "cancer only with an AFP above 400, so a person decides there.",
        "NCT01728727.yaml#hcc_active_excludes",
    ),
    (
        "uncertain_provisional_liver_cancer",
        "Provisional liver cancer diagnosis",
        "A provisional (unconfirmed) hepatocellular carcinoma: trials whose words do not count suspected cases "
        "stay undecided, the one that does excludes.",
        "NCT01728727.yaml#hcc_provisional_unknown",
    ),
    (
        "woman_without_pregnancy_test",
        "Woman without a pregnancy test",
        "A woman with no pregnancy test in the last 30 days: possibly eligible until one is done.",
        "NCT05227846.yaml#female_without_pregnancy_test_unknown",
    ),
    (
        "hbv_dna_detected",
        "HBV DNA detected",
        "A coded 'Detected' HBV DNA result: one trial excludes, one stays undecided, three are eligible.",
        "NCT05227846.yaml#hbv_dna_detected_coded_excludes",
    ),
]


def source_bundle(source: str) -> tuple[dict[str, Any], str]:
    """Return the bundle a demo source names and the as-of date its case uses."""
    if source.startswith("bundle:"):
        path = BUNDLES_DIR / f"{source.removeprefix('bundle:')}.json"
        return json.loads(path.read_text(encoding="utf-8")), "2026-11-22"
    file_name, case_name = source.split("#")
    spec = yaml.safe_load((CASES_DIR / file_name).read_text(encoding="utf-8"))
    (case,) = [c for c in spec["cases"] if c["name"] == case_name]
    return build_bundle(case.get("base", spec["base"]), case), str(case.get("as_of", spec["as_of"]))


def bundle_text(bundle: dict[str, Any]) -> str:
    """Return a demo bundle as committed: one entry per line, so a changed resource is a one-line diff."""
    head = {key: value for key, value in bundle.items() if key != "entry"}
    lines = [json.dumps(entry, ensure_ascii=False, sort_keys=True) for entry in bundle["entry"]]
    opening = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1]
    return opening + ', "entry": [\n' + ",\n".join(lines) + "\n]}\n"


def build() -> dict[str, str]:
    """Return every file of service/web/demo/ by name: the index and one bundle per demo."""
    files: dict[str, str] = {}
    index = []
    for name, title, shows, source in DEMOS:
        bundle, as_of = source_bundle(source)
        files[f"{name}.json"] = bundle_text(bundle)
        index.append({"name": name, "title": title, "shows": shows, "asOf": as_of, "source": f"tests/cases/{source}"})
    files["index.json"] = json.dumps(index, ensure_ascii=False, indent=2) + "\n"
    return files


def main() -> None:
    """Write the demo files and remove demo files no longer listed."""
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    files = build()
    for stale in DEMO_DIR.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (DEMO_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {DEMO_DIR.relative_to(REPO)}")


if __name__ == "__main__":
    main()
