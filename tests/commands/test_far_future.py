"""A far-future timestamp in real processes: `alerts`, `serve` and `live` keep answering.

Issue 12, item 1: one event stamped a month (or 1e20 seconds) ahead used to make the
alarm stepper walk every second in between, at 100 % CPU, deaf to signals. Each
command here gets such an event, must go on doing its job, and must end within 2 s
of SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.adapters.ami.capture_server import AmiServer, Connection, encode
from wallboard.hub.client import fetch_update
from wallboard.runtime.config import AMI_SECRET_ENV, HUB_TOKEN_ENV

WALLBOARD = Path(sys.executable).with_name("wallboard")
MONTH = 30 * 86_400.0
WAIT_S = 30.0
STOP_S = 2.0
ONE_WAITING = """
[[rule]]
id = "queueing"
metric = "waiting"
op = ">"
threshold = 1
severity = "info"
"""


def join(uid: str, at: float) -> bytes:
    return encode(
        [
            ["Event", "QueueCallerJoin"],
            ["Timestamp", f"{at:.6f}"],
            ["Channel", f"PJSIP/{uid}"],
            ["Uniqueid", uid],
            ["Queue", "sales"],
            ["CallerIDNum", "555"],
        ]
    )


async def far_future_session(connection: Connection) -> None:
    """A caller, one a month ahead, then another caller: two are waiting, live."""
    await connection.status_answered.wait()
    now = time.time()
    connection.send(join("1.1", now))
    connection.send(join("1.2", now + MONTH))
    await asyncio.sleep(0.3)
    connection.send(join("1.3", time.time()))


def ami_env(**extra: str) -> dict[str, str]:
    return {**os.environ, AMI_SECRET_ENV: "wbpass", **extra}


async def stop_within(process: asyncio.subprocess.Process, limit_s: float = STOP_S) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), limit_s)
    return time.monotonic() - started


def test_alerts_on_a_queue_log_with_a_line_stamped_1e20_ends_with_one_warning(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(
        "1795381986|a|support|NONE|ENTERQUEUE||1|1\n"
        "1e20|b|support|NONE|ENTERQUEUE||2|1\n"
        "1795381990|c|support|NONE|ENTERQUEUE||3|1\n"
    )
    rules = tmp_path / "rules.toml"
    rules.write_text(ONE_WAITING)
    done = subprocess.run(
        [WALLBOARD, "alerts", str(path), "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    assert done.returncode == 0, done.stderr
    assert '"kind":"firing"' in done.stdout and '"at":1795381990.0' in done.stdout
    assert done.stderr.count("\n") == 1
    assert f"{path}:3: skipped 1 line 1 line back: timestamp 1e+20" in done.stderr
    assert "Traceback" not in done.stderr


def test_metrics_on_the_same_file_reports_the_valid_lines(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(
        "1795381986|a|support|NONE|ENTERQUEUE||1|1\n1e20|b|support|NONE|ENTERQUEUE||2|1\n"
    )
    done = subprocess.run(
        [WALLBOARD, "metrics", str(path), "--json"], capture_output=True, text=True, timeout=WAIT_S
    )
    assert done.returncode == 0, done.stderr
    assert '"waiting": 1' in done.stdout
    assert "Traceback" not in done.stderr
    for far in ("99999999999", "+9999999h", "9999-12-31T23:00"):
        done = subprocess.run(
            [WALLBOARD, "metrics", str(path), "--at", far], capture_output=True, text=True
        )
        assert done.returncode == 2
        assert done.stderr.endswith(f"error: --at {far!r}: not a time between 2000 and 2100\n")


async def test_serve_replays_a_far_future_file_and_keeps_serving(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(
        "1795381986|a|support|NONE|ENTERQUEUE||1|1\n"
        f"{1795381986 + MONTH:.0f}|b|support|NONE|ENTERQUEUE||2|1\n"
        "1795381990|c|support|NONE|ENTERQUEUE||3|1\n"
    )
    token = "far-future-token"
    process = await asyncio.create_subprocess_exec(
        WALLBOARD,
        "serve",
        str(path),
        "--speed",
        "0",
        "--listen",
        "127.0.0.1:0",
        env={**os.environ, HUB_TOKEN_ENV: token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), WAIT_S)).decode()
        url = line.split(" on ", 1)[1].split("/ ", 1)[0]
        update = await fetch_update(f"{url}/main", token, timeout_s=WAIT_S)
        assert update.snapshot["queues"]["support"]["waiting"] == 2
        assert update.at == 1795381990.0
        assert await stop_within(process) < STOP_S
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def test_alerts_on_a_live_pbx_that_stamps_an_event_a_month_ahead():
    rules = Path(os.environ.get("TMPDIR", "/tmp")) / f"wallboard-rules-{uuid.uuid4().hex}.toml"
    rules.write_text(ONE_WAITING)
    async with AmiServer(session=far_future_session, clock=time.time()) as server:
        process = await asyncio.create_subprocess_exec(
            WALLBOARD,
            "alerts",
            f"ami://wallboard@127.0.0.1:{server.port}",
            "--rules",
            str(rules),
            env=ami_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            fired = (await asyncio.wait_for(process.stdout.readline(), WAIT_S)).decode()
            assert '"kind":"firing"' in fired and '"value":2.0' in fired
            assert await stop_within(process) < STOP_S
            assert process.stderr is not None
            errors = (await process.stderr.read()).decode()
            assert "skipped 1 record 1 record back" in errors and "Traceback" not in errors
        finally:
            rules.unlink()
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
async def test_live_board_in_a_terminal_follows_the_pbx_past_a_far_future_event(tmp_path):
    pid_file = tmp_path / "pid"
    name = f"wallboard-far-{uuid.uuid4().hex[:8]}"
    async with AmiServer(session=far_future_session, clock=time.time()) as server:
        command = (
            f"echo $$ > {pid_file}; exec env {AMI_SECRET_ENV}=wbpass "
            f"{WALLBOARD} live ami://wallboard@127.0.0.1:{server.port}"
        )
        tmux = ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command]
        subprocess.run(tmux, check=True)
        try:
            screen = await _wait_for_screen(name, lambda s: _sales_waiting(s) == "2")
            assert "sales" in screen
            pid = int(pid_file.read_text())
            started = time.monotonic()
            os.kill(pid, signal.SIGTERM)
            while _alive(pid) and time.monotonic() - started < STOP_S:
                await asyncio.sleep(0.05)
            assert not _alive(pid), "live did not end within 2 s of SIGTERM"
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


async def _wait_for_screen(name: str, predicate) -> str:
    deadline = time.monotonic() + WAIT_S
    screen = ""
    while time.monotonic() < deadline:
        capture = ["tmux", "capture-pane", "-p", "-t", name]
        done = await asyncio.to_thread(subprocess.run, capture, capture_output=True, text=True)
        screen = done.stdout
        if predicate(screen):
            return screen
        await asyncio.sleep(0.2)
    pytest.fail(f"timed out; the screen was:\n{screen}")


def _sales_waiting(screen: str) -> str | None:
    """The `waiting` column of the queue table's `sales` row."""
    for line in screen.splitlines():
        cells = line.replace("│", " ").split()
        if cells[:1] == ["sales"] and len(cells) > 1:
            return cells[1]
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by tmux) has ended too.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False
