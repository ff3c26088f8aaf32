"""A restricted AMI user against the simulator: what it cannot see is said, the rest is exact.

One simulated run is watched at once, through real pyst2 over TCP, by a
`read = all` user and a `read = call,agent,reporting` one (the simulator sends
each only the events of its classes, as Asterisk does). The restricted user's
board must say that FULL refusals need the dialplan class, see none of them,
and count every other call exactly as the `read = all` board does, given the
Queue() timeouts in its config.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import pytest

from wallboard.adapters.ami.client import AmiSource
from wallboard.adapters.ami.visibility import NO_DIALPLAN
from wallboard.engine import Engine
from wallboard.runtime.environment import SIMULATOR_USERS_ENV
from wallboard.simulator.model import CallCentre
from wallboard.simulator.sample import engine_config
from wallboard.simulator.scenarios import build_scenario
from wallboard.simulator.server import AmiServer, users_from_env
from wallboard.status import SourceStatus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:asterisk.manager")

SEED = 10  # the surge fills `sales` (maxlen 6): FULL refusals happen
TIMEOUT_S = 15.0
COUNTS = ("offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "overflow")


async def watch(source: AmiSource, engine: Engine, live: asyncio.Event) -> list[SourceStatus]:
    """Apply a session's events until the server closes it; its statuses."""
    statuses: list[SourceStatus] = []
    async with contextlib.aclosing(source.events()) as items:
        async for item in items:
            if not isinstance(item, SourceStatus):
                engine.apply(item)
                continue
            statuses.append(item)
            if item.state == "live":
                live.set()
            elif item.state == "disconnected":
                break
    return statuses


def day(engine: Engine, at: float, keys: tuple[str, ...]) -> dict[str, dict]:
    snapshot = engine.snapshot(at)
    scopes = {**snapshot["queues"], "all": snapshot["all"]}
    return {name: {key: scope["day"][key] for key in keys} for name, scope in scopes.items()}


async def test_a_read_only_user_is_told_what_it_misses_and_counts_the_rest_exactly(monkeypatch):
    monkeypatch.setenv(SIMULATOR_USERS_ENV, "wb-all:pw-all,wb-ro:pw-ro:read=call+agent+reporting")
    scenario = build_scenario("spike", duration_s=25 * 60.0, agents=11)
    config = engine_config(scenario)
    # What queues.conf and the dialplan say, which a user without `dialplan` needs.
    timeouts = {spec.name: (float(spec.max_wait_s),) for spec in scenario.queues}
    restricted = replace(
        config,
        queues={
            name: replace(settings, caller_timeout_s=timeouts[name])
            for name, settings in config.queues.items()
        },
    )
    server = AmiServer(
        CallCentre(scenario, SEED), users_from_env(), speed=400.0, max_buffer=1 << 26
    )
    boards = {"all": Engine(config), "ro": Engine(restricted)}
    tasks: dict[str, asyncio.Task[list[SourceStatus]]] = {}
    try:
        host, port = await server.start("127.0.0.1", 0)
        for user, settings in (("all", config), ("ro", restricted)):
            live = asyncio.Event()
            source = AmiSource(
                host,
                port,
                f"wb-{user}",
                f"pw-{user}",
                settings,
                clock=lambda: server.sim_now,
                backoff_initial_s=30.0,
            )
            tasks[user] = asyncio.create_task(watch(source, boards[user], live))
            await asyncio.wait_for(live.wait(), TIMEOUT_S)
        await asyncio.wait_for(server.run(), TIMEOUT_S)
        end = server.sim_now
        await server.close()
        statuses = {user: await asyncio.wait_for(task, TIMEOUT_S) for user, task in tasks.items()}
    finally:
        for task in tasks.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await server.close()

    assert all(not s.limits for s in statuses["all"])
    assert statuses["ro"][-1].limits == (NO_DIALPLAN,)
    assert {limit for s in statuses["ro"] for limit in s.limits} == {NO_DIALPLAN}
    everything, read_only = boards["all"], boards["ro"]
    assert everything.late_events == read_only.late_events == 0
    assert day(read_only, end, COUNTS) == day(everything, end, COUNTS)
    assert day(everything, end, COUNTS)["all"]["overflow"] > 0  # Queue() timeouts
    blocked = day(everything, end, ("blocked",))["all"]["blocked"]
    assert blocked > 0 == day(read_only, end, ("blocked",))["all"]["blocked"]
