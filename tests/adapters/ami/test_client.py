"""AmiSource: real pyst2 over real TCP against small AMI servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading

import asterisk.manager
import pytest

from tests.adapters.ami.capture_server import AmiServer, Connection, encode, load_capture
from tests.adapters.ami.test_mapper import README_COUNTS, RUN_A_CONFIG, day_counts
from wallboard.adapters.ami.client import (
    ALLOWED_ACTIONS,
    AmiSource,
    ForbiddenAction,
    _WallboardManager,
)
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import CallerAbandoned, CallerJoined, Event
from wallboard.runtime.config import Settings
from wallboard.status import SourceStatus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST = {
    "connect_timeout_s": 2.0,
    "action_timeout_s": 5.0,
    "ping_interval_s": 0.2,
    "ping_timeout_s": 0.5,
    "backoff_initial_s": 0.02,
    "backoff_max_s": 0.1,
}


def source_for(server: AmiServer, config: EngineConfig = RUN_A_CONFIG, **options) -> AmiSource:
    settings = {**FAST, **options}
    return AmiSource(
        "127.0.0.1", server.port, "wallboard", "wbpass", config, clock=server.clock, **settings
    )


class Run:
    """Everything one consumption of `source.events()` saw."""

    def __init__(self, config: EngineConfig = RUN_A_CONFIG) -> None:
        self.engine = Engine(config)
        self.statuses: list[SourceStatus] = []
        self.events: list[Event] = []
        self.last_at = 0.0

    def apply(self, item: Event | SourceStatus) -> None:
        if isinstance(item, SourceStatus):
            self.statuses.append(item)
            return
        self.events.append(item)
        self.engine.apply(item)
        self.last_at = max(self.last_at, item.at)

    @property
    def states(self) -> list[str]:
        """The connection's states in order (a status that only adds limits is no new state)."""
        states: list[str] = []
        previous: SourceStatus | None = None
        for status in self.statuses:
            if previous is None or (status.state, status.detail) != (
                previous.state,
                previous.detail,
            ):
                states.append(status.state)
            previous = status
        return states

    def snapshot(self) -> dict:
        return self.engine.snapshot(self.last_at)


async def consume(source: AmiSource, run: Run, stop, on_status=None) -> Run:
    """Feed the run until `stop(run)`, within a bound so a broken adapter fails, not hangs."""
    async with asyncio.timeout(60), contextlib.aclosing(source.events()) as items:
        async for item in items:
            run.apply(item)
            if isinstance(item, SourceStatus) and on_status is not None:
                on_status(run, item)
            if stop(run):
                break
    return run


def disconnections(count: int):
    return lambda run: run.states.count("disconnected") >= count


def assert_only_allowed_actions(server: AmiServer) -> None:
    assert server.actions
    assert set(server.actions) <= ALLOWED_ACTIONS


