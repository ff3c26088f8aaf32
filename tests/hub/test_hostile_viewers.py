"""Viewers that stall, probe or pry (issue 12: items 8, 9, 12), over real websockets."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.hub.conftest import TOKEN, DrivenFeed, board, next_frame, open_viewer
from tests.hub.test_server import closed_with
from wallboard.engine.settings import EngineConfig
from wallboard.hub import protocol
from wallboard.runtime.config import HUB_TOKEN_ENV
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.runtime.sources import open_file_source

WALLBOARD = Path(sys.executable).with_name("wallboard")


async def stalled_viewer(url: str):
    """A viewer that stops reading at once: a tiny socket buffer, one frame taken, no more.

    Its client parses nothing once one message waits unread, so it answers no ping either.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    return await open_viewer(url, sock=sock, max_queue=1)


async def until(condition, what: str, limit_s: float = 20.0) -> None:
    async with asyncio.timeout(limit_s):
        while not condition():
            await asyncio.sleep(0.05)


async def test_stalled_viewers_are_closed_and_free_their_slots(start_hub, caplog):
    feed = DrivenFeed()
    hub, url = await start_hub(
        {"main": feed}, rate_hz=10_000, max_viewers=5, stall_timeout_s=1.0, ping_interval_s=60.0
    )
    stalled = [await stalled_viewer(url) for _ in range(5)]
    await until(lambda: len(hub.viewers) == 5, "five viewers")
    seq = 0

    def stuffed() -> bool:  # boards keep coming: the stalled sockets fill up
        nonlocal seq
        seq += 1
        feed.put(board(seq, pad=16 * 1024))
        return not hub.viewers

    await until(stuffed, "the stalled viewers to be closed")
    assert caplog.text.count("stalled: it took nothing for 1 s; closed") == 5
    late = await open_viewer(url)
    assert (await next_frame(late))["type"] == "hello"  # a slot is free again
    await late.close()
    for viewer in stalled:
        viewer.transport.abort()


async def test_a_viewer_that_answers_no_ping_is_closed_on_an_idle_source(start_hub):
    feed = DrivenFeed()
    feed.put(board(1))
    hub, url = await start_hub({"main": feed}, max_viewers=1, ping_interval_s=0.5)
    stuck = await stalled_viewer(url)
    await until(lambda: len(hub.viewers) == 1, "the viewer")
    await until(lambda: not hub.viewers, "the unanswered pings to close it", limit_s=10.0)
    stuck.transport.abort()


@pytest.mark.parametrize("version", [True, 1.0, "1", 2, None])
async def test_only_the_integer_protocol_version_is_accepted(start_hub, version):
    _, url = await start_hub({"main": DrivenFeed()})
    viewer = await connect(url, compression=None)
    await viewer.send(protocol.encode({"type": "hello", "protocol": version, "token": TOKEN}))
    assert (await closed_with(viewer))[0] == protocol.CLOSE_BAD_VERSION


async def test_subscribes_are_rate_limited(start_hub):
    _, url = await start_hub({"one": DrivenFeed(), "two": DrivenFeed()})
    viewer = await open_viewer(url)
    assert (await next_frame(viewer))["type"] == "hello"
    for n in range(protocol.SUBSCRIBE_BURST):
        await viewer.send(protocol.subscribe("two" if n % 2 == 0 else "one"))
        assert (await next_frame(viewer))["type"] == "hello"
    await viewer.send(protocol.subscribe("two"))
    code, reason, _ = await closed_with(viewer)
    assert code == protocol.CLOSE_TOO_MANY
    assert reason == "too many subscribes: 5 at once, then 1 a second"
    assert code not in protocol.FATAL_CLOSE_CODES  # a viewer may come back later


async def test_viewers_learn_a_source_s_name_not_where_it_is(start_hub, run_a):
    path = str(run_a / "queue_log")
    source = open_file_source(path)
    _, url = await start_hub({"main": PacedFileFeed(source, EngineConfig(), speed=0)})
    viewer = await open_viewer(url)
    raw = [await viewer.recv()]
    hello = protocol.decode(raw[0])
    assert hello["sources"] == {"main": "main"}
    while True:
        raw.append(await viewer.recv())
        frame = protocol.decode(raw[-1])
        if frame["type"] == "board" and frame["status"]["state"] == "ended":
            break
    assert frame["snapshot"]["source"] == "main"
    assert frame["status"]["detail"] == "end of main"
    assert all(path.encode() not in data for data in raw)
    await viewer.close()


def test_debug_logs_of_hub_and_viewer_hold_no_token(run_a, tmp_path):
    """-vv shows websockets' state changes, never its frame and header dumps."""
    token = "sekr1t-hub-token-XYZ"
    env = {**os.environ, HUB_TOKEN_ENV: token}
    serve = subprocess.Popen(
        [
            WALLBOARD,
            "-vv",
            "serve",
            str(run_a / "queue_log"),
            "--speed",
            "0",
            "--listen",
            "127.0.0.1:0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        url = serve.stdout.readline().split(" on ", 1)[1].split("/ ", 1)[0]
        viewer = subprocess.run(
            [WALLBOARD, "-vv", "metrics", f"{url}/main"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert viewer.returncode == 0, viewer.stderr
        asyncio.run(_viewer_with_a_header(url, token))
    finally:
        serve.terminate()
        _, hub_log = serve.communicate(timeout=10)
    token_hex = " ".join(f"{byte:02x}" for byte in token.encode())
    for log in (hub_log, viewer.stderr):
        assert "connection is OPEN" in log  # -vv did log websockets' debug lines
        assert token not in log and "Authorization" not in log and "BINARY" not in log
        assert token_hex[:20] not in log and token_hex[-20:] not in log


async def _viewer_with_a_header(url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(f"{url}/main", compression=None, additional_headers=headers) as viewer:
        await viewer.send(protocol.encode({"type": "hello", "protocol": protocol.PROTOCOL_VERSION}))
        assert protocol.decode(await viewer.recv())["type"] == "hello"
