"""`wallboard report --format html`: one self-contained page, with charts as inline SVG.

The page has no script, no web font and no link to fetch. It opens offline, from
a mail attachment or a share, years later. Its colours are the board's light and
dark palettes (`wallboard.themes`). The reader's system setting chooses between
them (`prefers-color-scheme`), and every series also has its own line style, so
a chart still reads in print.

For each queue, and for all queues together, there is one chart (an `<svg>` with
`data-queue`) holding four panels: service level per interval against the
target, offered vs answered vs abandoned, ASA, and occupancy. Then come the day
and period tables, and the interval table (folded). Each series carries its
exact values in `data-values`, one per interval, empty where the figure is
undefined (no call, no agent). Tests read those values back and compare them
with the tables, and a reader can copy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from wallboard.commands.metrics_table import CALL_COLUMNS, TIME_COLUMNS
from wallboard.commands.report_output import local, queue_label, span_label
from wallboard.intervals.rows import IntervalReport, Row
from wallboard.themes import PALETTES, Palette

WIDTH = 960
PANEL_HEIGHT = 150
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 22  # margins of each panel's plot
ROLES = ("background", "foreground", "panel", "muted", "accent", "good", "warn", "bad", "hold")


@dataclass(frozen=True, slots=True)
class Series:
    metric: str  # the row's figure
    label: str
    role: str  # palette role of its colour
    dash: str  # its line style (charts read in grey too)


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    title: str
    unit: str  # "fraction", "count" or "seconds"
    series: tuple[Series, ...]


PANELS: tuple[Panel, ...] = (
    Panel(
        "service_level", "Service level", "fraction", (Series("service_level", "SL", "good", ""),)
    ),
    Panel(
        "calls",
        "Offered, answered, abandoned",
        "count",
        (
            Series("offered", "offered", "accent", ""),
            Series("answered", "answered", "good", "6 3"),
            Series("abandoned", "abandoned", "bad", "2 3"),
        ),
    ),
    Panel("asa_s", "ASA (speed of answer)", "seconds", (Series("asa_s", "ASA", "warn", ""),)),
    Panel("occupancy", "Occupancy", "fraction", (Series("occupancy", "occupancy", "hold", ""),)),
)


def _palette(name: str) -> Palette:
    return next(p for p in PALETTES if p.name == name)


def _style() -> str:
    light, dark = _palette("light"), _palette("dark")

    def variables(palette: Palette) -> str:
        return " ".join(f"--{role}: {getattr(palette, role)};" for role in ROLES)

    series = "\n".join(
        f".s-{role} {{ stroke: var(--{role}); }} svg .f-{role} {{ fill: var(--{role}); }}"
        for role in ("accent", "good", "warn", "bad", "hold")
    )
    return f"""
:root {{ {variables(light)} color-scheme: light dark; }}
@media (prefers-color-scheme: dark) {{ :root {{ {variables(dark)} }} }}
body {{ background: var(--background); color: var(--foreground); margin: 1.5em;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }}
h1 {{ font-size: 1.4em; margin: 0 0 .2em; }} h2 {{ font-size: 1.2em; margin: 1.6em 0 .4em; }}
.meta, .note, caption {{ color: var(--muted); }}
.note {{ border-left: 3px solid var(--warn); padding-left: .6em; }}
svg.chart {{ display: block; max-width: {WIDTH}px; width: 100%; height: auto;
  background: var(--panel); border-radius: 6px; }}
