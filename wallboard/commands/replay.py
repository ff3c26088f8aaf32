"""`wallboard replay FILE`: a recording or queue_log on the board, with replay controls."""

from __future__ import annotations

import argparse

from wallboard.commands.launch import add_replay_arguments, run_replay

NAME = "replay"
HELP = "replay a recording or queue_log on the board (pause, speed, seek)"
DESCRIPTION = """\
Show FILE (a recording or an Asterisk queue_log) on the wallboard as it was
live: metrics and alarms at every position are exactly those of that moment.

Keys: space pause/resume, +/- speed (1x..3600x), left/right seek 1 minute,
shift+left/right or [ ] seek 10 minutes, g go to a typed time, t theme,
/ filter, ? every key, q quit.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a recording or an Asterisk queue_log")
    add_replay_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_replay(args.file, args)
