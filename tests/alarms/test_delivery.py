"""Delivery channels against real receivers: HTTP on 127.0.0.1 and real child processes."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from tests.alarms.receiver import Receiver
from wallboard.alarms.delivery import ExecChannel, RetryingChannel, webhook_sender
from wallboard.alarms.output import alertmanager_payload, format_transition, iso, text_line
from wallboard.errors import WallboardError


def transition(i: int, kind: str = "firing", notify: bool = True) -> dict:
    return {
        "kind": kind,
        "at": 1732262400.0 + i,
        "status": "resolved" if kind == "resolved" else "firing",
        "rule": "sl-low",
        "name": "SL low",
        "queue": f"q{i}",
        "severity": "critical",
        "fingerprint": f"{i:016x}",
        "since": 1732262400.0,
        "value": 0.5,
        "message": f"SL 50% in q{i}",
        "notify": notify,
        "by": "",
        "until": None,
    }


def test_alertmanager_payload_shape():
    payload = alertmanager_payload(transition(1, "resolved"))
    assert payload["version"] == "4" and payload["status"] == "resolved"
    (alert,) = payload["alerts"]
    assert alert["labels"] == {"alertname": "sl-low", "queue": "q1", "severity": "critical"}
    assert alert["annotations"]["summary"] == "SL 50% in q1"
    assert (alert["startsAt"], alert["endsAt"]) == (
        "2024-11-22T08:00:00.000Z",
        "2024-11-22T08:00:01.000Z",
    )
    assert alert["fingerprint"] == f"{1:016x}"
    assert alertmanager_payload(transition(1))["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"


def test_formats_leave_out_what_pagers_must_not_see():
    silenced = transition(1, notify=False)
    assert format_transition(silenced, "alertmanager") is None
    assert json.loads(format_transition(silenced, "jsonl")) == silenced
    assert "(silenced)" in text_line(silenced)
    assert format_transition(transition(1, "acknowledged", notify=False), "alertmanager") is None
    assert iso(0.5) == "1970-01-01T00:00:00.500Z"


async def test_webhook_retries_until_the_receiver_accepts_in_order():
    with Receiver(fail_first=3) as receiver:
        send, aclose = webhook_sender(receiver.url)
        channel = RetryingChannel("webhook", send, first_backoff_s=0.01)
        for i in range(5):
            channel.submit(transition(i))
        await channel.close(20.0)
        await aclose()
    assert receiver.refused == 3
    assert [k[0] for k in receiver.delivered_keys()] == [f"{i:016x}" for i in range(5)]
    assert (channel.delivered, channel.dropped) == (5, 0)


async def test_a_client_error_is_not_retried():
    async def refuse(_: dict) -> None:
        from wallboard.alarms.delivery import DeliveryRefused

        raise DeliveryRefused("HTTP 400")

    channel = RetryingChannel("webhook", refuse, first_backoff_s=0.01)
    channel.submit(transition(0))
    await channel.close(5.0)
    assert (channel.delivered, channel.dropped) == (0, 1)


async def test_a_stalled_receiver_never_blocks_submit_and_the_queue_is_bounded():
    release = asyncio.Event()
    sent: list[str] = []

    async def slow(t: dict) -> None:
        await release.wait()
        sent.append(t["queue"])

    channel = RetryingChannel("slow", slow, max_queue=3)
    for i in range(10):
        channel.submit(transition(i))  # returns at once, whatever the receiver does
    await asyncio.sleep(0)
    release.set()
    await channel.close(5.0)
    # All ten were submitted before the worker ran: only the newest three fit.
    assert sent == ["q7", "q8", "q9"]
    assert channel.dropped == 7


async def test_drain_deadline_gives_up_on_a_dead_receiver():
    async def down(_: dict) -> None:
        raise ConnectionError("refused")

    channel = RetryingChannel("webhook", down, first_backoff_s=0.01, max_backoff_s=0.02)
    channel.submit(transition(0))
    await channel.close(0.2)
    assert (channel.delivered, channel.dropped) == (0, 1)


def test_webhook_url_is_checked():
    with pytest.raises(WallboardError, match="http:// or https://"):
        webhook_sender("ftp://example")


async def test_exec_runs_the_command_with_the_json_on_stdin(tmp_path):
    script = tmp_path / "save.py"
    script.write_text(
        "import json, sys, pathlib\n"
        "t = json.load(sys.stdin)\n"
        "pathlib.Path(sys.argv[1], t['queue']).write_text(json.dumps(t))\n"
        "sys.exit(3 if t['queue'] == 'q2' else 0)\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    channel = ExecChannel(f"{sys.executable} '{script}' '{out}'", concurrency=2)
    for i in range(4):
        channel.submit(transition(i))
    await channel.close(30.0)
    assert sorted(p.name for p in out.iterdir()) == ["q0", "q1", "q2", "q3"]
    assert json.loads((out / "q1").read_text())["fingerprint"] == f"{1:016x}"
    assert channel.failures == 1  # q2 exited 3: logged, not fatal


async def test_exec_failures_are_logged_never_raised(tmp_path, caplog):
    missing = ExecChannel(str(tmp_path / "no-such-program"))
    missing.submit(transition(0))
    await missing.close(10.0)
    slow = ExecChannel(f"{sys.executable} -c 'import time; time.sleep(30)'", timeout_s=0.2)
    slow.submit(transition(1))
    await slow.close(10.0)
    assert (missing.failures, slow.failures) == (1, 1)
    assert "cannot run" in caplog.text and "killed after" in caplog.text
    with pytest.raises(WallboardError, match="--exec"):
        ExecChannel("'unbalanced")
