"""The live AMI path end to end: simulator over TCP -> pyst2 AmiSource -> engine.

One simulated run is watched live by the real client while the simulator writes
its queue_log and a second live session is recorded. The three ways of reading
the same run (live AMI, the queue_log file, the recording) must give the same
board.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from wallboard.adapters.ami.client import AmiSource
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.recording import RecordingSource, RecordingWriter
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.runtime.config import AMI_SECRET_ENV, Settings
from wallboard.simulator.model import CallCentre
from wallboard.simulator.sample import engine_config
from wallboard.simulator.scenarios import build_scenario
from wallboard.simulator.server import AmiServer, users_from_env
from wallboard.status import SourceStatus

SIMULATED_S = 25 * 60.0
AGENTS = 11
SPEED = 400.0
SEED = 10  # a run whose surge fills `sales` (maxlen 6): FULL refusals happen
STEP_TIMEOUT_S = 10.0
RUN_TIMEOUT_S = 15.0

# pyst2 0.5.1 calls threading's deprecated isSet()/setDaemon() on every message.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:asterisk.manager")

COUNTS = ("offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "overflow")
# Averages of durations both sources report in the same whole seconds (HoldTime,
# TalkTime, RingTime on AMI; the data fields of CONNECT, ABANDON, EXITWITHTIMEOUT,
# COMPLETE*, RINGNOANSWER in queue_log). Left out: `avg_hold_s` (queue_log has no
# hold events), `acw_s`/`aht_s`/`occupancy` (wraps and agent states are timed by
# event stamps, microseconds on AMI, whole seconds in queue_log).
SAME_AVERAGES = ("asa_s", "avg_abandon_s", "avg_queue_s", "att_s", "avg_ring_s", "transfer_rate")


def _day_figures(snapshot: dict, keys: tuple[str, ...]) -> dict[str, dict]:
    scopes = {**snapshot["queues"], "all": snapshot["all"]}
    return {name: {k: scope["day"][k] for k in keys} for name, scope in scopes.items()}


def _replay(events, config: EngineConfig) -> Engine:
    engine = Engine(config)
    for item in events:
        if not isinstance(item, SourceStatus):
            engine.apply(item)
    return engine


async def _watch(
    source: AmiSource, on_event: Callable[[Event], None], live: asyncio.Event
) -> list[str]:
    """Feed a live session's events until the server closes it; returns the status states."""
    states: list[str] = []
    async with contextlib.aclosing(source.events()) as events:
        async for item in events:
            if not isinstance(item, SourceStatus):
                on_event(item)
                continue
            states.append(item.state)
            if item.state == "live":
                live.set()
            elif item.state == "disconnected":
                return states
    return states


async def _record(source: AmiSource, writer: RecordingWriter, live: asyncio.Event) -> None:
    """`wallboard record` in miniature: every raw record, status records included."""
    async with contextlib.aclosing(source.raw()) as records:
        async for record in records:
            writer.write(record)
            if record.kind == "status":
                state = SourceStatus.from_payload(record.payload).state
                if state == "live":
                    live.set()
                elif state == "disconnected":
                    return


async def test_live_ami_board_equals_the_queue_log_and_the_recording(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(AMI_SECRET_ENV, "e2e-secret")
    scenario = build_scenario("spike", duration_s=SIMULATED_S, agents=AGENTS)
    config = engine_config(scenario)  # the PBX's wrap-up times, which AMI never announces
    settings = Settings(engine=config)
    queue_log_path, recording_path = tmp_path / "queue_log", tmp_path / "live.wbrec"
    live_engine = Engine(config)
    watching = recording = None
    with queue_log_path.open("w", encoding="utf-8") as queue_log:
        server = AmiServer(
            CallCentre(scenario, SEED),
            users_from_env(),
            speed=SPEED,
            queue_log=queue_log,
            max_buffer=1 << 26,  # never drop the reader of a run this fast
        )
        writer = None
        try:
            host, port = await server.start("127.0.0.1", 0)
            url = f"ami://wallboard@{host}:{port}"
            # received_at on the simulated PBX's clock, as it is close to Asterisk's own
            # on a real PBX (status records and the login resync are stamped with it).
            # No reconnection attempt while the sessions wind down after the close.
            options = {"clock": lambda: server.sim_now, "backoff_initial_s": 30.0}
            writer = RecordingWriter(recording_path, source=url, config=config)
            watch_live, record_live = asyncio.Event(), asyncio.Event()
            watching = asyncio.create_task(
                _watch(
                    AmiSource.from_url(url, config, settings.require_ami_secret, **options),
                    live_engine.apply,
                    watch_live,
                )
            )
            recording = asyncio.create_task(
                _record(
                    AmiSource.from_url(url, config, settings.require_ami_secret, **options),
                    writer,
                    record_live,
                )
            )
            # Both sessions logged in and resynced before the first simulated second.
            await asyncio.wait_for(watch_live.wait(), STEP_TIMEOUT_S)
            await asyncio.wait_for(record_live.wait(), STEP_TIMEOUT_S)
            await asyncio.wait_for(server.run(), RUN_TIMEOUT_S)
            end = server.sim_now
            # Closing sends everything still buffered, then EOF: each session's
            # "disconnected" comes after every event it was sent.
            await server.close()
            states = await asyncio.wait_for(watching, STEP_TIMEOUT_S)
            await asyncio.wait_for(recording, STEP_TIMEOUT_S)
        finally:
            for task in (watching, recording):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await server.close()
            if writer is not None:
                writer.close()

    assert states == ["connecting", "resyncing", "live", "disconnected"]
    live = live_engine.snapshot(end)
    from_queue_log = _replay(QueueLogSource(queue_log_path, config).events(), config)
    from_recording = _replay(RecordingSource(recording_path, config).events(), config)
    assert live_engine.late_events == live_engine.unknown_calls == 0
    assert live["all"]["waiting"] == 0 and live["all"]["day"]["offered"] > 30

    # (b) The recording of a second session replays to exactly the live board.
    assert from_recording.snapshot(end) == live

    # (a) queue_log: the same calls with the same outcomes and source durations.
    queue_log_board = from_queue_log.snapshot(end)
    assert _day_figures(queue_log_board, COUNTS) == _day_figures(live, COUNTS)
    assert _day_figures(queue_log_board, SAME_AVERAGES) == _day_figures(live, SAME_AVERAGES)
    # A wrap cut short by the agent's next call ends at that call's stamp, which
    # queue_log has in whole seconds: the mean wrap agrees within a second.
    live_wraps = _day_figures(live, ("acw_s",))
    for name, figures in _day_figures(queue_log_board, ("acw_s",)).items():
        assert 0 < figures["acw_s"] == pytest.approx(live_wraps[name]["acw_s"], abs=1.0), name
    # Asterisk writes nothing to queue_log for a caller refused by a full queue
    # (Queue() returns QUEUESTATUS=FULL before ENTERQUEUE), so blocked calls are
    # seen on AMI only, from `VarSet QUEUESTATUS=FULL`.
    full_refusals = sum(
        1
        for record in RecordingSource(recording_path).raw()
        if record.kind == "ami" and ["Value", "FULL"] in record.payload
    )
    assert live["all"]["day"]["blocked"] == full_refusals > 0
    assert queue_log_board["all"]["day"]["blocked"] == 0
