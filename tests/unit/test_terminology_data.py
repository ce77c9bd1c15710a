"""Checks on the terminology data: criteria/valuesets/*.yaml and criteria/analytes.yaml.

The worked examples come from shared/reference/clinical.md section B.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.terminology import (
    ICD_SYSTEMS,
    Analyte,
    AnalyteTable,
    ValueSet,
    codes_by_key,
    normalise_code,
    unit_key,
)
from service.units import UnitTable

CRITERIA = Path(__file__).resolve().parents[2] / "criteria"
VALUESET_FILES = sorted((CRITERIA / "valuesets").glob("*.yaml"))
ATC = "http://www.whocc.no/atc"

EXPECTED_ANALYTES = {
    "bilirubin_total", "creatinine", "sodium", "wbc", "platelets", "albumin", "inr", "afp",
    "hba1c", "glucose_fasting", "hbv_dna", "height", "weight", "bmi", "hiv_antibody",
    "hcv_antibody", "syphilis_treponemal", "syphilis_reagin", "hcg", "pregnancy_status",
}  # fmt: skip

# Value sets that trial criteria refer to; each must exist as a file.
EXPECTED_VALUESETS = {
    "chronic-hepatitis-b", "cirrhosis", "decompensated-cirrhosis", "ascites", "ascites-severe",
    "hepatic-encephalopathy", "hepatic-encephalopathy-coma", "variceal-bleeding",
    "gastrointestinal-bleeding", "spontaneous-bacterial-peritonitis", "hepatorenal-syndrome",
    "hepatocellular-carcinoma", "malignancy", "malignancy-history", "hiv-infection",
    "hepatitis-c", "hepatitis-d", "syphilis", "tuberculosis", "autoimmune-hepatitis",
    "alcoholic-liver-disease", "metabolic-fatty-liver-disease", "portal-vein-thrombosis",
    "hepatic-vein-thrombosis", "biliary-obstruction", "venous-thromboembolism", "heart-failure",
    "nyha-class-2-or-higher", "ischemic-heart-disease", "diabetes-mellitus",
    "alcohol-use-disorder", "drug-use-disorder", "serious-mental-disorder",
    "cognitive-impairment", "pregnancy", "lactation", "liver-transplant", "organ-transplant",
    "tips", "portosystemic-shunt-surgery", "splenectomy", "stem-cell-therapy",
    "blood-transfusion", "dialysis", "chronic-kidney-failure", "respiratory-failure",
    "serious-infection", "hbv-antivirals", "hcv-antivirals", "systemic-corticosteroids",
    "albumin-human", "methadone",
}  # fmt: skip


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _valueset(path: Path) -> ValueSet:
    return ValueSet.model_validate(_load(path))


@pytest.fixture(scope="module")
def table() -> AnalyteTable:
    """The analyte table, validated."""
    return AnalyteTable.model_validate(_load(CRITERIA / "analytes.yaml"))


def _to_canonical(analyte: Analyte, unit: str, value: float) -> float:
    """Convert through the service's unit resolution (table, UCUM dimensions, molar masses)."""
    units = UnitTable(_table())
    conversion = units.resolve(analyte, unit, None)
    assert conversion is not None, unit
    converted = units.to_canonical(analyte, conversion, value)
    assert converted is not None
    return converted.value


def _table() -> AnalyteTable:
    return AnalyteTable.model_validate(_load(CRITERIA / "analytes.yaml"))


@pytest.mark.parametrize("path", VALUESET_FILES, ids=lambda p: p.stem)
def test_valueset_file_loads_with_matching_id(path: Path) -> None:
    """Every value-set file validates as a ValueSet whose id is the file stem."""
    valueset = _valueset(path)
    assert valueset.id == path.stem


@pytest.mark.parametrize("path", VALUESET_FILES, ids=lambda p: p.stem)
def test_valueset_has_no_duplicate_entries(path: Path) -> None:
    """No value set lists the same code, prefix or name twice."""
    valueset = _valueset(path)
    assert len(codes_by_key(valueset.codes)) == len(valueset.codes)
    all_prefixes = (*valueset.prefixes, *valueset.exclude_prefixes)
    prefixes = Counter((p.system, normalise_code(p.system, p.prefix)) for p in all_prefixes)
    assert [key for key, count in prefixes.items() if count > 1] == []
    names = Counter(n.name for n in valueset.names)
    assert [name for name, count in names.items() if count > 1] == []


