"""Reading a schedule (who works when) from CSV, for adherence and attendance.

The engine takes the schedule as data (`wallboard.engine.schedule`); this is the
file side: one shift a row, `agent,start,end[,queue]` under a header row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from wallboard.engine.schedule import Schedule, Shift
from wallboard.errors import WallboardError
from wallboard.runtime.instants import epoch_or_iso

COLUMNS = ("agent", "start", "end", "queue")


def _instant(text: str, tz: ZoneInfo, where: str, column: str) -> float:
    text = text.strip()
    try:
        return epoch_or_iso(text, tz)
    except ValueError:
        raise WallboardError(
            f"{where}: {column} {text!r} is neither ISO 8601 (2024-11-22T09:00) nor epoch seconds"
        ) from None


def parse_shifts(lines: list[str], tz: ZoneInfo, name: str) -> list[Shift]:
    """Shifts from CSV text; naive times are in `tz`; `name` prefixes every error."""
    rows = csv.reader(lines)
    header = [cell.strip().lower() for cell in next(rows, [])]
    if header not in (list(COLUMNS[:3]), list(COLUMNS)):
        raise WallboardError(f"{name}:1: expected the header agent,start,end[,queue]")
    shifts = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}:{line}"
        if len(row) not in (3, len(header)):
            raise WallboardError(f"{where}: expected {len(header)} fields, found {len(row)}")
        agent = row[0].strip()
        if not agent:
            raise WallboardError(f"{where}: empty agent")
        start = _instant(row[1], tz, where, "start")
        end = _instant(row[2], tz, where, "end")
        if end <= start:
            raise WallboardError(f"{where}: the shift ends ({row[2].strip()}) before it starts")
        queue = row[3].strip() if len(row) > 3 else ""
        shifts.append(Shift(agent, start, end, queue))
    return shifts


def load_schedule(path: str | Path, tz: ZoneInfo) -> Schedule:
    """The schedule in CSV file `path` (naive times in `tz`)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WallboardError(f"schedule {path}: cannot read: {exc}") from None
    return Schedule(parse_shifts(text.splitlines(), tz, str(path)))
