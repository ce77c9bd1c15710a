"""Screening reads every shape of input alike, and reports what it cannot read without stopping."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import orjson
import pytest

from service.criteria import Catalog
from service.pipeline import match
from service.schemas import match_out
from service.screen import screen
from tests.screen.conftest import AS_OF, CasePatient, read_csv, verdict_rows, write_export

SUBSET = 24


@pytest.fixture(scope="module")
def some(cases: list[CasePatient]) -> list[CasePatient]:
    """A few case patients (the baseline first) for the input-shape tests."""
    return cases[:SUBSET]


@pytest.fixture(scope="module")
def reference(some: list[CasePatient], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of a run over the plain NDJSON export of the subset."""
    folder = tmp_path_factory.mktemp("reference")
    screen(write_export(folder / "export", some), folder / "out", AS_OF, workers=1)
    return folder / "out"


def _same_outputs(out: Path, reference: Path) -> None:
    for name in ("verdicts.csv", "attrition.csv", "skipped.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    for group in (reference / "candidates").iterdir():
        assert (out / "candidates" / group.name).read_bytes() == group.read_bytes(), group.name


def _bundle(case: CasePatient) -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in case.resources]}


def test_gzip_export_gives_the_same_outputs(some: list[CasePatient], reference: Path, tmp_path: Path) -> None:
    """An export of .ndjson.gz files gives the outputs of the plain NDJSON export."""
    export = write_export(tmp_path / "export", some, gzip_files=True)
    assert all(p.suffix == ".gz" for p in export.glob("*.ndjson*"))
    screen(export, tmp_path / "out", AS_OF, workers=1)
    _same_outputs(tmp_path / "out", reference)


def test_manifest_lists_the_files_read(some: list[CasePatient], reference: Path, tmp_path: Path) -> None:
    """Given the manifest, screening reads exactly the files it lists (a stray file beside them is ignored)."""
    export = write_export(tmp_path / "export", some)
    (export / "stray.ndjson").write_bytes(b'{"resourceType": "Patient", "id": "stray"}\n')
    screen(export / "manifest.json", tmp_path / "out", AS_OF, workers=1)
    _same_outputs(tmp_path / "out", reference)
    screen(export, tmp_path / "out2", AS_OF, workers=1)  # the folder's manifest.json is used too
    _same_outputs(tmp_path / "out2", reference)


def test_ndjson_without_manifest_split_into_many_chunks(
    some: list[CasePatient], reference: Path, tmp_path: Path
) -> None:
    """Without a manifest every NDJSON file is read, and cutting files into small chunks changes nothing."""
    export = write_export(tmp_path / "export", some)
    (export / "manifest.json").unlink()
    result = screen(export, tmp_path / "out", AS_OF, workers=1, chunk_bytes=4096, partition_bytes=16_384)
    assert result.tally.counts["source bytes"] == sum(p.stat().st_size for p in export.iterdir())
    _same_outputs(tmp_path / "out", reference)


def test_bundle_folder_gives_the_same_outputs(some: list[CasePatient], reference: Path, tmp_path: Path) -> None:
    """A folder of Bundle files, one patient each (as Synthea writes), gives the same outputs."""
    folder = tmp_path / "bundles"
    folder.mkdir()
    for case in some:
        (folder / f"{case.patient_id}.json").write_bytes(orjson.dumps(_bundle(case), option=orjson.OPT_INDENT_2))
    screen(folder, tmp_path / "out", AS_OF, workers=1)
    _same_outputs(tmp_path / "out", reference)


def test_ndjson_of_bundles_gives_the_same_outputs(some: list[CasePatient], reference: Path, tmp_path: Path) -> None:
    """NDJSON with one Bundle per line gives the same outputs."""
    path = tmp_path / "bundles.ndjson"
    path.write_bytes(b"".join(orjson.dumps(_bundle(case)) + b"\n" for case in reversed(some)))
    screen(path, tmp_path / "out", AS_OF, workers=1)
    _same_outputs(tmp_path / "out", reference)


def test_bundle_lines_are_decoded_from_their_bytes_as_match_does(
    some: list[CasePatient], reference: Path, tmp_path: Path
) -> None:
    """A huge number in a Bundle line's unread Claim is skipped (the exemption); in a read resource it is not JSON."""
    exempt, refused = some[1].patient_id, some[2].patient_id
    claim = {"resourceType": "Claim", "id": "c1", "total": {"value": "@@"}}
    note = {"resourceType": "Observation", "id": "n1", "status": "final", "code": {"text": "x"}}
    note["note"] = [{"text": "@@"}]
    lines = []
    for case in some:
        bundle = _bundle(case)
        extra = claim if case.patient_id == exempt else note if case.patient_id == refused else None
        if extra is not None:
            bundle["entry"].append({"resource": extra})  # type: ignore[attr-defined]
        lines.append(orjson.dumps(bundle).replace(b'"@@"', b"1e999") + b"\n")
    path = tmp_path / "bundles.ndjson"
    path.write_bytes(b"".join(lines))
    result = screen(path, tmp_path / "out", AS_OF, workers=1)
    [row] = read_csv(tmp_path / "out" / "skipped.csv")
    assert (row["patient_id"], row["reason"]) == (refused, "bundles.ndjson:3: not valid JSON")
    assert result.patients == len(some) - 1
    expected = [row for row in read_csv(reference / "verdicts.csv") if row["patient_id"] != refused]
    assert read_csv(tmp_path / "out" / "verdicts.csv") == expected


