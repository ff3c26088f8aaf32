"""`wallboard view ws://HOST:PORT[/NAME]`: the live board, fed by a hub.

Viewers are read-only: alarms are raised (and acknowledged) where the hub
runs, so this board shows them but cannot acknowledge them.
"""

from __future__ import annotations

import argparse

from wallboard.commands.launch import add_wall_arguments, wall_rotation
from wallboard.errors import WallboardError

NAME = "view"
HELP = "the live board from a `wallboard serve` hub (ws:// or wss://)"
DESCRIPTION = """\
Show the board served by a hub: ws://HOST:PORT[/NAME] or wss://... . The token
comes from WALLBOARD_HUB_TOKEN or [hub] token in --config, never the command
line. If the hub goes away, the board keeps its last figures, says it is
reconnecting, and carries on when the hub is back.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from wallboard.themes import THEME_NAMES

    parser.add_argument("url", metavar="ws[s]://HOST:PORT[/NAME]")
    parser.add_argument("--cafile", metavar="FILE", help="CA certificate(s) to trust for wss://")
    parser.add_argument(
        "--theme", default="dark", help=f"colour theme: {', '.join(THEME_NAMES)} (t cycles them)"
    )
    add_wall_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wallboard.hub.client import HubFeed, HubRefused, fetch_update  # websockets
    from wallboard.runtime.config import load_settings

    settings = load_settings(args.config)
    rotate_s = wall_rotation(args)
    token = settings.require_hub_token()
    feed = HubFeed(args.url, token, cafile=args.cafile)
    try:
        # Refusals (token, source, certificate) are one line here, not a toast.
        asyncio.run(fetch_update(args.url, token, cafile=args.cafile))
    except HubRefused:
        raise
    except WallboardError:
        pass  # the hub is not up yet: the board shows "connecting" and retries
    from wallboard.commands.launch import run_board
    from wallboard.tui.app import WallboardApp

    run_board(
        WallboardApp(feed, settings.engine, theme=args.theme, wall=args.wall, rotate_s=rotate_s)
    )
    return 0
