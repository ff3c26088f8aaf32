"""Asterisk's queue_log file as a source.

Each line is `epoch|callid|queue|agent|VERB|data1|data2|...`. Field layouts
changed across Asterisk versions (fields were appended, never reordered), so
every optional field is read by position and may be missing. Durations are
taken from the line itself (holdtime, calltime, waittime, ringtime): those are
the figures Asterisk's own reports use.

Things queue_log does not say, and how they are handled:
- agents are named by member name on call lines but by interface on
  ADDMEMBER/REMOVEMEMBER/PENALTY; an interface is translated only when some
  line tied it to a member name, else it stays the agent's id;
- PAUSEALL/UNPAUSEALL name no queue: they apply to every queue the agent is
  known to be in;
- wrap-up time is configuration, not logged: `EngineConfig.for_queue().wrapup_s`;
- QUEUESTART means Asterisk (re)started: callers still waiting and calls still
  connected were lost with it. Waiting callers leave as `CallerGone` (no
  invented outcome); connected calls end at the restart. Memberships and pauses
  are kept (static and persistent members come back as they were).
"""

from __future__ import annotations

import contextlib
import heapq
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from wallboard.adapters.base import RawRecord, SourceStatus
from wallboard.config import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRingNoAnswer,
    AgentUnpaused,
    BlockReason,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
    Event,
    ExitReason,
)

log = logging.getLogger(__name__)

DEFAULT_REORDER_S = 5.0
"""How far back in source time a line may be and still be put in its place.

Asterisk writes queue_log from several threads, so neighbouring lines can be a
second or so out of order; anything later than this is applied where it stands
(the engine clamps it to its clock) with a warning."""

NONE = "NONE"
_SNIFF_BYTES = 4096
# Verbs that carry no metric and need no warning.
_IGNORED = frozenset(
    {"CONFIGRELOAD", "SYSCOMPAT", "DID", "INFO", "PENALTY", "RINGINUSE", "AGENTDUMP", "OUTCALL"}
)
_BLOCKED: dict[str, BlockReason] = {
    "FULL": "full",
    "JOINEMPTY": "joinempty",
    "JOINUNAVAIL": "joinunavail",
}
_EXITS: dict[str, ExitReason] = {
    "EXITWITHTIMEOUT": "timeout",
    "EXITWITHKEY": "key",
    "EXITEMPTY": "empty",
}
_PAUSE_MARK = "PAUSED"
_MEMBER_VERBS = frozenset(
    {
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN",
        "AGENTCALLBACKLOGOFF",
        "RINGCANCELED",
    }
)
# Call lines that must name the agent (the others are about the caller alone).
_AGENT_CALL_VERBS = frozenset(
    {
        "CONNECT",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        "RINGNOANSWER",
    }
)


@dataclass(frozen=True, slots=True)
class QueueLogLine:
    """One parsed line; `data` are the fields after the verb."""

    at: float
    call_id: str
    queue: str
    agent: str
    verb: str
    data: tuple[str, ...]

    def number(self, index: int) -> float | None:
        """A numeric data field, None when this Asterisk version did not write it."""
        try:
            return float(self.data[index])
        except (IndexError, ValueError):
            return None


def parse_line(line: str) -> QueueLogLine:
    """Split one line; ValueError (with a reason) when it is not a queue_log line."""
    fields = line.rstrip("\r\n").split("|")
    if len(fields) < 5:
        raise ValueError(f"not a queue_log line ({len(fields)} fields, at least 5 expected)")
    try:
        at = float(fields[0])
    except ValueError:
        raise ValueError(f"bad timestamp {fields[0][:20]!r}") from None
    verb = fields[4].strip()
    if not verb or not verb.replace("_", "").isalnum():
        raise ValueError(f"bad verb {verb[:20]!r}")
    return QueueLogLine(at, fields[1], fields[2], fields[3], verb.upper(), tuple(fields[5:]))


