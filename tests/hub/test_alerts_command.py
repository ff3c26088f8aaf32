"""`wallboard alerts ws://...` as a pager runs it: a real process following a real hub."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

from tests.hub.conftest import EMPTY_FLOOR, TIMEOUT_S, TOKEN, DrivenFeed
from wallboard.alarms import Evaluator, parse_rules
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import SourceStatus

T0 = 1_732_262_400.0
RULES = parse_rules(
    '[[rule]]\nid = "queueing"\nmetric = "waiting"\nop = ">"\nthreshold = 0\n'
    'message = "{value:.0f} waiting in {queue}"\n'
)


class Floor:
    """A real evaluator stepped over hand-made snapshots: the hub's boards, alarms and all."""

    def __init__(self) -> None:
        self.evaluator = Evaluator(RULES)

    def board(self, at: float, **waiting: int) -> BoardUpdate:
        snapshot: dict[str, Any] = {
            **EMPTY_FLOOR,
            "at": at,
            "queues": {q: {**EMPTY_FLOOR["all"], "waiting": n} for q, n in waiting.items()},
        }
        transitions = [t.to_dict() for t in self.evaluator.evaluate(snapshot)]
        snapshot["alarms"] = self.evaluator.active()
        return BoardUpdate(snapshot, SourceStatus(time.time(), "live"), transitions)


async def _line(process: asyncio.subprocess.Process) -> tuple[str, str, float]:
    assert process.stdout is not None
    async with asyncio.timeout(TIMEOUT_S):
        line = await process.stdout.readline()
    assert line, "wallboard alerts ended early"
    transition = json.loads(line)
    return transition["kind"], transition["queue"], transition["since"]


async def test_a_pager_started_mid_incident_hears_of_it_once_across_reconnects(start_hub):
    floor = Floor()
    feed = DrivenFeed()
    feed.put(floor.board(T0, support=2, sales=0))  # support fires before the pager starts
    hub, url = await start_hub({"main": feed})
    port = int(url.rsplit(":", 1)[1])
    env = {**os.environ, "WALLBOARD_HUB_TOKEN": TOKEN}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wallboard.cli", "alerts", f"{url}/main",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert await _line(process) == ("active", "support", T0)
        feed.put(floor.board(T0 + 1, support=2, sales=1))
        assert await _line(process) == ("firing", "sales", T0 + 1)

        # The hub goes away and comes back, both alarms still firing: nothing new to say.
        await hub.stop()
        feed = DrivenFeed()
        feed.put(floor.board(T0 + 2, support=2, sales=1))
        hub, _ = await start_hub({"main": feed}, port=port)
        feed.put(floor.board(T0 + 3, support=0, sales=1))
        assert await _line(process) == ("resolved", "support", T0)

        # Sales clears while the pager is cut off: the next board tells it.
        await hub.stop()
        floor.board(T0 + 4, support=0, sales=0)  # its transitions reach nobody
        feed = DrivenFeed()
        feed.put(floor.board(T0 + 5, support=0, sales=0))
        hub, _ = await start_hub({"main": feed}, port=port)
        assert await _line(process) == ("resolved", "sales", T0 + 1)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT_S):
            rest, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    assert rest == b""
