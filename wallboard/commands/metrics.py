"""`wallboard metrics`: the board at one instant, as a table or as JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    from wallboard.engine.snapshot import Snapshot

NAME = "metrics"
HELP = "print the metrics at one instant of a recording, queue_log or hub"
DESCRIPTION = """\
Replay SOURCE as fast as possible and print the metrics at TIME: calls waiting
and agents by state at that instant, then every count, rate and average over
the rolling window(s), the current interval and the day (docs/ENGINE.md).

SOURCE is a recording or a queue_log file (replayed up to TIME), or a hub
(ws://HOST:PORT[/NAME]: its current board; --at does not apply). A live PBX is
read through a hub: `wallboard serve ami://...`, then `wallboard metrics ws://...`.

TIME (--at) is written as for `wallboard replay --at` and the board's `g` key:
  14:05[:30]                 that time on the day of the file's first record
  2024-11-22 14:05[:30]      a date and time, or any ISO 8601 (2024-11-22T14:05+01:00);
                             without an offset, in the configured time zone
  1732268400                 Unix epoch seconds
  +90m, +2h, +30s, +90       that long after the file's first record (N alone: minutes)
Without --at: the time of the last event. A time the file does not cover is an
error that says what it covers.

"alarms" are those active at TIME, exactly as a replay shows them then: the
rules (--rules FILE, default the built-in ones, docs/ALARMS.md) are stepped
through every second up to TIME.

Exit status 3: a hub whose source is not live (connecting, disconnected,
resyncing); the figures are printed, with a warning, but they are not current.

Engine settings (service level threshold, windows, wrap-up times, time zone)
come from --config; `--json` prints the layout of METRICS.md.

--schedule FILE adds adherence (ready time / scheduled time) and attendance
(agents logged in / agents scheduled). FILE is CSV with the header
agent,start,end[,queue]; start and end are ISO 8601 (without an offset, in the
configured time zone) or epoch seconds; an empty queue means every queue.
`schedule = "shifts.csv"` under [engine] in --config gives every command
(boards, alerts, hub) the same schedule.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="recording, queue_log or ws:// hub")
    parser.add_argument(
        "--at", metavar="TIME", help="the instant to report (default: the last event's time)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON (the METRICS.md layout) instead of a table"
    )
    parser.add_argument(
        "--rules", metavar="FILE", help="alarm rules (TOML; default: the built-in rules)"
    )
    parser.add_argument(
        "--schedule",
        metavar="FILE",
        help="shifts CSV (agent,start,end[,queue]): adds adherence and attendance",
    )
    parser.add_argument(
        "--cafile", metavar="FILE", help="CA certificate (PEM) to trust for a wss:// hub"
    )


def run(args: argparse.Namespace) -> int:
    # Here, not at the top: `wallboard --version` and `metrics --help` need none of it.
    import json
    import logging
    from dataclasses import replace

    from wallboard.alarms import AlarmStepper, load_rules
    from wallboard.commands.metrics_table import render_table
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.schedule_csv import load_schedule
    from wallboard.runtime.snapshot_at import snapshot_at
    from wallboard.runtime.sources import is_hub, is_live, open_file_source
    from wallboard.status import STALE_STATES

    settings = load_settings(args.config)
    stale = False
    if is_hub(args.source):
        if args.at is not None or args.schedule is not None or args.rules is not None:
            raise WallboardError(
                "--at, --schedule and --rules need a recording or queue_log; "
                "a hub shows its own board"
            )
        from wallboard.hub.client import fetch_snapshot

        update = fetch_snapshot(args.source, settings.require_hub_token(), cafile=args.cafile)
        snapshot: Snapshot = update.snapshot
        if update.status.limits:  # what the hub's source cannot see, as for a file
            snapshot["source_limits"] = list(update.status.limits)
        if update.status.state in STALE_STATES:
            # Printed all the same (what the hub shows), but never passed off as live.
            detail = f" ({update.status.detail})" if update.status.detail else ""
            logging.getLogger(__name__).warning(
                "%s: the hub's source is %s%s: these are its last figures, or an empty "
                "floor if it never connected; not live. Check the hub's log (exit status 3)",
                args.source,
                update.status.state,
                detail,
            )
            stale = True
    elif is_live(args.source):
        raise WallboardError(
            f"{args.source}: metrics reads files and hubs; for a live PBX run "
            "`wallboard serve SOURCE`, then `wallboard metrics ws://HOST:PORT`"
        )
    else:
        config = settings.engine
        if args.schedule is not None:
            config = replace(config, schedule=load_schedule(args.schedule, config.tz))
        source = open_file_source(args.source, config)
        rules = AlarmStepper.factory(load_rules(args.rules))
        snapshot = snapshot_at(source, config, args.at, alarms=rules)
    if args.json:
        print(json.dumps(snapshot, indent=2, ensure_ascii=False))
    else:
        print(render_table(snapshot, settings.engine.tz), end="")
    return 3 if stale else 0
