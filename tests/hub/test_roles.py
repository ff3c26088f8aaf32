"""Scoped tokens and roles over real websockets on 127.0.0.1, on the real sample shift.

The hub replays recordings/sample-shift.wbrec (3 queues, 40 agents) through
the engine and the built-in alarm rules; every frame a scoped viewer gets is
checked, a viewer's acknowledgement closes it, and a supervisor's reaches
every other viewer and `wallboard alerts ws://...` with who and when.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

from tests.hub.conftest import TIMEOUT_S, TOKEN, boards_until, next_frame, open_viewer
from tests.hub.test_server import closed_with
from wallboard.alarms import AlarmStepper, load_rules
from wallboard.engine.settings import EngineConfig
from wallboard.hub import protocol
from wallboard.hub.access import Access, Grant, Scope, TokenEntry, hash_token, new_token
from wallboard.hub.scope import SNAPSHOT_KEYS, scoped_board
from wallboard.runtime.feed import BoardUpdate
from wallboard.runtime.sources import open_file_source
from wallboard.runtime.step import BoardStep
from wallboard.status import SourceStatus

SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"
QUEUES = ("billing", "sales", "support")


class Tokens:
    """The hub's tokens file, as entries, and the tokens their holders were given."""

    def __init__(self) -> None:
        self.entries: list[TokenEntry] = []
        self.tokens: dict[str, str] = {}

    def add(self, name: str, role: Any = "viewer", **scope: tuple[str, ...]) -> None:
        token, token_id = new_token()
        self.entries.append(
            TokenEntry(Grant(name, role, Scope(**scope)), token_id, hash_token(token))
        )
        self.tokens[name] = token

    def access(self) -> Access:
        return Access(self.entries, TOKEN)


@pytest.fixture(scope="module")
def tokens() -> Tokens:
    tokens = Tokens()
    tokens.add("alice", "supervisor")
    tokens.add("bob", "supervisor", queues=("sales",))
    tokens.add("sales-wall", queues=("sales",))
    tokens.add("billing-wall", queues=("billing",))
    tokens.add("east-only", sources=("east",))
    tokens.add("nowhere", sources=("north",))
    return tokens


class SampleFeed:
    """The first 40 minutes of the sample shift through the engine and the built-in rules.

    A board every 20 s of source time (yielding to the loop between boards), then
    the last one as "ended", with alarms of every queue firing; its stepper stays
    for supervisors' acknowledgements, as a file feed's does.
    """

    def __init__(
        self, until_s: float = 2400.0, every_s: float = 20.0, go: asyncio.Event | None = None
    ) -> None:
        self.label = str(SAMPLE)
        self.alarms: AlarmStepper | None = None
        self._until_s = until_s
        self._every_s = every_s
        self._go = go  # when given, the first board waits for it (viewers in place)

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        if self._go is not None:
            async with asyncio.timeout(TIMEOUT_S):
                await self._go.wait()
        step = BoardStep(EngineConfig(), self.label, AlarmStepper.factory(load_rules(None)))
        self.alarms = step.stepper
        live = SourceStatus(time.time(), "live")
        transitions: list[dict[str, Any]] = []
        start = due = None
        for event in open_file_source(str(SAMPLE)).events():
            if isinstance(event, SourceStatus):
                continue
            start = event.at if start is None else start
            due = start + self._every_s if due is None else due
            if event.at > start + self._until_s:
                break
            while event.at > due:
                yield step.board(due, live, transitions)
                transitions = []
                due += self._every_s
                await asyncio.sleep(0)
            transitions += step.apply(event) or ()
        assert start is not None
        end = start + self._until_s
        yield step.board(end, SourceStatus(time.time(), "ended"), transitions)


async def ended(hub: Any, source: str = "main") -> dict[str, Any]:
    """The final board of a file feed, once the hub has it."""
    channel = hub.channels[source]
    async with asyncio.timeout(TIMEOUT_S):
        while channel.latest is None or channel.latest.update.status.state != "ended":
            await asyncio.sleep(0.02)
    return channel.latest.update.snapshot


