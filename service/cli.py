"""Command line: serve, check the catalogue, match a bundle file, export the schema and spec."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

import orjson

from service.criteria import load_catalog, schema_text
from service.errors import CatalogError, ClientError
from service.logic import Outcome
from service.pipeline import MatchReport, match
from service.settings import Settings, get_settings

STATUS_LABEL = {"eligible": "ELIGIBLE", "possibly_eligible": "POSSIBLY ELIGIBLE", "ineligible": "INELIGIBLE"}


def _serve(_: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    try:
        load_catalog(settings.criteria_dir, settings.copies_per_iu)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 2
    uvicorn.run(
        "service.main:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,  # the service logs each request itself, without patient data
        server_header=False,
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    directory = Path(args.criteria) if args.criteria else get_settings().criteria_dir
    try:
        catalog = load_catalog(directory)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 1
    committed = directory / "schema.json"
    if committed.exists() and committed.read_text(encoding="utf-8") != schema_text():
        print(f"{committed}: out of date; run 'trialmatch export-schema'", file=sys.stderr)
        return 1
    print(f"catalogue {catalog.version}: {len(catalog.trials)} trials, {len(catalog.valuesets)} value sets, OK")
    return 0


def render_report(report: MatchReport) -> str:
    """Return a ranked, readable table of a match report with the reasons."""
    facts = report.facts
    ages = facts.age_range(report.as_of)
    age = "unknown" if ages is None else (str(ages[0]) if ages[0] == ages[1] else f"{ages[0]}-{ages[1]}")
    lines = [
        f"Patient {facts.patient_id}: age {age}, sex {facts.sex or 'unknown'}; as of {report.as_of}; "
        f"catalogue {report.catalog_version}",
    ]
    shown = []
    for name, score in sorted(facts.scores.items()):
        shown.append(f"{name}={score.value:g}" if score.value is not None else f"{name}=unknown")
    lines.append("Scores: " + ", ".join(shown))
    lines.append("")
    lines.append(f"{'#':>2}  {'trial':<12} {'status':<18} {'score':>5}  title")
    for m in report.results:
        lines.append(
            f"{m.rank:>2}  {m.trial.id:<12} {STATUS_LABEL[m.status.value]:<18} {m.score:>5.2f}  {m.trial.title[:70]}"
        )
    for m in report.results:
        lines.append("")
        lines.append(f"{m.rank}. {m.trial.id} - {STATUS_LABEL[m.status.value]}")
        for criterion in m.criteria:
            if criterion.outcome in (Outcome.FAIL, Outcome.UNKNOWN) and criterion.parent_id is None:
                mark = "x" if criterion.outcome is Outcome.FAIL else "?"
                lines.append(
                    textwrap.fill(
                        f"[{mark}] {criterion.id}: {criterion.reason}",
                        width=110,
                        initial_indent="   ",
                        subsequent_indent="       ",
                    )
                )
        if m.missing_data:
            lines.append(f"   to order: {'; '.join(m.missing_data)}")
        if m.to_review:
            lines.append(
                f"   to review: {len(m.to_review)} item(s) ({', '.join(r.split(':')[0] for r in m.to_review)})"
            )
    return "\n".join(lines)


def _match(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        catalog = load_catalog(Path(args.criteria) if args.criteria else settings.criteria_dir, settings.copies_per_iu)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 2
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.datetime.now(dt.UTC).date()
    try:
        document = orjson.loads(Path(args.bundle).read_bytes())
        report = match(document, catalog, as_of, args.trial or ())
    except (OSError, orjson.JSONDecodeError) as error:
        print(f"cannot read {args.bundle}: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        for issue in error.issues:
            print(f"error: {issue.diagnostics}", file=sys.stderr)
        return 2
    if args.json:
        from service.schemas import match_out

        print(match_out(report).model_dump_json(by_alias=True, indent=2))
    else:
        print(render_report(report))
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    target = Path(args.output) if args.output else get_settings().criteria_dir / "schema.json"
    target.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _export_openapi(args: argparse.Namespace) -> int:
    from service.main import create_app

    app = create_app(Settings())
    target = Path(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _screen(args: argparse.Namespace) -> int:
    from service.screen import SourceError, screen
    from service.screen.run import progress_stream

    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.datetime.now(dt.UTC).date()
    try:
        result = screen(
            Path(args.source),
            Path(args.out),
            as_of,
            trial_ids=args.trial or (),
            workers=args.workers,
            scheduler=args.scheduler,
            fmt=args.format,
            criteria_dir=Path(args.criteria) if args.criteria else None,
            progress=progress_stream(args.quiet),
        )
    except (SourceError, CatalogError) as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    if not args.quiet:
        summary = f"{result.patients} patients screened, {result.skipped} skipped; outputs in {result.out}"
        print(summary, file=sys.stderr)
    return 0


def _synth(args: argparse.Namespace) -> int:
    from service.screen.synth import write_population

    criteria = Path(args.criteria) if args.criteria else get_settings().criteria_dir
    as_of = dt.date.fromisoformat(args.as_of)
    written = write_population(Path(args.out), args.patients, criteria, as_of, seed=args.seed, gzip_files=args.gzip)
    print(f"wrote {written.patients} patients, {written.resources} resources to {args.out}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``trialmatch`` command."""
    parser = argparse.ArgumentParser(prog="trialmatch", description="FHIR-native clinical-trial eligibility.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the HTTP service (settings from TRIALMATCH_* variables)").set_defaults(
        func=_serve
    )
    check = sub.add_parser("check-criteria", help="validate the catalogue and list every error")
    check.add_argument("criteria", nargs="?", help="criteria directory (default: TRIALMATCH_CRITERIA_DIR)")
    check.set_defaults(func=_check)
    run = sub.add_parser("match", help="match a FHIR Bundle file and print the ranked trials")
    run.add_argument("bundle", help="path to a FHIR R4 Bundle (JSON)")
    run.add_argument("--as-of", help="date YYYY-MM-DD (default today, UTC)")
    run.add_argument("--trial", action="append", help="restrict to a trial id (repeatable)")
    run.add_argument("--criteria", help="criteria directory")
    run.add_argument("--json", action="store_true", help="print the JSON answer instead of the table")
    run.set_defaults(func=_match)
    schema = sub.add_parser("export-schema", help="write criteria/schema.json from the pydantic schema")
    schema.add_argument("--output")
    schema.set_defaults(func=_export_schema)
    spec = sub.add_parser("export-openapi", help="write the OpenAPI spec served by the app")
    spec.add_argument("--output", default="openapi/openapi.json")
    spec.set_defaults(func=_export_openapi)
    scr = sub.add_parser("screen", help="screen a Bulk FHIR export (or Bundle folder) against every trial")
    scr.add_argument("source", help="export folder (NDJSON, .ndjson.gz, manifest), Bundle folder, or a file")
    scr.add_argument("--as-of", help="date YYYY-MM-DD (default today, UTC)")
    scr.add_argument("--out", required=True, help="output folder")
    scr.add_argument("--trial", action="append", help="restrict to a trial id (repeatable)")
    scr.add_argument("--workers", type=int, help="local processes (default: all cores)")
    scr.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://dask-scheduler:8786")
    scr.add_argument("--format", choices=("csv", "parquet"), default="csv", help="format of the verdicts")
    scr.add_argument("--criteria", help="criteria directory")
    scr.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    scr.set_defaults(func=_screen)
    syn = sub.add_parser("synth-population", help="write a seeded synthetic Bulk Data export of N patients")
    syn.add_argument("--patients", type=int, required=True)
    syn.add_argument("--out", required=True, help="output folder")
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--as-of", default="2026-11-22", help="the date the records lead up to")
    syn.add_argument("--gzip", action="store_true", help="write .ndjson.gz files")
    syn.add_argument("--criteria", help="criteria directory whose value sets and analytes codes are drawn from")
    syn.set_defaults(func=_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
