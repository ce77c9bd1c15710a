"""Lab semantics: UCUM units, unreadable newest results, supersession, ties, ULN choice, serology, extremes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service.criteria import Catalog, SexSpecific
from service.dates import shift
from service.evaluate import Evaluator
from service.facts import PatientFacts
from service.intake import ReadFilter
from service.logic import Truth
from service.pipeline import UNBOUNDED_DAYS, read_facts
from service.units import UnitTable, read_ucum, vendor_to_ucum
from tests.fhir_builders import SNOMED, bundle, coded_obs, patient, quantity_obs

AS_OF = dt.date(2026, 11, 22)
UCUM = "http://unitsofmeasure.org"


def facts_of(catalog: Catalog, *resources: dict[str, Any], gender: str | None = "male") -> PatientFacts:
    return read_facts(bundle(patient("1972-03-15", gender), *resources), catalog, AS_OF)


def _units(catalog: Catalog) -> UnitTable:
    return catalog.units


# -- the UCUM reader, checked against the UCUM library ucumvert --------------------------------

PREFIXES = ("", "k", "d", "c", "m", "u", "n", "p", "f")
VOLUMES = ("L", "dL", "mL", "uL", "nL", "fL", "l", "dl", "ml", "mm3", "cm3", "m3")
NUMERATORS = ("g", "mol", "[IU]")
COUNTS = ("10*3", "10*6", "10*9", "10*12", "10^3", "")
GRID = sorted(
    {f"{p}{n}/{v}" for p in PREFIXES for n in NUMERATORS for v in VOLUMES}
    | {f"{c}/{v}" for c in COUNTS for v in VOLUMES}
    | {"kg/m2", "mg{total}/dL", "{cells}/uL", "10.L-1", "g.dL-1", "mmol/mol"}
)


@pytest.fixture(scope="module")
def ucumvert_registry() -> Any:
    """The UCUM library's registry (pint-based), built once: about 2.6 s here."""
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry()


@pytest.mark.parametrize("unit", GRID)
def test_ucum_reader_agrees_with_ucumvert(ucumvert_registry: Any, unit: str) -> None:
    """Each unit of the supported UCUM subset has the factor and dimensions the UCUM library gives it."""
    ours = read_ucum(unit)
    assert ours is not None
    factor, (mass, substance, length, iu) = ours
    theirs = ucumvert_registry.from_ucum(unit).to_base_units()
    dims = theirs.dimensionality
    # ucumvert reduces [IU] to a dimensionless unit: compare the physical dimensions only.
    assert (dims.get("[mass]", 0), dims.get("[substance]", 0), dims.get("[length]", 0)) == (mass, substance, length)
    assert iu == (1 if "[IU]" in unit else 0)
    # pint's base unit of mass is the kilogram, the reader's the gram.
    assert factor == pytest.approx(theirs.magnitude * 1000.0**mass, rel=1e-9)


@pytest.mark.parametrize(
    "unit", ["K/uL", "G/L", "%", "mEq/L", "U/L", "mg//dL", "./L", "mg/dL ", "x" * 50, "{unclosed/L"]
)
def test_ucum_reader_refuses_what_it_does_not_know(unit: str) -> None:
    """Kelvin, gauss, percent, equivalents, enzyme units, bad syntax and overlong text are not read (never guessed)."""
    assert read_ucum(unit) is None


def test_ucumvert_reads_vendor_k_per_ul_as_kelvin(ucumvert_registry: Any) -> None:
    """Why vendor spellings are rewritten before any UCUM reading: the library reads 'K/uL' as kelvin per microlitre."""
    assert "[temperature]" in ucumvert_registry.from_ucum("K/uL").dimensionality


@pytest.mark.parametrize(
    ("text", "ucum"),
    [
        ("K/uL", "10*3/uL"),
        ("k/µL", "10*3/uL"),
        ("Thousand/uL", "10*3/uL"),
        ("x10E3/uL", "10*3/uL"),
        ("X10E9/L", "10*9/L"),
        ("10^3/mcL", "10*3/uL"),
        ("10^9/L", "10*9/L"),
        ("cells/mcL", "/uL"),
        ("/cumm", "/mm3"),
        ("mcmol/L", "umol/L"),
        ("mcg/L", "ug/L"),
        ("IU/mL", "[IU]/mL"),
        ("mIU/mL", "m[IU]/mL"),
        ("mg / dL", "mg/dL"),
    ],
)
def test_vendor_spellings_rewrite_to_ucum(text: str, ucum: str) -> None:
    """The vendor spellings laboratories send are rewritten to the UCUM code they mean."""
    assert vendor_to_ucum(text) == ucum


