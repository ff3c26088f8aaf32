"""`wallboard alerts` end to end: a real subprocess on a queue_log file, piped into readers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from tests.alarms.receiver import Receiver
from wallboard.alarms.output import iso

T0 = 1732262400
QUEUE_LOG = "".join(
    f"{T0 + dt}|{call}|{queue}|NONE|{verb}\n"
    for dt, call, queue, verb in [
        (0, "c1", "support", "ENTERQUEUE||1001|1"),
        (30, "c1", "support", "ABANDON|1|1|30"),
        (100, "c2", "sales", "ENTERQUEUE||1002|1"),
        (200, "c2", "sales", "ABANDON|1|1|100"),
    ]
)
RULES = """
[[rule]]
id = "queueing"
metric = "waiting"
op = ">"
threshold = 0
severity = "info"
message = "{value:.0f} waiting in {queue}"

[[rule]]
id = "long-wait"
metric = "longest_wait_s"
op = ">"
threshold = 60
queue = "sales"
severity = "critical"
message = "oldest caller in {queue} waited {value:.0f}s"
"""
EXPECTED = [
    ("firing", "queueing", "support", T0),
    ("resolved", "queueing", "support", T0 + 30),
    ("firing", "queueing", "sales", T0 + 100),
    ("firing", "long-wait", "sales", T0 + 161),
    ("resolved", "queueing", "sales", T0 + 200),
    ("resolved", "long-wait", "sales", T0 + 200),
]
READER = (
    "import json, sys\n"
    "for line in sys.stdin:\n"
    "    t = json.loads(line)\n"
    "    print(t['kind'], t['rule'], t['queue'], t['at'], flush=True)\n"
)


@pytest.fixture
def files(tmp_path):
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG)
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    return log, rules


def alerts(*args: str) -> list[str]:
    return [sys.executable, "-m", "wallboard.cli", "alerts", *args]


def test_alerts_pipes_one_line_per_transition_into_a_reader(files):
    log, rules = files
    producer = subprocess.Popen(alerts(str(log), "--rules", str(rules)), stdout=subprocess.PIPE)
    reader = subprocess.run(
        [sys.executable, "-c", READER], stdin=producer.stdout, capture_output=True, timeout=60
    )
    producer.stdout.close()
    assert producer.wait(timeout=60) == 0
    got = [line.split() for line in reader.stdout.decode().splitlines()]
    assert [(k, r, q, float(at)) for k, r, q, at in got] == EXPECTED


def test_a_recording_fires_at_the_same_instants_as_its_queue_log(files, tmp_path):
    """`wallboard record` the queue_log, then `alerts` on the recording, piped into a reader."""
    log, rules = files
    recording = tmp_path / "shift.wbrec"
    subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "record", str(log), "--out", str(recording)],
        check=True,
        timeout=60,
    )
    producer = subprocess.Popen(
        alerts(str(recording), "--rules", str(rules)), stdout=subprocess.PIPE
    )
    reader = subprocess.run(
        [sys.executable, "-c", READER], stdin=producer.stdout, capture_output=True, timeout=60
    )
    producer.stdout.close()
    assert producer.wait(timeout=60) == 0
    got = [line.split() for line in reader.stdout.decode().splitlines()]
    assert [(k, r, q, float(at)) for k, r, q, at in got] == EXPECTED


def test_alertmanager_and_text_formats(files):
    log, rules = files
    run = subprocess.run(
        alerts(str(log), "--rules", str(rules), "--format", "alertmanager"),
        capture_output=True,
        timeout=60,
        check=True,
    )
    payloads = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [(p["version"], p["status"]) for p in payloads][:2] == [
        ("4", "firing"),
        ("4", "resolved"),
    ]
    assert payloads[3]["alerts"][0]["labels"] == {
        "alertname": "long-wait",
        "queue": "sales",
        "severity": "critical",
    }
    assert payloads[3]["alerts"][0]["annotations"]["summary"] == "oldest caller in sales waited 61s"
    text = subprocess.run(
        alerts(str(log), "--rules", str(rules), "--format", "text"),
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout.decode()
    assert text.splitlines()[0] == (
        "2024-11-22T08:00:00.000Z FIRING [info] queueing support: 1 waiting in support"
    )


def test_a_bad_rules_file_is_one_line_and_no_traceback(tmp_path, files):
    log, _ = files
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nid = "x"\nmetric = "service_level"\nop = "<"\nthreshold = 0.8\nclear = 0.5\n'
    )
    run = subprocess.run(alerts(str(log), "--rules", str(bad)), capture_output=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.decode() == (
        f"wallboard: error: {bad}:6: rule 'x': clear: "
        "must be >= threshold 0.8 for op '<' (hysteresis)\n"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webhook_receiver_down_then_back_gets_everything_exactly_once(files):
    log, rules = files
    port = _free_port()
    producer = subprocess.Popen(
        alerts(
            str(log),
            "--rules",
            str(rules),
            "--webhook",
            f"http://127.0.0.1:{port}/alerts",
            "--drain-timeout",
            "30",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # The replay is over (all lines out) while the receiver is still down.
    lines = [producer.stdout.readline() for _ in EXPECTED]
    time.sleep(0.3)  # let a few attempts fail against the closed port
    with Receiver(port, fail_first=2) as receiver:
        assert producer.wait(timeout=60) == 0
    sent = [json.loads(line) for line in lines]
    expected = {(t["fingerprint"], t["status"], iso(t["since"])) for t in sent}
    assert len(receiver.delivered_keys()) == len(set(receiver.delivered_keys())) == len(expected)
    assert set(receiver.delivered_keys()) == expected
    # In order per alarm: each firing arrived before its resolution.
    order = receiver.delivered_keys()
    for fp, status, starts in order:
        if status == "resolved":
            assert order.index((fp, "firing", starts)) < order.index((fp, status, starts))


def test_on_the_real_asterisk_capture(run_a):
    run = subprocess.run(alerts(str(run_a / "queue_log")), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    transitions = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert transitions, "the capture has waits and abandons enough for the built-in rules"
    assert {t["kind"] for t in transitions} <= {"firing", "resolved"}
    firing = {t["fingerprint"] for t in transitions if t["kind"] == "firing"}
    resolved = [t["fingerprint"] for t in transitions if t["kind"] == "resolved"]
    assert set(resolved) <= firing


@pytest.mark.parametrize(
    ("pager", "channel"),
    [
        (("--webhook", "http://127.0.0.1:{port}/alerts"), "webhook"),
        (("--exec", f"{sys.executable} -c 'raise SystemExit(1)'"), "exec"),
    ],
)
def test_transitions_a_pager_never_got_exit_with_the_documented_status(files, pager, channel):
    """A process supervisor sees the failure: status 3 (docs/ALARMS.md), not 0."""
    log, rules = files
    option, target = pager
    run = subprocess.run(
        alerts(
            str(log),
            "--rules",
            str(rules),
            option,
            target.format(port=_free_port()),
            "--drain-timeout",
            "1",
        ),
        capture_output=True,
        timeout=60,
    )
    assert len(run.stdout.decode().splitlines()) == len(EXPECTED)  # stdout still has them all
    assert run.returncode == 3, run.stderr.decode()
    last = run.stderr.decode().splitlines()[-1]
    assert last.startswith(
        f"wallboard: error: transitions not delivered: {len(EXPECTED)} by {channel}"
    )
