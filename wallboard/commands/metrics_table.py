"""The readable form of a snapshot, for `wallboard metrics` without `--json`.

Plain aligned text (no colour, no box drawing) so it reads the same in a
terminal, a log file, an e-mail or a pipe into `grep`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from wallboard.alarms.output import where
from wallboard.engine.snapshot import AGENT_STATES, QueueFigures, Snapshot, Span
from wallboard.units import clock_duration

Formatter = Callable[[Any], str]
MISSING = "-"


def _count(value: Any) -> str:
    return MISSING if value is None else str(value)


def _pct(value: Any) -> str:
    return MISSING if value is None else f"{value * 100:.1f}%"


def _duration(value: Any) -> str:
    return MISSING if value is None else clock_duration(round(value))


def _length(seconds: float) -> str:
    """A span's length the way people say it: 15 min, 1 h, 90 s."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _decimal(value: Any) -> str:
    return MISSING if value is None else f"{value:.1f}"


def table_lines(
    headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = ""
) -> list[str]:
    """Columns two spaces apart; `align`: "l"/"r" per column (default: name left, numbers right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(cells, widths, align, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(headers), *(line(row) for row in rows)]


# (header, snapshot key, formatter) per column of the span tables
CALL_COLUMNS: tuple[tuple[str, str, Formatter], ...] = (
    ("offered", "offered", _count),
    ("answered", "answered", _count),
    ("in SL", "answered_in_sl", _count),
    ("abandoned", "abandoned", _count),
    ("short", "short_abandoned", _count),
    ("overflow", "overflow", _count),
    ("blocked", "blocked", _count),
    ("no answer", "ring_no_answer", _count),
    ("SL", "service_level", _pct),
    ("aband.", "abandon_rate", _pct),
    ("answ.", "answered_pct", _pct),
    ("blocked", "blocked_rate", _pct),
    ("queued", "queued_pct", _pct),
    ("transf.", "transfer_rate", _pct),
)
TIME_COLUMNS: tuple[tuple[str, str, Formatter], ...] = (
    ("ASA", "asa_s", _duration),
    ("to aband.", "avg_abandon_s", _duration),
    ("in queue", "avg_queue_s", _duration),
    ("ring", "avg_ring_s", _duration),
    ("talk", "att_s", _duration),
    ("hold", "avg_hold_s", _duration),
    ("wrap", "acw_s", _duration),
    ("handle", "aht_s", _duration),
    ("occupancy", "occupancy", _pct),
    ("calls/agent-h", "calls_per_hour", _decimal),
)
# Shown only when a schedule was given (the keys are None without one).
SCHEDULE_COLUMN: tuple[str, str, Formatter] = ("adherence", "adherence", _pct)


def _moment(t: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _rows(snapshot: Snapshot) -> list[tuple[str, QueueFigures]]:
    return [*snapshot["queues"].items(), ("all", snapshot["all"])]


def _scheduled(snapshot: Snapshot) -> bool:
    return snapshot["all"].get("scheduled") is not None


def _now_table(snapshot: Snapshot) -> list[str]:
    headers = ["now", "waiting", "longest", *AGENT_STATES, "needed", "gap", "predicted SL"]
    with_schedule = _scheduled(snapshot)
    if with_schedule:
        headers += ["scheduled", "attendance"]
    rows = [
        [
            name,
            _count(queue["waiting"]),
            _duration(queue["longest_wait_s"]),
            *(_count(queue["agents"][state]) for state in AGENT_STATES),
            _count(queue["agents_required"]),
            _count(queue["staffing_gap"]),
            _pct(queue["predicted_sl"]),
            *([_count(queue["scheduled"]), _pct(queue["attendance"])] if with_schedule else []),
        ]
        for name, queue in _rows(snapshot)
    ]
    return table_lines([h.replace("_", " ") for h in headers], rows)


def _span_tables(snapshot: Snapshot, key: str, title: str) -> list[str]:
    out: list[str] = []
    times = (*TIME_COLUMNS, SCHEDULE_COLUMN) if _scheduled(snapshot) else TIME_COLUMNS
    for columns in (CALL_COLUMNS, times):
        headers = [title, *(header for header, _, _ in columns)]
        rows = [
            [
                name,
                *(fmt(_figure(_span(queue, key), field)) for _, field, fmt in columns),
            ]
            for name, queue in _rows(snapshot)
        ]
        out += [*table_lines(headers, rows), ""]
        title = ""
    return out


def _figure(span: Span, field: str) -> Any:
    return cast(Mapping[str, Any], span)[field]


def _span(queue: QueueFigures, key: str) -> Span:
    return queue["windows"][key] if key.isdigit() else cast(Mapping[str, Span], queue)[key]


def _agents_table(snapshot: Snapshot, tz: ZoneInfo) -> list[str]:
    headers = ["agent", "name", "state", "reason", "since", "calls", "queues"]
    rows = [
        [
            agent_id,
            agent["name"] if agent["name"] != agent_id else "",
            agent["state"].replace("_", " "),
            agent["reason"],
            datetime.fromtimestamp(agent["since"], tz).strftime("%H:%M:%S"),
            _count(agent["calls"]),
            ",".join(agent["queues"]),
        ]
        for agent_id, agent in snapshot["agents"].items()
    ]
    return table_lines(headers, rows, "llllrrl") if rows else ["agents: none seen"]


def _alarms_table(snapshot: Snapshot, tz: ZoneInfo) -> list[str]:
    rows = [
        [
            alarm.get("severity", ""),
            alarm.get("rule", ""),
            where(alarm),
            datetime.fromtimestamp(alarm["since"], tz).strftime("%H:%M:%S"),
            alarm.get("message") or str(alarm.get("value", "")),
        ]
        for alarm in snapshot.get("alarms", [])
    ]
    if not rows:
        return []
    return [*table_lines(["alarm", "rule", "where", "since", "what"], rows, "lllll"), ""]


def render_table(snapshot: Snapshot, tz: ZoneInfo) -> str:
    """Instant state, each span's calls and times, then every agent."""
    config = snapshot["config"]
    window = config["window_s"]
    lines = [
        f"{snapshot.get('source', '')}  at {_moment(snapshot['at'], tz)}",
        f"service level = answered within {config['sl_threshold_s']:g} s; short abandons "
        f"(< {config['short_abandon_s']:g} s) are left out of the rates",
        *(f"the source cannot see: {limit}" for limit in snapshot.get("source_limits", [])),
        "",
        *_alarms_table(snapshot, tz),
        *_now_table(snapshot),
        "",
    ]
    interval = config["interval_s"]
    interval_start = datetime.fromtimestamp(snapshot["at"] // interval * interval, tz)
    spans = [("window", f"last {_length(window)}")]
    spans += [(key, f"last {_length(float(key))}") for key in snapshot["all"]["windows"]]
    spans += [("interval", f"since {interval_start:%H:%M}"), ("day", "today")]
    for key, title in spans:
        lines += _span_tables(snapshot, key, title)
    lines += _agents_table(snapshot, tz)
    return "\n".join(lines) + "\n"
