"""Canonical units: convert a reported quantity to its analyte's canonical unit via the table."""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.terminology import Analyte, AnalyteTable, UnitConversion, unit_key


@dataclass(frozen=True, slots=True)
class Converted:
    """A value in the analyte's canonical unit, and whether a factor other than 1 was used."""

    value: float
    unit: str
    converted: bool


class UnitTable:
    """Looks up units by UCUM code or by the spellings in the alias table."""

    def __init__(self, table: AnalyteTable, copies_per_iu: float | None = None) -> None:
        self._aliases = {unit_key(k): v for k, v in table.unit_aliases.items()}
        self._table = table
        self._copies_per_iu = copies_per_iu

    def resolve(self, analyte: Analyte, code: str | None, text: str | None) -> str | None:
        """Return the analyte's unit key for a reported UCUM code or unit text, if known."""
        units = analyte.units
        lowered = {unit_key(k): k for k in units}
        for candidate in (code, text):
            if candidate is None or not candidate.strip():
                continue
            if candidate in units:
                return candidate
            key = unit_key(candidate)
            if key in lowered:
                return lowered[key]
            alias = self._aliases.get(key)
            if alias is not None and alias in units:
                return alias
        if not (code or text) and "1" in units:
            return "1"
        return None

    def conversion(self, analyte: Analyte, unit: str) -> UnitConversion:
        """Return the conversion for a resolved unit, with the configured HBV factor applied."""
        conversion = analyte.units[unit]
        if self._copies_per_iu is not None and "copies" in unit.lower():
            conversion = conversion.model_copy(update={"factor": 1.0 / self._copies_per_iu})
        return conversion

    def to_canonical(self, analyte: Analyte, unit: str, value: float) -> Converted | None:
        """Convert a value in a resolved unit to the canonical unit; None if the result is not finite."""
        conversion = self.conversion(analyte, unit)
        try:
            raw = 10.0**value if conversion.log10 else value
        except OverflowError:
            return None  # a log value past 308 is beyond any double: unreadable, as for infinity
        canonical = raw * conversion.factor + conversion.offset
        if not math.isfinite(canonical):
            return None
        converted = conversion.log10 or conversion.factor != 1.0 or conversion.offset != 0.0
        return Converted(canonical, analyte.canonical_unit, converted)

    def from_canonical(self, analyte: Analyte, unit: str, value: float) -> float:
        """Express a canonical value in another (non-log) unit of the same analyte."""
        conversion = self.conversion(analyte, unit)
        if conversion.log10:
            return math.log10(max((value - conversion.offset) / conversion.factor, 1e-300))
        return (value - conversion.offset) / conversion.factor
