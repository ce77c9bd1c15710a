"""Record semantics: calendar windows, currency, unknown ends, ages in UCUM units, courses of therapy,
the safety net's reading of words, the pre-filter, a deceased patient and the readable statuses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from service.criteria import Catalog, ConditionNode, DurationTest, Period, RecordTest, load_catalog
from service.dates import shift
from service.evaluate import Evaluator
from service.facts import ClinicalRecord, PatientFacts, Span, current_course, is_current, occurred_within
from service.facts.records import age_span
from service.pipeline import match, read_facts
from service.rank import status_text
from service.terminology import CodeMatcher, ValueSet, normalise_text, read_mention
from tests.fhir_builders import ICD10CM, SNOMED, bundle, condition, patient

AS_OF = dt.date(2026, 11, 22)
D = dt.date.fromisoformat


def record(
    kind: str = "condition",
    status: str | None = "active",
    start: str | None = None,
    end: str | None = None,
    *,
    ended: bool | None = None,
    category: str | None = None,
    recorded: str | None = None,
) -> ClinicalRecord:
    """A record with day-precise dates; 'ended' defaults to what the reader would set."""
    if ended is None:
        ended = end is not None or status in ("resolved", "inactive", "remission", "completed", "stopped")
        if kind == "condition":
            ended = end is not None
    return ClinicalRecord(
        kind=kind,
        codings=(),
        texts=(),
        status=status,
        verification="confirmed",
        start=Span(D(start), D(start)) if start else None,
        end=Span(D(end), D(end)) if end else None,
        ended=ended,
        recorded=D(recorded) if recorded else None,
        severity=(),
        reference=f"{kind}/x",
        display=kind,
        category=category,
    )


# -- calendar arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "move", "expected"),
    [
        ("2026-11-22", {"months": -1}, "2026-10-22"),
        ("2026-11-22", {"months": -3}, "2026-08-22"),
        ("2026-11-22", {"months": -6}, "2026-05-22"),
        ("2026-11-22", {"months": -24}, "2024-11-22"),
        ("2026-03-31", {"months": -1}, "2026-02-28"),
        ("2024-03-31", {"months": -1}, "2024-02-29"),
        ("2024-02-29", {"years": -1}, "2023-02-28"),
        ("2026-11-22", {"weeks": -2}, "2026-11-08"),
        ("0001-01-05", {"months": -3}, "0001-01-01"),
        ("0001-01-05", {"days": -30}, "0001-01-01"),
        ("9999-12-01", {"days": 99999}, "9999-12-31"),
        ("2026-11-22", {"years": 10**9}, "9999-12-31"),
    ],
)
def test_shift_counts_calendar_units_and_clamps(day: str, move: dict[str, int], expected: str) -> None:
    """Months and years keep the day (or the month's last day); a result off the calendar is clamped."""
    assert shift(D(day), **move) == D(expected)


def test_periods_reach_back_in_their_own_units() -> None:
    """'within 1 month' on 22 November starts on 22 October; '3 months' on 22 August."""
    assert Period(1, "months").before(AS_OF) == D("2026-10-22")
    assert Period(3, "months").before(AS_OF) == D("2026-08-22")
    assert Period(2, "weeks").words() == "2 weeks" and Period(1, "months").words() == "1 month"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"valueset": "ascites", "when": "within"}, "required with when: within"),
        ({"valueset": "ascites", "when": "ever", "months": 3}, "required with when: within"),
        ({"valueset": "ascites", "when": "within", "months": 3, "days": 90}, "only one of"),
    ],
)
def test_record_test_takes_one_period_only_with_within(fields: dict[str, Any], message: str) -> None:
    """A window needs exactly one of days, weeks, months or years, and only with when: within."""
    with pytest.raises(ValidationError, match=message):
        RecordTest.model_validate(fields)


def test_duration_needs_exactly_one_unit() -> None:
    """A medication duration is written in one unit ('less than 12 months')."""
    assert DurationTest.model_validate({"valueset": "x", "op": "<", "months": 12}).period == Period(12, "months")
    with pytest.raises(ValidationError, match="exactly one"):
        DurationTest.model_validate({"valueset": "x", "op": "<"})


