"""`wallboard alerts`: alarm transitions, headless, one line each, and to pagers."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    import asyncio

    from wallboard.adapters.base import FileSource
    from wallboard.alarms.delivery import Channel
    from wallboard.alarms.rules import Rule
    from wallboard.engine.settings import EngineConfig
    from wallboard.runtime.config import Settings
    from wallboard.runtime.feed import BoardFeed

NAME = "alerts"
HELP = "evaluate alarm rules headless and print (or send) each transition"
DESCRIPTION = """\
Evaluate alarm rules on SOURCE at every whole second of source time and write
one line per alarm transition (firing, resolved, ...) to stdout.

A recording or queue_log file is replayed as fast as possible and the command
exits at its end; a live source runs until SIGTERM or SIGINT, which flush what
is pending. For a hub (ws://), the hub's own rules apply; the alarms already
firing when it connects come first, as kind "active", and no episode is
reported twice, even across a reconnection to the hub.

Pagers: --exec runs a command per transition with its JSON on stdin;
--webhook POSTs Prometheus Alertmanager webhook JSON (retried with backoff);
--notify reads an apprise configuration file of pager, SMS or chat service
URLs (kept out of argv: they hold credentials). Silenced alarms are not sent.
Rules: docs/ALARMS.md; without --rules, the built-in set of METRICS.md targets.
"""

# Yield to the delivery workers this often while replaying a file.
_EVENTS_PER_SLICE = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from wallboard.alarms.output import FORMATS

    parser.add_argument("source", metavar="SOURCE")
    parser.add_argument("--rules", metavar="FILE", help="TOML rules (default: built-in set)")
    parser.add_argument(
        "--format", choices=FORMATS, default="jsonl", help="stdout format (default jsonl)"
    )
    parser.add_argument("--exec", metavar="CMD", help="run CMD per transition, JSON on stdin")
    parser.add_argument(
        "--exec-timeout", type=float, default=10.0, metavar="S", help="kill CMD after S s"
    )
    parser.add_argument("--webhook", metavar="URL", help="POST Alertmanager JSON to URL")
    parser.add_argument(
        "--notify", metavar="FILE", help="apprise configuration file of notification URLs"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="at exit, wait up to S s for pending deliveries (default 10)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wallboard.alarms.rules import load_rules
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.sources import is_hub

    settings = load_settings(args.config)
    spec: str = args.source
    if is_hub(spec) and args.rules:
        raise WallboardError(f"{spec}: a hub evaluates its own rules; drop --rules")
    rules = [] if is_hub(spec) else load_rules(args.rules)
    return asyncio.run(_main(args, settings, rules))


async def _main(args: argparse.Namespace, settings: Settings, rules: list[Rule]) -> int:
    import asyncio

    from wallboard.alarms.delivery import NotDelivered
    from wallboard.runtime.sources import is_hub, is_live, open_file_source, open_live_source

    channels, closers = _channels(args)
    emit = _Emitter(args.format, channels)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    spec: str = args.source
    try:
        if is_hub(spec):
            from wallboard.hub.client import HubFeed

            await _follow(HubFeed(spec, settings.require_hub_token()), emit, stop)
        elif is_live(spec):
            await _run_live(open_live_source(spec, settings), settings.engine, rules, emit, stop)
        else:
            source = open_file_source(spec, settings.engine)
            await _replay(source, settings.engine, rules, emit, stop)
    finally:
        sys.stdout.flush()
        for channel in channels:
            await channel.close(args.drain_timeout)
        for close in closers:
            await close()
    failed = [f"{c.undelivered} by {c.name}" for c in channels if c.undelivered]
    if failed:
        raise NotDelivered(f"transitions not delivered: {', '.join(failed)} (warnings above)")
    return 0


def _channels(
    args: argparse.Namespace,
) -> tuple[list[Channel], list[Callable[[], Awaitable[Any]]]]:
    from wallboard.alarms.delivery import (
        ExecChannel,
        RetryingChannel,
        apprise_sender,
        webhook_sender,
    )

    channels: list[Channel] = []
    closers: list[Callable[[], Awaitable[Any]]] = []
    if args.exec:
        channels.append(ExecChannel(args.exec, timeout_s=args.exec_timeout))
    if args.webhook:
        send, aclose = webhook_sender(args.webhook)
        channels.append(RetryingChannel("webhook", send))
        closers.append(aclose)
    if args.notify:
        channels.append(RetryingChannel("notify", apprise_sender(args.notify), max_attempts=5))
    return channels, closers


class _Emitter:
    """stdout first (one flushed line each), then every pager channel."""

    def __init__(self, fmt: str, channels: list[Channel]) -> None:
        self._fmt = fmt
        self._channels = channels

    def __call__(self, transitions: Sequence[Mapping[str, Any]]) -> None:
        from wallboard.alarms.output import for_pagers, format_transition

        for transition in transitions:
            line = format_transition(transition, self._fmt)
            if line is not None:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            if for_pagers(transition):
                for channel in self._channels:
                    channel.submit(transition)


async def _replay(
    source: FileSource,
    config: EngineConfig,
    rules: list[Rule],
    emit: _Emitter,
    stop: asyncio.Event,
) -> None:
    import asyncio

    from wallboard.alarms.evaluator import Evaluator
    from wallboard.alarms.stepper import AlarmStepper
    from wallboard.engine import Engine
    from wallboard.status import SourceStatus

    stepper = AlarmStepper(Engine(config), Evaluator(rules))
    seen = False
    for count, item in enumerate(source.events(), 1):
        if isinstance(item, SourceStatus):
            continue
        emit(stepper.apply(item))
        seen = True
        if count % _EVENTS_PER_SLICE == 0:
            await asyncio.sleep(0)
            if stop.is_set():
                return
    if seen:
        emit(stepper.finish(stepper.engine.now))


async def _run_live(
    source: Any, config: EngineConfig, rules: list[Rule], emit: _Emitter, stop: asyncio.Event
) -> None:
    import asyncio

    from wallboard.alarms.stepper import AlarmStepper
    from wallboard.runtime.collector import Collector

    collector = Collector(source, config, alarms=AlarmStepper.factory(rules))
    runner = asyncio.create_task(collector.run())

    async def pump() -> None:
        async for update in collector.updates():
            emit(update.transitions)
            if runner.done() and update.snapshot is collector.latest.snapshot:
                return

    pumper = asyncio.create_task(pump())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    # The collector's last board carries the transitions up to the stop.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(pumper, 5.0)


async def _follow(feed: BoardFeed, emit: _Emitter, stop: asyncio.Event) -> None:
    import asyncio

    from wallboard.alarms.follow import AlarmFollower

    follower = AlarmFollower()

    async def pump() -> None:
        async for update in feed.updates():
            emit(follower.follow(update.transitions, update.snapshot))

    pumper = asyncio.create_task(pump())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({pumper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (pumper, stopper):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
