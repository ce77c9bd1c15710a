"""Canonical units: a reported unit -> how its value converts to the analyte's canonical unit.

Three sources, tried in this order, and nothing else (a unit none of them knows stays unreadable):

1. The analyte's own table in ``criteria/analytes.yaml`` (``units``): the conversions that are not
   dimensional (log units, HBV DNA copies, HbA1c IFCC, INR, sodium mEq/L, AFP in IU).
2. Dimensional analysis of the UCUM code (``read_ucum``): metric prefixes on g, mol, L, m, [IU],
   powers of ten (``10*9/L``) and annotations (``{cells}``), so ``mg/L`` bilirubin, ``mmol/L``
   creatinine, ``/nL`` or ``10*12/L`` leukocytes convert by their dimensions; mass <-> substance
   through the analyte's molar mass and IU <-> mass through its mass per IU. A canonical unit
   without a physical dimension ({INR}, %) converts only through the table: "%" is never 0.01 INR.
3. Vendor spellings (``vendor_to_ucum``): "K/uL", "Thousand/uL", "x10E3/uL", "10^3/mcL",
   "mcmol/L", "IU/mL" rewritten to UCUM by a few documented rules, then read as in 2, plus the
   case-insensitive aliases of the table (``unit_aliases``: "copies/ml", "log IU/mL", "mEq/L").

The UCUM reader is a small exact reader of that subset, checked against the UCUM library
ucumvert in tests/unit/test_units.py (kept out of the service: 2.6 s to build its registry, some
milliseconds per unit on this machine, and it reads "K/uL" as kelvin per microlitre).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from service.terminology import Analyte, AnalyteTable, UnitConversion, unit_key

# Dimension exponents: (mass, amount of substance, length, international unit).
Dimension = tuple[int, int, int, int]
NONE: Dimension = (0, 0, 0, 0)
MASS_OVER_SUBSTANCE: Dimension = (1, -1, 0, 0)
MASS_OVER_IU: Dimension = (1, 0, 0, -1)

# UCUM base and derived atoms of the subset, as (factor to SI base, dimension); UCUM 2.1 §4.
_ATOMS: dict[str, tuple[float, Dimension]] = {
    "g": (1.0, (1, 0, 0, 0)),
    "mol": (1.0, (0, 1, 0, 0)),
    "m": (1.0, (0, 0, 1, 0)),
    "L": (1e-3, (0, 0, 3, 0)),
    "l": (1e-3, (0, 0, 3, 0)),
    "[IU]": (1.0, (0, 0, 0, 1)),
    "[iU]": (1.0, (0, 0, 0, 1)),
}
# UCUM prefixes (UCUM 2.1 table 1), longest first so "da" is tried before "d".
_PREFIXES: dict[str, float] = {
    "da": 1e1, "h": 1e2, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15,
}  # fmt: skip
_TOKEN = re.compile(r"(\{[^{}]*\})|(10[*^][+-]?\d{1,3})|([A-Za-z]*\[[A-Za-z]+\]|[A-Za-z]+)([+-]?\d)?|(\d+)|([./])")
MAX_UNIT_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Conversion:
    """How a value in one reported unit becomes a canonical value (a point, or an interval)."""

    unit: str
    factor: float
    offset: float = 0.0
    log10: bool = False
    factor_range: tuple[float, float] | None = None

    @property
    def exact(self) -> bool:
        """Return whether the factor is certain (no assay-dependent spread)."""
        return self.factor_range is None

    @property
    def identity(self) -> bool:
        """Return whether the conversion leaves the value as it is."""
        return self.factor == 1.0 and not self.offset and not self.log10 and self.exact


@dataclass(frozen=True, slots=True)
class Converted:
    """A value in the analyte's canonical unit; ``low``/``high`` bound it when the factor is uncertain."""

    value: float
    unit: str
    converted: bool
    low: float
    high: float


def read_ucum(text: str) -> tuple[float, Dimension] | None:
    """Return (factor to SI base units, dimension) of a UCUM unit in the supported subset, or None."""
    if not text or len(text) > MAX_UNIT_LENGTH or text != text.strip():
        return None
    return _read_ucum(text)


