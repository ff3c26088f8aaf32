"""Reading teams (which agent is in which team) from CSV: `agent,team` under a header row.

The `[agents]` table can name teams too; a teams file is for centres whose
rosters live in a spreadsheet. An agent is in one team: a second row for an
agent is an error, so a spreadsheet's copy-paste slip does not move someone
silently.
"""

from __future__ import annotations

import csv
from pathlib import Path

from wallboard.errors import WallboardError


def parse_teams(lines: list[str], name: str) -> dict[str, str]:
    """Agent id -> team from CSV text; `name` prefixes every error (`name:line: why`)."""
    rows = csv.reader(lines)
    header = [cell.strip().lower() for cell in next(rows, [])]
    if header != ["agent", "team"]:
        raise WallboardError(f"{name}:1: expected the header agent,team")
    teams: dict[str, str] = {}
    first: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}:{line}"
        if len(row) != 2:
            raise WallboardError(f"{where}: expected 2 fields (agent,team), found {len(row)}")
        agent, team = row[0].strip(), row[1].strip()
        if not agent or not team:
            raise WallboardError(f"{where}: an agent and a team, neither empty")
        if agent in teams:
            raise WallboardError(
                f"{where}: {agent!r} is already in team {teams[agent]!r} (line {first[agent]})"
            )
        teams[agent], first[agent] = team, line
    return teams


def load_teams(path: str | Path) -> dict[str, str]:
    """The teams in CSV file `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WallboardError(f"teams {path}: cannot read: {exc}") from None
    return parse_teams(text.splitlines(), str(path))