class QueueLogMapper:
    """queue_log lines -> events, through a small reorder buffer.

    Pure: no clock, no I/O. Problems are kept as text for the caller, who knows
    where the line came from (`take_warnings`).
    """

    def __init__(self, config: EngineConfig, *, reorder_s: float = DEFAULT_REORDER_S) -> None:
        self._config = config
        self._reorder_s = reorder_s
        self._buffer: list[tuple[float, int, QueueLogLine]] = []
        self._seq = 0
        self._newest = float("-inf")
        self._released = float("-inf")
        self._warnings: list[str] = []
        self._waiting: dict[tuple[str, str], float] = {}
        self._connected: dict[tuple[str, str], str] = {}
        self._queues_of: dict[str, set[str]] = {}
        self._queues_at_logoff: dict[str, set[str]] = {}
        self._names: dict[str, str] = {}
        self._unknown_verbs: set[str] = set()

    def take_warnings(self) -> list[str]:
        warnings, self._warnings = self._warnings, []
        return warnings

    def feed(self, record: RawRecord) -> list[Event | SourceStatus]:
        if record.kind == "status":
            return [SourceStatus.from_payload(record.payload)]
        if record.kind != "queue_log" or not str(record.payload).strip():
            return []
        try:
            line = parse_line(str(record.payload))
        except ValueError as exc:
            self._warnings.append(f"skipped: {exc}")
            return []
        problem = self._problem(line)
        if problem is not None:
            if problem:
                self._warnings.append(problem)
            return []
        if line.at < self._released:
            self._warnings.append(
                f"timestamp {line.at:.0f} is {self._released - line.at:.0f} s earlier than "
                "lines already applied; applied in file order"
            )
            return list(self._map(line))
        self._seq += 1
        heapq.heappush(self._buffer, (line.at, self._seq, line))
        self._newest = max(self._newest, line.at)
        return self._release(self._newest - self._reorder_s)

    def flush(self) -> list[Event]:
        """Everything still held back; call once at the end of the input."""
        return self._release(float("inf"))

    def _release(self, up_to: float) -> list[Event]:
        out: list[Event] = []
        while self._buffer and self._buffer[0][0] <= up_to:
            at, _, line = heapq.heappop(self._buffer)
            self._released = at
            out.extend(self._map(line))
        return out

    # mapping

    def _problem(self, line: QueueLogLine) -> str | None:
        """Why a line is not used ("" = silently), checked as it is read so warnings name it."""
        verb = line.verb
        if verb == "QUEUESTART":
            return None
        if verb in _IGNORED:
            return ""
        has_queue = line.queue not in ("", NONE)
        has_agent = line.agent not in ("", NONE)
        if verb in _MEMBER_VERBS:
            if has_agent and (has_queue or verb not in ("ADDMEMBER", "REMOVEMEMBER")):
                return None
            return f"skipped: {verb} without a queue or agent"
        if verb in _CALL_VERBS or verb in _BLOCKED:
            if not has_queue or line.call_id in ("", NONE):
                return f"skipped: {verb} without a queue or call id"
            if verb in _AGENT_CALL_VERBS and not has_agent:
                return f"skipped: {verb} without an agent"
            return None
        if verb in self._unknown_verbs:
            return ""
        self._unknown_verbs.add(verb)
        return f"ignored unknown verb {verb!r} (further ones silently)"

    def _map(self, line: QueueLogLine) -> Iterator[Event]:
        verb = line.verb
        if verb == "QUEUESTART":
            yield from self._restart(line.at)
        elif verb == "RINGCANCELED":
            yield from self._membership(line)
        elif verb in ("ADDMEMBER", "REMOVEMEMBER"):
            yield from self._member_change(line)
        elif verb in ("PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"):
            yield from self._pause(line)
        elif verb in ("AGENTLOGIN", "AGENTCALLBACKLOGIN"):
            yield from self._agent_login(line)
        elif verb in ("AGENTLOGOFF", "AGENTCALLBACKLOGOFF"):
            yield from self._agent_logoff(line)
        elif verb in _BLOCKED:
            yield from self._blocked(line)
        elif verb in _CALL_VERBS:
            yield from _CALL_VERBS[verb](self, line)

    def _agent(self, line: QueueLogLine) -> str:
        return self._names.get(line.agent, line.agent)

    def _membership(self, line: QueueLogLine) -> Iterator[Event]:
        """A line naming an agent in a queue proves the membership (static members never log in)."""
        agent = self._agent(line)
        if agent in ("", NONE) or line.queue in ("", NONE):
            return
        queues = self._queues_of.setdefault(agent, set())
        if line.queue not in queues:
            queues.add(line.queue)
            yield AgentLoggedIn(line.at, agent, line.queue)

    def _restart(self, at: float) -> Iterator[Event]:
        for queue, call_id in sorted(self._waiting):
            yield CallerGone(at, queue, call_id)
        for (queue, call_id), agent in sorted(self._connected.items()):
            yield CallEnded(at, queue, call_id, agent, wrap_s=self._wrap(queue))
        self._waiting.clear()
        self._connected.clear()

    def _wrap(self, queue: str) -> float:
        return self._config.for_queue(queue).wrapup_s

    def _member_change(self, line: QueueLogLine) -> Iterator[Event]:
        named = [field for field in line.data if field and field != _PAUSE_MARK]
        if named:  # some versions and forks log the member name beside the interface
            self._names[line.agent] = named[0]
        agent = self._agent(line)
        queues = self._queues_of.setdefault(agent, set())
        if line.verb == "REMOVEMEMBER":
            if line.queue in queues:
                queues.discard(line.queue)
                yield AgentLoggedOut(line.at, agent, line.queue)
            return
        queues.add(line.queue)
        yield AgentLoggedIn(line.at, agent, line.queue)
        if _PAUSE_MARK in line.data:
            yield AgentPaused(line.at, agent, line.queue)

    def _pause(self, line: QueueLogLine) -> Iterator[Event]:
        agent = self._agent(line)
        if line.queue not in ("", NONE) and not line.verb.endswith("ALL"):
            yield from self._membership(line)
            queues = [line.queue]
        else:
            queues = sorted(self._queues_of.get(agent, ()))
        paused = line.verb.startswith("PAUSE")
        reason = line.data[0] if line.data else ""
        for queue in queues:
            if paused:
                yield AgentPaused(line.at, agent, queue, reason)
            else:
                yield AgentUnpaused(line.at, agent, queue)

    def _agent_login(self, line: QueueLogLine) -> Iterator[Event]:
        """An agent channel came back: its queues are those it had at its last logoff."""
        agent = self._agent(line)
        queues = self._queues_of.setdefault(agent, set())
        for queue in sorted(self._queues_at_logoff.pop(agent, set()) - queues):
            queues.add(queue)
            yield AgentLoggedIn(line.at, agent, queue)

    def _agent_logoff(self, line: QueueLogLine) -> Iterator[Event]:
        agent = self._agent(line)
        queues = self._queues_of.pop(agent, set())
        if queues:
            self._queues_at_logoff[agent] = queues
        for queue in sorted(queues):
            yield AgentLoggedOut(line.at, agent, queue)

    def _enter(self, line: QueueLogLine) -> Iterator[Event]:
        self._waiting[(line.queue, line.call_id)] = line.at
        caller = line.data[1] if len(line.data) > 1 else ""
        yield CallerJoined(line.at, line.queue, line.call_id, caller)

    def _blocked(self, line: QueueLogLine) -> Iterator[Event]:
        key = (line.queue, line.call_id)
        if key in self._waiting:  # refused after joining: it did leave the queue
            del self._waiting[key]
            yield CallerExited(line.at, line.queue, line.call_id, "empty")
        else:
            yield CallBlocked(line.at, line.queue, line.call_id, _BLOCKED[line.verb])

    def _connect(self, line: QueueLogLine) -> Iterator[Event]:
        yield from self._membership(line)
        self._waiting.pop((line.queue, line.call_id), None)
        agent = self._agent(line)
        self._connected[(line.queue, line.call_id)] = agent
        yield CallerAnswered(
            line.at, line.queue, line.call_id, agent, wait_s=line.number(0), ring_s=line.number(2)
        )

    def _end(
        self, line: QueueLogLine, talk_index: int | None, transferred: bool
    ) -> Iterator[Event]:
        agent = self._connected.pop((line.queue, line.call_id), None) or self._agent(line)
        talk = None if talk_index is None else line.number(talk_index)
        yield CallEnded(
            line.at, line.queue, line.call_id, agent, talk, self._wrap(line.queue), transferred
        )

    def _complete(self, line: QueueLogLine) -> Iterator[Event]:
        return self._end(line, 1, transferred=False)

    def _transfer(self, line: QueueLogLine) -> Iterator[Event]:
        # TRANSFER/BLINDTRANSFER: extension|context|holdtime|calltime[|origposition]
        return self._end(line, 3, transferred=True)

    def _attended_transfer(self, line: QueueLogLine) -> Iterator[Event]:
        # BRIDGE|id|hold|call|pos, APP|app|hold|call|pos, LINK|chan1|chan2|hold|call|pos
        kind = line.data[0] if line.data else ""
        talk_index = {"BRIDGE": 3, "APP": 3, "LINK": 4}.get(kind)
        return self._end(line, talk_index, transferred=True)

    def _left(self, line: QueueLogLine, wait_index: int) -> Iterator[Event]:
        """An unanswered caller left; its wait is the line's own waittime field."""
        self._waiting.pop((line.queue, line.call_id), None)
        wait = line.number(wait_index)
        if line.verb == "ABANDON":
            yield CallerAbandoned(line.at, line.queue, line.call_id, wait)
            return
        reason = _EXITS.get(line.verb, "other")
        yield CallerExited(line.at, line.queue, line.call_id, reason, wait)

    def _ring_no_answer(self, line: QueueLogLine) -> Iterator[Event]:
        yield from self._membership(line)
        ring_ms = line.number(0)
        yield AgentRingNoAnswer(
            line.at,
            self._agent(line),
            line.queue,
            line.call_id,
            None if ring_ms is None else ring_ms / 1000.0,
        )


