"""The outputs of a screening run, written from the partitions' sorted result files.

- ``verdicts.csv`` (or ``verdicts.parquet``): one row per patient and trial, patients in id order.
- ``attrition.csv``: per trial, the registry lines (inclusions, then exclusions) with the patients
  still in after each, OHDSI style, then the count per status.
- ``candidates/<trial id>.json``: a FHIR R4 Group (actual) of the eligible and possibly eligible.
- ``skipped.csv``: what could not be read, with the patient id when known, where and why.
- ``report.html``: one self-contained page (inline CSS and SVG, no script, no network).
- ``summary.json``: the run's parameters, counts and timings, for programs.

Rows are merged from the partitions in patient-id order, so the outputs do not depend on the
partition count, the number of workers or the order tasks finished in. Each file is written
under a temporary name and renamed when complete.
"""

from __future__ import annotations

import csv
import heapq
import html
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from service.criteria import Catalog
from service.fhir_answer import AS_OF_URL, CATALOG_VERSION_URL, SCORE_URL, STATUS_URL
from service.screen.partition import RunSpec, Tally, TrialLayout

VERDICT_COLUMNS = ("patient_id", "trial_id", "status", "score", "failed", "unknown", "review")
ATTRITION_COLUMNS = (
    "trial_id",
    "step",
    "criterion_id",
    "type",
    "remaining",
    "excluded",
    "pass",
    "fail",
    "unknown",
    "review",
)
SKIPPED_COLUMNS = ("patient_id", "source", "reason")
STATUSES = ("eligible", "possibly_eligible", "ineligible")
CANDIDATE_STATUSES = frozenset({"eligible", "possibly_eligible"})
PARQUET_BATCH = 65_536


@dataclass(frozen=True)
class RunInfo:
    """What the report states about the run: where, when, how, and how long each stage took."""

    source: str
    out: str
    started: str
    executor: str
    partitions: int
    chunks: int
    seconds: dict[str, float]


def _results(spec: RunSpec) -> Iterator[list[Any]]:
    """Yield every partition's result rows merged in patient-id order."""
    paths = sorted((Path(spec.work_dir) / "pass2").glob("[0-9]*[0-9]/results.ndjson"))

    def rows(path: Path) -> Iterator[list[Any]]:
        with path.open("rb") as stream:
            for line in stream:
                yield orjson.loads(line)

    yield from heapq.merge(*(rows(p) for p in paths), key=lambda row: row[0])


def _ids(layout: TrialLayout, letters: str, letter: str) -> str:
    return ";".join(layout.rows[i][0] for i, found in enumerate(letters) if found == letter)


def _replace(temporary: Path) -> None:
    temporary.replace(temporary.with_suffix(""))


