"""Hub test helpers: a feed the test drives board by board, and a hub on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.hub import protocol
from wallboard.hub.server import Hub
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import SourceStatus

TOKEN = "t0ken-for-hub-tests"
TIMEOUT_S = 20.0
EMPTY_FLOOR = dict(Engine(EngineConfig()).snapshot(1_700_000_000.0))


class DrivenFeed:
    """A real `BoardFeed` whose boards the test hands in, so every frame is predictable."""

    def __init__(self, label: str = "test-source") -> None:
        self.label = label
        self._queue: asyncio.Queue[BoardUpdate | None] = asyncio.Queue()

    def put(self, update: BoardUpdate) -> None:
        self._queue.put_nowait(update)

    def finish(self) -> None:
        self._queue.put_nowait(None)

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        while (update := await self._queue.get()) is not None:
            yield update


def board(seq: int, *, transitions: list[dict[str, Any]] | None = None, pad: int = 0):
    """Board number `seq`: an empty floor's snapshot (as a hub sends it), `pad` bytes larger."""
    snapshot = {**EMPTY_FLOOR, "at": 1_700_000_000.0 + seq, "seq": seq, "pad": "x" * pad}
    return BoardUpdate(snapshot, SourceStatus(time.time(), "live"), transitions or [])


async def open_viewer(
    url: str, token: str | None = TOKEN, *, source: str | None = None, **kwargs: Any
) -> ClientConnection:
    connection = await connect(url, compression=None, max_size=protocol.MAX_BOARD_MESSAGE, **kwargs)
    hello: dict[str, Any] = {"type": "hello", "protocol": protocol.PROTOCOL_VERSION}
    if token is not None:
        hello["token"] = token
    if source:
        hello["source"] = source
    await connection.send(protocol.encode(hello))
    return connection


async def next_frame(connection: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT_S):
        return protocol.decode(await connection.recv())


async def boards_until(
    connection: ClientConnection, done: Callable[[dict[str, Any]], bool], limit: int = 10_000
) -> list[dict[str, Any]]:
    """Board frames received until `done` holds for one (bounded by count and time)."""
    frames = []
    for _ in range(limit):
        frame = await next_frame(connection)
        if frame["type"] == "board":
            frames.append(frame)
            if done(frame):
                return frames
    raise AssertionError(f"no matching board in {limit} frames")


@pytest.fixture
async def start_hub() -> AsyncIterator[Callable[..., Any]]:
    """Start hubs on 127.0.0.1 (any free port unless given); all are stopped at the end.

    `access` (default: TOKEN alone) is the hub's tokens.
    """
    hubs: list[Hub] = []

    async def start(
        feeds: dict[str, Any], *, port: int = 0, access: Any = TOKEN, **kwargs: Any
    ) -> tuple[Hub, str]:
        hub = Hub(feeds, access, **kwargs)
        hubs.append(hub)
        host, bound = await hub.start("127.0.0.1", port)
        scheme = "wss" if kwargs.get("ssl_context") else "ws"
        return hub, f"{scheme}://{host}:{bound}"

    yield start
    for hub in hubs:
        await hub.stop()
