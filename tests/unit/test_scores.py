"""Score functions against every worked example in shared/reference/clinical.md section D."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scores import (
    AscitesGrade,
    ChildPugh,
    EncephalopathyGrade,
    albumin_points,
    ascites_points,
    bilirubin_points,
    bmi,
    child_pugh,
    encephalopathy_points,
    inr_points,
    meld,
    meld_3,
    meld_i,
    meld_na,
    round_half_up,
)

# --- D.1 Child-Pugh ---------------------------------------------------------------------------

# (bilirubin mg/dL, albumin g/dL, INR, ascites, encephalopathy) -> points, total, class
CHILD_PUGH_EXAMPLES = [
    pytest.param(1.2, 3.8, 1.2, "none", "none", (1, 1, 1, 1, 1), 5, "A", id="CP1"),
    pytest.param(2.5, 3.0, 1.8, "mild", "none", (2, 2, 2, 2, 1), 9, "B", id="CP2"),
    pytest.param(3.5, 2.5, 2.5, "moderate_severe", "grade_3_4", (3, 3, 3, 3, 3), 15, "C", id="CP3"),
    pytest.param(2.0, 3.5, 1.7, "none", "grade_1_2", (2, 2, 2, 1, 2), 9, "B", id="CP4-boundaries"),
    pytest.param(3.0, 2.8, 2.3, "mild", "grade_1_2", (2, 2, 2, 2, 2), 10, "C", id="CP5-boundaries"),
]


@pytest.mark.parametrize(
    ("bilirubin", "albumin", "inr", "ascites", "encephalopathy", "points", "total", "klass"),
    CHILD_PUGH_EXAMPLES,
)
def test_child_pugh_worked_examples(
    bilirubin: float,
    albumin: float,
    inr: float,
    ascites: AscitesGrade,
    encephalopathy: EncephalopathyGrade,
    points: tuple[int, int, int, int, int],
    total: int,
    klass: str,
) -> None:
    """Child-Pugh reproduces the component points, total and class of each D.1 example."""
    result = child_pugh(bilirubin, albumin, inr, ascites, encephalopathy)
    components = (result.bilirubin, result.albumin, result.inr, result.ascites)
    assert (*components, result.encephalopathy) == points
    assert result.total == total
    assert result.child_class == klass


# Both sides of every band edge; a value exactly on an edge scores 2 points (D.1 convention).
BAND_BOUNDARIES = [
    pytest.param(bilirubin_points, 1.99, 1, id="bilirubin-1.99-below-2"),
    pytest.param(bilirubin_points, 2.0, 2, id="bilirubin-2.0-on-lower-edge"),
    pytest.param(bilirubin_points, 2.01, 2, id="bilirubin-2.01-inside"),
    pytest.param(bilirubin_points, 2.99, 2, id="bilirubin-2.99-inside"),
    pytest.param(bilirubin_points, 3.0, 2, id="bilirubin-3.0-on-upper-edge"),
    pytest.param(bilirubin_points, 3.01, 3, id="bilirubin-3.01-above-3"),
    pytest.param(albumin_points, 3.51, 1, id="albumin-3.51-above-3.5"),
    pytest.param(albumin_points, 3.5, 2, id="albumin-3.5-on-upper-edge"),
    pytest.param(albumin_points, 3.49, 2, id="albumin-3.49-inside"),
    pytest.param(albumin_points, 2.81, 2, id="albumin-2.81-inside"),
    pytest.param(albumin_points, 2.8, 2, id="albumin-2.8-on-lower-edge"),
    pytest.param(albumin_points, 2.79, 3, id="albumin-2.79-below-2.8"),
    pytest.param(inr_points, 1.69, 1, id="inr-1.69-below-1.7"),
    pytest.param(inr_points, 1.7, 2, id="inr-1.7-on-lower-edge"),
    pytest.param(inr_points, 1.71, 2, id="inr-1.71-inside"),
    pytest.param(inr_points, 2.29, 2, id="inr-2.29-inside"),
    pytest.param(inr_points, 2.3, 2, id="inr-2.3-on-upper-edge"),
    pytest.param(inr_points, 2.31, 3, id="inr-2.31-above-2.3"),
]


@pytest.mark.parametrize(("points_of", "value", "expected"), BAND_BOUNDARIES)
def test_child_pugh_band_boundaries(points_of: Callable[[float], int], value: float, expected: int) -> None:
    """Each Child-Pugh lab band edge scores 2 points and its neighbours fall on the right side."""
    assert points_of(value) == expected


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        pytest.param("none", 1, id="ascites-none"),
        pytest.param("mild", 2, id="ascites-mild"),
        pytest.param("moderate_severe", 3, id="ascites-moderate-severe"),
    ],
)
def test_ascites_points(grade: AscitesGrade, expected: int) -> None:
    """Ascites scores 1, 2 or 3 points for none, mild and moderate-severe."""
    assert ascites_points(grade) == expected


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        pytest.param("none", 1, id="encephalopathy-none"),
        pytest.param("grade_1_2", 2, id="encephalopathy-grade-1-2"),
        pytest.param("grade_3_4", 3, id="encephalopathy-grade-3-4"),
    ],
)
def test_encephalopathy_points(grade: EncephalopathyGrade, expected: int) -> None:
    """Encephalopathy scores 1, 2 or 3 points for none, grade 1-2 and grade 3-4."""
    assert encephalopathy_points(grade) == expected


@pytest.mark.parametrize(
    ("points", "klass"),
    [
        pytest.param((1, 1, 1, 1, 2), "A", id="total-6-class-A"),
        pytest.param((1, 1, 1, 2, 2), "B", id="total-7-class-B"),
        pytest.param((2, 2, 2, 2, 1), "B", id="total-9-class-B"),
        pytest.param((2, 2, 2, 2, 2), "C", id="total-10-class-C"),
    ],
)
def test_child_pugh_class_cut_offs(points: tuple[int, int, int, int, int], klass: str) -> None:
    """Child-Pugh class changes exactly at totals 7 (A to B) and 10 (B to C)."""
    assert ChildPugh(*points).child_class == klass


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: ascites_points("severe"), id="unknown-ascites-grade"),  # type: ignore[arg-type]
        pytest.param(lambda: encephalopathy_points("coma"), id="unknown-encephalopathy-grade"),  # type: ignore[arg-type]
        pytest.param(lambda: ChildPugh(0, 1, 1, 1, 1), id="points-0"),
        pytest.param(lambda: ChildPugh(1, 1, 4, 1, 1), id="points-4"),
    ],
)
def test_child_pugh_rejects_impossible_components(call: Callable[[], Any]) -> None:
    """An unknown grade or a component outside 1-3 points raises ValueError."""
    with pytest.raises(ValueError):
        call()


# --- D.2 classic MELD -------------------------------------------------------------------------

# (Cr, bilirubin, INR, dialysis) -> MELD(i) rounded to the tenth x10, MELD
MELD_EXAMPLES = [
    pytest.param(1.0, 1.5, 1.5, False, 13.0, 13, id="M1"),
    pytest.param(2.7, 1.5, 1.1, False, 19.0, 19, id="M2"),
    pytest.param(1.9, 4.0, 1.8, False, 24.0, 24, id="M3"),
    pytest.param(1.5, 0.9, 1.0, True, 20.0, 20, id="M4-dialysis"),
    pytest.param(0.6, 0.5, 0.9, False, 6.0, 6, id="M5-all-floored"),
    pytest.param(6.0, 30.0, 4.0, False, 48.0, 40, id="M6-capped-40"),
    pytest.param(1.2, 2.0, 1.5, False, 15.0, 15, id="M7"),
]


@pytest.mark.parametrize(("creatinine", "bilirubin", "inr", "dialysis", "expected_mi", "expected"), MELD_EXAMPLES)
def test_meld_worked_examples(
    creatinine: float,
    bilirubin: float,
    inr: float,
    dialysis: bool,
    expected_mi: float,
    expected: int,
) -> None:
    """Classic MELD and its OPTN-rounded MELD(i) match each D.2 example."""
    assert meld_i(creatinine, bilirubin, inr, dialysis) == expected_mi
    assert meld(creatinine, bilirubin, inr, dialysis=dialysis) == expected


@pytest.mark.parametrize(
    ("creatinine", "bilirubin", "inr"),
    [
        pytest.param(0.0, 0.0, 0.0, id="zero"),
        pytest.param(-1.0, -2.0, -0.5, id="negative"),
    ],
)
def test_meld_floors_non_positive_labs_to_one(creatinine: float, bilirubin: float, inr: float) -> None:
    """Non-positive creatinine, bilirubin and INR are set to 1.0 as the formula does, giving 6."""
    assert meld(creatinine, bilirubin, inr) == 6
    assert meld_na(creatinine, bilirubin, inr, 130.0) == 6
    assert meld_3(False, creatinine, bilirubin, inr, 137.0, 3.5) == 6


# --- D.3 MELD-Na ------------------------------------------------------------------------------

# (Cr, bilirubin, INR, Na, dialysis) -> MELD(i), MELD-Na
MELD_NA_EXAMPLES = [
    pytest.param(1.0, 1.5, 1.5, 135.0, False, 13.0, 15, id="N1"),
    pytest.param(2.7, 1.5, 1.1, 135.0, False, 19.0, 20, id="N2"),
    pytest.param(1.9, 4.0, 1.8, 128.0, False, 24.0, 29, id="N3"),
    pytest.param(1.2, 2.0, 1.5, 138.0, False, 15.0, 15, id="N4-sodium-clamped-137"),
    pytest.param(1.0, 1.2, 1.1, 120.0, False, 8.0, 8, id="N5-meld-i-at-most-11"),
    pytest.param(3.5, 8.0, 2.5, 122.0, True, 38.0, 39, id="N6-dialysis-sodium-clamped-125"),
]


@pytest.mark.parametrize(
    ("creatinine", "bilirubin", "inr", "sodium", "dialysis", "expected_mi", "expected"),
    MELD_NA_EXAMPLES,
)
def test_meld_na_worked_examples(
    creatinine: float,
    bilirubin: float,
    inr: float,
    sodium: float,
    dialysis: bool,
    expected_mi: float,
    expected: int,
) -> None:
    """MELD-Na and its MELD(i) match each D.3 example."""
    assert meld_i(creatinine, bilirubin, inr, dialysis) == expected_mi
    assert meld_na(creatinine, bilirubin, inr, sodium, dialysis=dialysis) == expected


@pytest.mark.parametrize(
    ("creatinine", "expected_mi", "expected"),
    [
        # Derived, not in clinical.md: 0.957 ln(1.6) + 0.643 = 1.0928 -> 11; ln(1.7) -> 12,
        # and 12 + 1.32 x 12 - 0.033 x 12 x 12 = 23.088 -> 23.
        pytest.param(1.6, 11.0, 11, id="meld-i-11-no-sodium-term"),
        pytest.param(1.7, 12.0, 23, id="meld-i-12-sodium-term"),
    ],
)
def test_meld_na_sodium_term_starts_above_11(creatinine: float, expected_mi: float, expected: int) -> None:
    """The sodium term applies only when the rounded MELD(i) is strictly greater than 11."""
    assert meld_i(creatinine, 1.0, 1.0, False) == expected_mi
    assert meld_na(creatinine, 1.0, 1.0, 125.0) == expected


# --- D.4 MELD 3.0 -----------------------------------------------------------------------------

# (female, Cr, bilirubin, INR, Na, albumin, dialysis, cap) -> MELD 3.0
MELD_3_EXAMPLES = [
    pytest.param(True, 1.2, 2.5, 1.5, 135.0, 3.0, False, 40, 19, id="T1-female"),
    pytest.param(False, 1.2, 2.5, 1.5, 135.0, 3.0, False, 40, 18, id="T2-male"),
    pytest.param(False, 1.2, 2.0, 1.5, 138.0, 3.5, False, 40, 15, id="T3-sodium-clamped-137"),
    pytest.param(True, 1.9, 4.0, 1.8, 128.0, 2.4, False, 40, 31, id="T4"),
    pytest.param(False, 0.8, 0.7, 0.9, 140.0, 4.2, False, 40, 6, id="T5-all-bounded-floor"),
    pytest.param(True, 5.0, 12.0, 2.8, 118.0, 1.2, True, None, 43, id="T6-dialysis-uncapped"),
    pytest.param(True, 5.0, 12.0, 2.8, 118.0, 1.2, True, 40, 40, id="T6-dialysis-capped-40"),
    # Derived, not in clinical.md: with Cr, bilirubin and INR at 1.0 every log term is zero
    # and the value is an exact half, which must round up.
    pytest.param(False, 1.0, 1.0, 1.0, 126.0, 2.7, False, None, 17, id="exact-16.5-rounds-up"),
    pytest.param(True, 1.0, 1.0, 1.0, 125.0, 1.7, False, None, 21, id="exact-20.5-rounds-up"),
    pytest.param(True, 1.0, 1.0, 1.0, 132.5, 2.7, False, None, 13, id="exact-12.5-rounds-up"),
]


@pytest.mark.parametrize(
    "female, creatinine, bilirubin, inr, sodium, albumin, dialysis, cap, expected",
    MELD_3_EXAMPLES,
)
def test_meld_3_worked_examples(
    female: bool,
    creatinine: float,
    bilirubin: float,
    inr: float,
    sodium: float,
    albumin: float,
    dialysis: bool,
    cap: int | None,
    expected: int,
) -> None:
    """MELD 3.0 matches each D.4 example, capped or uncapped as the example says."""
    score = meld_3(female, creatinine, bilirubin, inr, sodium, albumin, dialysis=dialysis, cap=cap)
    assert score == expected


def test_meld_3_default_cap_is_40() -> None:
    """MELD 3.0 caps at 40 when no cap is given, as clinical.md D.4 asks."""
    assert meld_3(True, 5.0, 12.0, 2.8, 118.0, 1.2, dialysis=True) == 40


# --- D.5 BMI ----------------------------------------------------------------------------------

BMI_EXAMPLES = [
    pytest.param(70.0, 175.0, 22.9, id="B1"),
    pytest.param(95.0, 165.0, 34.9, id="B2"),
    pytest.param(52.3, 158.0, 21.0, id="B3-rounds-up-to-21.0"),
]


@pytest.mark.parametrize(("weight_kg", "height_cm", "expected"), BMI_EXAMPLES)
def test_bmi_worked_examples(weight_kg: float, height_cm: float, expected: float) -> None:
    """BMI from kilograms and centimetres matches each D.5 example to one decimal."""
    assert bmi(weight_kg, height_cm) == expected


@pytest.mark.parametrize(
    ("weight_kg", "height_cm"),
    [
        pytest.param(0.0, 170.0, id="zero-weight"),
        pytest.param(70.0, 0.0, id="zero-height"),
        pytest.param(-70.0, 170.0, id="negative-weight"),
        pytest.param(70.0, -170.0, id="negative-height"),
    ],
)
def test_bmi_rejects_non_positive_inputs(weight_kg: float, height_cm: float) -> None:
    """BMI raises ValueError for a non-positive weight or height."""
    with pytest.raises(ValueError):
        bmi(weight_kg, height_cm)


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "ndigits", "expected"),
    [
        pytest.param(2.5, 0, 3.0, id="2.5-up-not-to-even"),
        pytest.param(0.5, 0, 1.0, id="0.5-up-not-to-even"),
        pytest.param(1.5, 0, 2.0, id="1.5-up"),
        pytest.param(2.4999, 0, 2.0, id="just-below-half"),
        pytest.param(-2.5, 0, -3.0, id="negative-half-away-from-zero"),
        pytest.param(1.25, 1, 1.3, id="1.25-to-tenth"),
        pytest.param(2.675, 2, 2.68, id="2.675-uses-repr-not-binary-value"),
        pytest.param(1234.5, -1, 1230.0, id="negative-ndigits-to-tens"),
    ],
)
def test_round_half_up(x: float, ndigits: int, expected: float) -> None:
    """round_half_up rounds halves away from zero on the decimal repr, unlike built-in round."""
    assert round_half_up(x, ndigits) == expected


def test_round_half_up_differs_from_bankers_rounding() -> None:
    """round_half_up gives 3 for 2.5 and 1 for 0.5, where banker's rounding gives 2 and 0."""
    assert round_half_up(2.5) == 3
    assert round_half_up(0.5) == 1


