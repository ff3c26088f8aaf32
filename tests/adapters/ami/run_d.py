"""Run D of the shared fixtures: one real Asterisk 22.10.1 run seen by two AMI users.

`wb-all` had `read = all`, `wb-ro` had `read = call,agent,reporting`; both
captures cross a `queue reload all` and a restart, whose connection losses
`reconnects.jsonl` places by byte offset. This module cuts the raw bytes into
blocks at those offsets, gives the QueueStatus answers the driver took (the
capture clients themselves only ever sent Login), the queue_log's verdict on
every call, and the run's queues.conf as wallboard settings.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wallboard.adapters.ami.framing import Pairs, parse_header
from wallboard.adapters.base import RawRecord, SourceStatus
from wallboard.engine.settings import EngineConfig, QueueSettings

CRLF = b"\r\n"
READ_ONLY_CLASSES = frozenset({"call", "agent", "reporting"})

# queues.conf of the run (configs/queues.conf) and the Queue() timeouts of its dialplan.
CONFIG = EngineConfig(
    queues={
        "sales": QueueSettings(wrapup_s=5.0, leavewhenempty=("invalid", "unavailable")),
        "support": QueueSettings(
            leavewhenempty=("invalid", "paused", "unavailable"), caller_timeout_s=(90.0,)
        ),
        "billing": QueueSettings(caller_timeout_s=(120.0, 60.0, 45.0)),
    }
)
# What a site that did not fill in the exit settings gets (only the wrap-up, as before).
BARE_CONFIG = EngineConfig(queues={"sales": QueueSettings(wrapup_s=5.0)})

OUTCOME_VERBS = {
    "CONNECT": "answered",
    "ABANDON": "abandon",
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "empty",
    "EXITWITHKEY": "key",
}


@dataclass(frozen=True)
class Connection:
    """The blocks one AMI connection received (the banner and Login answer left out)."""

    blocks: list[bytes]
    lost_at: float | None  # when the capture client saw the server close it


@dataclass(frozen=True)
class Capture:
    name: str
    connections: list[Connection]

    def blocks(self) -> list[bytes]:
        return [block for connection in self.connections for block in connection.blocks]


def cut_blocks(data: bytes) -> list[bytes]:
    """A connection's bytes as event blocks, each with its blank line."""
    return [block + CRLF + CRLF for block in data.split(CRLF + CRLF) if block.strip()]


def is_event(block: bytes) -> bool:
    return block.startswith(b"Event: ")


def stamp_of(block: bytes, last: float) -> float:
    marker = block.find(b"\r\nTimestamp: ")
    if marker < 0:
        return last
    return float(block[marker + 13 : block.index(CRLF, marker + 2)])


def privilege_classes(block: bytes) -> frozenset[str] | None:
    """The read classes of an event block (None for a response: no Privilege line)."""
    marker = block.find(b"\r\nPrivilege: ")
    if marker < 0:
        return None
    line = block[marker + 13 : block.index(CRLF, marker + 2)].decode()
    return frozenset(line.split(",")) - {"all"}


def readable_by_read_only(block: bytes) -> bool:
    """What Asterisk sends a `read = call,agent,reporting` user of this block."""
    classes = privilege_classes(block)
    return classes is None or bool(classes & READ_ONLY_CLASSES)


@cache
def load(run_d: Path, name: str) -> Capture:
    """`ami-capture-{name}.log.gz` cut at the real reconnect offsets of `reconnects.jsonl`."""
    data = gzip.decompress((run_d / f"ami-capture-{name}.log.gz").read_bytes())
    events = [
        json.loads(line)
        for line in (run_d / "reconnects.jsonl").read_text().splitlines()
        if json.loads(line)["file"] == f"ami-capture-{name}.log"
    ]
    starts = [e["offset"] for e in events if e["event"] in ("connected", "reconnected")]
    losses = {e["offset"]: e["ts"] for e in events if e["event"] == "disconnected"}
    connections = []
    for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
        part = data[start:end]
        banner, _, rest = part.partition(CRLF)
        assert banner.startswith(b"Asterisk Call Manager/")
        blocks = [block for block in cut_blocks(rest) if is_event(block)]
        connections.append(Connection(blocks, losses.get(end)))
    return Capture(name, connections)


def pairs_of(block: bytes) -> Pairs:
    """The block's headers as the live client splits them (`framing.parse_header`)."""
    lines = [line for line in block.decode().split("\r\n") if line]
    pairs = [line.split(": ", 1) for line in lines if ": " in line]
    if len(pairs) == len(lines):
        return pairs
    return [pair for pair in map(parse_header, lines) if pair is not None]


