"""Liver severity scores and BMI as pure functions: Child-Pugh, MELD, MELD-Na, MELD 3.0.

Every formula, bound and rounding rule follows ``shared/reference/clinical.md`` section D, which
cross-checks these sources:

* Child-Pugh: Cleveland Clinic Journal of Medicine (CCJM) Table 1 bands and class cut-offs, with
  the boundary convention of D.1 (a value exactly on a 2-point band edge scores 2 points).
* Classic MELD: Kamath PS et al., Hepatology 2001, with the UNOS/OPTN bounds (inputs below 1.0
  set to 1.0, creatinine capped at 4.0, dialysis means creatinine 4.0), OPTN rounding (MELD(i)
  to the tenth, then x10) and the cap at 40.
* MELD-Na: OPTN Policy 9.1 as updated in January 2016 (sodium clamped to 125-137 mmol/L, the
  sodium term applied only when MELD(i) > 11, cap 40).
* MELD 3.0: Kim WR et al., Gastroenterology 2021;161:1887-1895.e4 (PMC8608337), OPTN allocation
  since 2023 (creatinine bound 1.0-3.0, dialysis means creatinine 3.0, sodium 125-137 mmol/L,
  albumin 1.5-3.5 g/dL). Whether OPTN caps it at 40 is unverified, so the cap is a parameter.
* BMI: weight (kg) / height (m)^2, reported to one decimal.

All clinical rounding is half-up on the decimal representation (``round_half_up``), never
Python's ``round``, which rounds half to even. Inputs are already in the units the names say;
unit conversion belongs to ``service.units``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Literal

__all__ = [
    "ALBUMIN_2_POINT_BAND_G_DL",
    "BILIRUBIN_2_POINT_BAND_MG_DL",
    "INR_2_POINT_BAND",
    "AscitesGrade",
    "ChildPugh",
    "EncephalopathyGrade",
    "albumin_points",
    "ascites_points",
    "bilirubin_points",
    "bmi",
    "child_pugh",
    "encephalopathy_points",
    "inr_points",
    "meld",
    "meld_3",
    "meld_i",
    "meld_na",
    "round_half_up",
]

AscitesGrade = Literal["none", "mild", "moderate_severe"]
EncephalopathyGrade = Literal["none", "grade_1_2", "grade_3_4"]

# Child-Pugh 2-point bands, inclusive at both ends (CCJM Table 1; boundary convention of
# clinical.md D.1). Bilirubin and INR score 1 below the band and 3 above it; albumin is the
# other way round (1 above the band, 3 below it).
BILIRUBIN_2_POINT_BAND_MG_DL = (2.0, 3.0)
ALBUMIN_2_POINT_BAND_G_DL = (2.8, 3.5)
INR_2_POINT_BAND = (1.7, 2.3)

# Ascites and hepatic encephalopathy points (CCJM Table 1): none 1, mild or grade 1-2 2,
# moderate-severe or grade 3-4 3.
_ASCITES_POINTS: dict[str, int] = {"none": 1, "mild": 2, "moderate_severe": 3}
_ENCEPHALOPATHY_POINTS: dict[str, int] = {"none": 1, "grade_1_2": 2, "grade_3_4": 3}

# Child-Pugh class cut-offs (CCJM Table 1): A 5-6, B 7-9, C 10-15.
_CLASS_A_MAX = 6
_CLASS_B_MAX = 9

# MELD bounds (UNOS/OPTN): creatinine, bilirubin and INR below 1.0 are set to 1.0;
# creatinine is capped at 4.0 mg/dL and set to 4.0 after dialysis; the score is capped at 40.
_LAB_FLOOR = 1.0
_MELD_CREATININE_CAP_MG_DL = 4.0
_MELD_CAP = 40
# MELD-Na (OPTN Policy 9.1, 2016): sodium clamped to 125-137 mmol/L; the sodium term applies
# only when MELD(i) > 11.
_SODIUM_MIN_MMOL_L = 125.0
_SODIUM_MAX_MMOL_L = 137.0
_MELD_NA_THRESHOLD = 11.0
# MELD 3.0 (Kim 2021): creatinine capped at 3.0 mg/dL and set to 3.0 after dialysis; albumin
# clamped to 1.5-3.5 g/dL.
_MELD3_CREATININE_CAP_MG_DL = 3.0
_ALBUMIN_MIN_G_DL = 1.5
_ALBUMIN_MAX_G_DL = 3.5


def _finite(name: str, value: float) -> float:
    """Return value as a float, raising ValueError when it is NaN or infinite."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def _clamp(value: float, low: float, high: float = math.inf) -> float:
    """Return value limited to the closed range [low, high]."""
    return min(max(value, low), high)