@pytest.mark.parametrize(
    ("analyte", "code", "text", "value", "expected"),
    [
        ("wbc", None, "K/uL", 4.5, 4.5),
        ("wbc", None, "x10E3/uL", 4.5, 4.5),
        ("wbc", "/nL", None, 4.5, 4.5),
        ("wbc", "10*12/L", None, 0.0045, 4.5),
        ("wbc", None, "10^3/mcL", 4.5, 4.5),
        ("platelets", None, "Thousand/uL", 85, 85),
        ("bilirubin_total", "mg/L", None, 25, 2.5),
        ("bilirubin_total", "umol/L", None, 34.2, 34.2 * 584.66 / 1e4),
        ("creatinine", "mmol/L", None, 0.133, 0.133 * 113.12 / 10),
        ("creatinine", None, "mcmol/L", 133, 133 * 113.12 / 1e4),
        ("glucose_fasting", "mg/dL", None, 180.16, 10.0),
        ("sodium", None, "mEq/L", 136, 136),
        ("albumin", "g/L", None, 35, 3.5),
        ("afp", None, "IU/mL", 100, 121),
        ("afp", "k[IU]/L", None, 100, 121),
        ("hcg", "[IU]/L", None, 30, 30),
        ("hcg", None, "mIU/mL", 30, 30),
        ("hbv_dna", "[IU]/L", None, 20000, 20),
    ],
)
def test_reported_units_convert(
    catalog: Catalog, analyte: str, code: str | None, text: str | None, value: float, expected: float
) -> None:
    """Valid UCUM and vendor units convert by dimensions, molar mass or mass per IU to the canonical unit."""
    units, entry = _units(catalog), catalog.analytes.analytes[analyte]
    conversion = units.resolve(entry, code, text)
    assert conversion is not None
    converted = units.to_canonical(entry, conversion, value)
    assert converted is not None and converted.value == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("analyte", "code", "text"),
    [
        ("inr", "%", None),  # a dimensionless canonical unit converts only through the table
        ("creatinine", None, "mEq/L"),  # equivalents need a valence; only sodium's table has them
        ("albumin", "umol/L", None),  # no molar mass for albumin in clinical.md
        ("afp", "nmol/L", None),
        ("wbc", "G/L", None),  # gauss per litre, not giga-cells
        ("hbv_dna", "{copies}/L", None),  # copies are not international units
        ("bilirubin_total", "umol/L", "mg/dL"),  # code and text disagree
    ],
)
def test_units_that_cannot_be_converted_are_refused(
    catalog: Catalog, analyte: str, code: str | None, text: str | None
) -> None:
    """A unit the table, the dimensions and the vendor rules cannot convert, or a code/text conflict, is refused."""
    assert _units(catalog).resolve(catalog.analytes.analytes[analyte], code, text) is None


def test_copies_per_ml_is_an_interval_between_assay_factors(catalog: Catalog) -> None:
    """HBV DNA in copies/mL becomes [copies/5.82, copies/3.41] IU/mL; a configured factor makes it exact."""
    entry = catalog.analytes.analytes["hbv_dna"]
    units = _units(catalog)
    conversion = units.resolve(entry, "{copies}/mL", None)
    assert conversion is not None and not conversion.exact
    converted = units.to_canonical(entry, conversion, 5820)
    assert converted is not None
    assert (converted.low, converted.high) == (pytest.approx(1000), pytest.approx(5820 / 3.41))
    exact = UnitTable(catalog.analytes, copies_per_iu=5.82)
    fixed = exact.resolve(entry, "{copies}/mL", None)
    assert fixed is not None and fixed.exact
    value = exact.to_canonical(entry, fixed, 5820)
    assert value is not None and value.low == value.high == pytest.approx(1000)


@pytest.mark.parametrize(
    ("analyte", "unit", "value"),
    [("hbv_dna", "{log_IU}/mL", 309), ("hbv_dna", "{log_copies}/mL", 1e308), ("bilirubin_total", "mg/mL", 1.7e308)],
)
def test_values_beyond_float_range_do_not_convert(catalog: Catalog, analyte: str, unit: str, value: float) -> None:
    """10**309 or a product past the float range is no number: the conversion returns None, never raises."""
    entry = catalog.analytes.analytes[analyte]
    conversion = _units(catalog).resolve(entry, unit, None)
    assert conversion is not None
    assert _units(catalog).to_canonical(entry, conversion, value) is None