def test_catalogue_rejects_severity_outside_a_condition_and_unknown_evidence(tmp_path: Path) -> None:
    """A severity filter on a medication and positive_results on an unknown analyte are load errors."""
    import shutil

    import yaml

    from service.errors import CatalogError

    target = tmp_path / "criteria"
    shutil.copytree(Path(__file__).resolve().parents[2] / "criteria", target)
    path = target / "trials" / "NCT01728727.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["criteria"].append(
        {
            "id": "exc-97",
            "type": "exclusion",
            "text": "x",
            "logic": {
                "any": [
                    {"medication": {"valueset": "methadone", "severity": ["severe"]}},
                    {"positive_results": {"analyte": "no-such-analyte"}},
                ]
            },
        }
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(target)
    problems = "\n".join(caught.value.problems)
    assert "medication.severity: only a condition has a severity or stage" in problems
    assert "positive_results.analyte: unknown analyte 'no-such-analyte'" in problems


# -- what counts as current, and when a record was present ------------------------------------

CURRENT = [
    ("active", record(status="active", start="2020-01-01"), True),
    ("resolved", record(status="resolved", start="2020-01-01"), False),
    ("remission", record(status="remission", start="2020-01-01"), False),
    ("abated-in-past", record(status="resolved", start="2020-01-01", end="2021-01-01"), False),
    ("active-but-abated-contradiction", record(status="active", start="2019-01-01", end="2020-01-01"), None),
    ("recurrence-after-abatement", record(status="recurrence", start="2019-01-01", end="2020-01-01"), True),
    ("no-status-problem-list", record(status=None, start="2024-02-01", category="problem-list-item"), None),
    ("no-status-no-category", record(status=None, start="2024-02-01"), None),
    ("no-status-encounter-2019", record(status=None, start="2019-03-02", category="encounter-diagnosis"), False),
    ("no-status-encounter-recent", record(status=None, start="2026-11-01", category="encounter-diagnosis"), None),
    ("no-status-encounter-today", record(status=None, start="2026-11-22", category="encounter-diagnosis"), True),
    (
        "encounter-recorded-recently",
        record(status=None, start="2015-01-01", recorded="2026-10-13", category="encounter-diagnosis"),
        None,
    ),
    ("onset-after-as-of", record(status="active", start="2026-12-01"), False),
    ("medication-active", record("medication", "active", "2019-01-01"), True),
    ("medication-completed", record("medication", "completed", "2019-01-01"), False),
    ("medication-completed-supply-reaches-as-of", record("medication", "completed", "2026-11-05", "2026-12-04"), True),
    ("medication-stopped-supply-reaches-as-of", record("medication", "stopped", "2026-11-05", "2026-12-04"), False),
    ("medication-active-but-validity-ended", record("medication", "active", "2026-09-01", "2026-09-30"), None),
    ("medication-unknown", record("medication", "unknown", "2019-01-01"), None),
    ("medication-intended", record("medication", "intended", "2019-01-01"), None),
    ("procedure-in-progress", record("procedure", "in-progress", "2026-11-22", "2026-11-22"), True),
    ("procedure-completed", record("procedure", "completed", "2026-11-01", "2026-11-01"), False),
    ("procedure-unknown", record("procedure", "unknown", "2026-11-01", "2026-11-01"), None),
]


@pytest.mark.parametrize(("name", "rec", "expected"), [pytest.param(*row, id=row[0]) for row in CURRENT])
def test_what_counts_as_current(name: str, rec: ClinicalRecord, expected: bool | None) -> None:
    """Status, then dates and category, decide currency; what cannot be told is None (unknown)."""
    assert is_current(rec, AS_OF) is expected


