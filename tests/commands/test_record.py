"""`wallboard record`: files converted whole, live AMI recorded until a signal."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys

import pytest

from tests.adapters.ami.capture_server import AmiServer, load_capture
from tests.adapters.ami.test_client import source_for
from tests.adapters.ami.test_mapper import README_COUNTS, RUN_A_CONFIG, day_counts
from wallboard.adapters.recording import RecordingSource, RecordingWriter
from wallboard.cli import main
from wallboard.commands.record import record_until
from wallboard.runtime.snapshot_at import snapshot_at

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_queue_log_converts_to_a_recording_with_the_same_board(capsys, run_a, tmp_path):
    out = tmp_path / "shift.wbrec"
    assert main(["record", str(run_a / "queue_log"), "--out", str(out)]) == 0
    assert "recorded 457 records" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["shift.wbrec"]  # no partial file left
    assert main(["metrics", str(out), "--json"]) == 0
    from_recording = json.loads(capsys.readouterr().out)
    assert main(["metrics", str(run_a / "queue_log"), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_recording["source"] == f"recording:{out}"
    assert from_recording["queues"] == from_file["queues"]
    assert RecordingSource(out).header["source"] == f"queue_log:{run_a / 'queue_log'}"


def test_existing_output_is_kept_unless_forced(capsys, run_a, tmp_path):
    out = tmp_path / "taken"
    out.write_text("keep me")
    assert main(["record", str(run_a / "queue_log"), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"wallboard: error: {out}: already exists (use --force to overwrite)\n"
    )
    assert out.read_text() == "keep me"
    assert main(["record", str(run_a / "queue_log"), "--out", str(out), "--force"]) == 0
    assert len(list(RecordingSource(out).raw())) == 457


def test_out_directory_gets_a_new_file_named_by_source_and_start(capsys, run_a, tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    assert main(["record", str(run_a / "queue_log"), "--out", str(folder)]) == 0
    (made,) = folder.iterdir()
    assert re.fullmatch(r"queue_log-\d{8}T\d{6}Z\.wbrec", made.name)
    assert f"recorded 457 records from queue_log:{run_a / 'queue_log'} to {made}" in (
        capsys.readouterr().err
    )


def test_recording_a_file_onto_itself_is_refused(capsys, tmp_path):
    path = tmp_path / "queue_log"
    path.write_text("1|a|q|NONE|ENTERQUEUE||1|1\n")
    assert main(["record", str(path), "--out", str(path), "--force"]) == 2
    assert "is SOURCE itself" in capsys.readouterr().err
    assert path.read_text() == "1|a|q|NONE|ENTERQUEUE||1|1\n"


def test_an_unusable_source_leaves_no_file(capsys, tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("nothing to see\n")
    out = tmp_path / "out"
    assert main(["record", str(source), "--out", str(out)]) == 2
    assert "no queue_log lines" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


async def test_live_ami_recording_replays_to_asterisks_counts(run_a, tmp_path):
    """The real capture over real TCP into a recording; its replay gives the README figures."""
    capture = load_capture(run_a)

    async def replay(connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(capture.blocks)
        connection.close()

    out = tmp_path / "live.wbrec"
    stop = asyncio.Event()
    async with capture.server(replay) as server:
        source = source_for(server)

        async def until_disconnected():
            async for record in source.raw():
                yield record
                if record.kind == "status" and record.payload["state"] == "disconnected":
                    stop.set()

        writer = RecordingWriter(out, source=source.label, config=RUN_A_CONFIG)
        async with asyncio.timeout(60):
            written = await record_until(until_disconnected(), writer, stop)
    recording = RecordingSource(out, RUN_A_CONFIG)
    assert len(list(recording.raw())) == written > len(capture.blocks)
    assert recording.header["source"] == f"ami://wallboard@127.0.0.1:{server.port}"
    snapshot = snapshot_at(recording, RUN_A_CONFIG)
    assert day_counts(snapshot) == README_COUNTS


async def test_sigint_closes_a_live_recording_cleanly(run_a, tmp_path):
    """A real `wallboard record ami://...` process, stopped by SIGINT like Ctrl-C."""
    capture = load_capture(run_a)
    streamed = asyncio.Event()

    async def replay(connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(capture.blocks[:500])
        streamed.set()

    out = tmp_path / "live.wbrec"
    async with AmiServer(session=replay, banner=capture.banner, secret="s3cret-value") as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "wallboard.cli",
            "record",
            f"ami://wallboard@127.0.0.1:{server.port}",
            "--out",
            str(out),
            env={**os.environ, "WALLBOARD_AMI_SECRET": "s3cret-value"},
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            await streamed.wait()
            await _records_on_disk(out, 500)
            process.send_signal(signal.SIGINT)
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert b"s3cret-value" not in out.read_bytes()
    records = list(RecordingSource(out).raw())
    assert [r.payload["state"] for r in records if r.kind == "status"][:3] == [
        "connecting",
        "resyncing",
        "live",
    ]
    assert sum(r.kind == "ami" for r in records) >= 500
    assert f"recorded {len(records)} records" in stderr.decode()


async def _records_on_disk(out, count: int) -> None:
    """Bounded wait for the one-second flush to put the last record on disk."""
    for _ in range(100):
        if out.exists() and sum(1 for _ in RecordingSource(out).raw()) >= count:
            return
        await asyncio.sleep(0.1)


async def _record(port: int, out, secret: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wallboard.cli", "record", f"ami://wallboard@127.0.0.1:{port}",
        "--out", str(out),
        env={**os.environ, "WALLBOARD_AMI_SECRET": secret}, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_a_refused_login_leaves_no_file_and_the_retry_records(run_a, tmp_path):
    capture = load_capture(run_a)
    streamed = asyncio.Event()

    async def replay(connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(capture.blocks[:50])
        streamed.set()

    out = tmp_path / "shift.wbrec"
    async with AmiServer(session=replay, banner=capture.banner, secret="right") as server:
        refused = await _record(server.port, out, "wrong")
        async with asyncio.timeout(60):
            _, stderr = await refused.communicate()
        assert refused.returncode == 2
        assert "login refused" in stderr.decode() and "recorded " not in stderr.decode()
        assert list(tmp_path.iterdir()) == []
        retry = await _record(server.port, out, "right")
        async with asyncio.timeout(60):
            await streamed.wait()
            await _records_on_disk(out, 50)
            retry.send_signal(signal.SIGTERM)
            _, stderr = await retry.communicate()
    assert retry.returncode == 0, stderr.decode()
    states = [r.payload["state"] for r in RecordingSource(out).raw() if r.kind == "status"]
    assert states[:3] == ["connecting", "resyncing", "live"]


async def test_a_pbx_never_reached_is_an_error_not_a_recording(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "shift.wbrec"
    process = await _record(port, out, "any")
    assert process.stderr is not None
    async with asyncio.timeout(60):
        # A refused attempt has been told (so the signal handlers are in place too).
        first = await process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        _, rest = await process.communicate()
    text = (first + rest).decode()
    assert process.returncode == 2, text
    assert "recorded " not in text
    assert text.splitlines()[-1] == (
        f"wallboard: error: ami://wallboard@127.0.0.1:{port}: never connected "
        f"(Connection refused); nothing recorded, {out} not written"
    )
    assert list(tmp_path.iterdir()) == []