async def every_frame(viewer: Any) -> list[tuple[bytes, dict[str, Any]]]:
    """Every frame (raw and decoded) until the board of the feed's end."""
    frames = []
    async with asyncio.timeout(60):
        while True:
            raw = await viewer.recv()
            frame = protocol.decode(raw)
            frames.append((raw, frame))
            if frame["type"] == "board" and frame["status"]["state"] == "ended":
                return frames


async def test_a_scoped_token_gets_only_its_queues_in_every_frame(start_hub, tokens):
    # The feed starts once both viewers are in: under load their token checks could
    # outlast the whole feed, leaving them its last board only.
    go = asyncio.Event()
    hub, url = await start_hub({"main": SampleFeed(go=go)}, access=tokens.access(), rate_hz=1000.0)
    scoped = await open_viewer(url, tokens.tokens["sales-wall"])
    everyone = await open_viewer(url)
    async with asyncio.timeout(TIMEOUT_S):
        while len(hub.viewers) < 2:
            await asyncio.sleep(0.01)
    go.set()
    scoped_frames, all_frames = await asyncio.gather(every_frame(scoped), every_frame(everyone))

    hello = scoped_frames[0][1]
    assert hello["viewer"] == {
        "name": "sales-wall",
        "role": "viewer",
        "scope": {"sources": None, "queues": ["sales"], "teams": None},
    }
    boards = [(raw, f) for raw, f in scoped_frames if f["type"] == "board"]
    assert len(boards) >= 10
    transitions = 0
    for raw, frame in boards:
        snapshot = frame["snapshot"]
        assert b"billing" not in raw and b"support" not in raw
        assert set(snapshot) <= set(SNAPSHOT_KEYS)
        assert set(snapshot["queues"]) <= {"sales"}
        assert set(snapshot["config"]["queues"]) <= {"sales"}
        assert all(row["queues"] == ["sales"] for row in snapshot["agents"].values())
        assert all(alarm["queue"] == "sales" for alarm in snapshot["alarms"])
        assert all(t["queue"] == "sales" for t in frame["transitions"])
        transitions += len(frame["transitions"])
        # The sales queue's own row, and an `all` of sales alone.
        assert snapshot["all"]["waiting"] == snapshot["queues"]["sales"]["waiting"]
        assert (
            snapshot["all"]["window"]["offered"]
            == (snapshot["queues"]["sales"]["window"]["offered"])
        )
    assert transitions > 0
    # Whoever sees everything saw the other queues all along (so the checks above could fail)...
    full = {f["snapshot"]["at"]: f for _, f in all_frames if f["type"] == "board"}
    assert all(set(f["snapshot"]["queues"]) == set(QUEUES) for f in full.values())
    assert any(t["queue"] != "sales" for f in full.values() for t in f["transitions"])
    # ...and each board the scoped viewer got is the scope's cut of the board everyone got.
    same = [f for _, f in boards if f["snapshot"]["at"] in full]
    assert same
    for frame in same:
        snapshot = full[frame["snapshot"]["at"]]["snapshot"]
        expected, _ = scoped_board(snapshot, (), Scope(queues=("sales",)))
        assert frame["snapshot"] == msgpack.unpackb(msgpack.packb(expected))
    await scoped.close()
    await everyone.close()