def round_half_up(x: float, ndigits: int = 0) -> float:
    """Round x to ndigits decimals with halves away from zero on its repr (clinical.md D.6)."""
    number = _finite("x", x)
    # Enough precision for any finite float's integer digits plus the requested decimals, so
    # quantize never fails on large values.
    context = Context(prec=320 + max(ndigits, 0))
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP, context=context))


def meld_i(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, dialysis: bool) -> float:
    """Return MELD(i) rounded to the tenth and multiplied by 10 (UNOS/OPTN, Kamath 2001)."""
    creatinine = _finite("creatinine_mg_dl", creatinine_mg_dl)
    bilirubin = _finite("bilirubin_mg_dl", bilirubin_mg_dl)
    inr_value = _finite("inr", inr)
    creatinine = _MELD_CREATININE_CAP_MG_DL if dialysis else _clamp(creatinine, _LAB_FLOOR, _MELD_CREATININE_CAP_MG_DL)
    bilirubin = _clamp(bilirubin, _LAB_FLOOR)
    inr_value = _clamp(inr_value, _LAB_FLOOR)
    raw = 0.957 * math.log(creatinine) + 0.378 * math.log(bilirubin) + 1.120 * math.log(inr_value) + 0.643
    # OPTN: round MELD(i) to the tenth decimal place, then multiply by 10.
    return round_half_up(raw, 1) * 10


def meld(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, dialysis: bool = False) -> int:
    """Return the classic MELD score, 6-40 (UNOS/OPTN before 2016, Kamath 2001)."""
    score = int(round_half_up(meld_i(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)))
    return min(score, _MELD_CAP)