WITHIN = [
    ("active-now", record(status="active", start="2019-01-01"), "2026-08-22", True),
    ("ended-inside", record(status="resolved", start="2026-08-10", end="2026-08-23"), "2026-08-22", True),
    ("ended-on-first-day", record(status="resolved", start="2026-08-10", end="2026-08-22"), "2026-08-22", True),
    ("ended-before", record(status="resolved", start="2026-08-10", end="2026-08-21"), "2026-08-22", False),
    ("resolved-no-end-onset-before", record(status="resolved", start="2024-05-01"), "2026-08-22", None),
    ("resolved-no-end-onset-inside", record(status="resolved", start="2026-09-01"), "2026-08-22", True),
    ("resolved-no-dates-recorded-inside", record(status="resolved", recorded="2026-09-01"), "2026-08-22", None),
    ("encounter-2019", record(status=None, start="2019-03-02", category="encounter-diagnosis"), "2026-11-08", False),
    (
        "encounter-recent-before-window",
        record(status=None, start="2026-11-01", category="encounter-diagnosis"),
        "2026-11-08",
        None,
    ),
    ("encounter-inside", record(status=None, start="2026-11-10", category="encounter-diagnosis"), "2026-11-08", True),
    ("medication-completed-no-end", record("medication", "completed", "2026-10-01"), "2026-11-01", None),
    ("administration-point-before", record("medication", "completed", "2026-10-01", "2026-10-01"), "2026-11-01", False),
    ("procedure-point-inside", record("procedure", "completed", "2026-05-22", "2026-05-22"), "2026-05-22", True),
    ("procedure-undated", record("procedure", "completed"), "2026-05-22", None),
    ("procedure-status-unknown", record("procedure", "unknown", "2026-10-01", "2026-10-01"), "2026-05-22", None),
]


@pytest.mark.parametrize(("name", "rec", "since", "expected"), [pytest.param(*row, id=row[0]) for row in WITHIN])
def test_when_a_record_was_present(name: str, rec: ClinicalRecord, since: str, expected: bool | None) -> None:
    """A record over on an unrecorded day may reach into a window: None, never False."""
    assert occurred_within(rec, AS_OF, D(since)) is expected


def test_windows_near_the_start_of_the_calendar_never_raise() -> None:
    """A window reaching before 1 January of year 1 is clamped, not an error."""
    rec = record(status="resolved", start="0001-01-02", end="0001-01-03")
    assert occurred_within(rec, D("0001-01-05"), Period(3, "months").before(D("0001-01-05"))) is True
    assert is_current(record(status=None, start="0001-01-02", category="encounter-diagnosis"), D("0001-01-05")) is None


# -- ages in UCUM units ----------------------------------------------------------------------

BIRTH = Span(D("1972-03-15"), D("1972-03-15"))


@pytest.mark.parametrize(
    ("value", "unit", "start", "end"),
    [
        (54, "a", "2026-03-15", "2027-03-14"),
        (6, "mo", "1972-09-15", "1972-10-14"),
        (655, "mo", "2026-10-15", "2026-11-14"),
        (2, "wk", "1972-03-29", "1972-04-04"),
        (10, "d", "1972-03-25", "1972-03-25"),
        (30, "h", "1972-03-16", "1972-03-17"),
        (90, "min", "1972-03-15", "1972-03-16"),
        (1.5, "a", "1973-09-15", "1974-09-14"),
    ],
)
def test_ages_honour_their_ucum_unit(value: float, unit: str, start: str, end: str) -> None:
    """An age in completed units gives the days from that age to the day before the next unit."""
    assert age_span(BIRTH, value, unit) == Span(D(start), D(end))


@pytest.mark.parametrize(
    ("value", "unit"), [(1e308, "a"), (-3000, "a"), (-30000, "d"), (151, "a"), (float("nan"), "mo")]
)
def test_out_of_range_ages_are_not_dates(value: float, unit: str) -> None:
    """Negative, absurd or non-finite ages are no date (the reader warns)."""
    assert age_span(BIRTH, value, unit) is None


