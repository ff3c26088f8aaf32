"""The hub over real websockets on 127.0.0.1: hello, boards, refusals, limits, slow viewers."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.hub.conftest import TOKEN, DrivenFeed, board, boards_until, next_frame, open_viewer
from wallboard import __version__
from wallboard.hub import protocol
from wallboard.hub.server import WRITE_LIMIT


async def closed_with(connection) -> tuple[int, str, int]:
    """(close code, reason, frames received before the close)."""
    received = 0
    try:
        async with asyncio.timeout(10):
            async for _ in connection:
                received += 1
    except ConnectionClosed as exc:
        return exc.rcvd.code, exc.rcvd.reason, received
    return connection.close_code, connection.close_reason, received


async def logged(caplog, text: str) -> bool:
    """The server logs just after closing; give it a moment (bounded)."""
    for _ in range(200):
        if text in caplog.text:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_viewer_gets_versioned_hello_then_the_current_board(start_hub):
    feed = DrivenFeed("queue_log:/var/log/asterisk/queue_log")
    feed.put(board(1))
    _, url = await start_hub({"main": feed})
    viewer = await open_viewer(url)
    hello = await next_frame(viewer)
    assert hello == {
        "type": "hello",
        "protocol": protocol.PROTOCOL_VERSION,
        "server": f"wallboard {__version__}",
        "sources": {"main": "main"},  # never where the source is (docs/HUB.md)
        "source": "main",
        "viewer": {
            "name": "hub token",
            "role": "viewer",
            "scope": {"sources": None, "queues": None, "teams": None},
        },
    }
    first = await next_frame(viewer)
    assert first["type"] == "board"
    assert first["snapshot"]["seq"] == 1
    assert first["status"]["state"] == "live"
    feed.put(board(2))
    assert (await next_frame(viewer))["snapshot"]["seq"] == 2
    await viewer.close()


async def test_alarm_transitions_are_sent_at_once_whatever_the_rate(start_hub):
    feed = DrivenFeed()
    _, url = await start_hub({"main": feed}, rate_hz=0.01)  # one board per 100 s
    viewer = await open_viewer(url)
    await next_frame(viewer)
    feed.put(board(1))
    assert (await next_frame(viewer))["snapshot"]["seq"] == 1
    feed.put(board(2))  # due in 100 s: held back
    alarm = {"rule": "sl-low", "queue": "support", "state": "raised"}
    feed.put(board(3, transitions=[alarm]))
    urgent = await next_frame(viewer)
    assert urgent["snapshot"]["seq"] == 3
    assert urgent["transitions"] == [alarm]
    await viewer.close()


@pytest.mark.parametrize(
    ("token", "code", "reason"),
    [
        (None, protocol.CLOSE_TOKEN_MISSING, "token required"),
        ("", protocol.CLOSE_TOKEN_MISSING, "token required"),
        ("wrong-token", protocol.CLOSE_TOKEN_INVALID, "invalid token"),
        (TOKEN[:-1], protocol.CLOSE_TOKEN_INVALID, "invalid token"),
    ],
)
async def test_viewer_without_the_right_token_is_closed_and_told_nothing(
    start_hub, caplog, token, code, reason
):
    feed = DrivenFeed()
    feed.put(board(1))
    _, url = await start_hub({"main": feed})
    caplog.set_level(logging.INFO, logger="wallboard.hub")
    viewer = await open_viewer(url, token)
    assert await closed_with(viewer) == (code, reason, 0)
    assert await logged(caplog, reason)
    assert TOKEN not in caplog.text
    if token:
        assert token not in caplog.text


async def test_garbage_first_frame_counts_as_no_token(start_hub):
    _, url = await start_hub({"main": DrivenFeed()})
    async with connect(url) as viewer:
        await viewer.send("hello, let me in")
        assert (await closed_with(viewer))[:1] == (protocol.CLOSE_TOKEN_MISSING,)


async def test_oversized_frame_is_refused(start_hub, caplog):
    _, url = await start_hub({"main": DrivenFeed()})
    caplog.set_level(logging.WARNING, logger="wallboard.hub")
    async with connect(url, compression=None) as viewer:
        await viewer.send(b"\x00" * (protocol.MAX_VIEWER_MESSAGE + 1))
        code, _, received = await closed_with(viewer)
    assert (code, received) == (1009, 0)
    assert await logged(caplog, "larger than")


async def test_silent_viewer_is_closed_after_the_hello_timeout(start_hub, monkeypatch):
    monkeypatch.setattr("wallboard.hub.server.HELLO_TIMEOUT_S", 0.2)
    _, url = await start_hub({"main": DrivenFeed()})
    async with connect(url) as viewer:
        assert (await closed_with(viewer))[::2] == (protocol.CLOSE_HELLO_TIMEOUT, 0)


async def test_token_may_come_in_an_authorization_header(start_hub):
    feed = DrivenFeed()
    feed.put(board(1))
    _, url = await start_hub({"main": feed})
    viewer = await open_viewer(url, None, additional_headers={"Authorization": f"Bearer {TOKEN}"})
    assert (await next_frame(viewer))["type"] == "hello"
    await viewer.close()
    wrong = await open_viewer(url, None, additional_headers={"Authorization": "Bearer nope"})
    assert (await closed_with(wrong))[0] == protocol.CLOSE_TOKEN_INVALID


async def test_unsupported_protocol_version_and_unknown_source_are_refused(start_hub):
    _, url = await start_hub({"a": DrivenFeed(), "b": DrivenFeed()})
    async with connect(url) as viewer:
        await viewer.send(protocol.encode({"type": "hello", "protocol": 99, "token": TOKEN}))
        assert (await closed_with(viewer))[0] == protocol.CLOSE_BAD_VERSION
    unknown = await open_viewer(f"{url}/nowhere")
    assert (await closed_with(unknown))[:2] == (
        protocol.CLOSE_UNKNOWN_SOURCE,
        "unknown source 'nowhere'",
    )


async def test_viewers_choose_a_source_by_path_or_by_subscribing(start_hub):
    first, second = DrivenFeed("pbx-1"), DrivenFeed("pbx-2")
    first.put(board(10))
    second.put(board(20))
    _, url = await start_hub({"one": first, "two": second})
    viewer = await open_viewer(f"{url}/two")
    assert (await next_frame(viewer))["source"] == "two"
    assert (await next_frame(viewer))["snapshot"]["seq"] == 20
    await viewer.send(protocol.subscribe("one"))
    assert (await next_frame(viewer))["source"] == "one"
    switched = await next_frame(viewer)
    assert (switched["source"], switched["snapshot"]["seq"]) == ("one", 10)
    second.put(board(21))
    first.put(board(11))
    assert (await next_frame(viewer))["snapshot"]["seq"] == 11
    await viewer.close()


async def test_viewer_cannot_send_anything_but_subscribe(start_hub):
    feed = DrivenFeed()
    feed.put(board(1))
    hub, url = await start_hub({"main": feed})
    bystander = await open_viewer(url)
    intruder = await open_viewer(url)
    await next_frame(intruder)
    await intruder.send(protocol.encode({"type": "apply", "event": {"queue": "support"}}))
    code, reason, _ = await closed_with(intruder)
    assert code == protocol.CLOSE_BAD_FRAME
    assert reason == "viewers may send subscribe, acknowledge or silence, not 'apply'"
    feed.put(board(2))
    frames = await boards_until(bystander, lambda f: f["snapshot"]["seq"] == 2)
    assert [f["snapshot"] for f in frames] == [board(1).snapshot, board(2).snapshot]
    assert len(hub.viewers) == 1
    await bystander.close()


async def test_viewers_beyond_the_limit_are_asked_to_try_later(start_hub):
    hub, url = await start_hub({"main": DrivenFeed()}, max_viewers=2)
    admitted = [await open_viewer(url) for _ in range(2)]
    for viewer in admitted:
        assert (await next_frame(viewer))["type"] == "hello"
    extra = await open_viewer(url)
    assert (await closed_with(extra))[0] == protocol.CLOSE_HUB_FULL
    await admitted[0].close()
    await admitted[0].wait_closed()
    for _ in range(200):  # the hub notices the departure shortly
        if len(hub.viewers) < 2:
            break
        await asyncio.sleep(0.01)
    late = await open_viewer(url)
    assert (await next_frame(late))["type"] == "hello"
    await late.close()
    await admitted[1].close()


async def test_browser_origins_are_refused_unless_allowed(start_hub):
    _, url = await start_hub({"main": DrivenFeed()}, allowed_origins=["https://wall.example"])
    with pytest.raises(InvalidStatus) as refused:
        await connect(url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    allowed = await open_viewer(url, origin="https://wall.example")
    assert (await next_frame(allowed))["type"] == "hello"
    await allowed.close()


async def test_stalled_viewer_neither_delays_the_others_nor_grows_memory(start_hub):
    feed = DrivenFeed()
    hub, url = await start_hub({"main": feed}, rate_hz=10_000)
    count, pad = 120, 16 * 1024
    # The stalled viewer's socket takes almost nothing and its client reads one frame ahead.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    stalled = await open_viewer(url, sock=sock, max_queue=1)
    others = [await open_viewer(url) for _ in range(3)]
    for viewer in others:
        await next_frame(viewer)
    readers = [
        asyncio.create_task(boards_until(v, lambda f: f["snapshot"]["seq"] == count - 1))
        for v in others
    ]
    for seq in range(count):
        feed.put(board(seq, pad=pad))
        await asyncio.sleep(0)
    async with asyncio.timeout(30):
        received = await asyncio.gather(*readers)
    # Every other viewer reached the final board while the stalled one read nothing.
    assert all(frames[-1]["snapshot"]["seq"] == count - 1 for frames in received)
    (stuck,) = [v for v in hub.viewers if v.connection.remote_address[1] == sock.getsockname()[1]]
    assert stuck.sent < count // 2
    assert stuck.connection.transport.get_write_buffer_size() <= WRITE_LIMIT + 2 * pad
    assert stuck.slot.pending is not None
    assert stuck.slot.pending.update.snapshot["seq"] == count - 1
    # Once it reads again it catches up to the latest board, skipping the backlog.
    caught_up = await boards_until(stalled, lambda f: f["snapshot"]["seq"] == count - 1)
    assert len(caught_up) < count // 2
    for viewer in [stalled, *others]:
        await viewer.close()


async def test_departed_viewers_are_forgotten(start_hub):
    feed = DrivenFeed()
    hub, url = await start_hub({"main": feed})
    viewers = [await open_viewer(url) for _ in range(5)]
    for viewer in viewers:
        await next_frame(viewer)
        await viewer.close()
    for _ in range(200):
        if not hub.viewers:
            break
        await asyncio.sleep(0.01)
    assert not hub.viewers
    assert not hub.channels["main"].slots
