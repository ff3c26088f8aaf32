"""AMI socket -> engine: how fast, how late, how big.

The real Asterisk 22 capture is served over TCP on 127.0.0.1 by the test
AMI server and read through the whole live path (pyst2 threads, the asyncio
hand-off, the mapper, the engine). Asterisk drops a client that does not read
within its `writetimeout` (100 ms by default), so the latency target is that.
The socket runs happen in a child process so its peak memory is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from benchmarks.common import BenchResult, peak_rss_mb, timed
from benchmarks.earlier import ADAPTERS_BEFORE, earlier_recording_source
from tests.adapters.ami.capture_server import AmiServer, Connection, load_capture
from wallboard.adapters.ami.client import AmiSource
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.recording import RecordingSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.status import SourceStatus

RUN_A = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "asterisk-22-run-a"
SAMPLE = Path(__file__).resolve().parents[1] / "recordings" / "sample-shift.wbrec"
CONFIG = EngineConfig(queues={"support": QueueSettings(wrapup_s=5.0)})
COPIES = 3
RATES = (500.0, 2000.0)
LATENCY_TARGET_MS = 100.0
LATENCY_BLOCKS = 5000


def _source(server: AmiServer) -> AmiSource:
    return AmiSource("127.0.0.1", server.port, "wallboard", "wbpass", CONFIG, clock=server.clock)


def _apply(engine: Engine, mapper: AmiMapper, record: RawRecord) -> None:
    for item in mapper.feed(record):
        if not isinstance(item, SourceStatus):
            engine.apply(item)


async def _throughput(capture: Any) -> dict[str, float]:
    blocks = capture.blocks * COPIES

    async def flood(connection: Connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(blocks)

    engine = Engine(CONFIG)
    mapper = AmiMapper(CONFIG)
    received = 0
    async with (
        AmiServer(session=flood, clock=capture.snapshot_times["snap-0s"]) as server,
        contextlib.aclosing(_source(server).raw()) as records,
    ):
        async for record in records:
            if record.kind == "ami" and received == 0:
                started = time.perf_counter()
            if record.kind == "ami":
                received += 1
            _apply(engine, mapper, record)
            if received >= len(blocks):
                break
    return {"records_per_s": received / (time.perf_counter() - started)}


async def _latency(capture: Any, rate: float) -> dict[str, float]:
    blocks = (capture.blocks * 2)[:LATENCY_BLOCKS]
    sent: list[float] = []

    async def paced(connection: Connection) -> None:
        await connection.status_answered.wait()
        await asyncio.sleep(0.2)
        start = time.monotonic()
        for i, block in enumerate(blocks):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent.append(time.monotonic())
            connection.send(block)

    engine = Engine(CONFIG)
    mapper = AmiMapper(CONFIG)
    latencies: list[float] = []
    live = False
    async with (
        AmiServer(session=paced, clock=capture.snapshot_times["snap-0s"]) as server,
        contextlib.aclosing(_source(server).raw()) as records,
    ):
        async for record in records:
            _apply(engine, mapper, record)
            if record.kind == "status" and record.payload["state"] == "live":
                live = True
            elif live and record.kind == "ami":
                latencies.append(time.monotonic() - sent[len(latencies)])
                if len(latencies) == len(blocks):
                    break
    latencies.sort()
    return {
        f"p50_ms@{rate:g}": 1000 * statistics.median(latencies),
        f"p99_ms@{rate:g}": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def measure() -> dict[str, float]:
    """The socket figures, in this process (run as a child by `run`)."""
    warnings.simplefilter("ignore", DeprecationWarning)
    capture = load_capture(RUN_A)
    figures = asyncio.run(_throughput(capture))
    for rate in RATES:
        figures.update(asyncio.run(_latency(capture, rate)))
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def _mapper_rate() -> float:
    text = gzip.decompress((RUN_A / "ami-capture.raw.gz").read_bytes()).decode()
    records = [RawRecord(0.0, "ami", block) for block in blocks_from_text(text)]
    best = 0.0
    for _ in range(3):
        mapper = AmiMapper(CONFIG)
        seconds, _ = timed(lambda m=mapper: [m.feed(r) for r in records])
        best = max(best, len(records) / seconds)
    return best


def _sample_cpu(source_type: Any) -> tuple[float, str]:
    """CPU seconds to read the sample recording through `source_type`, and what it gave."""
    started = time.process_time()
    items = list(source_type(SAMPLE).events())
    return time.process_time() - started, repr(items)


def sample_mapping() -> BenchResult:
    """The AMI side of `wallboard metrics` on the sample: decode, checks and the mapper.

    The baseline is the same reading through the adapters of
    `earlier.ADAPTERS_BEFORE`, alternated, best of five each.
    """
    before = earlier_recording_source()
    runs: list[float] = []
    baseline_runs: list[float] = []
    same = True
    for _ in range(5):
        if before is not None:
            seconds, earlier_items = _sample_cpu(before)
            baseline_runs.append(seconds)
        seconds, items = _sample_cpu(RecordingSource)
        runs.append(seconds)
        same = same and (before is None or items == earlier_items)
    ms = min(runs) * 1000
    baseline = min(baseline_runs) * 1000 if baseline_runs else None
    return BenchResult(
        "ami: sample recording -> events (decode, checks, mapper)",
        ms,
        "CPU ms",
        baseline=baseline,
        note=(
            f"recordings/sample-shift.wbrec (21,791 records), best of 5; baseline = the "
            f"adapters of commit {ADAPTERS_BEFORE}, alternated"
            + ("; the same events" if same else "; THE EVENTS DIFFER")
            if before is not None
            else f"no baseline ({ADAPTERS_BEFORE} not in git)"
        ),
    )


def run() -> list[BenchResult]:
    if not RUN_A.is_dir():
        return [BenchResult("ami: skipped", 0, "", note=f"{RUN_A} is absent")]
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.ami"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    mapper_rate = _mapper_rate()
    return [
        sample_mapping(),
        BenchResult(
            "ami: mapper, capture records/s (pure)",
            mapper_rate,
            "rec/s",
            target=">= 100,000 rec/s",
            met=mapper_rate >= 100_000,
        ),
        BenchResult(
            "ami: socket -> pyst2 -> mapper -> engine",
            figures["records_per_s"],
            "rec/s",
            target=f">= {max(RATES):,.0f} rec/s (the sustained-rate target)",
            met=figures["records_per_s"] >= max(RATES),
            note=f"{COPIES} x the 10,449-block capture, as fast as it can be read: "
            "the maximum sustainable rate",
        ),
        *(
            BenchResult(
                f"ami: latency {pct} at {rate:,.0f} rec/s",
                figures[f"{pct}_ms@{rate:g}"],
                "ms",
                target=f"< {LATENCY_TARGET_MS:g} ms (Asterisk writetimeout)",
                met=figures[f"{pct}_ms@{rate:g}"] < LATENCY_TARGET_MS,
                note=(
                    f"{LATENCY_BLOCKS:,} blocks paced; server write -> event applied to "
                    "the engine (the next 4 Hz board shows it)"
                ),
            )
            for rate in RATES
            for pct in ("p50", "p99")
        ),
        BenchResult(
            "ami: peak RSS of the socket runs",
            figures["peak_rss_mb"],
            "MB",
            target="< 200 MB",
            met=figures["peak_rss_mb"] < 200,
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(measure()))
