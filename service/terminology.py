"""Terminology as data: value sets (codes, ICD prefixes, ingredient names) and the analyte table.

The files live under ``criteria/``: ``criteria/valuesets/*.yaml`` (one value set per file) and
``criteria/analytes.yaml`` (LOINC codes, units and conversion factors per analyte, plus the
qualitative answer table). Their pydantic models forbid unknown keys, so a typo is an error
at start-up, never a silently ignored rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ICD_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/icd-10-cm",
        "http://hl7.org/fhir/sid/icd-10",
        "http://www.cms.gov/Medicare/Coding/ICD10",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def normalise_code(system: str, code: str) -> str:
    """Return the comparable form of a code: ICD codes lose their dots and are upper-cased."""
    code = code.strip()
    if system in ICD_SYSTEMS:
        return code.replace(".", "").upper()
    return code


class CodeEntry(_Strict):
    """One code of a value set, with the source it was checked against."""

    system: str
    code: str
    display: str
    source: str


class PrefixEntry(_Strict):
    """An ICD category matched by prefix (``C22`` matches ``C22.0`` and ``C220``)."""

    system: str
    prefix: str
    display: str
    source: str


class NameEntry(_Strict):
    """An ingredient or concept name matched as a whole word in a coding display or text."""

    name: str
    source: str

    @field_validator("name")
    @classmethod
    def _lower(cls, value: str) -> str:
        if value != value.lower().strip():
            raise ValueError("names are written in lower case without surrounding spaces")
        return value


class ValueSet(_Strict):
    """A named set of codes, ICD prefixes and ingredient names, each with its source.

    ``suspect_words`` are the safety net: lower-case words or phrases that, found as whole words
    in the display or text of a record none of whose codes is in the set, suggest the concept
    anyway ("carcinoma", "sepsis"). Such a record never counts as a match; it makes a criterion
    that reads the set unknown, naming the record, instead of a silent "no record".
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    codes: tuple[CodeEntry, ...] = ()
    prefixes: tuple[PrefixEntry, ...] = ()
    names: tuple[NameEntry, ...] = ()
    exclude_prefixes: tuple[PrefixEntry, ...] = ()
    suspect_words: tuple[str, ...] = ()

    @field_validator("suspect_words")
    @classmethod
    def _lower_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if word != word.lower().strip() or not word:
                raise ValueError(f"suspect word '{word}' must be lower case without surrounding spaces")
        return value


class UnitConversion(_Strict):
    """How one unit converts to the analyte's canonical unit: canonical = f(value) * factor + offset.

    With ``log10`` the reported value is a base-10 logarithm and is raised to 10**value first.
    ``factor_range`` gives the published spread of an assay-dependent factor (HBV DNA copies per
    IU): a converted value is then an interval, and a verdict that flips inside it is unknown.
    """

    factor: float = Field(default=1.0, gt=0)
    offset: float = 0.0
    log10: bool = False
    factor_range: tuple[float, float] | None = None
    note: str = ""

    @model_validator(mode="after")
    def _factor_inside_range(self) -> UnitConversion:
        if self.factor_range is not None:
            low, high = self.factor_range
            if not 0 < low <= self.factor <= high:
                raise ValueError("factor_range must be positive and contain factor")
        return self


class AnalyteCode(_Strict):
    """A LOINC code that reports an analyte."""

    system: str = "http://loinc.org"
    code: str
    display: str
    source: str


class Plausible(_Strict):
    """Bounds, in the canonical unit, outside which a value is treated as an error and not used."""

    min: float
    max: float


class Constant(_Strict):
    """A physical constant of an analyte, with its source."""

    value: float = Field(gt=0)
    source: str


class FallbackUln(_Strict):
    """The upper limit of normal used when a report carries no reference range that applies, by sex."""

    male: float = Field(gt=0)
    female: float = Field(gt=0)
    unit: str
    source: str


class Cutoff(_Strict):
    """Where a quantitative result of a presence test turns positive (in the canonical unit).

    Below ``negative_below`` is negative, at or above ``positive_at`` positive, and in between
    equivocal (unknown). A report's reference-range high, when given, replaces ``negative_below``.
    """

    negative_below: float = Field(ge=0)
    positive_at: float = Field(gt=0)
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> Cutoff:
        if self.negative_below > self.positive_at:
            raise ValueError("negative_below must not exceed positive_at")
        return self


class Persistence(_Strict):
    """A serology result that does not resolve: a reactive result counts at any date.

    It stops counting only when a later result of one of the ``confirmatory`` codes is negative.
    """

    confirmatory: tuple[str, ...] = ()
    source: str


class Analyte(_Strict):
    """A measured quantity: the codes that report it, its canonical unit and its conversions.

    ``molar_mass`` (g/mol) converts mass to substance concentrations and ``mass_per_iu`` (ng per
    international unit) international units to mass, each by dimensional analysis of UCUM units
    (service.units); ``index_cutoff`` is the signal-to-cutoff ratio at or above which a qualitative
    test is reactive, and ``persistence`` marks results that never resolve.
    """

    display: str
    kind: Literal["quantity", "qualitative", "both"]
    canonical_unit: str = ""
    lookback_days: int = Field(gt=0)
    codes: tuple[AnalyteCode, ...]
    units: dict[str, UnitConversion] = Field(default_factory=dict)
    plausible: Plausible | None = None
    molar_mass: Constant | None = None
    mass_per_iu: Constant | None = None
    uln: FallbackUln | None = None
    cutoff: Cutoff | None = None
    index_cutoff: float | None = Field(default=None, gt=0)
    persistence: Persistence | None = None
    note: str = ""

    @model_validator(mode="after")
    def _confirmatory_codes_are_own(self) -> Analyte:
        if self.persistence is not None:
            own = {c.code for c in self.codes}
            stray = [c for c in self.persistence.confirmatory if c not in own]
            if stray:
                raise ValueError(f"confirmatory codes {stray} are not codes of the analyte")
        return self