def write_outputs(
    out: Path, spec: RunSpec, catalog: Catalog, trials: tuple[TrialLayout, ...], tally: Tally, fmt: str
) -> dict[str, int]:
    """Write verdicts, candidates and skipped from the result files; return the row counts."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "candidates").mkdir(exist_ok=True)
    verdicts = _VerdictWriter(out, fmt)
    groups = {t.id: _GroupWriter(out, t.id, spec, catalog, tally) for t in trials}
    skipped_path = out / "skipped.csv.tmp"
    counts = {"verdict rows": 0, "skipped": 0}
    with skipped_path.open("w", encoding="utf-8", newline="") as skipped_stream:
        skipped = csv.writer(skipped_stream)
        skipped.writerow(SKIPPED_COLUMNS)
        for row in _results(spec):
            patient_id, record = row[0], row[1]
            if record is None:
                skipped.writerow([patient_id, row[3], row[2]])
                counts["skipped"] += 1
                continue
            for layout, (status, score, letters, _missing) in zip(trials, record, strict=True):
                verdicts.add(
                    [
                        patient_id,
                        layout.id,
                        status,
                        score,
                        _ids(layout, letters, "f"),
                        _ids(layout, letters, "u"),
                        _ids(layout, letters, "r"),
                    ]
                )
                counts["verdict rows"] += 1
                if status in CANDIDATE_STATUSES:
                    groups[layout.id].add(patient_id, status, score)
        for path in sorted((Path(spec.work_dir) / "pass1").glob("[0-9]*[0-9]/skipped.ndjson")):
            for line in path.read_bytes().splitlines():
                skipped.writerow(orjson.loads(line))
                counts["skipped"] += 1
    _replace(skipped_path)
    verdicts.close()
    for group in groups.values():
        group.close()
    return counts


class _VerdictWriter:
    """verdicts.csv, or verdicts.parquet in row groups so memory stays flat."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.fmt = fmt
        self.path = out / f"verdicts.{fmt}.tmp"
        self.rows: list[list[Any]] = []
        self.parquet: Any = None
        self.stream: Any = None
        if fmt == "csv":
            self.stream = self.path.open("w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.stream)
            self.csv.writerow(VERDICT_COLUMNS)
        else:
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            self.schema = pa.schema(
                [(name, pa.float64() if name == "score" else pa.string()) for name in VERDICT_COLUMNS]
            )
            self.parquet = pq.ParquetWriter(str(self.path), self.schema)

    def add(self, row: list[Any]) -> None:
        if self.fmt == "csv":
            self.csv.writerow(row)
            return
        self.rows.append(row)
        if len(self.rows) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            columns = list(zip(*self.rows, strict=True))
            self.parquet.write_table(pa.table(dict(zip(VERDICT_COLUMNS, columns, strict=True)), schema=self.schema))
            self.rows = []

    def close(self) -> None:
        if self.fmt == "csv":
            self.stream.close()
        else:
            self._flush()
            self.parquet.close()
        _replace(self.path)


class _GroupWriter:
    """One trial's candidates as a FHIR R4 Group, members streamed to disk."""

    def __init__(self, out: Path, trial_id: str, spec: RunSpec, catalog: Catalog, tally: Tally) -> None:
        self.path = out / "candidates" / f"{trial_id}.json.tmp"
        self.stream = self.path.open("wb")
        statuses = tally.status.get(trial_id, Counter())
        quantity = sum(statuses.get(s, 0) for s in CANDIDATE_STATUSES)
        head = {
            "resourceType": "Group",
            "id": f"{trial_id}-candidates",
            "extension": [
                {"url": AS_OF_URL, "valueDate": spec.as_of.isoformat()},
                {"url": CATALOG_VERSION_URL, "valueString": catalog.version},
            ],
            "active": True,
            "type": "person",
            "actual": True,
            "name": f"Candidates for {trial_id} as of {spec.as_of.isoformat()} (eligible and possibly eligible)",
            "quantity": quantity,
        }
        self.stream.write(orjson.dumps(head)[:-1] + b',"member":[')
        self.first = True

    def add(self, patient_id: str, status: str, score: float) -> None:
        member = {
            "entity": {"reference": f"Patient/{patient_id}"},
            "extension": [{"url": STATUS_URL, "valueCode": status}, {"url": SCORE_URL, "valueDecimal": score}],
        }
        self.stream.write((b"" if self.first else b",") + b"\n" + orjson.dumps(member))
        self.first = False

    def close(self) -> None:
        self.stream.write(b"\n]}\n")
        self.stream.close()
        _replace(self.path)


def attrition_rows(trials: tuple[TrialLayout, ...], tally: Tally) -> list[list[Any]]:
    """Return attrition.csv's rows: per trial the screened count, each registry line, then each status."""
    rows: list[list[Any]] = []
    for layout in trials:
        screened = sum(tally.status.get(layout.id, Counter()).values())
        outcomes = tally.outcomes.get(layout.id, [[0, 0, 0, 0] for _ in layout.rows])
        removed = tally.removed.get(layout.id, [0] * len(layout.steps))
        rows.append([layout.id, 0, "", "", screened, 0, "", "", "", ""])
        remaining = screened
        for step, row in enumerate(layout.steps, start=1):
            remaining -= removed[step - 1]
            cid, _, ctype = layout.rows[row]
            rows.append([layout.id, step, cid, ctype, remaining, removed[step - 1], *outcomes[row]])
        counts = tally.status.get(layout.id, Counter())
        for status in STATUSES:
            rows.append([layout.id, "status", status, "", counts.get(status, 0), "", "", "", "", ""])
    return rows


def write_attrition(out: Path, trials: tuple[TrialLayout, ...], tally: Tally) -> None:
    """Write attrition.csv."""
    temporary = out / "attrition.csv.tmp"
    with temporary.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(ATTRITION_COLUMNS)
        writer.writerows(attrition_rows(trials, tally))
    _replace(temporary)


# -- report.html -----------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 2px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#5b6475;margin:0 0 18px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:18px 20px;margin:0 0 18px}
.chips{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0}
.chip{border-radius:6px;padding:6px 12px;font-weight:600}
.eligible{background:#e3f4e8;color:#17603a}.possibly_eligible{background:#fff3d6;color:#7a5300}
.ineligible{background:#fde5e5;color:#8c1d1d}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
th{color:#5b6475;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
svg text{font:12px system-ui,sans-serif;fill:#1d2433}
.muted{color:#5b6475}
"""


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _funnel(layout: TrialLayout, tally: Tally, screened: int) -> str:
    """Return an inline SVG funnel: screened, then patients still in after each registry line."""
    removed = tally.removed.get(layout.id, [0] * len(layout.steps))
    bars = [("screened", screened, 0)]
    remaining = screened
    for step, row in enumerate(layout.steps):
        remaining -= removed[step]
        bars.append((layout.rows[row][0], remaining, removed[step]))
    row_height, label_width, bar_width = 20, 70, 620
    height = row_height * len(bars) + 4
    parts = [
        f'<svg role="img" aria-label="attrition funnel of {html.escape(layout.id)}" '
        f'width="{label_width + bar_width + 170}" '
        f'height="{height}" viewBox="0 0 {label_width + bar_width + 170} {height}">'
    ]
    for index, (label, count, out) in enumerate(bars):
        y = index * row_height + 2
        width = 0 if screened == 0 else max(1.0, bar_width * count / screened) if count else 0
        x = label_width + (bar_width - width) / 2
        colour = "#4a78c2" if index == 0 else ("#7fa6de" if out == 0 else "#5b8fd8")
        parts.append(f'<text x="0" y="{y + 14}">{html.escape(label)}</text>')
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_height - 4}" rx="2" fill="{colour}"/>'
        )
        note = f"{count:,}" + (f"  (-{out:,})" if out else "")
        parts.append(f'<text x="{label_width + bar_width + 8}" y="{y + 14}">{note}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _trial_section(layout: TrialLayout, catalog: Catalog, tally: Tally) -> str:
    trial = catalog.trials[layout.id]
    statuses = tally.status.get(layout.id, Counter())
    screened = sum(statuses.values())
    chips = "".join(
        f'<span class="chip {s}">{html.escape(s.replace("_", " "))}: {statuses.get(s, 0):,}</span>' for s in STATUSES
    )
    texts = {c.id: c.text for c in trial.criteria}
    outcomes = tally.outcomes.get(layout.id, [[0, 0, 0, 0] for _ in layout.rows])
    failing = sorted(
        ((outcomes[row][1], layout.rows[row][0]) for row in layout.steps if outcomes[row][1]),
        key=lambda x: (-x[0], x[1]),
    )[:8]
    reasons = (
        "".join(
            f"<tr><td>{html.escape(cid)}</td><td>{html.escape(_short(texts.get(cid, '')))}</td>"
            f'<td class="n">{count:,}</td><td class="n">{count / screened:.0%}</td></tr>'
            for count, cid in failing
        )
        or '<tr><td colspan="4" class="muted">no criterion failed</td></tr>'
    )
    return (
        f'<section id="{html.escape(layout.id)}"><h2>{html.escape(layout.id)}</h2>'
        f'<p class="sub">{html.escape(trial.title)}</p><div class="chips">{chips}</div>'
        f"<h3>Attrition (inclusions, then exclusions; a patient leaves at the first line failed)</h3>"
        f"{_funnel(layout, tally, screened)}"
        f"<h3>Most frequent exclusion reasons</h3><table><tr><th>criterion</th><th>registry words</th>"
        f"<th>patients failing</th><th>share</th></tr>{reasons}</table></section>"
    )


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_report(
    out: Path, spec: RunSpec, catalog: Catalog, trials: tuple[TrialLayout, ...], tally: Tally, info: RunInfo
) -> None:
    """Write report.html: per trial the funnel, statuses and exclusion reasons; the data most often missing; the run."""
    missing = sorted(tally.missing.items(), key=lambda item: (-item[1][1], item[0]))[:12]
    missing_rows = (
        "".join(
            f"<tr><td>{html.escape(item)}</td><td class='n'>{patients:,}</td><td class='n'>{decisions:,}</td>"
            f"<td class='n'>{alone:,}</td><td>ordering {html.escape(item)} for {patients:,} patients would settle "
            f"{alone:,} trial decisions outright and inform {decisions:,}</td></tr>"
            for item, (patients, decisions, alone) in missing
        )
        or '<tr><td colspan="5" class="muted">nothing missing</td></tr>'
    )
    seconds = "".join(f"<tr><td>{html.escape(k)}</td><td class='n'>{v:,.2f}</td></tr>" for k, v in info.seconds.items())
    task_seconds = "".join(
        f"<tr><td>{html.escape(k)}</td><td class='n'>{v:,.2f}</td></tr>" for k, v in sorted(tally.seconds.items())
    )
    dropped = sorted(
        ((k[len("dropped ") :], v) for k, v in tally.counts.items() if k.startswith("dropped ")), key=lambda x: -x[1]
    )
    dropped_text = ", ".join(f"{name} {count:,}" for name, count in dropped[:8]) or "none"
    params = [
        ("source", info.source),
        ("as of", spec.as_of.isoformat()),
        ("trials", ", ".join(t.id for t in trials)),
        ("catalogue version", catalog.version),
        ("run on", info.executor),
        ("started", info.started),
        ("patients matched", f"{tally.patients:,}"),
        ("patients skipped", f"{tally.skipped:,} (see skipped.csv)"),
        ("lines or files read", f"{tally.counts.get('units', 0):,}"),
        ("resources kept", f"{tally.counts.get('kept', 0):,}"),
        ("dropped early (not read by any criterion)", dropped_text),
        ("partitions / first-pass tasks", f"{info.partitions} / {info.chunks}"),
    ]
    param_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in params)
    sections = "".join(_trial_section(layout, catalog, tally) for layout in trials)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>trialmatch screening as of {spec.as_of.isoformat()}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>Population screening</h1><p class='sub'>{tally.patients:,} patients screened against "
        f"{len(trials)} trials as of {spec.as_of.isoformat()}; catalogue {html.escape(catalog.version)}.</p>"
        f"{sections}"
        "<section id='missing'><h2>Data most often missing</h2>"
        "<p class='sub'>Across possibly eligible trial decisions: "
        "how many patients lack the item, how many decisions wait on it, and how many it alone would settle.</p>"
        "<table><tr><th>item</th><th>patients</th><th>decisions</th><th>settled by it alone</th><th></th></tr>"
        f"{missing_rows}</table></section>"
        f"<section id='run'><h2>The run</h2><table>{param_rows}</table>"
        f"<h3>Wall-clock seconds</h3><table>{seconds}</table>"
        f"<h3>Task seconds by stage (summed over workers)</h3><table>{task_seconds}</table></section>"
        "</main></body></html>\n"
    )
    temporary = out / "report.html.tmp"
    temporary.write_text(page, encoding="utf-8")
    _replace(temporary)
