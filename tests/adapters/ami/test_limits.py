"""The AMI reader against a hostile or broken PBX: runaway lines and blocks, silence (issue 12).

Real pyst2 over real TCP against the test server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from tests.adapters.ami.capture_server import AmiServer, Connection, encode
from tests.adapters.ami.test_client import JOIN, T0, Run, consume, source_for
from wallboard.adapters.ami.client import MAX_BLOCK_BYTES, MAX_LINE_BYTES
from wallboard.engine.settings import EngineConfig


def runaway(kind: str) -> bytes:
    if kind == "line":  # a line that never ends: 4 times the limit, no CRLF
        return b"Event: QueueCallerJoin\r\nChannel: " + b"x" * (4 * MAX_LINE_BYTES)
    header = b"Variable: " + b"y" * 1000 + b"\r\n"  # lines that never make a block
    return b"Event: VarSet\r\n" + header * (2 * MAX_BLOCK_BYTES // len(header))


@pytest.mark.parametrize("kind", ["line", "block"])
async def test_a_runaway_line_or_block_drops_the_connection_and_resyncs(kind, caplog):
    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number == 0:
            connection.send(encode(JOIN))
            connection.send(runaway(kind))
        else:
            connection.send(encode(JOIN))

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(server, EngineConfig(), ping_interval_s=30.0)
        with caplog.at_level(logging.WARNING):
            run = await consume(source, Run(EngineConfig()), lambda r: r.states.count("live") == 2)
    live = ["connecting", "resyncing", "live"]
    assert run.states == [*live, "disconnected", *live]
    limit = f"{MAX_LINE_BYTES // 1024} KiB" if kind == "line" else f"{MAX_BLOCK_BYTES >> 20} MiB"
    detail = run.statuses[[s.state for s in run.statuses].index("disconnected")].detail
    assert detail == f"the PBX sent a {kind} longer than {limit}; dropped the connection to resync"
    # (The test server's own tasks, cancelled at its end, may log; only ours count.)
    (warning,) = [r.getMessage() for r in caplog.records if r.name.startswith("wallboard")]
    assert warning.endswith(f"disconnected: {detail}")


async def test_a_pbx_that_goes_quiet_gives_one_warning_per_reconnect_and_no_traceback(caplog):
    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number < 2:
            connection.silent = True  # answers nothing more, not even Ping

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(
            server, EngineConfig(), ping_interval_s=0.2, ping_timeout_s=0.2, backoff_initial_s=0.05
        )
        with caplog.at_level(logging.WARNING):
            run = await consume(source, Run(EngineConfig()), lambda r: r.states.count("live") == 3)
            # The Pings that never came back are collected: none may have failed unseen.
            gc.collect()
            await asyncio.sleep(0.2)
            gc.collect()
    assert run.states.count("disconnected") == 2
    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert [m for m in messages if "never retrieved" in m[2]] == []
    messages = [m for m in messages if m[0].startswith("wallboard")]
    quiet = [m for m in messages if "no answer to Ping" in m[2]]
    assert len(quiet) == 2 and len(messages) == 2
