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
T0 = 1_795_381_986.0  # 2026-11-22 21:13:06 UTC
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


# The far stamps the issue names: a float past any calendar, year 10000, a day ahead.
FAR = {"1e20": "1e20", "year-10000": "253402300800", "a-day-ahead": f"{T0 + 86_400:.0f}"}
FAR_WARNING = {
    "1e20": "timestamp 1e+20 is not a time between 2000 and 2100 UTC",
    "year-10000": "timestamp 2.53402e+11 is not a time between 2000 and 2100 UTC",
    "a-day-ahead": "timestamp 2026-11-23 21:13:06 UTC is more than 60 s ahead of the stream",
}


def far_file(tmp_path: Path, stamp: str, queue: str = "support") -> Path:
    """Two callers join, with a third line between them stamped `stamp`."""
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0:.0f}|a|{queue}|NONE|ENTERQUEUE||1|1\n"
        f"{stamp}|b|{queue}|NONE|ENTERQUEUE||2|1\n"
        f"{T0 + 4:.0f}|c|{queue}|NONE|ENTERQUEUE||3|1\n"
    )
    return path


@pytest.mark.parametrize("far", FAR)
def test_alerts_on_a_queue_log_with_a_far_future_line_ends_with_one_warning(tmp_path, far):
    path = far_file(tmp_path, FAR[far])
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
    assert f"{path}:3: skipped 1 line 1 line back: {FAR_WARNING[far]}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("far", FAR)
def test_metrics_on_the_same_file_reports_the_valid_lines(tmp_path, far):
    path = far_file(tmp_path, FAR[far])
    done = subprocess.run(
        [WALLBOARD, "metrics", str(path), "--json"], capture_output=True, text=True, timeout=WAIT_S
    )
    assert done.returncode == 0, done.stderr
    assert '"waiting": 2' in done.stdout
    assert f"{path}:3: skipped 1 line 1 line back: {FAR_WARNING[far]}" in done.stderr
    assert "Traceback" not in done.stderr


def test_metrics_at_a_far_future_instant_is_a_one_line_error(tmp_path):
    path = far_file(tmp_path, "1e20")
    for far in ("99999999999", "+9999999h", "9999-12-31T23:00"):
        done = subprocess.run(
            [WALLBOARD, "metrics", str(path), "--at", far], capture_output=True, text=True
        )
        assert done.returncode == 2
        assert done.stderr.endswith(f"error: --at {far!r}: not a time between 2000 and 2100\n")


@pytest.mark.parametrize("far", [*FAR, "a-month-ahead"])
async def test_serve_replays_a_far_future_file_and_keeps_serving(tmp_path, far):
    stamp = FAR.get(far, f"{T0 + MONTH:.0f}")
    path = far_file(tmp_path, stamp)
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
        assert process.stderr is not None
        errors = (await process.stderr.read()).decode()
        assert f"{path}:3: skipped 1 line 1 line back: timestamp " in errors, errors
        assert "Traceback" not in errors
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


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("far", ["1e20", "year-10000"])
async def test_replay_board_in_a_terminal_on_a_far_future_file(tmp_path, far):
    """The board of a file plays to its end past the line, answers SIGTERM, and then the
    terminal shows the one warning (written before the board took the screen), no traceback."""
    path = far_file(tmp_path, FAR[far], queue="sales")
    pid_file = tmp_path / "pid"
    name = f"wallboard-far-{uuid.uuid4().hex[:8]}"
    command = f"echo $$ > {pid_file}; exec {WALLBOARD} replay {path} --speed 60"
    tmux = ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command]
    subprocess.run(tmux, check=True)
    try:
        subprocess.run(["tmux", "set-option", "-t", name, "remain-on-exit", "on"], check=True)
        await _wait_for_screen(name, lambda s: _sales_waiting(s) == "2" and "END" in s)
        pid = int(pid_file.read_text())
        started = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        while _alive(pid) and time.monotonic() - started < STOP_S:
            await asyncio.sleep(0.05)
        assert not _alive(pid), "replay did not end within 2 s of SIGTERM"
        # The whole pane with its history, wrapped lines joined.
        capture = ["tmux", "capture-pane", "-p", "-J", "-S", "-", "-t", name]
        screen = subprocess.run(capture, capture_output=True, text=True, check=True).stdout
        assert f"{path}:3: skipped 1 line 1 line back: {FAR_WARNING[far]}" in screen, screen
        assert "Traceback" not in screen
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
