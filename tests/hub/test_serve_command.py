"""`wallboard serve` as a user runs it: a real process, a real file, real viewers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest
from websockets.exceptions import ConnectionClosed

from tests.hub.conftest import TIMEOUT_S, next_frame, open_viewer
from wallboard.alarms import AlarmStepper, load_rules
from wallboard.commands.serve import parse_listen, parse_sources
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.hub import protocol
from wallboard.runtime.sources import open_file_source
from wallboard.status import SourceStatus

HUB_TOKEN = "hub-token-from-config"
AMI_SECRET = "ami-secret-never-sent"


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "wallboard.toml"
    path.write_text(f'[hub]\ntoken = "{HUB_TOKEN}"\n\n[ami]\nsecret = "{AMI_SECRET}"\n')
    return path


def wallboard(*args: str) -> list[str]:
    return [sys.executable, "-m", "wallboard.cli", *args]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_")}


def engine_board(path: Path) -> dict:
    """The engine and the built-in alarm rules run directly on the file, at its last event."""
    engine = Engine(EngineConfig())
    stepper = AlarmStepper.factory(load_rules(None))(engine)
    source = open_file_source(str(path))
    last_at = 0.0
    for item in source.events():
        if not isinstance(item, SourceStatus):
            stepper.apply(item)
            last_at = item.at
    stepper.advance(last_at)
    snapshot = engine.snapshot(last_at)
    snapshot["source"] = "pbx1"  # the hub names its source; its label stays on the hub
    snapshot["alarms"] = stepper.active()
    return msgpack.unpackb(msgpack.packb(snapshot))


async def test_serve_a_file_to_viewers_and_stop_on_sigterm(run_a, config):
    pytest.importorskip(
        "wallboard.adapters.queue_log", reason="the queue_log adapter is not in yet"
    )
    queue_log = run_a / "queue_log"
    process = await asyncio.create_subprocess_exec(
        *wallboard("--config", str(config), "serve", f"pbx1={queue_log}", "--listen",
                   "127.0.0.1:0", "--speed", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_S):
            banner = (await process.stdout.readline()).decode()
        assert "serving pbx1" in banner, banner
        url = banner.split()[3].rstrip("/")
        viewer = await open_viewer(f"{url}/pbx1", HUB_TOKEN)
        raw = []
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                raw.append(await viewer.recv())
                frame = protocol.decode(raw[-1])
                if frame["type"] == "board" and frame["status"]["state"] == "ended":
                    break
        await viewer.close()
        assert frame["snapshot"] == engine_board(queue_log)
        for data in raw:
            assert AMI_SECRET.encode() not in data
            assert HUB_TOKEN.encode() not in data
        intruder = await open_viewer(url, "guess")
        with pytest.raises(ConnectionClosed) as closed:
            await next_frame(intruder)
        assert closed.value.rcvd.code == protocol.CLOSE_TOKEN_INVALID
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT_S):
            await process.wait()
    stderr = (await process.stderr.read()).decode()
    assert process.returncode == 0, stderr
    assert HUB_TOKEN not in stderr
    assert "Traceback" not in stderr


def test_serve_without_a_token_is_a_one_line_error(tmp_path):
    result = subprocess.run(
        wallboard("serve", str(tmp_path / "queue_log"), "--listen", "127.0.0.1:0"),
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("wallboard: error: no hub token")
    assert len(result.stderr.splitlines()) == 1


def test_listen_address_parsing():
    assert parse_listen("0.0.0.0:8765") == ("0.0.0.0", 8765)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    for bad in ("8765", "host:", "host:99999", "host:http"):
        with pytest.raises(WallboardError, match="expected HOST:PORT"):
            parse_listen(bad)


def test_source_naming(tmp_path):
    assert parse_sources(["/var/log/queue_log"]) == {"main": "/var/log/queue_log"}
    assert parse_sources(["east=ami://u@pbx1", "west=ami://u@pbx2"]) == {
        "east": "ami://u@pbx1",
        "west": "ami://u@pbx2",
    }
    odd = tmp_path / "a=b"
    odd.write_text("")
    assert parse_sources([str(odd)]) == {"main": str(odd)}
    with pytest.raises(WallboardError, match="name each one"):
        parse_sources(["ami://u@pbx1", "ami://u@pbx2"])
    with pytest.raises(WallboardError, match="used twice"):
        parse_sources(["a=x", "a=y"])