svg text {{ fill: var(--muted); font-size: 11px; }}
svg .title {{ fill: var(--foreground); font-size: 12px; font-weight: 600; }}
svg .grid {{ stroke: var(--muted); stroke-opacity: .35; stroke-width: 1; }}
svg .target {{ stroke: var(--bad); stroke-dasharray: 5 4; stroke-width: 1.5; }}
svg .series {{ fill: none; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }}
{series}
.tables {{ overflow-x: auto; }}
table {{ border-collapse: collapse; margin: .4em 0 1em; font-variant-numeric: tabular-nums; }}
caption {{ text-align: left; padding: .2em 0; }}
th, td {{ padding: .15em .6em; text-align: right; white-space: nowrap; }}
th:first-child, td:first-child {{ text-align: left; }}
thead th {{ background: var(--panel); }}
tbody tr:nth-child(even) {{ background: var(--panel); }}
tr.total td {{ font-weight: 600; border-top: 1px solid var(--muted); }}
details summary {{ cursor: pointer; color: var(--accent); }}
"""


def render_html(report: IntervalReport) -> str:
    """The whole page."""
    config = report.config
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(_title(report))}</title>",
        f"<style>{_style()}</style></head><body>",
        f"<h1>{escape(_title(report))}</h1>",
        f'<p class="meta">{escape(report.source)}<br>{escape(span_label(report))}, intervals of '
        f"{report.grid.interval_s / 60:g} min. Service level = answered within "
        f"{config.sl_threshold_s:g} s (per-queue thresholds apply); short abandons "
        f"(&lt; {config.short_abandon_s:g} s) are left out of the rates.</p>",
    ]
    parts += [f'<p class="note">{escape(note)}</p>' for note in report.notes]
    parts.append("<h2>Period</h2>")
    parts.append(_table("period", [(queue_label(r.queue), r) for r in report.period], total=True))
    for queue in [*report.queues, None]:
        parts += _queue_section(report, queue)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _title(report: IntervalReport) -> str:
    tz = report.config.tz
    start, end = local(report.start, tz), local(report.end - 1, tz)
    days = (
        f"{start:%Y-%m-%d}" if start.date() == end.date() else f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    )
    return f"Interval report, {days}"


def _queue_section(report: IntervalReport, queue: str | None) -> list[str]:
    tz = report.config.tz
    label = queue_label(queue)
    intervals = [r for r in report.intervals if r.queue == queue]
    days = [r for r in report.days if r.queue == queue]
    out = [f'<section data-queue="{escape(label)}">', f"<h2>{escape(label)}</h2>"]
    out.append(chart(report, queue, intervals))
    out.append(_table("days", [(f"{local(d.start, tz):%a %Y-%m-%d}", d) for d in days]))
    shown = [(f"{local(r.start, tz):%Y-%m-%d %H:%M}", r) for r in intervals if not r.empty]
    out.append(
        f"<details><summary>{len(shown):,} intervals with calls or agents</summary>"
        f"{_table('intervals', shown)}</details>"
    )
    out.append("</section>")
    return out


def _table(kind: str, rows: Sequence[tuple[str, Row]], *, total: bool = False) -> str:
    """Calls and times as in the text table, one HTML table each."""
    out = []
    for title, columns in (("calls", CALL_COLUMNS), ("times", TIME_COLUMNS)):
        head = "".join(f"<th>{escape(h)}</th>" for h, _, _ in columns)
        body = []
        for index, (label, row) in enumerate(rows):
            last = total and index == len(rows) - 1
            cells = "".join(
                f'<td data-metric="{key}">{escape(fmt(row.figures[key]))}</td>'
                for _, key, fmt in columns
            )
            mark = ' class="total"' if last else ""
            body.append(f"<tr{mark}><td>{escape(label)}</td>{cells}</tr>")
        out.append(
            f'<table class="{kind}" data-kind="{title}"><caption>{title}</caption>'
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    return f'<div class="tables">{"".join(out)}</div>'


def chart(report: IntervalReport, queue: str | None, rows: Sequence[Row]) -> str:
    """One queue's four panels, stacked in one SVG."""
    height = PANEL_HEIGHT * len(PANELS)
    label = queue_label(queue)
    target = report.config.sl_target
    if queue is not None:  # its own target, if it has one (for_queue resolves every field)
        own = report.config.for_queue(queue).sl_target
        target = target if own is None else own
    parts = [
        f'<svg class="chart" data-queue="{escape(label)}" viewBox="0 0 {WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(label)}: service level, calls, ASA and occupancy per interval">'
    ]
    for index, panel in enumerate(PANELS):
        parts.append(_panel(report, panel, rows, index * PANEL_HEIGHT, target))
    parts.append("</svg>")
    return "".join(parts)


