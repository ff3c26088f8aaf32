"""`wallboard live SOURCE`: the board on a live Asterisk (AMI)."""

from __future__ import annotations

import argparse
import signal

from wallboard.commands.launch import add_display_arguments, alarm_factory, wall_rotation

NAME = "live"
HELP = "the live board of an Asterisk (ami://USER@HOST[:PORT])"
DESCRIPTION = """\
Connect to SOURCE (ami://USER@HOST[:PORT]; the secret comes from
WALLBOARD_AMI_SECRET or [ami] secret in --config) and show the live board.
If the connection drops, the board says so and shows how old its figures are.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="ami://USER@HOST[:PORT]")
    add_display_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wallboard.commands.log_setup import held_while_on_screen
    from wallboard.runtime.collector import Collector
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.sources import open_live_source
    from wallboard.tui.app import WallboardApp

    settings = load_settings(args.config)
    rotate_s = wall_rotation(args)
    source = open_live_source(args.source, settings)
    collector = Collector(source, settings.engine, alarms=alarm_factory(args.rules))
    app = WallboardApp(
        collector,
        settings.engine,
        theme=args.theme,
        wall=args.wall,
        rotate_s=rotate_s,
        alarms=collector.alarms,
    )

    async def main() -> None:
        # SIGTERM (systemd, a supervisor's `kill`) ends the board as `q` does, and the
        # terminal is given back as it was.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, app.exit)
        task = asyncio.create_task(collector.run())

        # A source that fails for good ends the board; its error is reported below.
        def on_done(done: asyncio.Task[None]) -> None:
            if not done.cancelled():
                app.exit()

        task.add_done_callback(on_done)
        try:
            await app.run_async()
        finally:
            task.cancel()
            (failure,) = await asyncio.gather(task, return_exceptions=True)
        if isinstance(failure, Exception):
            raise failure

    with held_while_on_screen():
        asyncio.run(main())
    return 0