@pytest.mark.parametrize("holder", ["sales-wall", "shared hub token"])
async def test_a_viewer_cannot_acknowledge_or_silence(start_hub, tokens, holder):
    feed = SampleFeed()
    hub, url = await start_hub({"main": feed}, access=tokens.access())
    await ended(hub)
    token = TOKEN if holder == "shared hub token" else tokens.tokens[holder]
    bystander = await open_viewer(url)
    for kind in ("acknowledge", "silence"):
        viewer = await open_viewer(url, token)
        await next_frame(viewer)
        first = (await next_frame(viewer))["snapshot"]["alarms"][0]
        await viewer.send(protocol.alarm_action(kind, first["fingerprint"], duration_s=600.0))
        code, reason, _ = await closed_with(viewer)
        assert (code, reason) == (
            protocol.CLOSE_NOT_ALLOWED,
            f"role viewer may not {kind} alarms (read-only)",
        )
    assert feed.alarms is not None
    assert all(a["acknowledged_by"] is None for a in feed.alarms.active())
    assert all(a["silenced_until"] is None for a in feed.alarms.active())
    await next_frame(bystander)  # its hello, then its board: no transition came after
    board = await next_frame(bystander)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await bystander.recv()
    assert board["transitions"] == []
    await bystander.close()


async def alerts_process(url: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wallboard.cli", "alerts", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**env, "WALLBOARD_HUB_TOKEN": TOKEN},
    )  # fmt: skip


async def alert_line(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    async with asyncio.timeout(TIMEOUT_S):
        line = await process.stdout.readline()
    assert line, "wallboard alerts ended early"
    return json.loads(line)


async def test_a_supervisors_acknowledgement_reaches_50_viewers_and_the_alert_stream(
    start_hub, tokens
):
    feed = SampleFeed()
    hub, url = await start_hub({"main": feed}, access=tokens.access())
    final = await ended(hub)
    billing = next(a for a in final["alarms"] if a["queue"] == "billing")
    pager = await alerts_process(url)
    try:
        active = [await alert_line(pager) for _ in final["alarms"]]
        assert {(t["kind"], t["fingerprint"]) for t in active} == {
            ("active", a["fingerprint"]) for a in final["alarms"]
        }
        holders = [TOKEN] * 40 + [tokens.tokens["billing-wall"]] * 10
        viewers = [await open_viewer(url, token) for token in holders]
        sales_only = await open_viewer(url, tokens.tokens["sales-wall"])
        for viewer in [*viewers, sales_only]:
            await next_frame(viewer)  # hello
            assert (await next_frame(viewer))["type"] == "board"
        alice = await open_viewer(url, tokens.tokens["alice"])
        assert (await next_frame(alice))["viewer"]["role"] == "supervisor"
        await next_frame(alice)
        await alice.send(protocol.alarm_action("acknowledge", billing["fingerprint"], request=1))
        answer = await boards_or_result(alice)
        assert answer == {
            "type": "result",
            "id": 1,
            "ok": True,
            "message": f"acknowledged {billing['rule']} (billing)",
        }

        def acknowledged(frame: dict[str, Any]) -> bool:
            return any(t["kind"] == "acknowledged" for t in frame["transitions"])

        at = final["at"]
        for viewer in viewers:
            frame = (await boards_until(viewer, acknowledged))[-1]
            (transition,) = frame["transitions"]
            assert transition["kind"] == "acknowledged"
            assert (transition["fingerprint"], transition["by"]) == (
                billing["fingerprint"],
                "alice",
            )
            assert transition["at"] == at  # when: the source's time (the shift's last instant)
            row = next(
                a for a in frame["snapshot"]["alarms"] if a["fingerprint"] == billing["fingerprint"]
            )
            assert (row["acknowledged_by"], row["acknowledged_at"]) == ("alice", at)
        line = await alert_line(pager)
        assert (line["kind"], line["fingerprint"], line["by"], line["at"]) == (
            "acknowledged",
            billing["fingerprint"],
            "alice",
            at,
        )
        # The sales wall sees the board move on (billing's row is not its to see), no transition.
        frame = await next_frame(sales_only)
        assert frame["transitions"] == []
        assert all(a["queue"] == "sales" for a in frame["snapshot"]["alarms"])

        # A silence goes the same way, with its end.
        await alice.send(
            protocol.alarm_action("silence", billing["fingerprint"], duration_s=900, request=2)
        )
        assert (await boards_or_result(alice))["message"] == (
            f"silenced {billing['rule']} (billing) for 15 min"
        )
        for viewer in viewers:
            frame = (await boards_until(viewer, lambda f: bool(f["transitions"])))[-1]
            (transition,) = frame["transitions"]
            assert (transition["kind"], transition["by"], transition["until"]) == (
                "silenced",
                "alice",
                at + 900,
            )
        line = await alert_line(pager)
        assert (line["kind"], line["by"], line["until"]) == ("silenced", "alice", at + 900)
        for viewer in [*viewers, sales_only, alice]:
            await viewer.close()
    finally:
        pager.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT_S):
            _, errors = await pager.communicate()
    assert pager.returncode == 0, errors.decode()