def meld_na(
    creatinine_mg_dl: float,
    bilirubin_mg_dl: float,
    inr: float,
    sodium_mmol_l: float,
    dialysis: bool = False,
) -> int:
    """Return the MELD-Na score, capped at 40 (OPTN Policy 9.1, January 2016)."""
    sodium = _clamp(_finite("sodium_mmol_l", sodium_mmol_l), _SODIUM_MIN_MMOL_L, _SODIUM_MAX_MMOL_L)
    mi = meld_i(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    score = mi
    if mi > _MELD_NA_THRESHOLD:
        deficit = _SODIUM_MAX_MMOL_L - sodium
        score = mi + 1.32 * deficit - 0.033 * mi * deficit
    return min(int(round_half_up(score)), _MELD_CAP)


def meld_3(
    female: bool,
    creatinine_mg_dl: float,
    bilirubin_mg_dl: float,
    inr: float,
    sodium_mmol_l: float,
    albumin_g_dl: float,
    dialysis: bool = False,
    cap: int | None = 40,
) -> int:
    """Return the MELD 3.0 score, capped at cap unless it is None (Kim 2021; OPTN 2023)."""
    creatinine = _finite("creatinine_mg_dl", creatinine_mg_dl)
    bilirubin = _clamp(_finite("bilirubin_mg_dl", bilirubin_mg_dl), _LAB_FLOOR)
    inr_value = _clamp(_finite("inr", inr), _LAB_FLOOR)
    sodium = _clamp(_finite("sodium_mmol_l", sodium_mmol_l), _SODIUM_MIN_MMOL_L, _SODIUM_MAX_MMOL_L)
    albumin = _clamp(_finite("albumin_g_dl", albumin_g_dl), _ALBUMIN_MIN_G_DL, _ALBUMIN_MAX_G_DL)
    if dialysis:
        creatinine = _MELD3_CREATININE_CAP_MG_DL
    else:
        creatinine = _clamp(creatinine, _LAB_FLOOR, _MELD3_CREATININE_CAP_MG_DL)
    sodium_deficit = _SODIUM_MAX_MMOL_L - sodium
    albumin_deficit = _ALBUMIN_MAX_G_DL - albumin
    value = (
        1.33 * (1.0 if female else 0.0)
        + 4.56 * math.log(bilirubin)
        + 0.82 * sodium_deficit
        - 0.24 * sodium_deficit * math.log(bilirubin)
        + 9.09 * math.log(inr_value)
        + 11.14 * math.log(creatinine)
        + 1.85 * albumin_deficit
        - 1.83 * albumin_deficit * math.log(creatinine)
        + 6
    )
    score = int(round_half_up(value))
    return score if cap is None else min(score, cap)


def bmi(weight_kg: float, height_cm: float) -> float:
    """Return body-mass index in kg/m2 to one decimal, half-up (clinical.md D.5)."""
    weight = _finite("weight_kg", weight_kg)
    height = _finite("height_cm", height_cm)
    if weight <= 0 or height <= 0:
        raise ValueError(f"weight and height must be positive, got {weight_kg!r}, {height_cm!r}")
    height_m = height / 100
    return round_half_up(weight / height_m**2, 1)


def _band_points(value: float, band: tuple[float, float], higher_is_worse: bool) -> int:
    """Return 1, 2 or 3 Child-Pugh points for a value against its inclusive 2-point band."""
    low, high = band
    if low <= value <= high:
        return 2
    below = value < low
    return 1 if below == higher_is_worse else 3


def bilirubin_points(mg_dl: float) -> int:
    """Return Child-Pugh points for total bilirubin in mg/dL: <2, 2-3, >3 (CCJM Table 1)."""
    return _band_points(_finite("mg_dl", mg_dl), BILIRUBIN_2_POINT_BAND_MG_DL, True)


def albumin_points(g_dl: float) -> int:
    """Return Child-Pugh points for albumin in g/dL: >3.5, 2.8-3.5, <2.8 (CCJM Table 1)."""
    return _band_points(_finite("g_dl", g_dl), ALBUMIN_2_POINT_BAND_G_DL, False)


def inr_points(inr: float) -> int:
    """Return Child-Pugh points for INR: <1.7, 1.7-2.3, >2.3 (CCJM Table 1)."""
    return _band_points(_finite("inr", inr), INR_2_POINT_BAND, True)


def ascites_points(grade: AscitesGrade) -> int:
    """Return Child-Pugh points for ascites: none 1, mild 2, moderate-severe 3 (CCJM Table 1)."""
    try:
        return _ASCITES_POINTS[grade]
    except KeyError:
        raise ValueError(f"unknown ascites grade {grade!r}") from None


def encephalopathy_points(grade: EncephalopathyGrade) -> int:
    """Return Child-Pugh points for encephalopathy: none 1, 1-2 2, 3-4 3 (CCJM Table 1)."""
    try:
        return _ENCEPHALOPATHY_POINTS[grade]
    except KeyError:
        raise ValueError(f"unknown encephalopathy grade {grade!r}") from None


@dataclass(frozen=True)
class ChildPugh:
    """Child-Pugh points per component, with the total and class (CCJM Table 1)."""

    bilirubin: int
    albumin: int
    inr: int
    ascites: int
    encephalopathy: int

    def __post_init__(self) -> None:
        """Reject component points outside 1-3, which no Child-Pugh band gives."""
        for name in ("bilirubin", "albumin", "inr", "ascites", "encephalopathy"):
            points = getattr(self, name)
            if points not in (1, 2, 3):
                raise ValueError(f"Child-Pugh {name} points must be 1, 2 or 3, got {points!r}")

    @property
    def total(self) -> int:
        """Return the Child-Pugh total, 5-15 (CCJM Table 1)."""
        return self.bilirubin + self.albumin + self.inr + self.ascites + self.encephalopathy

    @property
    def child_class(self) -> Literal["A", "B", "C"]:
        """Return the Child-Pugh class: A 5-6, B 7-9, C 10-15 (CCJM Table 1)."""
        if self.total <= _CLASS_A_MAX:
            return "A"
        if self.total <= _CLASS_B_MAX:
            return "B"
        return "C"


def child_pugh(
    bilirubin_mg_dl: float,
    albumin_g_dl: float,
    inr: float,
    ascites: AscitesGrade,
    encephalopathy: EncephalopathyGrade,
) -> ChildPugh:
    """Return the Child-Pugh points, total and class from its five components (CCJM Table 1)."""
    return ChildPugh(
        bilirubin=bilirubin_points(bilirubin_mg_dl),
        albumin=albumin_points(albumin_g_dl),
        inr=inr_points(inr),
        ascites=ascites_points(ascites),
        encephalopathy=encephalopathy_points(encephalopathy),
    )
