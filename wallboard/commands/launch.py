"""Shared by `wallboard demo`, `replay`, `live` and `view`: options, and starting the app.

Textual is imported only here, when a board is actually shown, so the other
commands never pay for it.
"""

from __future__ import annotations

import argparse
import gc
from typing import TYPE_CHECKING

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    from collections.abc import Callable

    from wallboard.alarms import AlarmStepper
    from wallboard.engine import Engine
    from wallboard.tui.app import WallboardApp


def add_display_arguments(parser: argparse.ArgumentParser) -> None:
    from wallboard.themes import THEME_NAMES

    parser.add_argument(
        "--theme", default="dark", help=f"colour theme: {', '.join(THEME_NAMES)} (t cycles them)"
    )
    add_wall_arguments(parser)
    parser.add_argument(
        "--rules", metavar="FILE", help="alarm rules (TOML; default: the built-in rules)"
    )


def add_wall_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wall", action="store_true", help="wall-display layout: only big tiles and alarms"
    )
    parser.add_argument(
        "--rotate",
        metavar="DURATION",
        help="with --wall: turn pages every DURATION (20s, 1m): the floor, each queue, each team",
    )


def wall_rotation(args: argparse.Namespace) -> float | None:
    """Seconds per wall page (`--rotate`), None without; a one-line error for a bad one."""
    if args.rotate is None:
        return None
    if not args.wall:
        raise WallboardError("--rotate turns the pages of the wall display: add --wall")
    from wallboard.alarms.rules import parse_duration

    try:
        seconds = parse_duration(args.rotate if args.rotate[-1:].isalpha() else f"{args.rotate}s")
    except ValueError as exc:
        raise WallboardError(f"--rotate: {exc}") from None
    if seconds < MIN_ROTATE_S:
        raise WallboardError(f"--rotate: at least {MIN_ROTATE_S:g}s, or nobody can read a page")
    return seconds


# The shortest page time: a wall is read from across the room.
MIN_ROTATE_S = 5.0


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    from wallboard.runtime.instants import FORMATS
    from wallboard.runtime.replayer import SPEEDS

    add_display_arguments(parser)
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help=f"replay speed, {SPEEDS[0]:g}x to {SPEEDS[-1]:g}x (default 1; +/- change it)",
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help=f"start at this time: {FORMATS}; a clock time or offset counts from the start",
    )
    parser.add_argument("--paused", action="store_true", help="start paused (space resumes)")


def alarm_factory(rules_path: str | None) -> Callable[[Engine], AlarmStepper]:
    from wallboard.alarms import AlarmStepper, load_rules

    return AlarmStepper.factory(load_rules(rules_path))


def run_replay(path: str, args: argparse.Namespace) -> int:
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.instants import check_within, parse_instant
    from wallboard.runtime.replayer import SPEEDS, Replayer
    from wallboard.runtime.sources import open_file_source

    settings = load_settings(args.config)
    rotate_s = wall_rotation(args)
    if not SPEEDS[0] <= args.speed <= SPEEDS[-1]:
        raise WallboardError(f"--speed must be between {SPEEDS[0]:g} and {SPEEDS[-1]:g}")
    source = open_file_source(path, settings.engine)
    replayer = Replayer(
        source.events(), settings.engine, label=source.label, alarms=alarm_factory(args.rules)
    )
    replayer.speed = args.speed
    if args.at:
        tz = settings.engine.tz
        try:
            target = parse_instant(args.at, replayer.start, tz)
            check_within(target, replayer.start, replayer.end, tz, label=source.label)
        except WallboardError as exc:
            raise WallboardError(f"--at {exc}") from None
        replayer.seek(target)
    from wallboard.tui.app import WallboardApp

    # Every event of the file lives as long as the replay: out of the cyclic collector's
    # sight, its full collections stop walking them in the middle of a refresh.
    gc.freeze()
    run_board(
        WallboardApp(
            replayer,
            settings.engine,
            theme=args.theme,
            wall=args.wall,
            rotate_s=rotate_s,
            paused=args.paused,
        )
    )
    return 0


def run_board(app: WallboardApp) -> None:
    """Show the board until `q` or SIGTERM (systemd, a supervisor's `kill`).

    Either way the terminal is given back as it was; SIGTERM's default (die at once)
    would leave it in the board's alternate screen with the mouse still captured.
    Log lines of the run follow the board out (`held_while_on_screen`).
    """
    import asyncio
    import signal

    from wallboard.commands.log_setup import held_while_on_screen

    async def main() -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, app.exit)
        await app.run_async()

    with held_while_on_screen():
        asyncio.run(main())