# -- which result decides --------------------------------------------------------------------


def test_unreadable_results_are_kept_and_named(catalog: Catalog) -> None:
    """An overflowing log value is kept as an unreadable newest result with a warning, not dropped."""
    facts = facts_of(
        catalog,
        quantity_obs("old", "42595-9", 20, "[IU]/mL", day="2026-11-01"),
        quantity_obs("huge", "42595-9", 309, "{log_IU}/mL", day="2026-11-10"),
    )
    newest = facts.newest("hbv_dna", AS_OF, 90)
    assert [v.reference for v in newest] == ["Observation/huge"]
    assert newest[0].unreadable is not None and "out of range" in newest[0].unreadable
    assert any("Observation/huge" in w and "cannot be read" in w for w in facts.warnings)


def test_reference_range_beyond_float_is_left_out_with_a_warning(catalog: Catalog) -> None:
    """A log-unit reference range high of 309 cannot be read: no ULN from it, a warning, no error."""
    obs = quantity_obs("o", "42595-9", 500, "[IU]/mL")
    obs["referenceRange"] = [{"high": {"value": 309, "system": UCUM, "code": "{log_IU}/mL"}}]
    facts = facts_of(catalog, obs)
    (lab,) = facts.labs["hbv_dna"]
    assert lab.ulns == () and lab.value == 500
    assert any("reference range cannot be read" in w for w in facts.warnings)


def _issued(obs: dict[str, Any], instant: str) -> dict[str, Any]:
    obs["issued"] = instant
    return obs


def test_same_day_results_order_by_issued_and_never_by_id(catalog: Catalog) -> None:
    """Results of one day are ordered by issued instant; without one they are equally newest."""
    ordered = facts_of(
        catalog,
        _issued(quantity_obs("a", "2951-2", 120, "mmol/L"), "2026-11-10T18:00:00Z"),
        _issued(quantity_obs("z", "2951-2", 136, "mmol/L"), "2026-11-10T08:00:00+00:00"),
    )
    assert [v.reference for v in ordered.newest("sodium", AS_OF, 30)] == ["Observation/a"]
    tied = facts_of(catalog, quantity_obs("a", "2951-2", 120, "mmol/L"), quantity_obs("z", "2951-2", 136, "mmol/L"))
    assert {v.reference for v in tied.newest("sodium", AS_OF, 30)} == {"Observation/a", "Observation/z"}
    assert tied.latest("sodium", AS_OF, 30) is None  # scores never pick one of two disagreeing results


def test_correction_supersedes_by_identifier(catalog: Catalog) -> None:
    """A corrected result sharing the original's identifier supersedes it; a warning names both."""
    original = quantity_obs("orig", "1975-2", 12, "mg/dL", day="2026-11-09")
    fix = quantity_obs("fix", "1975-2", 2.5, "mg/dL", day="2026-11-10", status="corrected")
    for obs in (original, fix):
        obs["identifier"] = [{"system": "urn:lab:accession", "value": "ACC-1"}]
    facts = facts_of(catalog, original, fix)
    assert [v.reference for v in facts.labs["bilirubin_total"]] == ["Observation/fix"]
    assert any("Observation/orig" in w and "superseded by Observation/fix" in w for w in facts.warnings)


def test_final_result_issued_after_a_correction_is_not_superseded(catalog: Catalog) -> None:
    """A correction supersedes only results issued before it: a later final result of the same day stays newest."""
    fix = _issued(quantity_obs("fix", "1975-2", 2.5, "mg/dL", status="corrected"), "2026-11-10T09:00:00Z")
    later = _issued(quantity_obs("later", "1975-2", 3.0, "mg/dL"), "2026-11-10T20:00:00Z")
    facts = facts_of(catalog, fix, later)
    assert [v.reference for v in facts.labs["bilirubin_total"]] == ["Observation/later", "Observation/fix"]


def test_two_unordered_corrections_stay_side_by_side(catalog: Catalog) -> None:
    """Two corrections of one day that issued times cannot order do not supersede each other."""
    facts = facts_of(
        catalog,
        quantity_obs("c1", "1975-2", 2.5, "mg/dL", status="corrected"),
        quantity_obs("c2", "1975-2", 3.0, "mg/dL", status="amended"),
    )
    assert len(facts.newest("bilirubin_total", AS_OF, 30)) == 2