@pytest.mark.parametrize(
    "age",
    [
        {"value": 1e308, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
        {"value": -3000, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
        {"value": 40, "unit": "light years"},
    ],
)
def test_bad_onset_age_is_unknown_with_a_warning(catalog: Catalog, age: dict[str, Any]) -> None:
    """An onsetAge that is not a date leaves the onset unknown and says so, never raising."""
    facts = read_facts(bundle(patient(), condition("c1", ICD10CM, "K76.82", onset={"onsetAge": age})), catalog, AS_OF)
    assert facts.conditions[0].start is None
    assert any("onset" in w and "date unknown" in w for w in facts.warnings)


def test_onset_age_in_months_and_word_units(catalog: Catalog) -> None:
    """'6 mo' is six months after birth, and 'months' written as a word is understood."""
    for unit in ({"code": "mo", "system": "http://unitsofmeasure.org", "unit": "mo"}, {"unit": "months"}):
        cond = condition("c1", ICD10CM, "K76.82", onset={"onsetAge": {"value": 6, **unit}})
        facts = read_facts(bundle(patient(), cond), catalog, AS_OF)
        assert facts.conditions[0].start == Span(D("1972-09-15"), D("1972-10-14"))


# -- courses of therapy ----------------------------------------------------------------------


def monthly(first: str, count: int, *, days: int = 30, with_end: bool = True) -> list[ClinicalRecord]:
    """Monthly orders from a first day: completed, the last active; with or without a validity end."""
    out = []
    for i in range(count):
        start = shift(D(first), months=i)
        end = shift(start, days=days - 1).isoformat() if with_end else None
        status = "active" if i == count - 1 else "completed"
        out.append(record("medication", status, start.isoformat(), end, ended=status != "active"))
    return out


def test_monthly_orders_are_one_course_since_the_first() -> None:
    """85 monthly orders since November 2019 are one course of seven years."""
    course = current_course(monthly("2019-11-05", 85), AS_OF)
    assert course is not None and course.current is True and course.start.start == D("2019-11-05")


def test_monthly_orders_without_end_dates_join_within_the_gap_tolerance() -> None:
    """Orders dated only by authoredOn, a month apart, join (gap tolerance 45 days from the start)."""
    course = current_course(monthly("2024-01-31", 35, with_end=False), AS_OF)
    assert course is not None and course.start.start == D("2024-01-31")


def test_a_gap_over_the_tolerance_starts_a_new_course() -> None:
    """A pause of two months between orders restarts the course."""
    records = monthly("2020-01-10", 12)[:-1] + monthly("2021-03-01", 70)
    course = current_course(records, AS_OF)
    assert course is not None and course.start.start == D("2021-03-01")


def test_a_course_whose_last_order_ran_out_recently_is_unknown() -> None:
    """Without a newer order, a course whose last supply ended 19 days ago may or may not go on."""
    records = monthly("2019-11-05", 85)[:-1]
    course = current_course(records, AS_OF)
    assert course is not None and course.current is None


def test_a_stopped_course_is_no_current_course() -> None:
    """A course stopped long ago is not current."""
    assert current_course([record("medication", "stopped", "2019-01-01", "2020-01-01")], AS_OF) is None


# -- the safety net: words, negation, normalisation --------------------------------------------


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Malignant tumor of colon", "affirmed"),
        ("Suspected carcinoma of colon", "affirmed"),
        ("Rule out carcinoma", "affirmed"),
        ("History of colon cancer", "history"),
        ("H/O carcinoma of breast", "history"),
        ("Personal history of malignant neoplasm of breast", "history"),
        ("Carcinoma of prostate, in remission", "history"),
        ("Status post resection of carcinoma", "history"),
        ("Family history of malignant neoplasm", "family"),
        ("Colon cancer (family history)", "family"),
        ("FH: carcinoma", "family"),
        ("Screening for malignant neoplasm of colon", "not_a_diagnosis"),
        ("Colon cancer screening", "not_a_diagnosis"),
        ("High risk of cancer", "not_a_diagnosis"),
        ("Colon cancer ruled out", "negated"),
        ("Ruled out: carcinoma", "negated"),
        ("Hx: carcinoma of breast", "history"),
        ("Carcinoma, negative margins", "affirmed"),
        ("No ascites, carcinoma of colon", "affirmed"),
        ("Carcinoma of colon, resolved", "history"),
        ("Negative for carcinoma", "negated"),
        ("No evidence of carcinoma", "negated"),
        ("Cirrhosis without ascites, carcinoma suspected", "affirmed"),
        ("Screening colonoscopy showed carcinoma", "affirmed"),
        ("Carcinoma of colon with family history of breast cancer", "affirmed"),
        ("Carcinoma (history)", "history"),
        ("No improvement in appetite over many weeks since the carcinoma", "affirmed"),
    ],
)
def test_how_a_record_speaks_of_a_concept(text: str, reading: str) -> None:
    """Negating words are read per clause: family and screening never count, history only for the past."""
    words = ("carcinoma", "cancer", "malignant neoplasm", "malignant tumor")
    found = CodeMatcher(ValueSet(id="m", title="Malignancy", suspect_words=words)).suspect((), (text,))
    expected = None if reading in ("negated", "family", "not_a_diagnosis") else reading
    assert (found[1] if found else None) == expected, (text, found)
    words = next(
        w for w in ("malignant neoplasm", "malignant tumor", "carcinoma", "cancer") if w in normalise_text(text)
    )
    clause = " , ".join(normalise_text(p) for p in text.split(","))
    at = clause.find(normalise_text(words))
    assert read_mention(clause, at, at + len(normalise_text(words))) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("自发性细菌性腹膜炎", "affirmed"),
        ("患者肝硬化腹水合并自发性细菌性腹膜炎，抗感染治疗中", "affirmed"),
        ("无自发性细菌性腹膜炎", "negated"),
        ("否认肝炎、自发性细菌性腹膜炎病史", "negated"),
        ("未见明显自发性细菌性腹膜炎", "negated"),
        ("自发性细菌性腹膜炎已排除", "negated"),
        ("自发性细菌性腹膜炎（阴性）", "negated"),
        ("自发性细菌性腹膜炎待排除", "affirmed"),
        ("待排除自发性细菌性腹膜炎", "affirmed"),
        ("无症状自发性细菌性腹膜炎", "affirmed"),
        ("腹水，无发热。自发性细菌性腹膜炎", "affirmed"),
        ("既往自发性细菌性腹膜炎", "history"),
        ("自发性细菌性腹膜炎病史", "history"),
        ("自发性细菌性腹膜炎，已治愈", "history"),
        ("家族史：自发性细菌性腹膜炎", "family"),
        ("自发性细菌性腹膜炎预防", "not_a_diagnosis"),
    ],
)
def test_how_a_chinese_record_speaks_of_a_concept(text: str, reading: str) -> None:
    """Chinese words are found without spaces, and 否认/无/未见/已排除/阴性 negate only right next to them."""
    matcher = CodeMatcher(ValueSet(id="s", title="SBP", suspect_words=("自发性细菌性腹膜炎",)))
    found = matcher.suspect((), (text,))
    expected = None if reading in ("negated", "family", "not_a_diagnosis") else reading
    assert (found[1] if found else None) == expected, (text, found)