async def boards_or_result(viewer: Any) -> dict[str, Any]:
    """The next result frame, skipping boards."""
    for _ in range(100):
        frame = await next_frame(viewer)
        if frame["type"] == "result":
            return frame
    raise AssertionError("no result frame")


async def test_a_supervisor_acts_only_within_its_scope(start_hub, tokens):
    feed = SampleFeed()
    hub, url = await start_hub({"main": feed}, access=tokens.access())
    final = await ended(hub)
    billing = next(a for a in final["alarms"] if a["queue"] == "billing")
    sales = next(a for a in final["alarms"] if a["queue"] == "sales")
    bob = await open_viewer(url, tokens.tokens["bob"])
    await next_frame(bob)
    await bob.send(protocol.alarm_action("acknowledge", billing["fingerprint"], request=5))
    refused = await boards_or_result(bob)
    assert (refused["id"], refused["ok"]) == (5, False)
    assert refused["message"] == f"no alarm {billing['fingerprint']} of yours is firing on main"
    assert feed.alarms is not None
    assert all(a["acknowledged_by"] is None for a in feed.alarms.active())
    await bob.send(protocol.alarm_action("acknowledge", sales["fingerprint"], request=6))
    assert (await boards_or_result(bob))["ok"] is True
    by = {a["fingerprint"]: a["acknowledged_by"] for a in feed.alarms.active()}
    assert by[sales["fingerprint"]] == "bob" and by[billing["fingerprint"]] is None
    # Acknowledging twice is fine; an alarm that is not firing is not.
    await bob.send(protocol.alarm_action("acknowledge", "0" * 16, request=7))
    assert (await boards_or_result(bob))["ok"] is False
    await bob.close()


async def test_sources_outside_the_scope_do_not_exist_for_the_token(start_hub, tokens):
    hub, url = await start_hub({"east": SampleFeed(), "west": SampleFeed()}, access=tokens.access())
    east = await open_viewer(url, tokens.tokens["east-only"])
    hello = await next_frame(east)
    assert (hello["sources"], hello["source"]) == ({"east": "east"}, "east")
    await east.send(protocol.subscribe("west"))
    assert (await closed_with(east))[:2] == (protocol.CLOSE_UNKNOWN_SOURCE, "unknown source 'west'")
    west = await open_viewer(f"{url}/west", tokens.tokens["east-only"])
    assert (await closed_with(west))[:2] == (protocol.CLOSE_UNKNOWN_SOURCE, "unknown source 'west'")
    lost = await open_viewer(url, tokens.tokens["nowhere"])
    assert (await closed_with(lost))[:2] == (
        protocol.CLOSE_UNKNOWN_SOURCE,
        "this token may see no source of this hub",
    )
    # The same answers for a web page asking to show a source (serve --web).
    assert await hub.allows(tokens.tokens["east-only"], "east")
    assert await hub.allows(tokens.tokens["east-only"], None)
    assert not await hub.allows(tokens.tokens["east-only"], "west")
    assert not await hub.allows(tokens.tokens["nowhere"], None)
    assert not await hub.allows(tokens.tokens["alice"] + "x", None)
    assert await hub.allows(TOKEN, "west")