def test_other_extensions_are_not_read(catalog: Catalog) -> None:
    """Only the observation-replaces extension is validated; a malformed other extension does not reject the Bundle."""
    obs = quantity_obs("o", "1975-2", 2.5, "mg/dL")
    obs["extension"] = [{"url": "http://example.org/x", "valueQuantity": "not a quantity"}]
    facts = facts_of(catalog, obs)
    assert facts.labs["bilirubin_total"][0].value == 2.5


# -- reference ranges ------------------------------------------------------------------------


def _ranges(obs: dict[str, Any], *ranges: dict[str, Any]) -> dict[str, Any]:
    obs["referenceRange"] = list(ranges)
    return obs


def _range(high: float, sex: str | None = None, applies: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"high": {"value": high, "system": UCUM, "code": "mg/dL"}}
    if sex is not None:
        out["appliesTo"] = [{"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": sex}]}]
    if applies is not None:
        out["appliesTo"] = [{"coding": [{"system": SNOMED, "code": applies}]}]
    return out


@pytest.mark.parametrize(("gender", "ulns"), [("male", (1.3,)), ("female", (1.0,)), (None, (1.0, 1.3))])
def test_reference_range_is_chosen_by_the_patients_sex(
    catalog: Catalog, gender: str | None, ulns: tuple[float, ...]
) -> None:
    """The range for the patient's sex gives the ULN; with the sex unknown both are kept."""
    obs = _ranges(quantity_obs("o", "2160-0", 1.2, "mg/dL"), _range(1.3, "male"), _range(1.0, "female"))
    (lab,) = facts_of(catalog, obs, gender=gender).labs["creatinine"]
    assert lab.ulns == pytest.approx(ulns)


def test_range_for_another_subpopulation_is_not_used(catalog: Catalog) -> None:
    """A range that applies to pregnancy (SNOMED 77386006) is not the ULN of a man; the general range is."""
    obs = _ranges(quantity_obs("o", "2160-0", 1.2, "mg/dL"), _range(0.8, applies="77386006"), _range(1.3))
    (lab,) = facts_of(catalog, obs).labs["creatinine"]
    assert lab.ulns == (1.3,)


# -- look-backs at the calendar's edge -------------------------------------------------------


@pytest.mark.parametrize("days", [0, 30, 800_000, UNBOUNDED_DAYS, 10**12])
def test_look_back_shift_is_clamped_to_the_calendar(days: int) -> None:
    """A look-back that would leave the calendar stops at its first day instead of raising."""
    day = dt.date(1, 1, 20)
    expected = day - dt.timedelta(days=days) if days < 19 else dt.date.min
    assert shift(day, days=-days) == expected


def test_lab_look_backs_near_year_one_do_not_raise(catalog: Catalog) -> None:
    """newest() and the intake window accept an as-of date in year 1 with any window."""
    facts = read_facts(
        bundle(patient("0001-01-01"), quantity_obs("o", "1975-2", 2.0, "mg/dL", day="0001-01-05")),
        catalog,
        dt.date(1, 1, 10),
    )
    assert [v.value for v in facts.newest("bilirubin_total", dt.date(1, 1, 10), 30)] == [2.0]
    windows = ReadFilter({("http://loinc.org", "1975-2"): UNBOUNDED_DAYS}, frozenset())
    assert (
        windows.wants_observation(quantity_obs("o", "1975-2", 2.0, "mg/dL", day="0001-01-05"), dt.date(1, 1, 10))
        is None
    )


# -- qualitative results and the nodes that read them ---------------------------------------


def _evaluator(catalog: Catalog, facts: PatientFacts) -> Evaluator:
    return Evaluator(catalog, facts, AS_OF)


def test_persistent_positive_yields_only_to_a_confirmatory_negative(catalog: Catalog) -> None:
    """A reactive HIV screen years ago stands against later negative screens, not against a negative Western blot."""
    from service.criteria import LabPositive

    node = LabPositive.model_validate({"lab_positive": {"analyte": "hiv_antibody"}})
    old = coded_obs("old", "56888-1", SNOMED, "10828004", "Reactive", day="2019-05-01")
    screen = coded_obs("screen", "56888-1", SNOMED, "260385009", "Negative", day="2026-11-01")
    blot = coded_obs("blot", "5221-7", SNOMED, "260385009", "Negative", day="2019-06-01")
    assert _evaluator(catalog, facts_of(catalog, old, screen)).node(node).truth is Truth.TRUE
    assert _evaluator(catalog, facts_of(catalog, old, blot, screen)).node(node).truth is Truth.FALSE