@pytest.mark.parametrize("path", VALUESET_FILES, ids=lambda p: p.stem)
def test_valueset_entries_name_a_source_and_are_not_empty(path: Path) -> None:
    """Every entry names where it was checked, and every value set matches something."""
    valueset = _valueset(path)
    entries = (*valueset.codes, *valueset.prefixes, *valueset.exclude_prefixes, *valueset.names)
    assert entries
    assert all(entry.source.strip() for entry in entries)
    assert valueset.codes or valueset.prefixes or valueset.names


@pytest.mark.parametrize("path", VALUESET_FILES, ids=lambda p: p.stem)
def test_prefixes_are_icd_or_atc(path: Path) -> None:
    """Prefix matching is only used for ICD (CM, WHO, PCS) categories and ATC classes."""
    valueset = _valueset(path)
    for entry in (*valueset.prefixes, *valueset.exclude_prefixes):
        assert entry.system in ICD_SYSTEMS | {ATC}, entry


@pytest.mark.parametrize("path", VALUESET_FILES, ids=lambda p: p.stem)
def test_exclusions_carve_out_of_an_included_prefix(path: Path) -> None:
    """Each exclude prefix lies inside one of the value set's own prefixes."""
    valueset = _valueset(path)
    included = [(p.system, normalise_code(p.system, p.prefix)) for p in valueset.prefixes]
    for entry in valueset.exclude_prefixes:
        carved = normalise_code(entry.system, entry.prefix)
        inside = [p for s, p in included if s == entry.system and carved.startswith(p)]
        assert [p for p in inside if p != carved], entry


def test_every_expected_valueset_exists() -> None:
    """Every value set that the trial criteria need has a file."""
    assert {path.stem for path in VALUESET_FILES} >= EXPECTED_VALUESETS


def test_donor_and_unverified_hbv_codes_are_absent(table: AnalyteTable) -> None:
    """The HBV DNA analyte leaves out the donor-screening code and the unverified log codes."""
    codes = {code.code for code in table.analytes["hbv_dna"].codes}
    assert codes.isdisjoint({"88453-6", "45161-7", "48398-2"})


def test_analyte_table_has_the_expected_analytes(table: AnalyteTable) -> None:
    """analytes.yaml validates and holds exactly the analytes the criteria use."""
    assert set(table.analytes) == EXPECTED_ANALYTES


