"""`wallboard callbacks`: the callers to ring back at one instant, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from wallboard.engine.snapshot import CallbackEntry

NAME = "callbacks"
HELP = "list the callers who abandoned and were not reached since (a recording, queue_log or hub)"
DESCRIPTION = """\
Replay SOURCE as fast as possible and print the callback list at TIME: one
entry per caller who abandoned (short abandons left out) and whose number has
not reached an agent since, in any queue, nor been called from the PBX (an
outbound call to it seen on AMI). A caller who abandoned twice is one entry
with attempts 2. Entries leave the list a day after their last abandon
(callbacks_keep_s under [engine]). Oldest last abandon first, so the top of
the list has waited longest. docs/ENGINE.md ("Callbacks") has the rules.

SOURCE is a recording or a queue_log file (replayed up to TIME), or a hub
(ws://HOST:PORT[/NAME]: its current list; --at does not apply).

TIME (--at) is written as for `wallboard metrics --at`: 14:05[:30], a date and
time, epoch seconds, or +90m after the file's first record. Without --at: the
time of the last event.

Columns: number, queue (of the last abandon), at (its time), wait_s (how long
that caller waited), attempts, queues (every queue the number abandoned),
first_at. --json prints the entries as the snapshot holds them (times in epoch
seconds); --csv writes times as ISO 8601 in the configured time zone.
With `[privacy] mask_numbers = true` in --config every number is masked
(all but its last three digits).
"""

CSV_COLUMNS = ("number", "queue", "at", "wait_s", "attempts", "queues", "first_at")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="recording, queue_log or ws:// hub")
    parser.add_argument(
        "--at", metavar="TIME", help="the instant to list (default: the last event's time)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the entries as JSON")
    output.add_argument("--csv", action="store_true", help="print the entries as CSV")
    parser.add_argument(
        "--cafile", metavar="FILE", help="CA certificate (PEM) to trust for a wss:// hub"
    )


def run(args: argparse.Namespace) -> int:
    # Here, not at the top: `wallboard --version` and `callbacks --help` need none of it.
    import json
    import logging

    from wallboard.runtime.config import load_settings
    from wallboard.runtime.snapshot_at import snapshot_at
    from wallboard.runtime.sources import is_hub, is_live, open_file_source
    from wallboard.status import STALE_STATES

    settings = load_settings(args.config)
    tz = settings.engine.tz
    stale = False
    if is_hub(args.source):
        if args.at is not None:
            raise WallboardError("--at needs a recording or queue_log; a hub shows its own list")
        from wallboard.hub.client import fetch_snapshot

        update = fetch_snapshot(args.source, settings.require_hub_token(), cafile=args.cafile)
        snapshot = update.snapshot
        label = args.source
        if update.status.state in STALE_STATES:
            # Printed all the same, never passed off as live (as `metrics` does).
            logging.getLogger(__name__).warning(
                "%s: the hub's source is %s: this is its last list, not live (exit status 3)",
                args.source,
                update.status.state,
            )
            stale = True
    elif is_live(args.source):
        raise WallboardError(
            f"{args.source}: callbacks reads files and hubs; for a live PBX run "
            "`wallboard serve SOURCE`, then `wallboard callbacks ws://HOST:PORT`"
        )
    else:
        source = open_file_source(args.source, settings.engine)
        snapshot = snapshot_at(source, settings.engine, args.at)
        label = source.label
    # A hub older than the callback list, or a scope that hides it, sends none.
    entries = snapshot.get("callbacks", [])
    if args.json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
    elif args.csv:
        print(render_csv(entries, tz), end="")
    else:
        print(render_table(entries, snapshot["at"], label, tz), end="")
    return 3 if stale else 0


def render_csv(entries: list[CallbackEntry], tz: ZoneInfo) -> str:
    """One row per entry under a header of `CSV_COLUMNS`; queues joined by spaces."""
    import csv
    import io
    from datetime import datetime

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry["number"],
                entry["queue"],
                datetime.fromtimestamp(entry["at"], tz).isoformat(timespec="seconds"),
                f"{entry['wait_s']:g}",
                entry["attempts"],
                " ".join(entry["queues"]),
                datetime.fromtimestamp(entry["first_at"], tz).isoformat(timespec="seconds"),
            ]
        )
    return buffer.getvalue()


def render_table(entries: list[CallbackEntry], at: float, label: str, tz: ZoneInfo) -> str:
    """Aligned text: a title line with the instant and how many, then one line per entry."""
    from datetime import datetime

    from wallboard.commands.metrics_table import table_lines
    from wallboard.units import clock_duration

    now = datetime.fromtimestamp(at, tz)
    moment = now.strftime("%Y-%m-%d %H:%M:%S %Z")

    def when(t: float) -> str:
        # The list keeps a day: an abandon of another day says which.
        local = datetime.fromtimestamp(t, tz)
        return local.strftime("%H:%M:%S" if local.date() == now.date() else "%m-%d %H:%M:%S")

    title = f"{label}  at {moment}: {len(entries)} to call back"
    if not entries:
        return f"{title}\n"
    rows = [
        [
            entry["number"],
            entry["queue"],
            when(entry["at"]),
            clock_duration(round(entry["wait_s"])),
            str(entry["attempts"]),
            ",".join(entry["queues"]),
        ]
        for entry in entries
    ]
    headers = ["number", "queue", "abandoned", "waited", "attempts", "queues"]
    return "\n".join([title, "", *table_lines(headers, rows, "llrrrl")]) + "\n"