# --- non-finite inputs ------------------------------------------------------------------------

NAN = math.nan
INF = math.inf

NON_FINITE_CALLS = [
    pytest.param(lambda: round_half_up(NAN), id="round_half_up-nan"),
    pytest.param(lambda: round_half_up(INF), id="round_half_up-inf"),
    pytest.param(lambda: meld_i(NAN, 1.0, 1.0, False), id="meld_i-creatinine-nan"),
    pytest.param(lambda: meld(1.0, NAN, 1.0), id="meld-bilirubin-nan"),
    pytest.param(lambda: meld(1.0, 1.0, INF), id="meld-inr-inf"),
    pytest.param(lambda: meld_na(1.0, 1.0, 1.0, NAN), id="meld_na-sodium-nan"),
    pytest.param(lambda: meld_na(-INF, 1.0, 1.0, 135.0), id="meld_na-creatinine-minus-inf"),
    pytest.param(lambda: meld_3(True, NAN, 1.0, 1.0, 135.0, 3.0), id="meld_3-creatinine-nan"),
    pytest.param(lambda: meld_3(True, 1.0, 1.0, 1.0, 135.0, NAN), id="meld_3-albumin-nan"),
    pytest.param(lambda: meld_3(True, 1.0, 1.0, 1.0, INF, 3.0), id="meld_3-sodium-inf"),
    pytest.param(lambda: bmi(NAN, 170.0), id="bmi-weight-nan"),
    pytest.param(lambda: bmi(70.0, INF), id="bmi-height-inf"),
    pytest.param(lambda: bilirubin_points(NAN), id="bilirubin_points-nan"),
    pytest.param(lambda: albumin_points(NAN), id="albumin_points-nan"),
    pytest.param(lambda: inr_points(NAN), id="inr_points-nan"),
    pytest.param(lambda: child_pugh(1.0, NAN, 1.0, "none", "none"), id="child_pugh-albumin-nan"),
]