def test_a_latin_word_next_to_chinese_text_is_a_whole_word() -> None:
    """'HIV感染' names 'hiv' (a CJK character ends a Latin word) while 'hivx' does not."""
    matcher = CodeMatcher(ValueSet(id="h", title="HIV", suspect_words=("hiv",)))
    assert matcher.suspect((), ("HIV感染",)) == ("hiv", "affirmed")
    assert matcher.suspect((), ("hivx",)) is None


def test_product_labels_match_names_whatever_their_punctuation() -> None:
    """'Albumin (Human) 25% Solution' names 'albumin human'; the normal form drops punctuation and case."""
    assert normalise_text("Albumin (Human) 25% Solution") == "albumin human 25 solution"
    matcher = CodeMatcher(ValueSet(id="a", title="Albumin", names=({"name": "albumin human", "source": "t"},)))  # type: ignore[arg-type]
    assert matcher.match_text("Albumin (Human) 25% Solution") and matcher.match_text("ALBUMIN-HUMAN 5%")
    assert not matcher.match_text("Albumin [Mass/volume] in Serum")


def test_a_carved_out_code_is_never_suspect() -> None:
    """A code the value set excludes explicitly (nicotine dependence from drug use) is not suspect."""
    matcher = CodeMatcher(
        ValueSet(
            id="d",
            title="Drug use disorder",
            exclude_prefixes=({"system": ICD10CM, "prefix": "F17", "display": "Nicotine", "source": "t"},),  # type: ignore[arg-type]
            suspect_words=("dependence",),
        )
    )
    assert matcher.suspect(((ICD10CM, "F17210", "Nicotine dependence, cigarettes"),), ()) is None
    assert matcher.suspect(((ICD10CM, "F99", "Drug dependence"),), ()) == ("dependence", "affirmed")


