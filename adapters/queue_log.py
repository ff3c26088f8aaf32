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

import bisect
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from wallboard.adapters.base import RawRecord
from wallboard.adapters.identity import AgentDirectory, learn_member_names
from wallboard.adapters.queue_log_lines import MAX_LINE_BYTES, DuplicateLines, read_lines
from wallboard.adapters.source_time import SourceClock
from wallboard.adapters.validate import (
    QUEUE_LOG_DURATIONS,
    blank_bad_durations,
    printable,
    source_status,
)
from wallboard.engine.settings import EngineConfig
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
from wallboard.status import SourceStatus

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


# What a handler gets: the line's time, its verb (normalized) and all its fields
# (`fields[5:]` are the verb's data); it appends its events to the list given.
_Handler = Callable[["QueueLogMapper", float, str, list[str], list[Event]], None]
# A verb as the mapper treats it: its handler (None: not used) and the fields a
# line must fill (call id 1, queue 2, agent 3); decided once per verb spelling.
_Rule = tuple[str, _Handler | None, tuple[int, ...]]
_Held = tuple[float, _Handler, str, list[str]]
_VERB_CACHE_SIZE = 256
_ABSENT = ("", NONE)


def parse_line(line: str) -> tuple[float, str, list[str]]:
    """Time, upper-case verb and all fields; ValueError (with a reason) for a non-queue_log line."""
    fields = line.rstrip("\r\n").split("|")
    if len(fields) < 5:
        raise ValueError(f"not a queue_log line ({len(fields)} fields, at least 5 expected)")
    return _time(fields[0]), _verb(fields[4]), fields


def _time(text: str) -> float:
    try:
        at = float(text)
    except ValueError:
        raise ValueError(f"bad timestamp {text[:20]!r}") from None
    if at - at:  # nan or infinite: no place in time (a nan would stall the reorder buffer)
        raise ValueError(f"bad timestamp {text[:20]!r}")
    return at


def _verb(text: str) -> str:
    verb = text.strip()
    if not verb or not verb.replace("_", "").isalnum():
        raise ValueError(f"bad verb {verb[:20]!r}")
    return verb.upper()


def _number(fields: list[str], index: int) -> float | None:
    """Data field `index` as a number, None when this Asterisk version did not write it."""
    try:
        return float(fields[5 + index])
    except (IndexError, ValueError):
        return None


def _at(held: _Held) -> float:
    return held[0]


