"""HubFeed against a real hub: boards, refusals, TLS, and surviving a hub restart."""

from __future__ import annotations

import asyncio
import socket
import subprocess

import pytest

from tests.hub.conftest import TIMEOUT_S, TOKEN, DrivenFeed, board
from wallboard.errors import WallboardError
from wallboard.hub.client import HubFeed, HubRefused, fetch_update
from wallboard.hub.server import tls_context


async def test_fetch_update_returns_the_current_board(start_hub):
    feed = DrivenFeed()
    feed.put(board(5, transitions=[{"rule": "x"}]))
    _, url = await start_hub({"main": feed})
    update = await fetch_update(url, TOKEN)
    assert update.snapshot == board(5).snapshot
    assert update.transitions == []  # past alarm transitions are not a newcomer's
    assert update.status.state == "live"


async def test_wrong_token_ends_the_feed_with_an_error_instead_of_retrying(start_hub):
    _, url = await start_hub({"main": DrivenFeed()})
    with pytest.raises(HubRefused, match=r"invalid token \(4403\)"):
        async with asyncio.timeout(TIMEOUT_S):
            async for _ in HubFeed(url, "not-the-token").updates():
                pass
    with pytest.raises(HubRefused, match="unknown source 'b'"):
        await fetch_update(f"{url}/b", TOKEN)


async def test_unreachable_hub_is_a_one_line_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(WallboardError, match="cannot reach the hub"):
        await fetch_update(f"ws://127.0.0.1:{port}", TOKEN)


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "ws://", "127.0.0.1:8765"])
def test_addresses_that_are_not_hubs_are_rejected(url):
    with pytest.raises(WallboardError, match="a hub address looks like"):
        HubFeed(url, TOKEN)


async def test_viewers_ride_out_a_hub_restart(start_hub):
    first = DrivenFeed()
    first.put(board(1))
    hub, url = await start_hub({"main": first})
    port = int(url.rsplit(":", 1)[1])
    feeds = [HubFeed(url, TOKEN, min_backoff_s=0.05, max_backoff_s=0.2) for _ in range(3)]
    streams = [feed.updates() for feed in feeds]
    for stream in streams:
        assert (await anext(stream)).snapshot["seq"] == 1
    await hub.stop()
    second = DrivenFeed()
    second.put(board(2))
    restarted = False
    for stream in streams:
        states = []
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                update = await anext(stream)
                if update.snapshot.get("seq") == 2:
                    break
                states.append(update.status.state)
                assert update.snapshot["seq"] == 1  # the last board stays on screen
                if update.status.state == "connecting" and not restarted:
                    await start_hub({"main": second}, port=port)
                    restarted = True
        assert update.status.state == "live"
        assert states[:2] == ["disconnected", "connecting"]
    for stream in streams:
        await stream.aclose()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    return str(cert), str(key)


async def test_wss_with_a_trusted_certificate(start_hub, self_signed):
    cert, key = self_signed
    feed = DrivenFeed()
    feed.put(board(3))
    _, url = await start_hub({"main": feed}, ssl_context=tls_context(cert, key))
    assert url.startswith("wss://")
    assert (await fetch_update(url, TOKEN, cafile=cert)).snapshot["seq"] == 3
    with pytest.raises(HubRefused, match="certificate is not trusted"):
        await fetch_update(url, TOKEN)


def test_unreadable_certificate_is_a_one_line_error(tmp_path):
    with pytest.raises(WallboardError, match="cannot load TLS certificate"):
        tls_context(str(tmp_path / "missing.pem"), str(tmp_path / "missing.key"))