_CALL_VERBS = {
    "CONNECT": QueueLogMapper._connect,
    "COMPLETECALLER": QueueLogMapper._complete,
    "COMPLETEAGENT": QueueLogMapper._complete,
    "TRANSFER": QueueLogMapper._transfer,
    "BLINDTRANSFER": QueueLogMapper._transfer,
    "ATTENDEDTRANSFER": QueueLogMapper._attended_transfer,
    # position|origposition|waittime (EXITWITHKEY: key first; WITHDRAW: info last)
    "ABANDON": lambda m, line: m._left(line, 2),
    "EXITWITHTIMEOUT": lambda m, line: m._left(line, 2),
    "EXITEMPTY": lambda m, line: m._left(line, 2),
    "WITHDRAW": lambda m, line: m._left(line, 2),
    "EXITWITHKEY": lambda m, line: m._left(line, 3),
    "RINGNOANSWER": QueueLogMapper._ring_no_answer,
    "ENTERQUEUE": QueueLogMapper._enter,
}


def open_binary(path: Path) -> BinaryIO:
    """Open an input file, turning the OS's refusal into a one-line error."""
    try:
        return path.open("rb")
    except OSError as exc:
        raise WallboardError(f"{path}: cannot read ({exc.strerror})") from exc


class QueueLogSource:
    """A queue_log file read as fast as possible (a `FileSource`)."""

    def __init__(self, path: str | Path, config: EngineConfig | None = None) -> None:
        self.path = Path(path)
        self.label = f"queue_log:{self.path}"
        self._config = config or EngineConfig()

    def raw(self) -> Iterator[RawRecord]:
        """Every line as a record, stamped with its own epoch (or the previous line's)."""
        with open_binary(self.path) as handle:
            head = handle.read(_SNIFF_BYTES)
            if not head:
                raise WallboardError(f"{self.path}: empty file")
            if b"\0" in head:
                raise WallboardError(f"{self.path}: binary file, not a queue_log or a recording")
            handle.seek(0)
            stamp, usable = 0.0, False
            for raw_line in handle:
                line = raw_line.decode("utf-8", errors="replace").rstrip("\r\n")
                with contextlib.suppress(ValueError):
                    stamp = parse_line(line).at
                    usable = True
                yield RawRecord(stamp, "queue_log", line)
        if not usable:
            raise WallboardError(f"{self.path}: no queue_log lines (epoch|callid|queue|agent|verb)")

    def events(self) -> Iterator[Event | SourceStatus]:
        mapper = QueueLogMapper(self._config)
        for number, record in enumerate(self.raw(), start=1):
            items = mapper.feed(record)
            for warning in mapper.take_warnings():
                log.warning("%s:%d: %s", self.path, number, warning)
            yield from items
        yield from mapper.flush()