def _panel(
    report: IntervalReport, panel: Panel, rows: Sequence[Row], top: float, target: float
) -> str:
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = top + TOP, top + PANEL_HEIGHT - BOTTOM  # the plot's top and bottom
    values = {s.metric: [r.figures[s.metric] for r in rows] for s in panel.series}
    known = [v for vs in values.values() for v in vs if v is not None]
    ceiling = 1.0 if panel.unit == "fraction" else _nice(max(known, default=0.0))
    step = (x1 - x0) / max(len(rows), 1)

    def x(i: int) -> float:
        return x0 + (i + 0.5) * step

    def y(v: float) -> float:
        return y1 - (y1 - y0) * (v / ceiling if ceiling else 0.0)

    out = [f'<g class="panel" data-panel="{panel.name}" data-ceiling="{ceiling!r}">']
    legend = "".join(
        f'<tspan class="f-{s.role}" dx="14">&#9632;</tspan><tspan dx="4">{escape(s.label)}</tspan>'
        for s in panel.series
        if len(panel.series) > 1
    )
    out.append(f'<text class="title" x="{x0}" y="{top + 16}">{escape(panel.title)}{legend}</text>')
    for fraction in (0.0, 0.5, 1.0):
        at = y(ceiling * fraction)
        out.append(f'<line class="grid" x1="{x0}" x2="{x1}" y1="{at:.1f}" y2="{at:.1f}"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{at + 4:.1f}" text-anchor="end">'
            f"{_axis(ceiling * fraction, panel.unit)}</text>"
        )
    for i, text in _ticks(report, rows):
        out.append(f'<text x="{x(i):.1f}" y="{y1 + 15:.1f}" text-anchor="middle">{text}</text>')
    if panel.name == "service_level":
        out.append(
            f'<line class="target" data-target="{target!r}" x1="{x0}" x2="{x1}" '
            f'y1="{y(target):.1f}" y2="{y(target):.1f}"><title>target {target:.0%}</title></line>'
            f'<text x="{x1}" y="{y(target) - 4:.1f}" text-anchor="end">target {target:.0%}</text>'
        )
    for s in panel.series:
        series = values[s.metric]
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<path class="series s-{s.role}" data-metric="{s.metric}"{dash} '
            f'data-values="{" ".join("" if v is None else repr(v) for v in series)}" '
            f'd="{_path(series, x, y)}"><title>{escape(s.label)}</title></path>'
        )
    out.append("</g>")
    return "".join(out)


def _path(values: Sequence[Any], x: Any, y: Any) -> str:
    """Lines through consecutive known values; a lone value is a dot (a zero-length line)."""
    out: list[str] = []
    drawing = False
    for i, v in enumerate(values):
        if v is None:
            drawing = False
            continue
        point = f"{x(i):.1f} {y(v):.1f}"
        if drawing:
            out.append(f"L{point}")
        else:
            out.append(f"M{point} L{point}")
            drawing = True
    return " ".join(out)


def _nice(value: float) -> float:
    """A round ceiling at or above `value` (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _axis(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value:.0%}"
    if unit == "seconds":
        return f"{value:g} s"
    return f"{value:g}"


def _ticks(report: IntervalReport, rows: Sequence[Row]) -> list[tuple[int, str]]:
    """About eight labels along the time axis: hours within a day, days over longer spans."""
    if not rows:
        return []
    tz = report.config.tz
    times = [local(r.start, tz) for r in rows]
    one_day = times[0].date() == local(rows[-1].end - 1, tz).date()
    every = max(1, len(rows) // 8)
    marks: list[tuple[int, str]] = []
    for i, at in enumerate(times):
        if one_day:
            if i % every == 0:
                marks.append((i, f"{at:%H:%M}"))
        elif _starts_day(times, i):
            marks.append((i, f"{at:%a %d}"))
    if len(marks) > 10:
        keep = max(1, len(marks) // 8)
        marks = marks[::keep]
    return marks


def _starts_day(times: list[datetime], i: int) -> bool:
    return i == 0 or times[i].date() != times[i - 1].date()
