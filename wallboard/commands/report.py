"""`wallboard report`: interval, day and period figures from months of queue_log."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from wallboard.engine.settings import EngineConfig
    from wallboard.intervals.rows import IntervalReport
    from wallboard.runtime.log_set import LogSet

NAME = "report"
HELP = "interval, day and period report from queue_log files or recordings"
DESCRIPTION = """\
Read every SOURCE (queue_log files, rotated and compressed ones included, or
recordings) as one stretch of time, and report every span metric of
docs/ENGINE.md per queue and interval, per day, and for the whole period, in
the configured time zone (daylight-saving days have 23 or 25 hours).

SOURCE is a file, a glob ('/var/log/asterisk/queue_log*') or a folder (its
queue_log* files); the files may be named in any order, and are read in the
order of their times. Lines that two files both hold (overlapping rotations)
are counted once, with a note.

An interval row holds what the board's rolling window of one interval shows at
the interval's end: calls whose outcome falls in (start, end], agent time over
[start, end]. Days and the period add their intervals up. Rows begin with the
interval of the first line and end with the interval of the last.

DATE (--from, --to; both days included) is YYYY-MM-DD, YYYY-MM (the whole
month), today or yesterday; days start at day_start in the configured time
zone. Service-level thresholds, wrap-up times and the time zone come from
--config (docs/CONFIG.md).
"""

FORMATS = ("table", "csv", "json", "html")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="queue_log files or recordings"
    )
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="first day to report")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="last day to report")
    parser.add_argument(
        "--interval",
        metavar="DURATION",
        help="interval length, e.g. 15m, 30m, 1h (default: the configured interval_s)",
    )
    parser.add_argument(
        "--queues",
        metavar="NAMES",
        action="append",
        default=[],
        help="only these queues (comma-separated, globs); 'all queues' is still every queue",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output (default: table)"
    )
    parser.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--streaming",
        action="store_true",
        help="compute through the streaming engine, event by event, instead of the batch "
        "path (slower; the same figures, docs/REPORTS.md)",
    )


def parse_interval(text: str | None, config: EngineConfig) -> float:
    if text is None:
        return config.interval_s
    from wallboard.alarms.rules import parse_duration

    try:
        seconds = parse_duration(text.strip())
    except ValueError as exc:
        raise WallboardError(f"--interval {text!r}: {exc}") from None
    if seconds < 60 or 86400 % seconds:
        raise WallboardError(
            f"--interval {text!r}: intervals must divide a day into whole parts of at least a "
            "minute (e.g. 15m, 30m, 1h)"
        )
    return seconds


def parse_date(text: str, option: str, tz: ZoneInfo, *, last: bool) -> date:
    """A DATE as typed; for a month, its first day (or its last, for --to)."""
    word = text.strip().lower()
    today = datetime.now(tz).date()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    month = _MONTH.match(word)
    try:
        if month:
            first = date(int(month[1]), int(month[2]), 1)
            if not last:
                return first
            return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return date.fromisoformat(word)
    except ValueError:
        raise WallboardError(
            f"{option} {text!r}: expected YYYY-MM-DD, YYYY-MM, today or yesterday"
        ) from None


def period_of(args: argparse.Namespace, config: EngineConfig) -> tuple[float, float] | None:
    """`[start, end)` of the days asked for (local day starts), None for all the input."""
    if args.date_from is None and args.date_to is None:
        return None
    tz = config.tz
    first = parse_date(args.date_from, "--from", tz, last=False) if args.date_from else None
    last = parse_date(args.date_to, "--to", tz, last=True) if args.date_to else None
    if first and last and last < first:
        raise WallboardError(f"--to {args.date_to} is before --from {args.date_from}")
    start = _day_start_on(first, config) if first else -float("inf")
    end = _day_start_on(last + timedelta(days=1), config) if last else float("inf")
    return start, end


def _day_start_on(day: date, config: EngineConfig) -> float:
    """The first instant of `day` (or after it) at which a report day starts."""
    from wallboard.engine.calendar import next_day_start

    midnight = datetime.combine(day, datetime.min.time()).replace(tzinfo=config.tz).timestamp()
    return next_day_start(midnight - 0.5, config.day_start, config.tz)


def _check_zones(log_set: LogSet, config: EngineConfig) -> None:
    """A recording says which time zone its centre keeps; the report must keep the same."""
    from wallboard.adapters.recording import RecordingSource

    for file in log_set.files:
        if file.kind != "recording":
            continue
        zone = RecordingSource(file.path).header.get("timezone")
        if isinstance(zone, str) and zone != config.timezone:
            raise WallboardError(
                f"{file.path}: recorded in the {zone} time zone, but the report is in "
                f'{config.timezone}; set timezone = "{zone}" under [engine] in --config to '
                "report it in its own days"
            )


def build(args: argparse.Namespace, config: EngineConfig) -> IntervalReport:
    """Read the sources and form every row (no output yet)."""
    # numpy and the readers load only when a report runs, not for `wallboard --help`
    from dataclasses import replace

    from wallboard.intervals.rows import build_report, select_queues
    from wallboard.intervals.streaming import bin_engine, engine_totals
    from wallboard.runtime.log_set import LogSet
    from wallboard.runtime.progress import Progress
    from wallboard.runtime.report_input import batch_totals

    interval = parse_interval(args.interval, config)
    config = replace(config, interval_s=interval)
    period = period_of(args, config)
    log_set = LogSet(args.sources, tz=config.tz, progress=Progress(0))
    log_set.progress.total = max(1, sum(f.size for f in log_set.files))
    _check_zones(log_set, config)
    if log_set.kind == "recording" or args.streaming:
        grid, totals = engine_totals(
            log_set.events(config), bin_engine(config, interval), interval, period
        )
    else:
        grid, totals = batch_totals(log_set, config, interval, period)
    patterns = [p.strip() for arg in args.queues for p in arg.split(",") if p.strip()]
    queues = select_queues(totals.queues, patterns)
    if patterns and not queues:
        raise WallboardError(
            f"--queues {','.join(patterns)}: no such queue in the input "
            f"(there are: {', '.join(totals.queues) or 'none'})"
        )
    return build_report(log_set.label, config, grid, totals, queues, log_set.notes)


def run(args: argparse.Namespace) -> int:
    from wallboard.runtime.config import load_settings

    settings = load_settings(args.config)
    report = build(args, settings.engine)
    from wallboard.commands import report_output

    if args.format == "html":
        from wallboard.commands.report_html import render_html

        text = render_html(report)
    else:
        text = {
            "table": report_output.render_table,
            "csv": report_output.render_csv,
            "json": report_output.render_json,
        }[args.format](report)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WallboardError(f"{args.out}: cannot write ({exc.strerror})") from exc
    return 0
