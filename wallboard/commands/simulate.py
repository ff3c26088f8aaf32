"""`wallboard simulate`: a pretend Asterisk to point a wallboard at, no PBX needed."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wallboard.errors import WallboardError
from wallboard.runtime.environment import SIMULATOR_USERS_ENV

if TYPE_CHECKING:
    from wallboard.simulator.server import AmiServer

NAME = "simulate"
HELP = "run a simulated Asterisk call centre behind an AMI server (for demos and tests)"
DESCRIPTION = f"""\
Serve a seeded, simulated call centre over the Asterisk Manager Interface,
like Asterisk 22 does (events, QueueStatus/QueueSummary answers),
and optionally write the queue_log Asterisk would have written.

Scenarios: normal (a day's arrival profile, breaks and lunches), spike (a
sudden surge of calls a third into the run), lunch (half the floor at lunch
together). The same --seed gives the same calls, event for event.

Accounts come from the environment, never the command line: WALLBOARD_AMI_SECRET
creates the read-only user "wallboard"; {SIMULATOR_USERS_ENV}="user:secret[:rw],..." sets
several, and ":read=call+agent+reporting" after a secret gives that user only
those manager.conf read classes (default all), to see the board as a
restricted AMI user would. Connect with: wallboard live ami://wallboard@HOST:PORT

Only loopback addresses are accepted unless --allow-remote is given.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from wallboard.simulator.scenarios import DEFAULT_QUEUES, SCENARIOS

    parser.add_argument(
        "--listen",
        default="127.0.0.1:5038",
        metavar="HOST:PORT",
        help="address to serve AMI on (default 127.0.0.1:5038; port 0 picks a free one)",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --listen address"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second (default 1 = real time)",
    )
    parser.add_argument(
        "--scenario", choices=SCENARIOS, default="normal", help="what happens (default normal)"
    )
    parser.add_argument(
        "--queues",
        default=",".join(DEFAULT_QUEUES),
        metavar="Q1,Q2,...",
        help=f"queue names (default {','.join(DEFAULT_QUEUES)})",
    )
    parser.add_argument("--agents", type=int, default=40, help="agents on the floor (default 40)")
    parser.add_argument(
        "--start",
        default="2024-11-22T09:00",
        metavar="TIME",
        help="simulated start: ISO date-time (UTC unless given) or epoch seconds",
    )
    parser.add_argument(
        "--duration", type=float, default=8.0, metavar="H", help="hours of arrivals (default 8)"
    )
    parser.add_argument("--queue-log", metavar="FILE", help="also write Asterisk's queue_log here")


def parse_listen(text: str, allow_remote: bool) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise WallboardError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:5038")
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if not loopback and not allow_remote:
        raise WallboardError(
            f"--listen {host}: not a loopback address; add --allow-remote to serve the network"
        )
    return host, int(port)


async def _serve(server: AmiServer, host: str, port: int) -> None:
    import asyncio

    bound = await server.start(host, port)
    print(f"wallboard simulate: AMI on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(server.run())
    try:
        await stop.wait()
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await server.close()


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wallboard.simulator.model import CallCentre
    from wallboard.simulator.scenarios import build_scenario, parse_start
    from wallboard.simulator.server import AmiServer, users_from_env

    host, port = parse_listen(args.listen, args.allow_remote)
    users = users_from_env()
    scenario = build_scenario(
        args.scenario,
        start=parse_start(args.start),
        duration_s=args.duration * 3600.0,
        queues=tuple(q.strip() for q in args.queues.split(",") if q.strip()),
        agents=args.agents,
    )
    model = CallCentre(scenario, seed=args.seed)
    queue_log = None
    if args.queue_log:
        try:
            queue_log = Path(args.queue_log).open("w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise WallboardError(f"{args.queue_log}: cannot write ({exc.strerror})") from exc
    try:
        server = AmiServer(model, users, speed=args.speed, queue_log=queue_log)
        asyncio.run(_serve(server, host, port))
    finally:
        if queue_log is not None:
            queue_log.close()
    return 0
