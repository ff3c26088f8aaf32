"""Hub fan-out: boards delivered at 4 Hz to 50/200/500 viewers, CPU and memory per viewer.

The hub runs in its own process (so its CPU and RSS are its own) and serves a
realistic board: a 50-agent, 3-queue synthetic shift replayed at 10x. The
viewers are plain websocket clients in this process that count boards.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.common import BenchResult, server_process
from tests.synthetic import generate_shift
from wallboard.adapters.base import RawRecord
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.hub.protocol import MAX_BOARD_MESSAGE, viewer_hello
from wallboard.hub.server import Hub
from wallboard.runtime.paced_feed import PacedFileFeed

TOKEN = "benchmark-token"
RATE_HZ = 4.0
VIEWER_COUNTS = (50, 200, 500)
SETTLE_S = 2.0
MEASURE_S = 6.0


class _Shift:
    label = "synthetic:50-agents"

    def raw(self) -> Iterator[RawRecord]:
        return iter(())

    def events(self) -> Iterator[Event]:
        return generate_shift(3, agents=50, queues=3, hours=8.0)


def _hub_process(pipe: Connection) -> None:
    async def main() -> None:
        feed = PacedFileFeed(_Shift(), EngineConfig(), speed=10.0, rate_hz=RATE_HZ)
        hub = Hub({"main": feed}, TOKEN, rate_hz=RATE_HZ, max_viewers=10_000)
        _, port = await hub.start("127.0.0.1", 0)
        pipe.send(port)
        await asyncio.Event().wait()

    asyncio.run(main())


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _viewer(url: str, counts: list[int], index: int, sizes: list[int]) -> None:
    connection: ClientConnection = await connect(
        url, compression=None, max_size=MAX_BOARD_MESSAGE, open_timeout=60
    )
    async with connection:
        await connection.send(viewer_hello(TOKEN))
        async for message in connection:
            counts[index] += 1
            sizes[0] = len(message)


async def _measure(url: str, pid: int, viewers: int) -> tuple[float, float, float, float]:
    """(boards/s per viewer, hub CPU % per viewer, hub MB per viewer, board bytes)."""
    rss_before = _rss_mb(pid)
    counts = [0] * viewers
    sizes = [0]
    tasks = [asyncio.create_task(_viewer(url, counts, i, sizes)) for i in range(viewers)]
    await asyncio.sleep(SETTLE_S)
    start_counts, start_cpu, started = sum(counts), _cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(MEASURE_S)
    elapsed = time.perf_counter() - started
    rate = (sum(counts) - start_counts) / elapsed / viewers
    cpu_pct = (_cpu_seconds(pid) - start_cpu) / elapsed * 100 / viewers
    mb = (_rss_mb(pid) - rss_before) / viewers
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)  # let the hub forget them before the next round
    return rate, cpu_pct, mb, float(sizes[0])


def run() -> list[BenchResult]:
    with server_process(_hub_process) as (pid, port):
        url = f"ws://127.0.0.1:{port}"
        results: list[BenchResult] = []
        for viewers in VIEWER_COUNTS:
            rate, cpu_pct, mb, board_bytes = asyncio.run(_measure(url, pid, viewers))
            note = f"board {board_bytes / 1024:.1f} KiB msgpack"
            results += [
                BenchResult(
                    f"hub: boards/s per viewer, {viewers} viewers",
                    rate,
                    "Hz",
                    target=">= 3.8 Hz (4 Hz nominal)",
                    met=rate >= 3.8,
                    note=note,
                ),
                BenchResult(f"hub: CPU per viewer, {viewers} viewers", cpu_pct, "% core"),
                BenchResult(f"hub: RSS per viewer, {viewers} viewers", mb * 1024, "KiB"),
            ]
        return results


if __name__ == "__main__":
    for result in run():
        print(f"{result.name:<45} {result.value:10.3f} {result.unit}  {result.note}")
