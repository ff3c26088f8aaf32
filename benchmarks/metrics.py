"""`/metrics`: the cost of one scrape at 50 queues / 500 agents, and the hub's CPU under scraping.

Scrape cost: rendering the exposition of one board (both formats), CPU time,
best of 20. Baseline, same run: one engine snapshot of the same floor, which
the hub already computes four times a second, so the ratio says how many
boards' worth of work one scrape is.

Hub CPU: a hub process serving a 500-agent, 50-queue synthetic shift in real
time at 4 Hz, with `/metrics` on; rounds of 15 s left alone alternate with
rounds scraped every 5 s (as Prometheus would), twice each. Baseline: the
unscraped rounds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from benchmarks.common import BenchResult, server_process
from benchmarks.hub import _cpu_seconds
from tests.synthetic import generate_shift
from wallboard.adapters.base import RawRecord
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.hub.fanout import Channel
from wallboard.hub.metrics import HubMetrics, SourceView
from wallboard.hub.metrics_http import MetricsEndpoint
from wallboard.hub.protocol import BoardFrame
from wallboard.hub.server import Hub
from wallboard.runtime.feed import BoardUpdate
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.status import SourceStatus

TOKEN = "benchmark-token"
QUEUES, AGENTS = 50, 500
REPEATS = 20
ROUND_S = 15.0
SCRAPE_EVERY_S = 5.0


def _best_ms(work: object, repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        work()  # type: ignore[operator]
        best = min(best, time.process_time() - started)
    return best * 1000


def _scrape_cost() -> list[BenchResult]:
    engine = Engine(EngineConfig())
    last = 0.0
    for event in generate_shift(5, agents=AGENTS, queues=QUEUES, hours=1.0):
        engine.apply(event)
        last = event.at
    snapshot = engine.snapshot(last)
    snapshot["source"], snapshot["alarms"] = "synthetic", []
    channel = Channel("main", "synthetic", 4.0)
    channel.latest = BoardFrame("main", BoardUpdate(snapshot, SourceStatus(time.time(), "live")))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubMetrics(lambda: [SourceView("main", channel, None)]))
    board_ms = _best_ms(lambda: engine.snapshot(last))
    text = generate_latest(registry)
    samples = sum(1 for line in text.splitlines() if not line.startswith(b"#"))
    note = f"{samples:,} samples, {len(text) / 1024:.0f} KiB; baseline: one engine snapshot"
    results = []
    for label, render in (
        ("Prometheus text", generate_latest),
        ("OpenMetrics", generate_openmetrics),
    ):
        ms = _best_ms(lambda render=render: render(registry))
        results.append(
            BenchResult(
                f"metrics: one scrape, {QUEUES} queues / {AGENTS} agents ({label})",
                ms,
                "CPU ms",
                baseline=board_ms,
                note=note,
            )
        )
    return results


class _Shift:
    label = "synthetic:500-agents"

    def raw(self) -> Iterator[RawRecord]:
        return iter(())

    def events(self) -> Iterator[Event]:
        return generate_shift(5, agents=AGENTS, queues=QUEUES, hours=8.0)


def _hub_process(pipe: Connection) -> None:
    async def main() -> None:
        feed = PacedFileFeed(_Shift(), EngineConfig(), speed=1.0, rate_hz=4.0)
        hub = Hub({"main": feed}, TOKEN)
        await hub.start("127.0.0.1", 0)
        views = [SourceView("main", hub.channels["main"], feed.stats)]
        endpoint = MetricsEndpoint(lambda: views, TOKEN)
        _, port = await endpoint.start("127.0.0.1", 0)
        pipe.send(port)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _cpu_rounds(url: str, pid: int) -> tuple[float, float, int]:
    """(CPU % of a core while scraped, while left alone, scrapes made)."""
    scraped_cpu = idle_cpu = scraped_s = idle_s = 0.0
    scrapes = 0
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.sleep(5.0)  # agents log in and queues appear
        for scraping in (False, True, False, True):
            cpu, started = _cpu_seconds(pid), time.perf_counter()
            while (elapsed := time.perf_counter() - started) < ROUND_S:
                if scraping:
                    response = await client.get(url, headers=headers)
                    response.raise_for_status()
                    scrapes += 1
                await asyncio.sleep(min(SCRAPE_EVERY_S, ROUND_S - elapsed))
            used = _cpu_seconds(pid) - cpu
            elapsed = time.perf_counter() - started
            if scraping:
                scraped_cpu, scraped_s = scraped_cpu + used, scraped_s + elapsed
            else:
                idle_cpu, idle_s = idle_cpu + used, idle_s + elapsed
    return scraped_cpu / scraped_s * 100, idle_cpu / idle_s * 100, scrapes


def _hub_cpu() -> BenchResult:
    with server_process(_hub_process) as (pid, port):
        scraped, idle, scrapes = asyncio.run(_cpu_rounds(f"http://127.0.0.1:{port}/metrics", pid))
    return BenchResult(
        f"metrics: hub CPU, scraped every {SCRAPE_EVERY_S:g} s ({QUEUES} q / {AGENTS} agents)",
        scraped,
        "% core",
        baseline=idle,
        note=f"{scrapes} scrapes; baseline: the same hub in rounds not scraped",
    )


def run() -> list[BenchResult]:
    return [*_scrape_cost(), _hub_cpu()]


if __name__ == "__main__":
    for result in run():
        print(f"{result.name:<70} {result.value:8.2f} {result.unit}  {result.baseline}")
