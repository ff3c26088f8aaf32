"""Hypothesis strategies: random queue_log files, mostly coherent shifts, with what real ones hold.

A small model of the call centre (who waits, who talks to whom, who is a member
where) steers most lines towards coherent calls; the rest are what real files
and damaged files hold: restarts with calls still up, ends of calls never seen,
a second answer while on a call, an end logged by another agent, duplicate
lines, waits missing or written oddly, lines a second or two out of order,
names longer than a word or not ASCII, call ids that are not Asterisk's, and
lines that are not queue_log at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from hypothesis import strategies as st

from tests.engine.strategies import ANCHORS
from wallboard.engine.settings import EngineConfig, QueueSettings

QUEUES = ("sales", "support", "billing-overflow-queue-2")
AGENTS = ("Alice", "Bob", "Local/agent103@agents/n", "李雷")
REASONS = ("", "lunch", "Auto-Pause")
GAPS = (0, 0, 1, 1, 2, 3, 5, 10, 20, 45, 90, 300, 900)
LONG_GAPS = (3600, 7200, 43200)
JUNK = (
    "",
    "   ",
    "not a queue_log line",
    "17x6157221|1.1|sales|NONE|ENTERQUEUE||555|1",
    "{at}|1.2|sales|NONE|enterqueue||555|1",
    "{at}|1.3|sales|NONE|NOSUCHVERB|",
    "{at}|NONE|sales|NONE|ENTERQUEUE||555|1",
    "{at}|1.4||Alice|CONNECT|1|1.5|1",
    "{at}|1.5|sales|NONE|CONFIGRELOAD|",
    "{at}|1.6|sales",
    # control characters (a caller or a name with terminal escapes): U+FFFD, as the mapper
    "{at}|1.7|sa\x1b[2Jles|NONE|ENTERQUEUE||555|1",
    "{at}|1.8|sales|Al\u009bice|RINGNOANSWER|1000",
    "{at}|1.9|sales\t|NONE|ENTERQUEUE||555\x07|1",
    "{at}|1.10|sales|Bob|PAUSE|lunch\x7f",
    "\x1b]2;retitled\x07",
)


@dataclass(frozen=True)
class QueueLogCase:
    """A configuration and the text of one queue_log file."""

    config: EngineConfig
    interval_s: float
    text: str


@dataclass
class _Model:
    waiting: dict[tuple[str, str], float] = field(default_factory=dict)
    talking: dict[str, tuple[str, str]] = field(default_factory=dict)  # agent -> call
    members: set[tuple[str, str]] = field(default_factory=set)
    calls: int = 0


def _number(draw: st.DrawFn, value: int) -> str:
    """A number as Asterisk writes it, now and then written oddly, absurd or left out."""
    odd = ["", f" {value}", f"{value}.5", "0", "-5", "86401", "99999999", "nan", "1e3"]
    return draw(st.sampled_from([str(value)] * 10 + odd))


@st.composite
def queue_logs(draw: st.DrawFn, max_lines: int = 60) -> QueueLogCase:
    anchor = draw(st.sampled_from(ANCHORS))
    overrides = {
        q: QueueSettings(
            wrapup_s=draw(st.sampled_from([0.0, 0.0, 2.0, 5.0, 2.5, 30.0])),
            sl_threshold_s=draw(st.sampled_from([None, 3.0, 20.0])),
            short_abandon_s=draw(st.sampled_from([None, 0.0, 2.0])),
            sl_variant=draw(st.sampled_from([None, "answered_only", "abandons_in_sl_good"])),
        )
        for q in QUEUES
    }
    config = EngineConfig(
        sl_threshold_s=draw(st.sampled_from([5.0, 20.0])),
        sl_variant=draw(st.sampled_from(["offered", "answered_only", "abandons_in_sl_good"])),
        short_abandon_s=draw(st.sampled_from([0.0, 5.0])),
        queued_min_s=draw(st.sampled_from([0.0, 1.0])),
        day_start=anchor.day_start if anchor.day_start.second == 0 else time(0),
        timezone=anchor.timezone,
        occupancy_includes_wrap=draw(st.booleans()),
        queues=overrides,
    )
    interval = draw(st.sampled_from([60.0, 300.0, 900.0, 1800.0]))
    model = _Model()
    t = int(anchor.at) - draw(st.integers(0, 600))
    lines: list[str] = []
    for _ in range(draw(st.integers(1, max_lines))):
        step = (
            draw(st.sampled_from(GAPS))
            if draw(st.integers(0, 30))
            else draw(st.sampled_from(LONG_GAPS))
        )
        t += step
        # threads write a bit out of order; once in a while a clock is far off
        roll = draw(st.integers(0, 499))
        jitter = {0: -1, 1: -1, 2: -2, 3: -2, 4: -30, 5: 10**9, 6: -(10**9)}.get(roll, 0)
        lines.extend(_lines(draw, model, t + jitter))
    return QueueLogCase(config, interval, "".join(f"{line}\n" for line in lines))


def _lines(draw: st.DrawFn, m: _Model, at: int) -> list[str]:
    kinds = ["enter"] * 4 + ["pause", "unpause", "add", "remove", "ring_cancel", "junk"]
    kinds += ["pause_all", "blocked", "orphan_end", "restart"]
    if m.waiting:
        kinds += ["connect"] * 4 + ["abandon", "exit", "ring_no_answer", "blocked_waiting"]
    if m.talking:
        kinds += ["end"] * 4 + ["transfer", "end_by_other", "duplicate"]
    kind = draw(st.sampled_from(kinds))
    pick = lambda options: draw(st.sampled_from(sorted(options)))  # noqa: E731
    agent, queue = pick(AGENTS), pick(QUEUES)
    if kind == "enter":
        m.calls += 1
        call = draw(st.sampled_from([f"{at}.{m.calls}", f"pbx1-{at}.{m.calls}"]))
        m.waiting[(queue, call)] = at
        return [f"{at}|{call}|{queue}|NONE|ENTERQUEUE||5550{m.calls}|1"]
    if kind == "connect":
        queue, call = pick(m.waiting)
        joined = m.waiting.pop((queue, call))
        if agent in m.talking and draw(st.integers(0, 3)):  # mostly the free ones answer
            free = sorted(set(AGENTS) - set(m.talking))
            if not free:
                m.waiting[(queue, call)] = joined
                return []
            agent = pick(free)
        m.talking[agent] = (queue, call)
        m.members.add((agent, queue))
        wait = _number(draw, at - int(joined))
        return [f"{at}|{call}|{queue}|{agent}|CONNECT|{wait}|{call}.9|{_number(draw, 3)}"]
    if kind in ("abandon", "exit"):
        queue, call = pick(m.waiting)
        joined = m.waiting.pop((queue, call))
        wait = _number(draw, at - int(joined))
        if kind == "abandon":
            return [f"{at}|{call}|{queue}|NONE|ABANDON|1|1|{wait}"]
        verb = draw(st.sampled_from(["EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"]))
        data = f"1|1|1|{wait}" if verb == "EXITWITHKEY" else f"1|1|{wait}"
        return [f"{at}|{call}|{queue}|NONE|{verb}|{data}"]
    if kind == "ring_no_answer":
        queue, call = pick(m.waiting)
        m.members.add((agent, queue))
        return [f"{at}|{call}|{queue}|{agent}|RINGNOANSWER|{_number(draw, 3000)}"]
    if kind in ("end", "transfer", "end_by_other", "duplicate"):
        talker = pick(m.talking)
        queue, call = m.talking[talker]
        if kind != "duplicate":
            del m.talking[talker]
        who = pick(AGENTS) if kind == "end_by_other" else talker
        talk = _number(draw, draw(st.integers(0, 200)))
        if kind == "transfer":
            verb = draw(st.sampled_from(["BLINDTRANSFER", "TRANSFER", "ATTENDEDTRANSFER"]))
            data = f"support|queues|1|{talk}"
            if verb == "ATTENDEDTRANSFER":
                data = draw(st.sampled_from([f"BRIDGE|x|1|{talk}", f"LINK|a|b|1|{talk}", "APP|x"]))
            return [f"{at}|{call}|{queue}|{who}|{verb}|{data}"]
        verb = draw(st.sampled_from(["COMPLETECALLER", "COMPLETEAGENT"]))
        line = f"{at}|{call}|{queue}|{who}|{verb}|1|{talk}|1"
        return [line, line] if kind == "duplicate" else [line]
    if kind == "orphan_end":
        return [f"{at}|{at}.999|{queue}|{agent}|COMPLETEAGENT|1|{_number(draw, 30)}|1"]
    if kind in ("pause", "unpause"):
        where = draw(st.sampled_from([queue, queue, "NONE", ""]))
        if where not in ("NONE", ""):
            m.members.add((agent, where))
        verb = "PAUSE" if kind == "pause" else "UNPAUSE"
        return [f"{at}|NONE|{where}|{agent}|{verb}|{pick(REASONS)}"]
    if kind == "pause_all":
        return [f"{at}|NONE|NONE|{agent}|{pick(['PAUSEALL', 'UNPAUSEALL'])}|{pick(REASONS)}"]
    if kind == "add":
        m.members.add((agent, queue))
        return [f"{at}|MANAGER|{queue}|{agent}|ADDMEMBER|{pick(['', 'PAUSED'])}"]
    if kind == "remove":
        m.members.discard((agent, queue))
        return [f"{at}|MANAGER|{queue}|{agent}|REMOVEMEMBER|"]
    if kind == "ring_cancel":
        where = draw(st.sampled_from([queue, "NONE"]))
        return [f"{at}|{at}.77|{where}|{agent}|RINGCANCELED|{_number(draw, 2000)}"]
    if kind in ("blocked", "blocked_waiting"):
        if kind == "blocked_waiting":
            queue, call = pick(m.waiting)
            del m.waiting[(queue, call)]
        else:
            m.calls += 1
            call = f"{at}.{m.calls}"
        return [f"{at}|{call}|{queue}|NONE|{pick(['FULL', 'JOINEMPTY', 'JOINUNAVAIL'])}|"]
    if kind == "restart":
        m.waiting.clear()
        m.talking.clear()
        return [f"{at}|NONE|NONE|NONE|QUEUESTART|"]
    return [pick(JUNK).format(at=at)]