def _suspect_catalog(catalog: Catalog) -> Catalog:
    """The real catalogue with a malignancy set that codes nothing in SNOMED but has suspect words."""
    sets = dict(catalog.valuesets)
    sets["malignancy"] = CodeMatcher(
        ValueSet(id="malignancy", title="malignancy", suspect_words=("malignant tumor", "carcinoma"))
    )
    return Catalog(catalog.version, catalog.meta, catalog.trials, sets, catalog.analytes, catalog.units)


def test_the_safety_net_names_the_record_it_suspects(catalog: Catalog) -> None:
    """A record whose code is in no set but whose words name it makes the test unknown, naming record and code."""
    cond = condition("c7", SNOMED, "363406005")
    cond["code"]["coding"][0]["display"] = "Malignant tumor of colon"
    test_catalog = _suspect_catalog(catalog)
    facts = read_facts(bundle(patient(), cond), test_catalog, AS_OF)
    evaluator = Evaluator(test_catalog, facts, AS_OF)
    result = evaluator.node(ConditionNode.model_validate({"condition": {"valueset": "malignancy", "when": "current"}}))
    assert result.truth.name == "UNKNOWN"
    assert result.reasons[0].startswith(
        "Condition/c7 'Malignant tumor of colon' (SNOMED 363406005) reads as malignancy ('malignant tumor')"
    )
    assert result.reasons[0].endswith("; confirm") and result.evidence[0].reference == "Condition/c7"


def test_history_words_do_not_make_a_current_test_unknown(catalog: Catalog) -> None:
    """'History of carcinoma' is suspect for 'ever' but not for 'current'."""
    cond = condition("c8", "http://hospital.example.org/problems", "HX-1")
    cond["code"]["coding"][0]["display"] = "History of carcinoma of colon"
    test_catalog = _suspect_catalog(catalog)
    facts = read_facts(bundle(patient(), cond), test_catalog, AS_OF)
    evaluator = Evaluator(test_catalog, facts, AS_OF)
    current = evaluator.node(ConditionNode.model_validate({"condition": {"valueset": "malignancy", "when": "current"}}))
    ever = evaluator.node(ConditionNode.model_validate({"condition": {"valueset": "malignancy", "when": "ever"}}))
    assert current.truth.name == "FALSE" and ever.truth.name == "UNKNOWN"
    assert "reads as a history of malignancy" in ever.reasons[0]


def test_pre_filter_keeps_a_record_whose_words_name_a_concept(catalog: Catalog) -> None:
    """A Condition coded only in a local system but named 'Klebsiella pneumonia' is validated, not passed over."""
    local = condition("k1", "http://hospital.example.org/problems", "INF-022")
    local["code"]["coding"][0]["display"] = "Klebsiella pneumonia"
    other = condition("k2", "http://hospital.example.org/problems", "MISC-1")
    other["code"]["coding"][0]["display"] = "Ingrown toenail"
    facts = read_facts(bundle(patient(), local, other), catalog, AS_OF)
    assert [c.reference for c in facts.conditions] == ["Condition/k1"]


# -- a deceased patient, and the readable status --------------------------------------------------


def test_a_deceased_patient_is_ineligible_and_the_reason_comes_first(catalog: Catalog) -> None:
    """Patient.deceasedDateTime makes every trial ineligible with the death named as the first reason."""
    report = match(
        bundle({**patient(), "deceasedDateTime": "2026-10-01"}),
        catalog,
        AS_OF,
    )
    for result in report.results:
        assert result.status.value == "ineligible"
        assert result.exclusion_reasons[0] == "patient is recorded as deceased: Patient.deceasedDateTime 2026-10-01"
        assert status_text(result) == "ineligible: patient is recorded as deceased"