def test_bad_lines_and_unreadable_patients_are_skipped_not_fatal(
    some: list[CasePatient], reference: Path, tmp_path: Path
) -> None:
    """A line that is not JSON and a patient whose records fail validation go to skipped.csv; the rest is screened."""
    export = write_export(tmp_path / "export", some)
    victim, broken = some[1].patient_id, some[2].patient_id
    observations = sorted(export.glob("Observation.*.ndjson"))[0]
    lines = observations.read_bytes().splitlines(keepends=True)
    lines.insert(3, b'{"resourceType": "Observation", "subject": {"reference": "Patient/' + victim.encode() + b'"}, \n')
    lines.insert(5, b"this is not json at all\n")
    bad_date = {
        "resourceType": "Observation",
        "id": "bad-date",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
        "subject": {"reference": f"Patient/{broken}"},
        "effectiveDateTime": "2026-13-45",
        "valueQuantity": {"value": 1.0, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
    }
    lines.append(orjson.dumps(bad_date) + b"\n")
    observations.write_bytes(b"".join(lines))
    result = screen(export, tmp_path / "out", AS_OF, workers=1)
    skipped = read_csv(tmp_path / "out" / "skipped.csv")
    by_patient = {row["patient_id"]: row for row in skipped}
    assert set(by_patient) == {victim, broken, ""}
    assert "not valid JSON" in by_patient[victim]["reason"]
    assert by_patient[broken]["reason"].startswith("Observation/bad-date.effectiveDateTime: ")
    assert by_patient[""]["source"] == f"{observations.name}:6"
    assert result.patients == len(some) - 2
    screened = {row["patient_id"] for row in read_csv(tmp_path / "out" / "verdicts.csv")}
    expected = {row["patient_id"] for row in read_csv(reference / "verdicts.csv")} - {victim, broken}
    assert screened == expected


def test_a_patient_in_two_bundles_is_not_matched(some: list[CasePatient], tmp_path: Path) -> None:
    """Records of one patient id in two Bundles are reported, never matched one half at a time."""
    folder = tmp_path / "bundles"
    folder.mkdir()
    case = some[0]
    (folder / "a.json").write_bytes(orjson.dumps(_bundle(case)))
    (folder / "b.json").write_bytes(orjson.dumps(_bundle(case)))
    result = screen(folder, tmp_path / "out", AS_OF, workers=1)
    assert result.patients == 0
    [row] = read_csv(tmp_path / "out" / "skipped.csv")
    assert row["patient_id"] == case.patient_id
    assert "more than one" in row["reason"]


def test_gzip_line_numbers_and_bundle_without_patient(tmp_path: Path) -> None:
    """A Bundle with no Patient is reported by file name; a bad gzip line by file and line number."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "practitioners.json").write_bytes(
        orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": []})
    )
    with gzip.open(folder / "Observation.ndjson.gz", "wb") as stream:
        stream.write(b"\n{oops\n")
    result = screen(folder, tmp_path / "out", AS_OF, workers=1)
    rows = {row["source"]: row for row in read_csv(tmp_path / "out" / "skipped.csv")}
    assert set(rows) == {"practitioners.json", "Observation.ndjson.gz:2"}
    assert "no Patient" in rows["practitioners.json"]["reason"]
    assert result.patients == 0
    shutil.rmtree(folder)


def test_medication_resources_are_joined_to_the_records_that_reference_them(
    some: list[CasePatient], tmp_path: Path, catalog: Catalog
) -> None:
    """A medication record naming a Medication of the export's Medication file reads that drug, as /match would."""
    case = some[0]
    resources = [dict(r) for r in case.resources]
    for resource in resources:
        if resource["resourceType"] == "MedicationStatement":
            resource["medicationReference"] = {"reference": "Medication/formulary-entecavir"}
            drug = resource.pop("medicationCodeableConcept")
    resources.append({"resourceType": "Medication", "id": "formulary-entecavir", "code": drug})
    resources.append({"resourceType": "Medication", "id": "unused", "code": {"text": "paracetamol"}})
    patient = CasePatient(case.patient_id, case.name, case.bundle, resources)
    screen(write_export(tmp_path / "export", [patient]), tmp_path / "out", AS_OF, workers=1)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    answer = orjson.loads(match_out(match(bundle, catalog, AS_OF)).model_dump_json(by_alias=True))
    expected = list(verdict_rows(answer, case.patient_id, list(catalog.trials)))
    assert [list(row.values()) for row in read_csv(tmp_path / "out" / "verdicts.csv")] == expected
    # Without the join, the drug would be unidentified and NCT05948982 inc-3b (antiviral > 3 months) could not pass.
    row = next(r for r in read_csv(tmp_path / "out" / "verdicts.csv") if r["trial_id"] == "NCT05948982")
    assert "inc-3b" not in row["failed"] + row["unknown"]
