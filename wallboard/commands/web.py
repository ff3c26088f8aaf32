"""`wallboard web ws://HUB`: the board in a browser, for a hub that runs elsewhere.

Each page is a `wallboard view` of the hub. Running this apart from the hub
(another host, another service) also keeps the pages up across a hub
restart: their viewers reconnect as `view` does, with the last figures on
screen meanwhile.
"""

from __future__ import annotations

import argparse
import signal
from typing import TYPE_CHECKING

from wallboard.commands.serve import parse_listen
from wallboard.errors import WallboardError

if TYPE_CHECKING:
    from wallboard.web.pages import BoardPages

NAME = "web"
HELP = "serve the board of a hub (ws:// or wss://) to web browsers"
DESCRIPTION = """\
Serve the board of the hub at ws[s]://HOST:PORT[/NAME] to browsers: open
http://HOST:PORT/ (add ?theme=light, ?wall=1, ?source=NAME). Each page asks
for the hub's viewer token, keeps it in that browser tab only, and runs a
viewer of the hub with it; a wrong token shows no board.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="ws[s]://HOST:PORT[/NAME]")
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="address for browsers (default 127.0.0.1:8080; port 0 picks a free one)",
    )
    parser.add_argument("--cafile", metavar="FILE", help="CA certificate(s) to trust for wss://")
    parser.add_argument(
        "--max-pages",
        type=int,
        default=20,
        metavar="N",
        help="browser pages at once (each runs a viewer process; default 20)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    host, port = parse_listen(args.listen)
    if args.max_pages < 1:
        raise WallboardError("--max-pages must be at least 1")
    from wallboard.hub.client import HubFeed, HubRefused, fetch_update  # websockets
    from wallboard.web.pages import BoardPages, Verdict  # aiohttp, textual-serve

    HubFeed(args.url, "", cafile=args.cafile)  # checks the address and the CA file now

    async def check(token: str, source: str | None) -> Verdict:
        try:
            await fetch_update(pages.url_for(source), token, cafile=args.cafile, timeout_s=5.0)
        except HubRefused:
            return "refused"
        except WallboardError:
            return "unreachable"
        return "ok"

    pages = BoardPages(
        args.url, check, config_path=args.config, cafile=args.cafile, max_pages=args.max_pages
    )
    asyncio.run(_serve(pages, host, port))
    return 0


async def _serve(pages: BoardPages, host: str, port: int) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bound_host, bound_port = await pages.start(host, port)
    print(f"wallboard web on http://{bound_host}:{bound_port}/", flush=True)
    try:
        await stop.wait()
    finally:
        await pages.stop()
