"""`wallboard report` as text tables, CSV and JSON (HTML: `report_html`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.commands.metrics_table import CALL_COLUMNS, TIME_COLUMNS, table_lines
from wallboard.engine.ledger import N_FIELDS
from wallboard.engine.metrics import span_metrics
from wallboard.intervals.rows import IntervalReport, Row

ALL_LABEL = "all queues"
# Every span metric, in the engine's order (adherence needs a schedule, which reports do
# not read yet).
METRICS: tuple[str, ...] = tuple(
    key
    for key in span_metrics([0] * N_FIELDS, [0.0] * 4, "offered", False, None)
    if key != "adherence"
)


def queue_label(queue: str | None) -> str:
    return ALL_LABEL if queue is None else queue


def local(at: float, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at, tz)


def span_label(report: IntervalReport) -> str:
    tz = report.config.tz
    start, end = local(report.start, tz), local(report.end, tz)
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {tz.key}"


# ----------------------------------------------------------------- JSON


def _json_row(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": row.start,
        "end": row.end,
        "start_local": local(row.start, tz).isoformat(),
        "end_local": local(row.end, tz).isoformat(),
    }
    if row.scope == "day":
        out["date"] = f"{local(row.start, tz):%Y-%m-%d}"
    out["queue"] = row.queue
    out.update((key, row.figures[key]) for key in METRICS)
    return out


def render_json(report: IntervalReport) -> str:
    """Every row, in the units of METRICS.md (epoch seconds, seconds, fractions); `queue` null
    is every queue together."""
    tz = report.config.tz
    document = {
        "source": report.source,
        "timezone": tz.key,
        "interval_s": report.grid.interval_s,
        "start": report.start,
        "end": report.end,
        "config": report.config.summary(),
        "queues": report.queues,
        "notes": report.notes,
        "intervals": [_json_row(r, tz) for r in report.intervals],
        "days": [_json_row(r, tz) for r in report.days],
        "period": [_json_row(r, tz) for r in report.period],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ CSV


def render_csv(report: IntervalReport) -> str:
    """One line per row: interval, day and period rows in one table, told apart by `scope`."""
    tz = report.config.tz
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scope", "date", "start", "end", "queue", *METRICS])
    for row in report.rows():
        start = local(row.start, tz)
        writer.writerow(
            [
                row.scope,
                f"{start:%Y-%m-%d}",
                start.isoformat(),
                local(row.end, tz).isoformat(),
                queue_label(row.queue),
                *("" if row.figures[key] is None else row.figures[key] for key in METRICS),
            ]
        )
    return buffer.getvalue()


# ---------------------------------------------------------------- table


def _block(title: str, rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Two tables (calls, then times) with a line per labelled span."""
    out: list[str] = []
    for columns in (CALL_COLUMNS, TIME_COLUMNS):
        headers = [title, *(header for header, _, _ in columns)]
        cells = [
            [label, *(fmt(figures[key]) for _, key, fmt in columns)] for label, figures in rows
        ]
        out += [*table_lines(headers, cells), ""]
        title = ""
    return out


def _clock(row: Row, tz: ZoneInfo) -> str:
    return f"{local(row.start, tz):%H:%M}-{local(row.end, tz):%H:%M}"


def _day_blocks(report: IntervalReport) -> Iterator[str]:
    tz = report.config.tz
    for queue in [*report.queues, None]:
        for day in (d for d in report.days if d.queue == queue):
            rows = [
                (_clock(r, tz), r.figures)
                for r in report.intervals
                if r.queue == queue and day.start <= r.start < day.end and not r.empty
            ]
            if not rows and day.empty:
                continue
            title = f"{queue_label(queue)}  {local(day.start, tz):%a %Y-%m-%d}"
            yield from _block(title, [*rows, ("day", day.figures)])


def render_table(report: IntervalReport) -> str:
    """Per queue and day, a line per interval that saw a call or an agent; then the period."""
    config = report.config
    lines = [
        f"{report.source}  {span_label(report)}, intervals of {report.grid.interval_s / 60:g} min",
        f"service level = answered within {config.sl_threshold_s:g} s; short abandons "
        f"(< {config.short_abandon_s:g} s) are left out of the rates; intervals with no "
        "call and no agent are not shown",
        "",
    ]
    if report.notes:
        lines += [f"note: {note}" for note in report.notes] + [""]
    lines += _day_blocks(report)
    lines += _block("period", [(queue_label(r.queue), r.figures) for r in report.period])
    return "\n".join(lines).rstrip("\n") + "\n"
