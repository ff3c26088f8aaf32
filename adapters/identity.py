"""Who an agent is, whatever Asterisk calls them on a given line.

Asterisk names one queue member three ways: its interface (`Local/agent109@agents/n`,
`PJSIP/109`: what is dialled), its state interface (`Custom:agent109`: the device
whose state is watched) and its member name (`Ivan`). AMI's member events carry all
three at once; queue_log names a member by interface on ADDMEMBER, REMOVEMEMBER and
PENALTY and by member name on every other line (unless queues.conf sets
`log_membername_as_agent = yes`). The directory gives every alias of one agent one
id, so calls, states and pauses accrue on one row:

- an `[agents]` entry (`EngineConfig.agents`) wins: its display name is the id of
  every key that names it (`"Local/agent109@agents/n" = "Ivan"` makes the interface
  and the member name `Ivan` one agent);
- otherwise the member name is the id, and an interface or state interface seen with
  a member name stands for that member until it is seen with another (a desk phone
  used by the next shift's agent is theirs from then on);
- an alias never seen with a member name is its own id.

Pure: it learns only what it is told, in order, so a replay learns the same.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from wallboard.adapters.validate import printable
from wallboard.engine.settings import AgentSettings


class AgentDirectory:
    """Aliases (interface, state interface, member name) to one agent id each."""

    def __init__(self, agents: Mapping[str, AgentSettings]) -> None:
        self._configured = frozenset(agents)
        self._display = frozenset(settings.name for settings in agents.values())
        # Every alias known to stand for another id; read it as `ids.get(name, name)`.
        self.ids: dict[str, str] = {key: settings.name for key, settings in agents.items()}

    def member(self, member_name: str, *devices: str) -> str:
        """The agent behind a member event: its member name and interfaces, empty ones skipped.

        Binds the interfaces to that agent (unless `[agents]` says who they are).
        """
        ids = self.ids
        if member_name in self._configured:
            agent = ids[member_name]
        else:
            configured = (
                next((d for d in devices if d in self._configured), None)
                if self._configured
                else None
            )
            if configured is not None:
                agent = ids[configured]
            elif member_name:
                agent = member_name
            else:
                device = next((d for d in devices if d), "")
                agent = ids.get(device, device)
        if member_name:
            for device in devices:
                if device and device not in self._configured:
                    ids[device] = agent
        return agent

    def alias(self, name: str) -> str:
        """The agent a single name denotes (a queue_log line's agent field)."""
        return self.ids.get(name, name)

    def display_name(self, agent: str, member_name: str = "") -> str:
        """The name to show: the configured one, else the member name given, else none."""
        if agent in self._display:
            return agent
        return member_name


_OFFERS = frozenset({"CONNECT", "RINGNOANSWER", "RINGCANCELED"})
_NAMED_VERBS = _OFFERS | {"PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"}


class _Timeline:
    """One interface's membership of one queue as ADDMEMBER, REMOVEMEMBER and QUEUESTART
    lines draw it: `(since, member)` steps, unknown before the file's first line."""

    def __init__(self) -> None:
        self.steps: list[tuple[float, bool]] = []
        self.paused_adds: list[tuple[float, float]] = []  # [added paused, next change)

    def member_at(self, at: float) -> bool | None:
        index = bisect.bisect_right(self.steps, (at, True)) - 1
        return self.steps[index][1] if index >= 0 else None


@dataclass(frozen=True, slots=True)
class LearntNames:
    """What queue_log alone says of the interfaces it names only on member changes."""

    members: dict[str, str]  # interface -> member name
    untied: tuple[str, ...]  # interfaces no name could be tied to (each its own row)


def learn_member_names(read: Callable[[], Iterable[str]]) -> LearntNames:
    """Interfaces that queue_log names only on ADDMEMBER/REMOVEMEMBER, each tied to the one
    member name whose lines fit it, when that name fits no other interface.

    `read` gives the file's lines (it is read twice). A name's line in a queue
    says it was a member then: its offers (CONNECT, RINGNOANSWER, RINGCANCELED,
    from the time the offer began) and its pauses. A name is ruled out for an
    interface when it was a member of a queue while that interface, by its own
    ADDMEMBER/REMOVEMEMBER lines, was not (an interface with such lines for a
    queue is no static member of it); or when it was offered calls in a queue
    while the interface, added there paused, had not been unpaused under that
    name. A tie needs one name left for the interface and that interface left
    for the name, and at least one line of the name while the interface was a
    member. Anything less stays untied: the `[agents]` table says it.
    """
    timelines: dict[tuple[str, str], _Timeline] = {}
    first_at: float | None = None
    changes: list[tuple[float, str, str, bool, bool]] = []
    named: set[str] = set()  # interfaces some ADDMEMBER line names (the mapper reads those)
    restarts: list[float] = []
    for fields in _split(read()):
        at, verb = float(fields[0]), fields[4]
        first_at = at if first_at is None else min(first_at, at)
        if verb in ("ADDMEMBER", "REMOVEMEMBER") and fields[3] not in ("", "NONE"):
            added = verb == "ADDMEMBER"
            changes.append((at, fields[3], fields[2], added, added and "PAUSED" in fields[5:]))
            if any(data and data != "PAUSED" for data in fields[5:]):
                named.add(fields[3])
        elif verb == "QUEUESTART":
            restarts.append(at)
    if not changes or first_at is None:
        return LearntNames({}, ())
    for at, device, queue, added, paused in sorted(changes):
        timeline = timelines.setdefault((device, queue), _Timeline())
        if not timeline.steps:
            timeline.steps.append((first_at, not added))
        if timeline.paused_adds and timeline.paused_adds[-1][1] == math.inf:
            timeline.paused_adds[-1] = (timeline.paused_adds[-1][0], at)
        timeline.steps.append((at, added))
        if paused:
            timeline.paused_adds.append((at, math.inf))
    for timeline in timelines.values():  # a restart ends a membership made at run time
        for at in restarts:
            if timeline.member_at(at):
                bisect.insort(timeline.steps, (at, False))
    by_queue: dict[str, list[tuple[str, _Timeline]]] = {}
    for (device, queue), timeline in timelines.items():
        by_queue.setdefault(queue, []).append((device, timeline))
    names: set[str] = set()
    fitting: set[tuple[str, str]] = set()
    ruled_out: set[tuple[str, str]] = set()
    unpaused: dict[tuple[str, str], list[float]] = {}
    for fields in _split(read()):
        verb, queue, name = fields[4], fields[2], fields[3]
        if verb not in _NAMED_VERBS or name in ("", "NONE"):
            continue
        names.add(name)
        at = float(fields[0])
        if verb in ("UNPAUSE", "UNPAUSEALL"):
            unpaused.setdefault((name, queue if verb == "UNPAUSE" else ""), []).append(at)
        if queue in ("", "NONE") or verb.endswith("ALL"):
            continue
        began = _offer_began(verb, fields, at) if verb in _OFFERS else at
        for device, timeline in by_queue.get(queue, ()):
            member_then, member_now = timeline.member_at(began), timeline.member_at(at)
            if member_now is False and member_then is not True:
                ruled_out.add((device, name))
            elif member_then or member_now:
                fitting.add((device, name))
            if verb in _OFFERS and _paused_then(timeline, began, name, queue, unpaused):
                ruled_out.add((device, name))
    devices = {device for device, _ in timelines} - names - named
    candidates = {
        device: {name for d, name in fitting - ruled_out if d == device and name not in devices}
        for device in devices
    }
    learnt: dict[str, str] = {}
    for device, fits in candidates.items():
        if len(fits) == 1:
            (name,) = fits
            if [d for d, f in candidates.items() if name in f] == [device]:
                learnt[device] = name
    return LearntNames(learnt, tuple(sorted(devices - set(learnt))))


def _split(lines: Iterable[str]) -> Iterator[list[str]]:
    """The lines that parse: epoch, then at least five fields (the verb upper-cased)."""
    for line in lines:
        text = line.rstrip("\r\n")
        if not text.isprintable():
            text = printable(text)  # as the mapper reads it, so names match
        fields = text.split("|")
        if len(fields) < 5:
            continue
        try:
            float(fields[0])
        except ValueError:
            continue
        fields[4] = fields[4].strip().upper()
        yield fields


def _offer_began(verb: str, fields: list[str], at: float) -> float:
    """When the offer a line reports began: its ring time back, a second of rounding more."""
    try:
        ring = float(fields[7]) if verb == "CONNECT" else float(fields[5]) / 1000.0
    except (IndexError, ValueError):
        return at
    return at - ring - 1.0


def _paused_then(
    timeline: _Timeline,
    began: float,
    name: str,
    queue: str,
    unpaused: dict[tuple[str, str], list[float]],
) -> bool:
    """The interface was added paused and, if `name` is its name, not yet unpaused at `began`."""
    for added, until in timeline.paused_adds:
        if added <= began < until:
            times = unpaused.get((name, queue), []) + unpaused.get((name, ""), [])
            return not any(added <= u <= began for u in times)
    return False