def test_no_loinc_code_belongs_to_two_analytes(table: AnalyteTable) -> None:
    """A LOINC code reports one analyte only."""
    counts = Counter(code.code for analyte in table.analytes.values() for code in analyte.codes)
    assert [code for code, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("name", sorted(EXPECTED_ANALYTES))
def test_canonical_unit_converts_with_factor_one(table: AnalyteTable, name: str) -> None:
    """A quantitative analyte's canonical unit is one of its units, with factor 1 and no offset."""
    analyte = table.analytes[name]
    if analyte.kind == "qualitative":
        assert analyte.canonical_unit == ""
        assert analyte.units == {}
        return
    conversion = analyte.units[analyte.canonical_unit]
    assert (conversion.factor, conversion.offset, conversion.log10) == (1.0, 0.0, False)


@pytest.mark.parametrize("name", sorted(EXPECTED_ANALYTES))
def test_plausible_bounds_exclude_negative_values(table: AnalyteTable, name: str) -> None:
    """Quantitative analytes have plausible bounds that start at zero or above."""
    analyte = table.analytes[name]
    if analyte.kind == "qualitative":
        return
    assert analyte.plausible is not None
    assert 0 <= analyte.plausible.min < analyte.plausible.max


def test_unit_alias_targets_are_known_units(table: AnalyteTable) -> None:
    """Every unit alias points at a unit that some analyte can convert (by its table or by dimensions)."""
    units = UnitTable(table)
    unknown = {
        target
        for target in table.unit_aliases.values()
        if not any(units.declared(a, target) for a in table.analytes.values())
    }
    assert unknown == set()


def test_unit_alias_keys_are_in_lookup_form(table: AnalyteTable) -> None:
    """Alias keys are already normalised the way unit_key() normalises unit text."""
    assert [key for key in table.unit_aliases if unit_key(key) != key] == []


@pytest.mark.parametrize(
    ("text", "ucum"),
    [
        ("mg/dl", "mg/dL"),
        ("µmol/L", "umol/L"),
        ("K/uL", "10*3/uL"),
        ("x10^9/L", "10*9/L"),
        ("IU/ml", "[IU]/mL"),
        ("copies/ml", "{copies}/mL"),
        ("log IU/mL", "{log_IU}/mL"),
    ],
)
def test_common_unit_spellings_resolve(table: AnalyteTable, text: str, ucum: str) -> None:
    """The non-UCUM spellings listed in clinical.md E.5 resolve to their UCUM codes."""
    assert table.unit_aliases[unit_key(text)] == ucum


def test_bilirubin_34_2_umol_is_2_mg(table: AnalyteTable) -> None:
    """34.2 umol/L bilirubin is 2.0 mg/dL (clinical.md B: molar mass 584.66, factor 17.1)."""
    value = _to_canonical(table.analytes["bilirubin_total"], "umol/L", 34.2)
    assert value == pytest.approx(2.0, abs=0.001)


def test_creatinine_133_umol_is_1_50_mg(table: AnalyteTable) -> None:
    """133 umol/L creatinine is 1.50 mg/dL to two decimals (clinical.md B: factor 88.4)."""
    value = _to_canonical(table.analytes["creatinine"], "umol/L", 133)
    assert round(value, 2) == 1.50


def test_hba1c_48_mmol_mol_is_6_5_percent_within_rounding(table: AnalyteTable) -> None:
    """48 mmol/mol is 6.54 % NGSP, and 6.5 % rounds back to 48 mmol/mol (clinical.md B)."""
    hba1c = table.analytes["hba1c"]
    percent = _to_canonical(hba1c, "mmol/mol", 48)
    assert round(percent, 2) == 6.54
    conversion = hba1c.units["mmol/mol"]
    ifcc = (6.5 - conversion.offset) / conversion.factor
    assert round(ifcc) == 48


def test_hbv_116_copies_is_about_20_iu(table: AnalyteTable) -> None:
    """116 copies/mL is about 20 IU/mL with the Roche factor 5.82 (clinical.md B)."""
    value = _to_canonical(table.analytes["hbv_dna"], "{copies}/mL", 116)
    assert value == pytest.approx(20, abs=0.1)


def test_hbv_log_units_convert_through_ten_to_the_power(table: AnalyteTable) -> None:
    """Log results convert through 10**value: 1.3 log IU/mL is about 20 IU/mL (clinical.md E.2)."""
    hbv = table.analytes["hbv_dna"]
    assert _to_canonical(hbv, "{log_IU}/mL", 1.3) == pytest.approx(20, rel=0.01)
    assert _to_canonical(hbv, "{Log_IU}/mL", math.log10(2000)) == pytest.approx(2000)
    assert _to_canonical(hbv, "{log_copies}/mL", 2.1) == pytest.approx(10**2.1 / 5.82)


def test_glucose_126_mg_is_6_99_mmol(table: AnalyteTable) -> None:
    """126 mg/dL fasting glucose is 6.99 mmol/L (clinical.md B)."""
    value = _to_canonical(table.analytes["glucose_fasting"], "mg/dL", 126)
    assert round(value, 2) == 6.99


def test_cell_counts_agree_across_units(table: AnalyteTable) -> None:
    """4.5 x10^3/uL, 4.5 x10^9/L and 4500 /mm3 are the same count (clinical.md B)."""
    for name in ("wbc", "platelets"):
        analyte = table.analytes[name]
        assert _to_canonical(analyte, "10*3/uL", 4.5) == pytest.approx(4.5)
        assert _to_canonical(analyte, "/mm3", 4500) == pytest.approx(4.5)
        assert _to_canonical(analyte, "/uL", 4500) == pytest.approx(4.5)


def test_albumin_35_g_per_l_is_3_5_g_per_dl(table: AnalyteTable) -> None:
    """35 g/L albumin is 3.5 g/dL (clinical.md B)."""
    assert _to_canonical(table.analytes["albumin"], "g/L", 35) == pytest.approx(3.5)


def test_imperial_body_measures_convert_exactly(table: AnalyteTable) -> None:
    """Pounds and inches convert with the exact definitions (clinical.md B)."""
    assert _to_canonical(table.analytes["weight"], "[lb_av]", 100) == pytest.approx(45.359237)
    assert _to_canonical(table.analytes["height"], "[in_i]", 70) == pytest.approx(177.8)


def test_qualitative_answers_do_not_overlap(table: AnalyteTable) -> None:
    """No code, interpretation or word counts as both positive and negative."""
    answers = table.qualitative
    assert codes_by_key(answers.positive_codes).isdisjoint(codes_by_key(answers.negative_codes))
    assert set(answers.positive_interpretations).isdisjoint(answers.negative_interpretations)
    assert set(answers.positive_words).isdisjoint(answers.negative_words)


def test_abnormal_flags_are_not_read_as_positive(table: AnalyteTable) -> None:
    """High and abnormal interpretation flags are not positive results."""
    assert {"H", "HH", "A", "AA"}.isdisjoint(table.qualitative.positive_interpretations)