class QueueLogMapper:
    """queue_log lines -> events, through a small reorder buffer.

    Pure: no clock, no I/O. Problems are kept as text for the caller, who knows
    where the line came from (`take_warnings`).

    The buffer is kept sorted by (time, arrival): a line in order (nearly all
    of them) is appended and leaves from the front, only a line out of order
    is inserted in its place. That is the order a heap would give, at a
    fraction of the cost per line.
    """

    def __init__(
        self,
        config: EngineConfig,
        *,
        reorder_s: float = DEFAULT_REORDER_S,
        members: Mapping[str, str] | None = None,
    ) -> None:
        """`members`: interface -> member name pairs learnt beforehand (`learn_member_names`)."""
        self._config = config
        self._reorder_s = reorder_s
        self._held: deque[_Held] = deque()
        self._newest = float("-inf")
        self._released = float("-inf")
        self._warnings: list[str] = []
        self._controls_told = False
        self._waiting: dict[tuple[str, str], float] = {}
        self._connected: dict[tuple[str, str], str] = {}
        self._queues_of: dict[str, set[str]] = {}
        self._queues_at_logoff: dict[str, set[str]] = {}
        self._agents = AgentDirectory(config.agents)
        for device, member in (members or {}).items():
            self._agents.member(member, device)
        self._names = self._agents.ids  # alias -> agent id, read inline on the hot path
        # Memberships made at run time (ADDMEMBER), and paused ones: a restart ends both.
        self._added: set[tuple[str, str]] = set()
        # Those whose last line was REMOVEMEMBER: an offer that rang across the removal
        # may still be answered (run D: Kate), and the member is out again after it.
        self._removed: set[tuple[str, str]] = set()
        self._paused: set[tuple[str, str]] = set()
        self._unknown_verbs: set[str] = set()
        self._verbs: dict[str, _Rule] = {}
        self._wraps: dict[str, float] = {}
        self._stamp: str | None = None  # the last time field read, and its value
        self._stamp_at = 0.0
        self._duplicates = DuplicateLines()
        self._clock: SourceClock[tuple[_Handler, str, list[str]]] = SourceClock(
            config.source_max_jump_s, noun="line"
        )

    def take_warnings(self) -> list[str]:
        warnings = self._warnings
        if not warnings:  # the usual answer, once per line: no new list to make
            return []
        self._warnings = []
        return warnings

    def feed(self, record: RawRecord) -> list[Event | SourceStatus]:
        _, kind, text = record
        if kind != "queue_log":
            if kind != "status":
                return []
            status = source_status(text)
            if isinstance(status, str):
                self._warnings.append(f"skipped: {status}")
                return []
            return [status]
        if type(text) is not str:
            self._warnings.append(f"skipped: a {type(text).__name__}, not a line of text")
            return []
        line = text.rstrip("\r\n")
        if not line.isprintable():
            line = self._printable(line)
        fields = line.split("|")
        try:
            if len(fields) < 5:
                if not text.strip():
                    return []
                raise ValueError(
                    f"not a queue_log line ({len(fields)} fields, at least 5 expected)"
                )
            if fields[0] == self._stamp:  # lines come in bursts within the same second
                at = self._stamp_at
            else:
                at = self._stamp_at = _time(fields[0])
                self._stamp = fields[0]
            verb, handler, required = self._verbs.get(fields[4]) or self._rule(fields[4])
        except ValueError as exc:
            self._warnings.append(f"skipped: {exc}")
            return []
        if handler is None:
            return []
        for index in required:
            if fields[index] in _ABSENT:
                self._warnings.append(_missing(verb, required, fields))
                return []
        # A time the stream has not confirmed must not make the duplicate memory forget.
        now = self._clock.now
        seen_at = at if now is None else min(at, now + self._clock.max_jump_s)
        if self._duplicates.repeats(line, seen_at):
            return []  # counted once; one summary at the end (adapters/queue_log_lines.py)
        if verb in QUEUE_LOG_DURATIONS:
            bad = blank_bad_durations(verb, fields)
            if bad:
                self._warnings += bad
        out: list[Event | SourceStatus] = []
        for when, (held_handler, held_verb, held_fields) in self._clock.admit(
            at, None, (handler, verb, fields)
        ):
            # `out` only ever receives events here; list invariance cannot say so.
            self._place(when, held_handler, held_verb, held_fields, out)  # type: ignore[arg-type]
        if self._clock.warnings:
            self._warnings += self._clock.take_warnings()
        return out

    def _printable(self, line: str) -> str:
        """The line with its control characters as U+FFFD, told for the first such line."""
        text = printable(line)
        if text != line and not self._controls_told:
            self._controls_told = True
            self._warnings.append(
                "control characters (terminal escapes) shown as U+FFFD, here and in later lines"
            )
        return text

    def _place(
        self, at: float, handler: _Handler, verb: str, fields: list[str], out: list[Event]
    ) -> None:
        """Into the reorder buffer, releasing what is now old enough."""
        if at < self._released:
            self._warnings.append(
                f"timestamp {at:.0f} is {self._released - at:.0f} s earlier than "
                "lines already applied; applied in file order"
            )
            handler(self, at, verb, fields, out)
            return
        held = self._held
        if not held or at >= held[-1][0]:
            held.append((at, handler, verb, fields))
        else:
            bisect.insort_right(held, (at, handler, verb, fields), key=_at)
        if at > self._newest:
            self._newest = at
        if held[0][0] <= self._newest - self._reorder_s:
            self._release(self._newest - self._reorder_s, out)

    def flush(self) -> list[Event]:
        """Everything still held back; call once at the end of the input."""
        out: list[Event] = []
        for at, line in self._clock.flush():
            self._place(at, *line, out)
        self._warnings += self._clock.take_warnings()
        duplicates = self._duplicates.summary()
        if duplicates:
            self._warnings.append(duplicates)
        self._release(float("inf"), out)
        return out

    def _release(self, up_to: float, out: list[Event]) -> None:
        held = self._held
        while held and held[0][0] <= up_to:
            at, handler, verb, fields = held.popleft()
            self._released = at
            handler(self, at, verb, fields, out)

    # mapping

    def _rule(self, spelling: str) -> _Rule:
        """How lines with this verb are treated; warns once per unknown verb."""
        verb = _verb(spelling)
        rule = _RULES.get(verb)
        if rule is None:
            if verb not in self._unknown_verbs:
                self._unknown_verbs.add(verb)
                self._warnings.append(f"ignored unknown verb {verb!r} (further ones silently)")
            rule = (verb, None, ())
        if len(self._verbs) < _VERB_CACHE_SIZE:
            self._verbs[spelling] = rule
        return rule

    def _agent(self, raw: str) -> str:
        return self._names.get(raw, raw)

    def _wrap(self, queue: str) -> float:
        try:
            return self._wraps[queue]
        except KeyError:
            wrap = self._wraps[queue] = self._config.for_queue(queue).wrapup_s
            return wrap

    def _queues(self, agent: str) -> set[str]:
        queues = self._queues_of.get(agent)
        if queues is None:
            queues = self._queues_of[agent] = set()
        return queues

    def _membership(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        """A line naming an agent in a queue proves the membership (static members never log in)."""
        agent = self._names.get(fields[3], fields[3])
        queue = fields[2]
        if agent in ("", NONE) or queue in ("", NONE):
            return
        queues = self._queues(agent)
        if queue not in queues:
            queues.add(queue)
            out.append(AgentLoggedIn(at, agent, queue))

    def _restart(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        """Asterisk started: what the old process held is gone (as run D's restart showed).

        Its shutdown already wrote ABANDON/COMPLETE* for its callers and calls;
        what is still open was lost without a word (a crash) and ends here with
        no invented outcome. Members added at run time are gone (persistent ones
        come back with an ADDMEMBER line each), and nobody is paused any more.
        """
        for queue, call_id in sorted(self._waiting):
            out.append(CallerGone(at, queue, call_id))
        for (queue, call_id), agent in sorted(self._connected.items()):
            out.append(CallEnded(at, queue, call_id, agent, None, self._wrap(queue)))
        self._waiting.clear()
        self._connected.clear()
        for agent, queue in sorted(self._added):
            queues = self._queues_of.get(agent, set())
            if queue in queues:
                queues.discard(queue)
                self._paused.discard((agent, queue))
                out.append(AgentLoggedOut(at, agent, queue))
        for agent, queue in sorted(self._paused):
            out.append(AgentUnpaused(at, agent, queue))
        self._paused.clear()

    def _member_change(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        data = fields[5:]
        named = [field for field in data if field and field != _PAUSE_MARK]
        if named:  # some versions and forks log the member name beside the interface
            self._agents.member(named[0], fields[3])
        agent = self._agent(fields[3])
        queue = fields[2]
        queues = self._queues(agent)
        self._added.add((agent, queue))
        if verb == "REMOVEMEMBER":
            self._removed.add((agent, queue))
            self._paused.discard((agent, queue))
            if queue in queues:
                queues.discard(queue)
                out.append(AgentLoggedOut(at, agent, queue))
            return
        queues.add(queue)
        self._removed.discard((agent, queue))
        out.append(AgentLoggedIn(at, agent, queue))
        if _PAUSE_MARK in data:
            self._paused.add((agent, queue))
            out.append(AgentPaused(at, agent, queue))

    def _pause(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        agent = self._agent(fields[3])
        if fields[2] not in ("", NONE) and not verb.endswith("ALL"):
            self._membership(at, verb, fields, out)
            queues = [fields[2]]
        else:
            queues = sorted(self._queues_of.get(agent, ()))
        reason = fields[5] if len(fields) > 5 else ""
        for queue in queues:
            if verb.startswith("PAUSE"):
                self._paused.add((agent, queue))
                out.append(AgentPaused(at, agent, queue, reason))
            else:
                self._paused.discard((agent, queue))
                out.append(AgentUnpaused(at, agent, queue))

    def _agent_login(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        """An agent channel came back: its queues are those it had at its last logoff."""
        agent = self._agent(fields[3])
        queues = self._queues(agent)
        for queue in sorted(self._queues_at_logoff.pop(agent, set()) - queues):
            queues.add(queue)
            out.append(AgentLoggedIn(at, agent, queue))

    def _agent_logoff(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        agent = self._agent(fields[3])
        queues = self._queues_of.pop(agent, set())
        if queues:
            self._queues_at_logoff[agent] = queues
        self._paused -= {(agent, queue) for queue in queues}
        for queue in sorted(queues):
            out.append(AgentLoggedOut(at, agent, queue))

    def _enter(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        queue, call_id = fields[2], fields[1]
        self._waiting[(queue, call_id)] = at
        out.append(CallerJoined(at, queue, call_id, fields[6] if len(fields) > 6 else ""))

    def _blocked(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        key = queue, call_id = fields[2], fields[1]
        if key in self._waiting:  # refused after joining: it did leave the queue
            del self._waiting[key]
            out.append(CallerExited(at, queue, call_id, "empty"))
        else:
            out.append(CallBlocked(at, queue, call_id, _BLOCKED[verb]))

    def _connect(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        queue, call_id, agent = fields[2], fields[1], fields[3]
        agent = self._names.get(agent, agent)
        queues = self._queues_of.get(agent)
        if queues is None or queue not in queues:
            self._membership(at, verb, fields, out)
        key = (queue, call_id)
        self._waiting.pop(key, None)
        self._connected[key] = agent
        # holdtime|bridgedchanneluniqueid|ringtime (the numbers inline: this is the hot path)
        try:
            wait_s: float | None = float(fields[5])
        except (IndexError, ValueError):
            wait_s = None
        try:
            ring_s: float | None = float(fields[7])
        except (IndexError, ValueError):
            ring_s = None
        out.append(CallerAnswered(at, queue, call_id, agent, wait_s, ring_s))

    def _end(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        """An answered call ended, by a hang-up or a transfer; talk time is the line's calltime."""
        queue, call_id = fields[2], fields[1]
        agent = self._connected.pop((queue, call_id), None) or self._agent(fields[3])
        if verb == "ATTENDEDTRANSFER":
            # BRIDGE|id|hold|call|pos, APP|app|hold|call|pos, LINK|chan1|chan2|hold|call|pos
            talk = _ATTENDED_TALK.get(fields[5] if len(fields) > 5 else "")
        else:
            # COMPLETE*: holdtime|calltime|origposition
            # TRANSFER/BLINDTRANSFER: extension|context|holdtime|calltime[|origposition]
            talk = 3 if verb.endswith("TRANSFER") else 1
        talk_s = None if talk is None else _number(fields, talk)
        wrap_s = self._wraps.get(queue)
        if wrap_s is None:
            wrap_s = self._wrap(queue)
        transferred = verb.endswith("TRANSFER")
        out.append(CallEnded(at, queue, call_id, agent, talk_s, wrap_s, transferred))
        if self._removed:
            self._still_removed(at, agent, queue, out)

    def _left(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        """An unanswered caller left; its wait is the line's own waittime field."""
        queue, call_id = fields[2], fields[1]
        self._waiting.pop((queue, call_id), None)
        # position|origposition|waittime (EXITWITHKEY: key first; WITHDRAW: info last)
        wait = _number(fields, 3 if verb == "EXITWITHKEY" else 2)
        if verb == "ABANDON":
            out.append(CallerAbandoned(at, queue, call_id, wait))
        else:
            out.append(CallerExited(at, queue, call_id, _EXITS.get(verb, "other"), wait))

    def _ring_no_answer(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        self._membership(at, verb, fields, out)
        ring_ms = _number(fields, 0)
        agent = self._agent(fields[3])
        out.append(
            AgentRingNoAnswer(
                at, agent, fields[2], fields[1], None if ring_ms is None else ring_ms / 1000.0
            )
        )
        if self._removed:
            self._still_removed(at, agent, fields[2], out)

    def _ring_canceled(self, at: float, verb: str, fields: list[str], out: list[Event]) -> None:
        self._membership(at, verb, fields, out)
        if self._removed:
            self._still_removed(at, self._agent(fields[3]), fields[2], out)

    def _still_removed(self, at: float, agent: str, queue: str, out: list[Event]) -> None:
        """After an offer or a call of a member REMOVEMEMBER took out, the member is out again
        (the line's membership, and the engine's, lasted only for it)."""
        if (agent, queue) in self._removed and queue in self._queues(agent):
            self._queues(agent).discard(queue)
            out.append(AgentLoggedOut(at, agent, queue))


_ATTENDED_TALK = {"BRIDGE": 3, "APP": 3, "LINK": 4}
_M = QueueLogMapper
_HANDLERS: dict[str, _Handler] = {
    "QUEUESTART": _M._restart,
    "RINGCANCELED": _M._ring_canceled,
    "ADDMEMBER": _M._member_change,
    "REMOVEMEMBER": _M._member_change,
    **dict.fromkeys(("PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"), _M._pause),
    **dict.fromkeys(("AGENTLOGIN", "AGENTCALLBACKLOGIN"), _M._agent_login),
    **dict.fromkeys(("AGENTLOGOFF", "AGENTCALLBACKLOGOFF"), _M._agent_logoff),
    **dict.fromkeys(_BLOCKED, _M._blocked),
    "ENTERQUEUE": _M._enter,
    "CONNECT": _M._connect,
    **dict.fromkeys(
        ("COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"),
        _M._end,
    ),
    **dict.fromkeys(
        ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "WITHDRAW", "EXITWITHKEY"), _M._left
    ),
    "RINGNOANSWER": _M._ring_no_answer,
}


def _required(verb: str) -> tuple[int, ...]:
    """The fields a line with this verb must fill: call id 1, queue 2, agent 3."""
    if verb in ("ADDMEMBER", "REMOVEMEMBER"):
        return (2, 3)
    if verb in _MEMBER_VERBS:
        return (3,)
    if verb == "QUEUESTART":
        return ()
    return (1, 2, 3) if verb in _AGENT_CALL_VERBS else (1, 2)


_RULES: dict[str, _Rule] = {
    **{verb: (verb, handler, _required(verb)) for verb, handler in _HANDLERS.items()},
    **{verb: (verb, None, ()) for verb in _IGNORED},
}


def _missing(verb: str, required: tuple[int, ...], fields: list[str]) -> str:
    """Why a line that leaves a required field empty is skipped."""
    if required[0] != 1:
        return f"skipped: {verb} without a queue or agent"
    if fields[1] in _ABSENT or fields[2] in _ABSENT:
        return f"skipped: {verb} without a queue or call id"
    return f"skipped: {verb} without an agent"


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
        for _, record in self._numbered(
            lambda line, text: log.warning("%s:%d: %s", self.path, line, text)
        ):
            yield record

    def _numbered(self, warn: Callable[[int, str], None]) -> Iterator[tuple[int, RawRecord]]:
        """Each line's number and record; zero runs and runaway lines are `warn`ed and skipped."""
        with open_binary(self.path) as handle:
            head = handle.read(_SNIFF_BYTES)
            if not head:
                raise WallboardError(f"{self.path}: empty file")
            if b"\0" in head:
                # Zero runs are a crash's marks in a queue_log; other bytes with them, binary.
                head += handle.read(MAX_LINE_BYTES)
                if head.strip(b"\0") and not _has_a_line(head):
                    raise WallboardError(
                        f"{self.path}: binary file, not a queue_log or a recording"
                    )
            handle.seek(0)
            stamp, usable = 0.0, False
            for number, raw_line in read_lines(handle, warn):
                line = raw_line.decode("utf-8", errors="replace").rstrip("\r")
                with contextlib.suppress(ValueError):
                    stamp = parse_line(line)[0]
                    usable = True
                yield number, RawRecord(stamp, "queue_log", line)
        if not usable:
            raise WallboardError(f"{self.path}: no queue_log lines (epoch|callid|queue|agent|verb)")

    def _lines(self) -> Iterator[str]:
        """The file's lines as text, quietly (`raw` tells what is wrong with them)."""
        with open_binary(self.path) as handle:
            for _, raw_line in read_lines(handle, lambda line, text: None):
                yield raw_line.decode("utf-8", errors="replace")

    def events(self) -> Iterator[Event | SourceStatus]:
        members = member_names(self.path, self._lines)
        mapper = QueueLogMapper(self._config, members=members)
        warn = CappedWarnings(self.path)
        number = 0
        try:
            for number, record in self._numbered(warn):
                items = mapper.feed(record)
                for warning in mapper.take_warnings():
                    warn(number, warning)
                yield from items
            rest = mapper.flush()
            for warning in mapper.take_warnings():
                warn(number, f"at the end: {warning}")
            yield from rest
        finally:
            warn.summary()


def _has_a_line(head: bytes) -> bool:
    """Whether the start of a file with zero bytes in it still holds a queue_log line."""
    for piece in head.replace(b"\0", b"\n").split(b"\n"):
        with contextlib.suppress(ValueError):
            parse_line(piece.decode("utf-8", errors="replace"))
            return True
    return False


def member_names(where: Path, lines: Callable[[], Iterable[str]]) -> dict[str, str]:
    """The interface -> member name pairs a queue_log file teaches (read once more for it).

    Says which interfaces stay their own row: the `[agents]` table can tie them.
    """
    learnt = learn_member_names(lines)
    for device, member in sorted(learnt.members.items()):
        log.info("%s: %s is the member %s (learnt from its lines)", where, device, member)
    if learnt.untied:
        log.warning(
            "%s: %s named only by interface on ADDMEMBER/REMOVEMEMBER, and no member name "
            "fits it alone: it shows as a row of its own; tie it in the [agents] table of "
            '--config ("%s" = "Name") or set log_membername_as_agent = yes in queues.conf',
            where,
            ", ".join(learnt.untied),
            learnt.untied[0],
        )
    return learnt.members


class CappedWarnings:
    """The first few warnings of a file, then one summary line for the rest.

    A text file that is not a queue_log at all (or one damaged throughout) must
    not bury the screen in a warning per line: the first ones say what is wrong.
    """

    SHOWN = 10

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.hidden_lines: tuple[int, int] | None = None

    def __call__(self, line: int, warning: str) -> None:
        self.count += 1
        if self.count <= self.SHOWN:
            log.warning("%s:%d: %s", self.path, line, warning)
        else:
            first = self.hidden_lines[0] if self.hidden_lines else line
            self.hidden_lines = (first, line)

    def summary(self) -> None:
        if self.hidden_lines is not None:
            first, last = self.hidden_lines
            hidden = self.count - self.SHOWN
            if hidden == 1:
                log.warning("%s: 1 more warning not shown (line %d)", self.path, last)
                return
            lines = f"line {last}" if first == last else f"lines {first} to {last}"
            log.warning("%s: %d more warnings not shown (%s)", self.path, hidden, lines)


def verb_rules() -> dict[str, tuple[bool, tuple[int, ...]]]:
    """Each verb the mapper knows: whether its lines give events, and the fields (call id 1,
    queue 2, agent 3) they must fill; the batch reader (`wallboard.intervals.columns`) follows
    the same rules."""
    return {
        verb: (handler is not None, required) for verb, (_, handler, required) in _RULES.items()
    }