def test_unreadable_newest_qualitative_result_is_unknown(catalog: Catalog) -> None:
    """An HBV DNA answer that reads neither way, newer than a negative, makes detection unknown."""
    from service.criteria import LabPositive

    node = LabPositive.model_validate({"lab_positive": {"analyte": "hbv_dna", "within_days": 90}})
    negative = coded_obs("neg", "29610-3", SNOMED, "260415000", "Not detected", day="2026-11-01")
    odd = coded_obs("odd", "29610-3", SNOMED, "419984006", "Inconclusive", day="2026-11-10")
    result = _evaluator(catalog, facts_of(catalog, negative, odd)).node(node)
    assert result.truth is Truth.UNKNOWN and "Observation/odd" in result.reasons[0]


@pytest.mark.parametrize(
    ("gender", "truth"), [("male", Truth.UNKNOWN), ("female", Truth.TRUE), (None, Truth.TRUE), ("other", Truth.TRUE)]
)
def test_sex_specific_evidence(catalog: Catalog, gender: str | None, truth: Truth) -> None:
    """Pregnancy evidence decides for a woman or an unknown sex; on a male record it makes the node unknown."""
    node = SexSpecific.model_validate(
        {"sex_specific": {"in": ["female"], "logic": {"lab_positive": {"analyte": "hcg", "within_days": 30}}}}
    )
    positive = coded_obs("hcg", "2106-3", SNOMED, "10828004", "Positive")
    assert _evaluator(catalog, facts_of(catalog, positive, gender=gender)).node(node).truth is truth
    assert _evaluator(catalog, facts_of(catalog, gender="male")).node(node).truth is Truth.FALSE


@pytest.mark.parametrize(
    ("value", "unit", "interpretation", "positive"),
    [
        (1.0, "{s_co_ratio}", None, True),
        (0.99, "S/CO", None, False),
        (0.5, None, "H", None),
        (3.0, "{index}", "NEG", None),
    ],
)
def test_signal_to_cutoff_results(
    catalog: Catalog, value: float, unit: str | None, interpretation: str | None, positive: bool | None
) -> None:
    """An index at or above 1 is reactive; a flag that contradicts the number leaves the result unreadable."""
    obs = quantity_obs("o", "48159-8", value, unit, interpretation=interpretation)
    (lab,) = facts_of(catalog, obs).labs["hcv_antibody"]
    assert lab.positive is positive
    assert (lab.unreadable is None) is (positive is not None)


def test_hcg_cutoff_uses_the_reports_reference_range(catalog: Catalog) -> None:
    """A quantitative hCG below the report's own reference-range high (10) is negative, above it equivocal."""
    low = _ranges(
        quantity_obs("a", "19080-1", 8, "m[IU]/mL"), {"high": {"value": 10, "system": UCUM, "code": "m[IU]/mL"}}
    )
    mid = _ranges(
        quantity_obs("b", "19080-1", 18, "m[IU]/mL"), {"high": {"value": 10, "system": UCUM, "code": "m[IU]/mL"}}
    )
    assert facts_of(catalog, low).labs["hcg"][0].positive is False
    assert facts_of(catalog, mid).labs["hcg"][0].positive is None
    assert facts_of(catalog, mid).labs["hcg"][0].value == 18  # equivocal, yet a readable number


def test_result_without_any_value_is_not_a_result(catalog: Catalog) -> None:
    """A panel header or a value-less result (dataAbsentReason) is not counted and cannot make a criterion unknown."""
    panel = coded_obs("panel", "85037-0", SNOMED, "x")
    del panel["valueCodeableConcept"]
    panel["dataAbsentReason"] = {"coding": [{"code": "not-performed"}]}
    facts = facts_of(catalog, panel, coded_obs("screen", "56888-1", SNOMED, "260385009", "Negative"))
    assert [v.reference for v in facts.labs["hiv_antibody"]] == ["Observation/screen"]
    assert any("Observation/panel" in w and "no value" in w for w in facts.warnings)


def test_odd_identifiers_and_specimens_never_reject_the_bundle(catalog: Catalog) -> None:
    """Identifier, specimen and extension shapes facts does not use are passed over, not validated."""
    obs = quantity_obs("o", "1975-2", 2.5, "mg/dL")
    obs["identifier"] = [{"value": 7}, "junk", {"system": {"x": 1}, "value": "A-1", "type": 5}]
    obs["specimen"] = "Specimen/s1"
    obs["extension"] = "not a list"
    (lab,) = facts_of(catalog, obs).labs["bilirubin_total"]
    assert lab.value == 2.5 and lab.identifiers == ("|A-1",) and lab.specimen is None
