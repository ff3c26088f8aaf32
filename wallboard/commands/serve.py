"""`wallboard serve`: one collector per PBX, served to any number of viewers.

A floor of supervisors must not open one AMI session each: the hub runs each
source and its engine once and sends everyone the same boards.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from wallboard.errors import ConfigError, WallboardError
from wallboard.runtime.environment import HUB_TOKEN_ENV

NAME = "serve"
HELP = "run sources once and serve their boards to viewers over websockets"
DESCRIPTION = """\
Run each SOURCE and its engine once and serve the boards to `wallboard view`
(or any viewer speaking docs/HUB.md) over websockets, in msgpack frames.

SOURCE may be repeated as NAME=SOURCE, one per PBX; viewers pick one with
ws://HOST:PORT/NAME. A single SOURCE may be unnamed (it is called "main").
File sources are replayed at --speed (0: all at once, then held).

Viewers authenticate with a token: the hub's one token, from
WALLBOARD_HUB_TOKEN or [hub] token in --config (never the command line; an
all-seeing, read-only viewer), and the tokens of [hub] tokens_file, each with
its role (viewer, or supervisor: may acknowledge and silence alarms) and the
sources, queues and teams it may see (`wallboard token` issues them; docs/HUB.md).
Without --allow-origin, browsers are refused; tools that send no Origin header
are accepted.

--metrics-listen serves the same figures at /metrics for Prometheus (OpenMetrics
or Prometheus text); a scraper sends a token as `Authorization: Bearer` (and
gets the figures of its scope) unless --metrics-public.

--web serves the board to browsers (http://HOST:PORT/?theme=light&wall=1&source=NAME):
each page asks for the viewer token and is a viewer of this hub.
"""

if TYPE_CHECKING:
    from wallboard.hub.access import Access
    from wallboard.hub.server import Hub
    from wallboard.runtime.collector import Collector
    from wallboard.runtime.config import Settings
    from wallboard.runtime.feed import BoardFeed


class Listener(Protocol):
    """A server beside the hub: /metrics, the web pages."""

    async def start(self, host: str, port: int) -> tuple[str, int]: ...

    async def stop(self) -> None: ...


class Extra(NamedTuple):
    """A listener to start once the hub is up; `make` gets the hub's bound address."""

    address: tuple[str, int]
    make: Callable[[str, int], Listener]
    banner: str  # with {host} and {port}


DEFAULT_NAME = "main"
_NAMED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="[NAME=]SOURCE")
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8765",
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:8765; port 0 picks a free one)",
    )
    parser.add_argument(
        "--rate", type=float, default=4.0, metavar="HZ", help="board updates per second (default 4)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="replay speed of file sources (default 1 = real time; 0 = all at once, then hold)",
    )
    parser.add_argument(
        "--rules", metavar="FILE", help="alarm rules (TOML; default: the built-in rules)"
    )
    parser.add_argument("--certfile", metavar="FILE", help="TLS certificate (PEM): serve wss://")
    parser.add_argument("--keyfile", metavar="FILE", help="TLS private key (PEM) for --certfile")
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="browser origin allowed to connect, e.g. https://wall.example.com (repeatable)",
    )
    parser.add_argument(
        "--max-viewers", type=int, default=500, metavar="N", help="viewers at once (default 500)"
    )
    parser.add_argument(
        "--metrics-listen",
        metavar="HOST:PORT",
        help="serve /metrics for Prometheus on this address (default: off)",
    )
    parser.add_argument(
        "--metrics-public",
        action="store_true",
        help="let /metrics be scraped without the hub token",
    )
    parser.add_argument(
        "--web",
        metavar="HOST:PORT",
        help="serve the board to browsers on this address (default: off)",
    )
    parser.add_argument(
        "--web-max-pages",
        type=int,
        default=20,
        metavar="N",
        help="browser pages at once (each runs a viewer process; default 20)",
    )


def parse_listen(text: str, option: str = "--listen") -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise WallboardError(f"{option} {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8765")
    return host.strip("[]"), int(port)


def parse_sources(specs: list[str]) -> dict[str, str]:
    """NAME=SOURCE pairs; an existing file whose name contains '=' is taken as a path."""
    named: dict[str, str] = {}
    for spec in specs:
        match = _NAMED.match(spec)
        if match and not Path(spec).exists():
            name, source = match.groups()
        elif len(specs) == 1:
            name, source = DEFAULT_NAME, spec
        else:
            raise WallboardError(f"{spec}: with several sources, name each one as NAME=SOURCE")
        if name in named:
            raise WallboardError(f"source name {name!r} is used twice")
        named[name] = source
    return named