def test_deceased_patient_in_the_command_line_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The table says the patient is deceased before anything else, and each trial says why."""
    import json

    from service.cli import main

    path = tmp_path / "dead.json"
    path.write_text(json.dumps(bundle({**patient(), "deceasedBoolean": True})), encoding="utf-8")
    assert main(["match", str(path), "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "Patient is recorded as deceased (Patient.deceasedBoolean is true)" in out
    assert "[x] patient is recorded as deceased: Patient.deceasedBoolean is true" in out
    assert "ineligible: patient is recorded as deceased" in out


def test_eligible_is_written_with_its_pending_review_items(catalog: Catalog) -> None:
    """An eligible trial reads 'eligible, pending N review items' in the table; the API code stays 'eligible'."""
    import json

    baseline = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_decompensated_baseline.json"
    report = match(json.loads(baseline.read_text(encoding="utf-8")), catalog, AS_OF, ["NCT01728727"])
    (result,) = report.results
    assert result.status.value == "eligible"
    assert status_text(result) == f"eligible, pending {len(result.to_review)} review items"


def test_child_pugh_is_unknown_when_an_ascites_record_may_not_be_current(catalog: Catalog) -> None:
    """An ascites problem without a clinical status may or may not be current: Child-Pugh names it as missing."""
    from tests.fhir_builders import quantity_obs

    labs = [
        quantity_obs("b", "1975-2", 2.5, "mg/dL"),
        quantity_obs("a", "1751-7", 3.0, "g/dL"),
        quantity_obs("i", "6301-6", 1.8, None),
    ]
    unsure = condition("asc", SNOMED, "389026000", clinical=None, onset={"onsetDateTime": "2024-01-01"})
    facts: PatientFacts = read_facts(bundle(patient(), unsure, *labs), catalog, AS_OF)
    score = facts.scores["child_pugh"]
    assert score.value is None and any("Condition/asc" in m and "is current" in m for m in score.missing)


@pytest.mark.parametrize("as_of", ["0001-01-10", "9999-12-31"])
def test_match_at_the_ends_of_the_calendar_never_raises(catalog: Catalog, as_of: str) -> None:
    """Every window of every trial is clamped at the ends of the calendar: an answer, never an error."""
    import json

    base = Path(__file__).resolve().parents[1] / "cases" / "bundles" / "hbv_hospital_refills_baseline.json"
    report = match(json.loads(base.read_text(encoding="utf-8")), catalog, D(as_of))
    assert len(report.results) == len(catalog.trials)


# -- properties --------------------------------------------------------------------------------

DAYS = st.integers(min_value=-3000, max_value=30)
STATUSES = st.sampled_from(["active", "resolved", "remission", "inactive", "recurrence", None])
CATEGORIES = st.sampled_from(["encounter-diagnosis", "problem-list-item", None])


def _day(offset: int) -> str:
    return shift(AS_OF, days=offset).isoformat()


@given(STATUSES, CATEGORIES, DAYS, st.one_of(st.none(), DAYS), st.integers(1, 3000), st.integers(0, 3000))
def test_a_longer_window_never_undoes_a_finding(
    status: str | None, category: str | None, onset: int, end: int | None, short: int, extra: int
) -> None:
    """A record present in a window is present in any longer one; absent from a long one, absent from a shorter one."""
    ends = None if end is None or end < onset else _day(end)
    rec = record(status=status, start=_day(onset), end=ends, category=category)
    near, far = shift(AS_OF, days=-short), shift(AS_OF, days=-(short + extra))
    if occurred_within(rec, AS_OF, near) is True:
        assert occurred_within(rec, AS_OF, far) is True
    if occurred_within(rec, AS_OF, far) is False:
        assert occurred_within(rec, AS_OF, near) is False


@given(st.sampled_from(["resolved", "remission", "inactive"]), DAYS, st.integers(0, 3000), st.integers(1, 3000))
def test_learning_an_end_date_never_flips_a_decided_window(status: str, onset: int, length: int, window: int) -> None:
    """A record over with no end date, once its end is recorded, keeps any decided 'within' answer."""
    since = shift(AS_OF, days=-window)
    unknown_end = record(status=status, start=_day(onset))
    end = min(onset + length, 0)
    known_end = record(status=status, start=_day(onset), end=_day(max(end, onset)))
    before = occurred_within(unknown_end, AS_OF, since)
    if before is not None:
        assert occurred_within(known_end, AS_OF, since) is before