@lru_cache(maxsize=4096)
def _read_ucum(text: str) -> tuple[float, Dimension] | None:
    factor, dims = 1.0, [0, 0, 0, 0]
    sign, pos, expect_term = 1, 0, True
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            return None
        pos = match.end()
        annotation, power, atom, exponent, number, operator = match.groups()
        if operator is not None:
            if expect_term and not (operator == "/" and match.start() == 0):
                return None  # two operators in a row, or one leading "."
            sign, expect_term = (-1 if operator == "/" else 1), True
            continue
        if not expect_term:
            return None
        expect_term = False
        if annotation is not None:
            continue  # an annotation is the unity ("{cells}/uL" is "/uL")
        if power is not None:
            factor *= 10.0 ** (sign * int(power[3:]))
        elif number is not None:
            factor *= float(number) ** sign
        else:
            unit = _atom(atom)
            if unit is None:
                return None
            scale, unit_dims = unit
            n = sign * int(exponent or 1)
            factor *= scale**n
            for i in range(4):
                dims[i] += unit_dims[i] * n
        # A bare annotation may follow a unit ("mg{total}/dL").
        annotation_after = re.match(r"\{[^{}]*\}", text[pos:])
        if annotation_after is not None:
            pos += annotation_after.end()
    if expect_term or not math.isfinite(factor) or factor == 0:
        return None
    return factor, (dims[0], dims[1], dims[2], dims[3])


def _atom(symbol: str) -> tuple[float, Dimension] | None:
    if symbol in _ATOMS:
        return _ATOMS[symbol]
    for prefix in sorted(_PREFIXES, key=len, reverse=True):
        if symbol.startswith(prefix) and symbol[len(prefix) :] in _ATOMS:
            scale, dims = _ATOMS[symbol[len(prefix) :]]
            return _PREFIXES[prefix] * scale, dims
    return None


# Vendor spellings -> UCUM. Each rule names the spelling it serves; nothing else is rewritten.
_VENDOR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" +"), ""),  # "10^3 / uL"
    (re.compile(r"[µμ]"), "u"),  # micro sign and Greek mu
    (re.compile(r"mc(?=g|mol|L|l)"), "u"),  # "mcg/L", "mcmol/L", "10^3/mcL" (US "mc" for micro)
    (re.compile(r"^(?:[x×X]|)10(?:\^|\*\*|\*|E|e)\(?([+-]?\d{1,2})\)?"), r"10*\1"),  # "x10E3/uL", "10^9/L"
    (re.compile(r"^(?:K|k|thou|Thou|THOU|thousand|Thousand|THOUSAND)(?=/)"), "10*3"),  # "K/uL", "Thousand/uL"
    (re.compile(r"^(?:cells?|Cells?|CELLS?)(?=/)"), ""),  # "cells/uL"
    (re.compile(r"/(?:cumm|cu\.?mm|cmm)$"), "/mm3"),  # "/cumm"
    (re.compile(r"(?<![\[A-Za-z])(?:IU|iu|Iu)(?![A-Za-z\]])"), "[IU]"),  # "IU/mL", "mIU/mL"
    (re.compile(r"(?<=[munpfkd])(?:IU|iu|Iu)(?![A-Za-z\]])"), "[IU]"),
)


def vendor_to_ucum(text: str) -> str:
    """Rewrite the common vendor spellings of a unit to UCUM (unchanged if none applies)."""
    out = text
    for pattern, replacement in _VENDOR_RULES:
        out = pattern.sub(replacement, out)
    return out