def run(args: argparse.Namespace) -> int:
    if args.rate <= 0:
        raise WallboardError("--rate must be positive")
    if args.speed < 0:
        raise WallboardError("--speed must be 0 (as fast as possible) or more")
    if args.max_viewers < 1:
        raise WallboardError("--max-viewers must be at least 1")
    if bool(args.certfile) != bool(args.keyfile):
        raise WallboardError("--certfile and --keyfile go together")
    host, port = parse_listen(args.listen)
    if args.metrics_public and not args.metrics_listen:
        raise WallboardError("--metrics-public needs --metrics-listen HOST:PORT")
    metrics_at = None
    if args.metrics_listen:
        metrics_at = parse_listen(args.metrics_listen, "--metrics-listen")
    web_at = parse_listen(args.web, "--web") if args.web else None
    if web_at and args.certfile:
        raise WallboardError(
            "--web with --certfile: run `wallboard web wss://HUB --cafile CA` beside the hub"
        )
    if args.web_max_pages < 1:
        raise WallboardError("--web-max-pages must be at least 1")
    named = parse_sources(args.sources)
    import asyncio

    from wallboard.alarms import AlarmStepper, load_rules
    from wallboard.hub.server import Hub, tls_context  # websockets, only to serve
    from wallboard.runtime.collector import Collector
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.paced_feed import PacedFileFeed
    from wallboard.runtime.sources import is_hub, is_live, open_file_source, open_live_source

    settings = load_settings(args.config)
    access = _access(settings)
    alarms = AlarmStepper.factory(load_rules(args.rules))
    collectors: list[Collector] = []
    feeds: dict[str, BoardFeed] = {}
    for name, spec in named.items():
        if is_hub(spec):
            raise WallboardError(f"{spec}: is a hub itself; serve reads ami:// or files")
        if is_live(spec):
            collector = Collector(
                open_live_source(spec, settings),
                settings.engine,
                alarms=alarms,
                rate_hz=max(args.rate, 4.0),
            )
            collectors.append(collector)
            feeds[name] = collector
        else:
            feeds[name] = PacedFileFeed(
                open_file_source(spec, settings.engine),
                settings.engine,
                speed=args.speed,
                rate_hz=args.rate,
                alarms=alarms,
            )
    hub = Hub(
        feeds,
        access,
        rate_hz=args.rate,
        max_viewers=args.max_viewers,
        allowed_origins=args.allow_origin,
        ssl_context=tls_context(args.certfile, args.keyfile) if args.certfile else None,
    )
    extras = []
    if metrics_at:
        endpoint = _metrics_endpoint(hub, feeds, None if args.metrics_public else access)
        extras.append(
            Extra(metrics_at, lambda *_: endpoint, "metrics on http://{host}:{port}/metrics")
        )
    if web_at:
        extras.append(Extra(web_at, _web_pages(args, hub), "web on http://{host}:{port}/"))
    asyncio.run(_serve(hub, collectors, host, port, secure=bool(args.certfile), extras=extras))
    return 0


def _access(settings: Settings) -> Access:
    """The hub's one token and the tokens of `[hub] tokens_file`; at least one of them."""
    from wallboard.hub.access import Access, load_tokens_file

    shared = settings.shared_hub_token()
    path = settings.hub_tokens_file
    entries = load_tokens_file(path) if path else []
    if not shared and not entries:
        where = (
            f"{path} holds no token; add one with `wallboard token`"
            if path
            else (
                f"set {HUB_TOKEN_ENV}, or 'token' or 'tokens_file' under [hub] in the config file"
            )
        )
        raise ConfigError(f"no hub token: {where}")
    return Access(entries, shared)


def _metrics_endpoint(hub: Hub, feeds: dict[str, BoardFeed], access: Access | None) -> Listener:
    from wallboard.hub.metrics import SourceView
    from wallboard.hub.metrics_http import MetricsEndpoint
    from wallboard.runtime.feed import CountedFeed

    views = [
        SourceView(name, hub.channels[name], feed.stats if isinstance(feed, CountedFeed) else None)
        for name, feed in feeds.items()
    ]
    return MetricsEndpoint(lambda: views, access)


def _web_pages(args: argparse.Namespace, hub: Hub) -> Callable[[str, int], Listener]:
    from wallboard.web.pages import BoardPages, Verdict, loopback_url

    async def check(token: str, source: str | None) -> Verdict:
        return "ok" if await hub.allows(token, source) else "refused"

    def make(hub_host: str, hub_port: int) -> Listener:
        return BoardPages(
            loopback_url("ws", hub_host, hub_port),
            check,
            config_path=args.config,
            max_pages=args.web_max_pages,
        )

    return make


async def _serve(
    hub: Hub,
    collectors: list[Collector],
    host: str,
    port: int,
    *,
    secure: bool,
    extras: list[Extra],
) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runs = [asyncio.create_task(c.run(), name=f"collector-{c.label}") for c in collectors]
    bound_host, bound_port = await hub.start(host, port)
    scheme = "wss" if secure else "ws"
    names = ", ".join(f"{name} ({label})" for name, label in hub.labels.items())
    print(f"wallboard hub on {scheme}://{bound_host}:{bound_port}/ serving {names}", flush=True)
    listeners: list[Listener] = []
    stopping = asyncio.create_task(stop.wait())
    running: set[asyncio.Task[object]] = {stopping, *runs}
    try:
        for extra in extras:
            listener = extra.make(bound_host, bound_port)
            bound = await listener.start(*extra.address)
            listeners.append(listener)
            print("wallboard " + extra.banner.format(host=bound[0], port=bound[1]), flush=True)
        while not stop.is_set():
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopping}:
                task.result()  # a source that failed for good ends the hub with its error
                print(
                    f"wallboard: {task.get_name()} ended; its last board stays up", file=sys.stderr
                )
    finally:
        stopping.cancel()
        for task in runs:
            task.cancel()
        for task in runs:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for listener in listeners:
            await listener.stop()
        await hub.stop()
