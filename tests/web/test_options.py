"""What a page may choose and who may open one, checked before any process starts."""

from __future__ import annotations

import os
import subprocess

import aiohttp
import pytest

from tests.hub.test_serve_command import clean_env, wallboard
from tests.web.test_pages import SAMPLE, TIMEOUT_S, TOKEN
from wallboard.web.pages import BoardPages, PageOptions, Verdict


async def east_only(token: str, source: str | None) -> Verdict:
    """A hub's check as `serve` gives it (`Hub.allows`): this token, the east source."""
    return "ok" if token == TOKEN and source in (None, "east") else "refused"


def test_page_options_are_checked_before_they_reach_a_command_line():
    assert PageOptions.from_query({}) == PageOptions("dark", False, None)
    assert PageOptions.from_query({"theme": "light", "wall": "1", "source": "east"}) == (
        PageOptions("light", True, "east")
    )
    for query in (
        {"theme": "dark; rm -rf /"},
        {"theme": "neon"},
        {"wall": "maybe"},
        {"source": "east west"},
        {"source": "../etc"},
        {"source": "$(id)"},
    ):
        with pytest.raises(ValueError):
            PageOptions.from_query(query)
    pages = BoardPages("ws://127.0.0.1:8765/east", east_only)
    command = pages.command(PageOptions("light", True, "west"))
    assert "ws://127.0.0.1:8765/west" in command and "--wall" in command
    assert TOKEN not in command


def test_web_with_tls_points_to_wallboard_web(tmp_path):
    env = {**clean_env(), "WALLBOARD_HUB_TOKEN": TOKEN}
    result = subprocess.run(
        wallboard("serve", SAMPLE, "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0",
                  "--certfile", str(tmp_path / "c.pem"), "--keyfile", str(tmp_path / "k.pem")),
        capture_output=True, text=True, env=env, timeout=TIMEOUT_S,
    )  # fmt: skip
    assert result.returncode != 0
    assert "wallboard web wss://HUB --cafile" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.environ.get("WALLBOARD_HUB_TOKEN") != TOKEN  # nothing leaked into this process


async def test_page_sockets_refused_before_any_process_starts():
    """Bad address 4400, no token 4401, wrong token 4403: nothing is spawned for any of them."""
    pages = BoardPages("ws://127.0.0.1:9/none", east_only)
    host, port = await pages.start("127.0.0.1", 0)
    base = f"ws://{host}:{port}/ws?width=100&height=30"
    cases = (
        ("&theme=neon", ["token", TOKEN], 4400),
        ("&source=../x", ["token", TOKEN], 4400),
        ("", ["resize", {"width": 80, "height": 24}], 4401),
        ("", ["token", ""], 4401),
        ("", ["token", "guess"], 4403),
        ("&source=north", ["token", TOKEN], 4403),
    )
    try:
        async with aiohttp.ClientSession() as session:
            for extra, first, code in cases:
                async with session.ws_connect(base + extra) as socket:
                    await socket.send_json(first)
                    message = await socket.receive(timeout=TIMEOUT_S)
                    assert message.type == aiohttp.WSMsgType.CLOSE, (extra, first)
                    assert socket.close_code == code, (extra, first, message.extra)
                assert pages.pages == 0
    finally:
        await pages.stop()


async def test_a_browser_guessing_tokens_is_refused_unchecked_after_five(monkeypatch):
    monkeypatch.setattr("wallboard.web.pages.REFUSAL_DELAY_S", 0.0)
    checked: list[str] = []

    async def counting(token: str, source: str | None) -> Verdict:
        checked.append(token)
        return await east_only(token, source)

    pages = BoardPages("ws://127.0.0.1:9/none", counting)
    host, port = await pages.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            for token, code in [*[("guess", 4403)] * 5, (TOKEN, 1013)]:
                async with session.ws_connect(f"ws://{host}:{port}/ws") as socket:
                    await socket.send_json(["token", token])
                    message = await socket.receive(timeout=TIMEOUT_S)
                    assert message.type == aiohttp.WSMsgType.CLOSE
                    assert socket.close_code == code
        assert "too many wrong tokens; retry in" in message.extra
        assert checked == ["guess"] * 5  # the sixth never reached the hub
    finally:
        await pages.stop()