class QualitativeAnswers(_Strict):
    """Codes and words that mean positive/detected or negative/not detected.

    ``index_units`` are the unit spellings of a signal-to-cutoff (S/CO, index) result; such a
    result of an analyte with an ``index_cutoff`` is reactive at or above the cutoff, or when
    flagged with one of ``index_positive_interpretations`` (above the cutoff, for an index).
    """

    positive_codes: tuple[CodeEntry, ...]
    negative_codes: tuple[CodeEntry, ...]
    positive_interpretations: tuple[str, ...]
    negative_interpretations: tuple[str, ...]
    positive_words: tuple[str, ...]
    negative_words: tuple[str, ...]
    index_units: tuple[str, ...] = ()
    index_positive_interpretations: tuple[str, ...] = ()


class AnalyteTable(_Strict):
    """The whole of ``criteria/analytes.yaml``."""

    unit_aliases: dict[str, str]
    analytes: dict[str, Analyte]
    qualitative: QualitativeAnswers


def unit_key(unit: str) -> str:
    """Return the key used to look a unit up in the alias table: lower case, micro sign as u."""
    return unit.strip().replace("µ", "u").replace("μ", "u").lower()


def codes_by_key(entries: Iterable[CodeEntry]) -> frozenset[tuple[str, str]]:
    """Return the (system, normalised code) pairs of some code entries."""
    return frozenset((e.system, normalise_code(e.system, e.code)) for e in entries)


Coding = tuple[str, str, str]
"""A coding as facts hold it: (system, normalised code, display)."""


class CodeMatcher:
    """A compiled value set: exact codes, ICD/ATC prefixes (minus carve-outs) and whole-word names."""

    def __init__(self, valueset: ValueSet) -> None:
        self.id = valueset.id
        self.title = valueset.title
        self.codes = codes_by_key(valueset.codes)
        self._prefixes = _by_system(valueset.prefixes)
        self._excluded = _by_system(valueset.exclude_prefixes)
        names = "|".join(re.escape(n.name) for n in valueset.names)
        self._names = re.compile(rf"\b(?:{names})\b") if names else None

    @classmethod
    def union(cls, matchers: Iterable[CodeMatcher], set_id: str) -> CodeMatcher:
        """Return a matcher for all the matchers match, carve-outs aside (a superset, for pre-filters)."""
        chosen = list(matchers)
        union = cls.__new__(cls)
        union.id, union.title = set_id, set_id
        union.codes = frozenset().union(*(m.codes for m in chosen))
        prefixes: dict[str, tuple[str, ...]] = {}
        for matcher in chosen:
            for system, values in matcher._prefixes.items():
                prefixes[system] = prefixes.get(system, ()) + values
        union._prefixes = prefixes
        union._excluded = {}
        patterns = [m._names.pattern for m in chosen if m._names is not None]
        union._names = re.compile("|".join(patterns)) if patterns else None
        return union

    @property
    def exact_only(self) -> bool:
        """Return whether the set is only exact codes (no prefixes, no names), so a code search finds it all."""
        return not self._prefixes and self._names is None

    def match_code(self, system: str, code: str) -> bool:
        """Return whether a (system, normalised code) pair is in the set."""
        if (system, code) in self.codes:
            return True
        prefixes = self._prefixes.get(system)
        if prefixes is None or not code.startswith(prefixes):
            return False
        excluded = self._excluded.get(system)
        return excluded is None or not code.startswith(excluded)

    def match_text(self, text: str) -> bool:
        """Return whether lower-cased text names one of the set's names as a whole word."""
        return self._names is not None and self._names.search(text) is not None

    def first_match(self, codings: Iterable[Coding], texts: Iterable[str] = ()) -> str | None:
        """Return a short label of the first coding or text that matches, or None."""
        for system, code, display in codings:
            if self.match_code(system, code):
                label = display or code
                return f"{label} ({_SYSTEM_NAMES.get(system, system)} {_dotted(system, code)})"
        for text in texts:
            if self.match_text(text):
                return f"'{text}'"
        return None


def _dotted(system: str, code: str) -> str:
    """Return an ICD-10 code in its usual written form (K7460 -> K74.60); other codes as they are."""
    if system in ICD_SYSTEMS and system != "http://www.cms.gov/Medicare/Coding/ICD10" and len(code) > 3:
        return f"{code[:3]}.{code[3:]}"
    return code


def _by_system(entries: Iterable[PrefixEntry]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        grouped.setdefault(entry.system, []).append(normalise_code(entry.system, entry.prefix))
    return {system: tuple(prefixes) for system, prefixes in grouped.items()}


_SYSTEM_NAMES = {
    "http://snomed.info/sct": "SNOMED",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://loinc.org": "LOINC",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://www.whocc.no/atc": "ATC",
    "http://www.cms.gov/Medicare/Coding/ICD10": "ICD-10-PCS",
}
