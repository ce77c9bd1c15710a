"""Command line: serve, check the catalogue, match a bundle file, export the schema and spec."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson

from service.criteria import load_catalog, schema_text
from service.errors import CatalogError, ClientError
from service.logic import Outcome
from service.order import OrderItem, order_next
from service.pipeline import MatchReport, match
from service.rank import status_text
from service.settings import Settings, get_settings

TITLE_WIDTH = 70
REPORT_WIDTH = 110
# 128 + SIGPIPE, what a shell reports for a program stopped by a closed pipe.
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130
EXIT_CODES = """\
exit codes:
  0    done
  1    check-criteria: the catalogue has errors, or criteria/schema.json is out of date
  2    wrong arguments; the bundle cannot be read or is not an acceptable Bundle; the
       catalogue does not load (match, serve, new-trial, export-fhir); new-trial: the record
       cannot be read
  3    serve: the server could not start (the port is taken, say)
  130  interrupted (Ctrl-C)
  141  the output was closed before everything was written (piped into head, say)
"""


def _serve(_: argparse.Namespace) -> int:
    from service.server import serve

    settings = get_settings()
    try:
        load_catalog(settings.criteria_dir, settings.copies_per_iu)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 2
    return 0 if serve(settings) else 3


def _check(args: argparse.Namespace) -> int:
    from service.authoring.check import check_catalogue

    directory = Path(args.criteria) if args.criteria else get_settings().criteria_dir
    cases = Path(args.cases) if args.cases else directory.parent / "tests" / "cases"
    problems = check_catalogue(directory, cases if cases.is_dir() else None)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr)
        return 1
    catalog = load_catalog(directory)
    print(f"catalogue {catalog.version}: {len(catalog.trials)} trials, {len(catalog.valuesets)} value sets, OK")
    return 0


def _export_fhir(args: argparse.Namespace) -> int:
    from service.catalogue_fhir import studies, value_sets

    directory = Path(args.criteria) if args.criteria else get_settings().criteria_dir
    try:
        catalog = load_catalog(directory)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 2
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    resources = [*studies(catalog), *value_sets(catalog)]
    for resource in resources:
        path = output / f"{resource['resourceType']}-{resource['id']}.json"
        path.write_bytes(orjson.dumps(resource, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {len(resources)} FHIR R5 resources (catalogue {catalog.version}) to {output}")
    return 0


def _new_trial(args: argparse.Namespace) -> int:
    from service.authoring.scaffold import scaffold

    record = Path(args.record)
    directory = Path(args.criteria) if args.criteria else get_settings().criteria_dir
    try:
        text = record.read_text(encoding="utf-8")
        catalog = load_catalog(directory)
    except OSError as error:
        print(f"{record}: cannot be read: {error}", file=sys.stderr)
        return 2
    except CatalogError as error:
        print(error, file=sys.stderr)
        return 2
    trial = scaffold(text, record.name, catalog, args.id)
    if args.output:
        Path(args.output).write_text(trial, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(trial)
    return 0


def shorten(text: str, width: int) -> str:
    """Return the text on one line, cut at a word boundary with '...' when longer than width."""
    return textwrap.shorten(text, width=width, placeholder=" ...")


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
        if score.value is None:
            shown.append(f"{name}=unknown")
        else:  # an interval when an input has no grade (Child-Pugh with an ungraded ascites)
            shown.append(f"{name}={score.value:g}" + (f"-{score.high:g}" if score.high is not None else ""))
    lines.append("Scores: " + ", ".join(shown))
    if facts.deceased_note:
        lines.append(f"Patient is recorded as deceased ({facts.deceased_note}): ineligible for every trial.")
    lines.append("")
    statuses = {m.trial.id: status_text(m) for m in report.results}
    width = max([18, *(len(text) for text in statuses.values())])
    lines.append(f"{'#':>2}  {'trial':<12} {'status':<{width}} {'score':>5}  title")
    for m in report.results:
        title = shorten(m.trial.title, TITLE_WIDTH)
        lines.append(f"{m.rank:>2}  {m.trial.id:<12} {statuses[m.trial.id]:<{width}} {m.score:>5.2f}  {title}")
    for m in report.results:
        lines.append("")
        lines.append(f"{m.rank}. {m.trial.id} - {statuses[m.trial.id]}")
        if facts.deceased_note:
            lines.append(f"   [x] {m.exclusion_reasons[0]}")
        for criterion in m.criteria:
            if criterion.outcome in (Outcome.FAIL, Outcome.UNKNOWN) and criterion.parent_id is None:
                mark = "x" if criterion.outcome is Outcome.FAIL else "?"
                lines.append(
                    textwrap.fill(
                        f"[{mark}] {criterion.id}: {criterion.reason}",
                        width=REPORT_WIDTH,
                        initial_indent="   ",
                        subsequent_indent="       ",
                    )
                )
        if m.missing_data:
            lines.append(f"   to order: {'; '.join(m.missing_data)}")
        if m.to_review:
            lines.append(f"   to review ({len(m.to_review)}):")
            for item in m.to_review:
                # Each item is "criterion id: the registry's words", wrapped without splitting a word.
                lines.append(
                    textwrap.fill(
                        item,
                        width=REPORT_WIDTH,
                        initial_indent="     - ",
                        subsequent_indent="       ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
    lines.extend(render_order(order_next(report)))
    return "\n".join(lines)


def render_order(items: tuple[OrderItem, ...]) -> list[str]:
    """Return the 'order next' lines: each item, the undecided trials waiting on it and their criteria."""
    if not items:
        return []
    lines = ["", "Order next (most undecided trials first):"]
    for number, item in enumerate(items, start=1):
        ids = {trial: " ".join(c.criterion_id for c in item.criteria if c.trial_id == trial) for trial in item.trials}
        waiting = ", ".join(f"{trial} ({criteria})" for trial, criteria in ids.items())
        text = f"{number}. {item.label}: {waiting}"
        if item.completes:
            text += f"; nothing else is missing for {', '.join(item.completes)}"
        lines.append(textwrap.fill(text, width=110, initial_indent=" ", subsequent_indent="    "))
    return lines


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
    parser = argparse.ArgumentParser(
        prog="trialmatch",
        description="FHIR-native clinical-trial eligibility.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the HTTP service (settings from TRIALMATCH_* variables)").set_defaults(
        func=_serve
    )
    check = sub.add_parser("check-criteria", help="validate the catalogue and list every error")
    check.add_argument("criteria", nargs="?", help="criteria directory (default: TRIALMATCH_CRITERIA_DIR)")
    check.add_argument("--cases", help="folder of trial case files (default: tests/cases beside the criteria)")
    check.set_defaults(func=_check)
    fhir = sub.add_parser("export-fhir", help="write the catalogue as FHIR R5 ResearchStudy and ValueSet files")
    fhir.add_argument("--criteria", help="criteria directory (default: TRIALMATCH_CRITERIA_DIR)")
    fhir.add_argument("--output", default="fhir", help="folder for the JSON files (default: ./fhir)")
    fhir.set_defaults(func=_export_fhir)
    new = sub.add_parser("new-trial", help="scaffold a trial file from a registry record's text")
    new.add_argument("record", help="the registry record as text (keep it under criteria/sources/)")
    new.add_argument("--id", help="the trial's NCT id (default: the first one in the record)")
    new.add_argument("--criteria", help="criteria directory whose value sets and analytes are suggested")
    new.add_argument("--output", help="write the trial file here (default: standard output)")
    new.set_defaults(func=_new_trial)
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


def package_version() -> str:
    """Return the installed trialmatch version."""
    try:
        return version("trialmatch")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; a closed output pipe or Ctrl-C ends it quietly with its exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here rather than at interpreter exit
    except BrokenPipeError:
        # The reader (head, say) has gone. Point stdout at /dev/null so the interpreter's final
        # flush cannot fail again and print a traceback (the recipe in Python's signal docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