async def test_capture_replay_gives_the_readme_counts(run_a):
    capture = load_capture(run_a)

    async def replay(connection: Connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(capture.blocks)
        connection.close()

    async with capture.server(replay) as server:
        run = await consume(source_for(server), Run(), disconnections(1))
    assert run.states == ["connecting", "resyncing", "live", "disconnected"]
    assert day_counts(run.snapshot()) == README_COUNTS
    assert run.engine.late_events == 0
    assert sorted(run.snapshot()["agents"]) == sorted(
        f"Agent {n}" for n in [*range(101, 107), *range(201, 208)]
    )
    assert server.actions[:4] == ["Login", "Ping", "QueueSummary", "QueueStatus"]
    assert_only_allowed_actions(server)


async def test_drop_mid_shift_reconnects_resyncs_and_counts_right(run_a):
    """Connection 1 dies 30 s before the 120 s snapshot; what happened in between is lost."""
    capture = load_capture(run_a)
    resync_at = capture.snapshot_times["snap-120s"]
    cut, resume = capture.index_after(resync_at - 30), capture.index_after(resync_at)

    async def shift(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number == 0:
            await connection.stream(capture.blocks[:cut])
            connection.server.status_items = capture.status_items("120s")
            connection.server.now = resync_at
        else:
            await connection.stream(capture.blocks[resume:])
        connection.close()

    listed = {"sales": 0, "support": 0}
    for item in capture.status_items("120s"):
        if item[0] == ["Event", "QueueEntry"]:
            listed[dict(item)["Queue"]] += 1
    waiting_after_resync: list[dict[str, int]] = []

    def on_status(run: Run, status: SourceStatus) -> None:
        if status.state == "live" and run.states.count("live") == 2:
            queues = run.engine.snapshot(max(run.last_at, status.at))["queues"]
            waiting_after_resync.append({q: queues[q]["waiting"] for q in listed})

    async with AmiServer(
        session=shift,
        banner=capture.banner,
        status_items=capture.status_items("0s"),
        clock=capture.snapshot_times["snap-0s"],
    ) as server:
        run = await consume(source_for(server), Run(), disconnections(2), on_status)
        assert len(server.connections) == 2
    assert run.states == ["connecting", "resyncing", "live", "disconnected"] * 2
    assert waiting_after_resync == [listed]
    assert sum(listed.values()) > 0

    # Outcomes that happened while disconnected are lost, nothing else.
    lost = {"sales": 0, "support": 0}
    full = AmiMapper(RUN_A_CONFIG)
    for block in capture.blocks[cut:resume]:
        records = [RawRecord(0.0, "ami", p) for p in blocks_from_text(block.decode())]
        for event in (e for r in records for e in full.feed(r)):
            if type(event).__name__ in ("CallerAnswered", "CallerAbandoned", "CallerExited"):
                lost[event.queue] += 1
    snapshot = run.snapshot()
    for queue_name in listed:
        assert (
            snapshot["queues"][queue_name]["day"]["offered"] + lost[queue_name]
            == (README_COUNTS[queue_name]["offered"])
        )
        assert snapshot["queues"][queue_name]["waiting"] == 0
    assert_only_allowed_actions(server)


async def test_refused_login_is_one_clear_error_and_no_retry():
    async with AmiServer(secret="right") as server:
        source = AmiSource("127.0.0.1", server.port, "wallboard", "wrong-secret", EngineConfig())
        run = Run(EngineConfig())
        with pytest.raises(WallboardError) as error:
            await consume(source, run, lambda _run: False)
    message = str(error.value)
    assert (
        message == f"ami://wallboard@127.0.0.1:{server.port}: login refused (Authentication failed)"
    )
    assert "wrong-secret" not in message
    assert "\n" not in message
    assert run.states == ["connecting", "disconnected"]
    assert server.actions == ["Login"]
    assert len(server.connections) == 1


# Source times are real ones: a time before 2000 is no time (docs/INPUT.md).
T0 = 1_732_266_000.0
JOIN = [
    ["Event", "QueueCallerJoin"],
    ["Timestamp", f"{T0 + 100:.1f}"],
    ["Channel", "PJSIP/1-0001"],
    ["Uniqueid", "100.1"],
    ["Queue", "sales"],
]
ABANDON = [
    ["Event", "QueueCallerAbandon"],
    ["Timestamp", f"{T0 + 140:.1f}"],
    ["Uniqueid", "100.1"],
    ["Queue", "sales"],
    ["HoldTime", "40"],
]
ENTRY = [
    ["Event", "QueueEntry"],
    ["Queue", "sales"],
    ["Uniqueid", "100.1"],
    ["Wait", "30"],
    ["ActionID", "x"],
]


async def test_half_event_then_close_is_dropped_and_the_call_survives_the_reconnect():
    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number == 0:
            connection.server.status_items = [ENTRY]
            connection.server.now = T0 + 130
            connection.send(encode(JOIN) + encode(ABANDON)[:40])
            await connection.writer.drain()
            connection.close()
        else:
            connection.send(encode(ABANDON))

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(server, EngineConfig())
        run = await consume(
            source,
            Run(EngineConfig()),
            lambda run: any(isinstance(e, CallerAbandoned) for e in run.events),
        )
    assert [type(e).__name__ for e in run.events] == [
        "CallerJoined",
        "CallerJoined",
        "CallerAbandoned",
    ]
    assert run.events[1] == CallerJoined(T0 + 100, "sales", "100.1")
    day = run.snapshot()["queues"]["sales"]["day"]
    assert (day["offered"], day["abandoned"], run.snapshot()["queues"]["sales"]["waiting"]) == (
        1,
        1,
        0,
    )
    assert run.states[:4] == ["connecting", "resyncing", "live", "disconnected"]
    assert_only_allowed_actions(server)


async def test_unknown_events_and_chanvariable_headers_pass_as_raw_records():
    weird = [
        ["Event", "SomethingFromAsterisk30"],
        ["Timestamp", f"{T0 + 100.5:.1f}"],
        ["ChanVariable", "CALLNUM=7"],
        ["ChanVariable(PJSIP/1-0001)", "CALLNUM=7"],
        ["DestChanVariable", "X=1"],
        ["Note", "one"],
        ["Note", "two"],
    ]

    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        connection.send(encode(weird) + encode([*JOIN, ["ChanVariable", "CALLNUM=7"]]))

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(server, EngineConfig())
        records: list[RawRecord] = []
        async with asyncio.timeout(30), contextlib.aclosing(source.raw()) as stream:
            async for record in stream:
                records.append(record)
                if record.kind == "ami" and record.payload[0] == JOIN[0]:
                    break
    ami = [r.payload for r in records if r.kind == "ami" and r.payload[0][0] == "Event"]
    assert weird in ami
    assert [*JOIN, ["ChanVariable", "CALLNUM=7"]] in ami
    assert AmiMapper(EngineConfig()).feed(RawRecord(0.0, "ami", weird)) == []
    assert_only_allowed_actions(server)


async def test_silent_server_is_detected_by_ping_and_replaced():
    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number == 0:
            connection.send(encode(JOIN))
            connection.silent = True

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(server, EngineConfig())
        run = await consume(source, Run(EngineConfig()), lambda run: run.states.count("live") == 2)
        assert len(server.connections) == 2
    assert run.states == ["connecting", "resyncing", "live", "disconnected"] * 1 + [
        "connecting",
        "resyncing",
        "live",
    ]
    assert "Ping" in next(s for s in run.statuses if s.state == "disconnected").detail
    # The resync says nobody waits any more: the caller seen before the silence is gone.
    assert run.snapshot()["queues"]["sales"]["waiting"] == 0
    assert_only_allowed_actions(server)


async def test_slow_consumer_drops_records_and_resyncs_instead_of_blocking_the_reader():
    flood = [encode([["Event", "VarSet"], ["Uniqueid", str(i)]]) for i in range(2000)]

    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.server.actions.count("QueueStatus") == 1:
            await connection.stream(flood)

    async with AmiServer(session=session, clock=T0 + 100) as server:
        source = source_for(server, EngineConfig(), backlog=50, ping_interval_s=0.05)
        states: list[SourceStatus] = []
        async with asyncio.timeout(30), contextlib.aclosing(source.raw()) as stream:
            async for record in stream:
                if record.kind == "status":
                    states.append(SourceStatus.from_payload(record.payload))
                    if len(states) == 3:
                        await asyncio.sleep(0.5)  # the screen is busy: the backlog overflows
                    if [s.state for s in states].count("live") == 2:
                        break
    assert source.dropped > 0
    assert [s.state for s in states] == ["connecting", "resyncing", "live", "resyncing", "live"]
    assert "dropped" in states[3].detail
    assert server.actions.count("QueueStatus") == 2
    assert_only_allowed_actions(server)


def test_forbidden_actions_are_never_sent():
    manager = _WallboardManager(lambda pairs: None, lambda: None)
    for action in ("QueueReset", "Originate", "Hangup", "QueuePause"):
        with pytest.raises(ForbiddenAction):
            manager.send_action({"Action": action})
    with pytest.raises(ForbiddenAction):
        manager.hangup("PJSIP/1")


def test_from_url_builds_the_label_and_keeps_the_secret_out(monkeypatch):
    monkeypatch.setenv("WALLBOARD_AMI_SECRET", "s3cret")
    source = AmiSource.from_url(
        "ami://wallboard@pbx.example", EngineConfig(), Settings().require_ami_secret
    )
    assert source.label == "ami://wallboard@pbx.example:5038"
    assert "s3cret" not in repr(vars(source).get("label"))
    assert (
        AmiSource.from_url(
            "ami://wb@10.0.0.5:6000", EngineConfig(), Settings().require_ami_secret
        ).label
        == "ami://wb@10.0.0.5:6000"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ami://user:pw@host", "not put the secret in the URL"),
        ("ami://host", "user is missing"),
        ("ami://", "expected ami://USER@HOST"),
        ("ami://u@host:notaport", "bad port"),
    ],
)
def test_from_url_rejects_bad_urls(monkeypatch, url, words):
    monkeypatch.setenv("WALLBOARD_AMI_SECRET", "s3cret")
    with pytest.raises(WallboardError, match=words):
        AmiSource.from_url(url, EngineConfig(), Settings().require_ami_secret)


def test_from_url_without_secret_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("WALLBOARD_AMI_SECRET", raising=False)
    with pytest.raises(WallboardError, match="no AMI secret"):
        AmiSource.from_url("ami://wallboard@host", EngineConfig(), Settings().require_ami_secret)


async def test_plain_pyst2_in_the_same_process_is_unaffected():
    """The workarounds live in a subclass: pyst2 itself is left exactly as shipped."""
    assert "has_key" in asterisk.manager.ManagerMsg.parse.__code__.co_names
    with pytest.raises(AttributeError):
        asterisk.manager.ManagerMsg(["Event: X\r\n", "ChanVariable: A=1\r\n"])

    plain_event = [["Event", "QueueCallerJoin"], ["Queue", "sales"], ["Uniqueid", "1.1"]]

    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        connection.send(encode(plain_event))

    async with AmiServer(session=session, clock=T0 + 100) as server:
        received: queue.Queue[asterisk.manager.Event] = queue.Queue()

        def plain_client() -> tuple[str, str]:
            manager = asterisk.manager.Manager()
            manager.connect("127.0.0.1", server.port)
            manager.register_event("*", lambda event, _m: received.put(event))
            manager.login("wallboard", "wbpass")
            answer = manager.send_action({"Action": "QueueStatus"})
            event = received.get(timeout=10)
            # pyst2's Logoff races its own reader closing the socket file on Goodbye.
            with contextlib.suppress(ValueError):
                manager.close()
            return answer.get_header("Message"), event.get_header("Queue")

        source = source_for(server, EngineConfig())
        async with asyncio.timeout(30), contextlib.aclosing(source.events()) as items:
            async for item in items:
                if isinstance(item, CallerJoined):
                    break
            message, queue_name = await asyncio.to_thread(plain_client)
        assert message == "Queue status will follow"
        assert queue_name == "sales"
        assert threading.active_count() < 50
