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
    implied_by_treatment: str | None = None
    """A medication value set given only (or mainly) for this condition: such a drug with no coded
    diagnosis makes a criterion reading this set unknown, never passed (README, implied diagnoses)."""
    implied_by_conditions: tuple[str, ...] = ()
    implied_by_positive: tuple[str, ...] = ()
    """Analytes (criteria/analytes.yaml) whose positive result implies this condition may be present
    (a reactive anti-HCV with no RNA on record): with no record of this set, it makes it unknown."""
    """Condition value sets whose records imply this one (alcoholic cirrhosis implies alcohol use):
    with no record of this set, one of them in the criterion's window makes it unknown."""

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
    detection_limit_max: Constant | None = None
    """The highest detection limit (canonical unit) of the assays in use: a "not detected" result lies below it."""
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


def normalise_text(text: str) -> str:
    """Return text as names are matched: lower case, punctuation as spaces, single spaces.

    'Albumin (Human) 25% Solution' -> 'albumin human 25 solution', so it names 'albumin human'.
    """
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


_NON_WORD = re.compile(r"[\W_]+")

# -- how a record's words read: the safety net's negation rules (README, "The safety net") ----
#
# A record's text is cut into clauses at . ; ! ? and at 'but', 'however', 'although', 'except',
# and each clause into phrases at commas. A colon does not end a clause ('FH: carcinoma' and
# 'Hx: carcinoma' are labels). "Before" means the last five words before the concept's words in
# the same phrase, as NegEx does; "just after" means the words right after them.
# - family: 'family history', 'family hx', 'fh', 'fhx' before, or just after ('Colon cancer
#   (family history)'): a relative's disease.
# - not a diagnosis: 'screening', 'surveillance', 'test(ing)', 'counsel(l)ing', 'prophylaxis',
#   'vaccine', 'vaccination', 'immunization', 'risk', 'exposure', 'contact' followed by 'for',
#   'of', 'against', 'to', 'with' or 'on' before the words ('Screening for malignant neoplasm',
#   'High risk of cancer'), or one of those nouns just after them ('Colon cancer screening'): a
#   test, a risk or a prevention, not the disease. 'Screening colonoscopy showed carcinoma' is
#   affirmed.
# - negated: 'no', 'not', 'without', 'negative for', 'no evidence of', 'no sign(s) of',
#   'denies', 'absence of', 'free of', 'never', 'ruled out', 'excluded' before; 'negative', 'not
#   detected', 'not present', 'absent', 'not found', 'unlikely' after them in the phrase; 'ruled
#   out' or 'excluded' after them in the clause: the patient does not have it.
# - history: 'history of', 'hx', 'h/o', 'pmh', 'personal history', 'past', 'previous', 'prior',
#   'old', 'former', 'status post', 's/p' before, 'resolved', 'in remission', 'remission' after
#   them in the clause, or 'history' just after: the patient had it; it may be over.
# - otherwise affirmed ('suspected', 'possible', 'rule out' included: still a reason to ask).
#
# Chinese (simplified) text has no spaces between words, so a word written in CJK characters is
# found anywhere in the text (no word boundary), 。；！？ end a clause and ，、 a phrase as their
# ASCII forms do. Its cues are read right next to the words, never across a phrase:
# - negated: 否认 (denies), 无 / 没有 (no), 未见 / 未发现 (not seen / not found) right before the
#   words, or before a list of items joined by 、 that ends with them ('否认肝炎、结核病史');
#   排除 (excluded) right before unless 待 (pending) precedes it ('待排除' is 'rule out': still
#   suspected); 已排除 / 已除外 (ruled out) or 阴性 (negative) right after them. '无症状' (without
#   symptoms) is no negation of what follows it.
# - family: 家族史 (family history) or 家族 before them in the phrase, 家族史 right after.
# - not a diagnosis: 筛查 (screening), 预防 (prophylaxis), 疫苗 / 接种 (vaccine) right after.
# - history: 既往 (previously) before them in the phrase; 病史 / 史 (history) right after, or
#   已治愈 / 治愈 / 痊愈 (cured) after them in the clause.

MentionReading = Literal["affirmed", "history", "negated", "family", "not_a_diagnosis"]

_CLAUSE_BREAK = re.compile(r"[.;!?。；！？]|\b(?:but|however|although|except)\b", re.IGNORECASE)
_PHRASE_BREAK = re.compile(r"[,，]")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_LATIN_START = f"(?<![^\\W{_CJK}])"
_LATIN_END = f"(?![^\\W{_CJK}])"
_ZH_FAMILY_BEFORE = re.compile("家族")
_ZH_FAMILY_JUST_AFTER = re.compile("^ ?家族史")
_ZH_NOT_A_DIAGNOSIS_JUST_AFTER = re.compile("^ ?(?:筛查|预防|疫苗|接种)")
# A cue, then nothing or a list of items each closed by 、 (a space once normalised), then the words.
_ZH_NEGATED_BEFORE = re.compile(f"(?:否认|(?<!待)排除|没有|未见|未发现|无)(?:明显)?(?:[{_CJK}]+ )*$")
_ZH_NEGATED_JUST_AFTER = re.compile("^ ?(?:已排除|已除外|阴性)")
_ZH_HISTORY_BEFORE = re.compile("既往")
_ZH_HISTORY_JUST_AFTER = re.compile("^ ?(?:病史|史)")
_ZH_HISTORY_AFTER_IN_CLAUSE = re.compile("治愈|痊愈")
_WINDOW_WORDS = 5


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(normalise_text(p)) for p in phrases) + r")\b")