@pytest.mark.parametrize("call", NON_FINITE_CALLS)
def test_non_finite_input_raises_value_error(call: Callable[[], Any]) -> None:
    """A NaN or infinite input raises ValueError instead of producing a score."""
    with pytest.raises(ValueError):
        call()


# --- properties -------------------------------------------------------------------------------

LAB = st.floats(min_value=-10.0, max_value=100.0, allow_nan=False)
SODIUM = st.floats(min_value=100.0, max_value=170.0, allow_nan=False)
ALBUMIN = st.floats(min_value=0.0, max_value=7.0, allow_nan=False)


@given(LAB, LAB, LAB, st.booleans())
def test_meld_stays_within_6_and_40(creatinine: float, bilirubin: float, inr: float, dialysis: bool) -> None:
    """Classic MELD is always between 6 and 40, and MELD(i) x10 is always a whole number."""
    mi = meld_i(creatinine, bilirubin, inr, dialysis)
    assert mi == int(mi)
    assert 6 <= meld(creatinine, bilirubin, inr, dialysis=dialysis) <= 40


@given(LAB, LAB, LAB, SODIUM, st.booleans())
def test_meld_na_stays_within_6_and_40(
    creatinine: float, bilirubin: float, inr: float, sodium: float, dialysis: bool
) -> None:
    """MELD-Na is always between 6 and 40 and never below classic MELD."""
    score = meld_na(creatinine, bilirubin, inr, sodium, dialysis=dialysis)
    assert meld(creatinine, bilirubin, inr, dialysis=dialysis) <= score <= 40


@given(st.booleans(), LAB, LAB, LAB, SODIUM, ALBUMIN, st.booleans())
def test_meld_3_stays_within_6_and_cap(
    female: bool,
    creatinine: float,
    bilirubin: float,
    inr: float,
    sodium: float,
    albumin: float,
    dialysis: bool,
) -> None:
    """MELD 3.0 is at least 6, at most the cap, and the cap only ever lowers the score."""
    uncapped = meld_3(female, creatinine, bilirubin, inr, sodium, albumin, dialysis, cap=None)
    capped = meld_3(female, creatinine, bilirubin, inr, sodium, albumin, dialysis)
    assert uncapped >= 6
    assert capped == min(uncapped, 40)