class UnitTable:
    """Resolves reported units for an analyte: its table, then UCUM dimensions, then vendor spellings."""

    def __init__(self, table: AnalyteTable, copies_per_iu: float | None = None) -> None:
        self._aliases = {unit_key(k): v for k, v in table.unit_aliases.items()}
        self._table = table
        self._copies_per_iu = copies_per_iu
        self._cache: dict[tuple[str, str], Conversion | None] = {}

    def resolve(self, analyte: Analyte, code: str | None, text: str | None) -> Conversion | None:
        """Return how a reported UCUM code or unit text converts; None if unknown or code and text disagree."""
        found = [
            self._resolve_one(analyte, candidate)
            for candidate in (code, text)
            if candidate is not None and candidate.strip()
        ]
        if not found:
            return self._table_entry(analyte, "1") if "1" in analyte.units else None
        known = [c for c in found if c is not None]
        if not known:
            return None
        if len(known) == 2 and not _same(known[0], known[1]):
            return None  # the code says one unit and the text another: never guess which
        return known[0]

    def declared(self, analyte: Analyte, unit: str) -> Conversion | None:
        """Return the conversion of a unit a criterion is written in (its UCUM code, exactly)."""
        return self._resolve_one(analyte, unit, vendor=False)

    def _resolve_one(self, analyte: Analyte, unit: str, vendor: bool = True) -> Conversion | None:
        if len(unit) > 4 * MAX_UNIT_LENGTH or not unit.isprintable():
            return None  # no unit of any table is that long or carries control characters
        key = (analyte.display, unit if vendor else f"\0{unit}")
        if key in self._cache:
            return self._cache[key]
        found = self._lookup(analyte, unit, vendor)
        if len(self._cache) < 16384 and len(unit) <= MAX_UNIT_LENGTH:
            self._cache[key] = found
        return found

    def _lookup(self, analyte: Analyte, unit: str, vendor: bool) -> Conversion | None:
        if unit in analyte.units:
            return self._table_entry(analyte, unit)
        if not vendor:
            return self._dimensional(analyte, unit)
        lowered = {unit_key(k): k for k in analyte.units}
        key = unit_key(unit)
        if key in lowered:
            return self._table_entry(analyte, lowered[key])
        alias = self._aliases.get(key)
        if alias is not None:
            if alias in analyte.units:
                return self._table_entry(analyte, alias)
            return self._dimensional(analyte, alias)
        found = self._dimensional(analyte, unit)
        if found is None:
            rewritten = vendor_to_ucum(unit)
            if rewritten != unit:
                if rewritten in analyte.units:
                    return self._table_entry(analyte, rewritten)
                found = self._dimensional(analyte, rewritten)
        return found

    def _table_entry(self, analyte: Analyte, unit: str) -> Conversion:
        entry: UnitConversion = analyte.units[unit]
        factor_range = entry.factor_range
        factor = entry.factor
        if self._copies_per_iu is not None and "copies" in unit.lower():
            # The operator named the assay's factor: the conversion is exact.
            factor, factor_range = 1.0 / self._copies_per_iu, None
        return Conversion(unit, factor, entry.offset, entry.log10, factor_range)

    def _dimensional(self, analyte: Analyte, unit: str) -> Conversion | None:
        canonical = read_ucum(analyte.canonical_unit) if analyte.canonical_unit else None
        reported = read_ucum(unit)
        if canonical is None or reported is None or canonical[1] == NONE:
            return None
        (target, target_dims), (scale, dims) = canonical, reported
        factor = scale / target
        difference = tuple(a - b for a, b in zip(dims, target_dims, strict=True))
        if difference == NONE:
            return Conversion(unit, factor)
        if difference == MASS_OVER_SUBSTANCE and analyte.molar_mass is not None:
            return Conversion(unit, factor / analyte.molar_mass.value)  # g -> mol
        if difference == _negate(MASS_OVER_SUBSTANCE) and analyte.molar_mass is not None:
            return Conversion(unit, factor * analyte.molar_mass.value)  # mol -> g
        if difference == _negate(MASS_OVER_IU) and analyte.mass_per_iu is not None:
            return Conversion(unit, factor * analyte.mass_per_iu.value * 1e-9)  # IU -> g (ng per IU)
        if difference == MASS_OVER_IU and analyte.mass_per_iu is not None:
            return Conversion(unit, factor / (analyte.mass_per_iu.value * 1e-9))  # g -> IU
        return None

    def to_canonical(self, analyte: Analyte, conversion: Conversion, value: float) -> Converted | None:
        """Convert a reported value to the canonical unit; None if the result is not a finite number."""
        try:
            raw = 10.0**value if conversion.log10 else value
        except OverflowError:
            return None  # a log value such as 309 {log_IU}/mL: 10**309 is beyond a float
        low_factor, high_factor = conversion.factor_range or (conversion.factor, conversion.factor)
        canonical = raw * conversion.factor + conversion.offset
        ends = sorted((raw * low_factor + conversion.offset, raw * high_factor + conversion.offset))
        if not all(math.isfinite(x) for x in (canonical, *ends)):
            return None
        return Converted(canonical, analyte.canonical_unit, not conversion.identity, ends[0], ends[1])

    def from_canonical(self, conversion: Conversion, value: float) -> float:
        """Express a canonical value in a reported unit (its usual factor; log units by log10)."""
        plain = (value - conversion.offset) / conversion.factor
        if conversion.log10:
            return math.log10(plain) if plain > 0 else -math.inf
        return plain


def _negate(dims: Dimension) -> Dimension:
    return (-dims[0], -dims[1], -dims[2], -dims[3])


def _same(a: Conversion, b: Conversion) -> bool:
    return (
        math.isclose(a.factor, b.factor, rel_tol=1e-9)
        and a.offset == b.offset
        and a.log10 == b.log10
        and a.factor_range == b.factor_range
    )