_FAMILY = _words("family history", "family hx", "fh", "fhx")
_NEGATED_BEFORE = _words(
    "no", "not", "without", "negative for", "neg for", "no evidence of", "no sign of", "no signs of",
    "denies", "denied", "absence of", "free of", "never", "ruled out", "excluded",
)  # fmt: skip
_NEGATED_AFTER = _words("negative", "not detected", "not present", "absent", "not found", "unlikely")
_NEGATED_AFTER_IN_CLAUSE = _words("ruled out", "excluded")
_PREVENTION_NOUNS = (
    "screening|screen|surveillance|test|testing|counseling|counselling|prophylaxis|vaccine|vaccination"
    "|immunization|immunisation|risk|exposure|contact"
)
_NOT_A_DIAGNOSIS_BEFORE = re.compile(
    rf"\b(?:{_PREVENTION_NOUNS})(?: \w+){{0,2}} (?:for|of|against|to|with|on)(?: \w+){{0,3}} ?$"
)
_NOT_A_DIAGNOSIS_JUST_AFTER = re.compile(rf"^ ?(?:{_PREVENTION_NOUNS})\b")
_HISTORY_BEFORE = _words(
    "history of", "hx", "h/o", "pmh", "personal history", "past", "previous", "prior", "old",
    "former", "status post", "s/p",
)  # fmt: skip
_HISTORY_AFTER_IN_CLAUSE = _words("resolved", "in remission", "remission")
_HISTORY_JUST_AFTER = re.compile(r"^ ?history\b")


def read_mention(clause: str, start: int, end: int) -> MentionReading:
    """Return how a normalised clause (its phrases joined by ' , ') speaks of the words at [start, end)."""
    phrase_start = clause.rfind(" , ", 0, start)
    phrase_end = clause.find(" , ", end)
    phrase_before = clause[phrase_start + 3 if phrase_start >= 0 else 0 : start]
    before = " ".join(phrase_before.split()[-_WINDOW_WORDS:]) + " "
    after_in_phrase = clause[end : phrase_end if phrase_end >= 0 else len(clause)]
    after = clause[end:]
    # The concept's own words count too: a set's words may start with 'history of' ('Family
    # history of malignant neoplasm' names a relative's disease, not a personal history).
    if _FAMILY.search(before + clause[start:end]) or _FAMILY.match(after_in_phrase.strip()):
        return "family"
    if _NOT_A_DIAGNOSIS_BEFORE.search(phrase_before) or _NOT_A_DIAGNOSIS_JUST_AFTER.match(after_in_phrase):
        return "not_a_diagnosis"
    if (
        _NEGATED_BEFORE.search(before)
        or _NEGATED_AFTER.search(after_in_phrase)
        or _NEGATED_AFTER_IN_CLAUSE.search(after)
    ):
        return "negated"
    if _HISTORY_BEFORE.search(before) or _HISTORY_AFTER_IN_CLAUSE.search(after) or _HISTORY_JUST_AFTER.match(after):
        return "history"
    if _HAS_CJK.search(phrase_before + clause[start:end] + after_in_phrase):
        return _read_chinese(phrase_before, after_in_phrase, after)
    return "affirmed"


def _read_chinese(phrase_before: str, after_in_phrase: str, after: str) -> MentionReading:
    """Return how Chinese cues next to the words read them (the rules above), else affirmed."""
    if _ZH_FAMILY_BEFORE.search(phrase_before) or _ZH_FAMILY_JUST_AFTER.match(after_in_phrase):
        return "family"
    if _ZH_NOT_A_DIAGNOSIS_JUST_AFTER.match(after_in_phrase):
        return "not_a_diagnosis"
    if _ZH_NEGATED_BEFORE.search(phrase_before) or _ZH_NEGATED_JUST_AFTER.match(after_in_phrase):
        return "negated"
    if (
        _ZH_HISTORY_BEFORE.search(phrase_before)
        or _ZH_HISTORY_JUST_AFTER.match(after_in_phrase)
        or _ZH_HISTORY_AFTER_IN_CLAUSE.search(after)
    ):
        return "history"
    return "affirmed"