@cache
def snapshots(run_d: Path) -> dict[str, tuple[float, list[Pairs]]]:
    """Each QueueStatus answer the driver took: its time and its list items, in wire order."""
    out = {}
    for line in (run_d / "queue-status-snapshots.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["action"] == "QueueStatus":
            items = [[[k, str(v)] for k, v in event.items()] for event in entry["events"]]
            out[entry["label"]] = (entry["ts"], items)
    return out


def counters(run_d: Path, label: str) -> dict[str, dict[str, str]]:
    """Asterisk's own `QueueParams` counters in one snapshot."""
    _, items = snapshots(run_d)[label]
    return {dict(i)["Queue"]: dict(i) for i in items if i[0] == ["Event", "QueueParams"]}


def resync(at: float, items: list[Pairs]) -> list[RawRecord]:
    """A QueueStatus answer as the live source hands it on: a Pong first (it tells the clock)."""
    pong = [["Response", "Success"], ["Ping", "Pong"], ["Timestamp", f"{at:.6f}"]]
    return [RawRecord(at, "ami", pong), *(RawRecord(at, "ami", item) for item in items)]


def status(at: float, state: str) -> RawRecord:
    return RawRecord(at, "status", SourceStatus(at, state).to_payload())  # type: ignore[arg-type]


@cache
def records(run_d: Path, name: str) -> list[RawRecord]:
    """The capture as the live source would have handed it to its mapper.

    Each connection starts `connecting` and gets its resync (the driver's
    QueueStatus snapshot taken right after the connection began) where the
    blocks' own `Timestamp`s pass the snapshot's time; it ends, when the server
    closed it, with a `disconnected` status. Received times are the
    `Timestamp`s.
    """
    capture = load(run_d, name)
    taken = snapshots(run_d)
    out: list[RawRecord] = []
    for number, connection in enumerate(capture.connections):
        at, items = taken["start" if number == 0 else "post-restart"]
        first = stamp_of(connection.blocks[0], at)
        out.append(status(min(at, first), "connecting"))
        answer: list[RawRecord] | None = [*resync(at, items), status(at, "live")]
        last = first
        for block in connection.blocks:
            last = stamp_of(block, last)
            if answer is not None and last > at:
                out += answer
                answer = None
            out.append(RawRecord(last, "ami", pairs_of(block)))
        if connection.lost_at is not None:
            out.append(status(connection.lost_at, "disconnected"))
    return out


SHUTDOWN_CAUSE = "4"
"""The `SoftHangupRequest` `Cause` of a hang-up by Asterisk's shutdown (AST_SOFTHANGUP_SHUTDOWN)."""


def without_the_shutdown(run: list[RawRecord]) -> tuple[list[RawRecord], list[RawRecord]]:
    """The records with everything the old process sent from its first shutdown hang-up
    to the connection's loss taken out (kept, removed): what a wallboard gets when the
    connection dies just as Asterisk stops, or Asterisk crashes (no `Shutdown` either)."""
    lost = next(
        i
        for i, r in enumerate(run)
        if r.kind == "status" and SourceStatus.from_payload(r.payload).state == "disconnected"
    )
    first = next(
        i
        for i, r in enumerate(run)
        if r.kind == "ami"
        and dict(r.payload).get("Event") == "SoftHangupRequest"
        and dict(r.payload).get("Cause") == SHUTDOWN_CAUSE
    )
    return run[:first] + run[lost:], run[first:lost]


@cache
def queue_log_lines(run_d: Path) -> list[list[str]]:
    return [line.split("|") for line in (run_d / "queue_log").read_text().splitlines()]


def queue_log_outcomes(run_d: Path) -> Counter[tuple[str, str, str]]:
    """(queue, call id, how it left that queue), as many times as queue_log says so."""
    return Counter(
        (fields[2], fields[1], OUTCOME_VERBS[fields[4]])
        for fields in queue_log_lines(run_d)
        if fields[4] in OUTCOME_VERBS
    )


def queue_log_transfers(run_d: Path) -> Counter[tuple[str, str]]:
    return Counter(
        (fields[2], fields[1])
        for fields in queue_log_lines(run_d)
        if fields[4] in ("BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER")
    )


def listed_members(run_d: Path, label: str) -> dict[tuple[str, str], bool]:
    """(member name, queue) -> paused, as one of the driver's QueueStatus answers lists them."""
    _, items = snapshots(run_d)[label]
    return {
        (dict(item)["Name"], dict(item)["Queue"]): dict(item)["Paused"] == "1"
        for item in items
        if item[0] == ["Event", "QueueMember"]
    }


def board_members(snapshot: dict) -> dict[tuple[str, str], bool]:
    """(agent, queue) -> paused for every current membership on a board."""
    return {
        (agent, queue): report["state"] == "paused"
        for agent, report in snapshot["agents"].items()
        for queue in report["queues"]
    }