def clauses(texts: Iterable[str]) -> tuple[str, ...]:
    """Return texts cut into clauses in normal form, each clause's phrases joined by ' , '."""
    return tuple(
        " , ".join(normalise_text(phrase) for phrase in _PHRASE_BREAK.split(raw or ""))
        for text in texts
        for raw in _CLAUSE_BREAK.split(text)
    )


def mentions(pattern: re.Pattern[str], cut: Iterable[str]) -> list[tuple[str, MentionReading]]:
    """Return each (words, reading) the pattern finds in clauses (from ``clauses``)."""
    found = []
    for clause in cut:
        for hit in pattern.finditer(clause):
            found.append((hit.group(0), read_mention(clause, hit.start(), hit.end())))
    return found


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    normalised = sorted({normalise_text(w) for w in words if normalise_text(w)}, key=len, reverse=True)
    if not normalised:
        return None
    # A word in CJK characters has no word boundary to stand between, and a CJK character next
    # to a Latin word ends it ('HIV感染' names 'hiv'): section above.
    # The Latin words share one pair of boundaries: that class is costly to compile.
    cjk = [re.escape(w) for w in normalised if _HAS_CJK.search(w)]
    latin = [re.escape(w) for w in normalised if not _HAS_CJK.search(w)]
    parts = [*cjk, _LATIN_START + "(?:" + "|".join(latin) + ")" + _LATIN_END] if latin else cjk
    return re.compile("|".join(parts))


class CodeMatcher:
    """A compiled value set: exact codes, ICD/ATC prefixes (minus carve-outs) and whole-word names."""

    def __init__(self, valueset: ValueSet) -> None:
        self.valueset = valueset
        self.id = valueset.id
        self.title = valueset.title
        self.implied_by_treatment = valueset.implied_by_treatment
        self.implied_by_conditions = valueset.implied_by_conditions
        self.implied_by_positive = valueset.implied_by_positive
        self.codes = codes_by_key(valueset.codes)
        self._prefixes = _by_system(valueset.prefixes)
        self._excluded = _by_system(valueset.exclude_prefixes)
        self._names = _pattern(n.name for n in valueset.names)
        self._suspects = _pattern(valueset.suspect_words)

    @classmethod
    def union(cls, matchers: Iterable[CodeMatcher], set_id: str) -> CodeMatcher:
        """Return a matcher for all the matchers match, carve-outs aside (a superset, for pre-filters)."""
        chosen = list(matchers)
        union = cls.__new__(cls)
        union.id, union.title = set_id, set_id
        union.implied_by_treatment = None
        union.implied_by_conditions = ()
        union.implied_by_positive = ()
        union.codes = frozenset().union(*(m.codes for m in chosen))
        prefixes: dict[str, tuple[str, ...]] = {}
        for matcher in chosen:
            for system, values in matcher._prefixes.items():
                prefixes[system] = prefixes.get(system, ()) + values
        union._prefixes = prefixes
        union._excluded = {}
        patterns = [m._names.pattern for m in chosen if m._names is not None]
        union._names = re.compile("|".join(patterns)) if patterns else None
        suspects = [m._suspects.pattern for m in chosen if m._suspects is not None]
        union._suspects = re.compile("|".join(suspects)) if suspects else None
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
        """Return whether text names one of the set's names as whole words (case and punctuation aside)."""
        return self._names is not None and self._names.search(normalise_text(text)) is not None

    def has_suspect_words(self, text: str) -> bool:
        """Return whether text holds one of the set's suspect words, however it reads (the pre-filter keeps it)."""
        return self._suspects is not None and self._suspects.search(normalise_text(text)) is not None

    def carved_out(self, codings: Iterable[Coding]) -> bool:
        """Return whether a coding falls under one of the set's carve-outs (it is explicitly not the concept)."""
        for system, code, _ in codings:
            excluded = self._excluded.get(system)
            if excluded is not None and code.startswith(excluded):
                return True
        return False

    def suspect(
        self, codings: tuple[Coding, ...], texts: Iterable[str], cut: tuple[str, ...] | None = None
    ) -> tuple[str, MentionReading] | None:
        """Return the suspect words a record's texts or coding displays use and how they read, or None.

        An affirmed mention wins over a history one; negated, family and not-a-diagnosis
        mentions are no reason to suspect the concept. ``cut`` is the record's text already cut
        by ``clauses`` (texts, then coding displays), when the caller reads several value sets.
        """
        if self._suspects is None or self.carved_out(codings):
            return None
        if cut is None:
            cut = clauses([*texts, *(display for _, _, display in codings if display)])
        found = mentions(self._suspects, cut)
        for reading in ("affirmed", "history"):
            for words, how in found:
                if how == reading:
                    return words, how
        return None

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


def describe_codings(codings: Iterable[Coding]) -> str:
    """Return a record's codes as a person reads them: 'SNOMED 363406005, ICD-10-CM C18.9'."""
    return ", ".join(f"{_SYSTEM_NAMES.get(system, system)} {_dotted(system, code)}" for system, code, _ in codings)


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
