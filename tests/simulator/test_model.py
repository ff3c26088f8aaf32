"""The call-centre model: deterministic per seed, one outcome per call, AMI and queue_log agree."""

from __future__ import annotations

from collections import Counter

import pytest

from wallboard.errors import WallboardError
from wallboard.simulator.ami import encode, for_recording, render
from wallboard.simulator.happenings import CallerLeft, CallerQueued, CallRefused
from wallboard.simulator.model import CallCentre
from wallboard.simulator.scenarios import build_scenario, parse_start

HOUR = 3600.0


def _run(name: str = "spike", seed: int = 7, hours: float = 2.0, agents: int = 30):
    model = CallCentre(build_scenario(name, duration_s=hours * HOUR, agents=agents), seed)
    events, lines = [], []
    happenings = model.run_to_end()
    for happening in happenings:
        e, q = render(happening)
        events += e
        lines += q
    return model, happenings, events, lines


@pytest.fixture(scope="module")
def spike_run():
    return _run()


def _names(events):
    return Counter(dict(e)["Event"] for e in events)


def _verbs(lines):
    return Counter(line.split("|")[4] for line in lines)


def test_same_seed_gives_the_same_bytes(spike_run):
    _, _, events, lines = _run()
    assert b"".join(map(encode, events)) == b"".join(map(encode, spike_run[2]))
    assert lines == spike_run[3]


def test_another_seed_gives_another_shift(spike_run):
    _, _, _, lines = _run(seed=8)
    assert lines != spike_run[3]


def test_every_offered_call_has_exactly_one_outcome(spike_run):
    _, _, events, lines = spike_run
    outcomes: Counter[str] = Counter()
    joined = set()
    for event in events:
        headers = dict(event)
        name = headers["Event"]
        if name == "QueueCallerJoin":
            joined.add(headers["Uniqueid"])
        elif name in ("AgentConnect", "QueueCallerAbandon"):
            outcomes[headers["Uniqueid"]] += 1
    assert joined and set(outcomes) == joined
    assert set(outcomes.values()) == {1}
    verbs = _verbs(lines)
    assert verbs["ENTERQUEUE"] == verbs["CONNECT"] + verbs["ABANDON"] + verbs["EXITWITHTIMEOUT"]


def test_queue_log_counts_equal_ami_counts(spike_run):
    _, _, events, lines = spike_run
    names, verbs = _names(events), _verbs(lines)
    assert names["QueueCallerJoin"] == verbs["ENTERQUEUE"] == names["QueueCallerLeave"]
    assert names["AgentConnect"] == verbs["CONNECT"]
    assert names["QueueCallerAbandon"] == verbs["ABANDON"] + verbs["EXITWITHTIMEOUT"]
    assert names["AgentComplete"] == (
        verbs["COMPLETEAGENT"] + verbs["COMPLETECALLER"] + verbs["BLINDTRANSFER"]
    )
    assert names["BlindTransfer"] == verbs["BLINDTRANSFER"] > 0
    assert names["AgentRingNoAnswer"] == verbs["RINGNOANSWER"] > 0
    assert names["QueueMemberAdded"] == verbs["ADDMEMBER"]
    assert names["QueueMemberRemoved"] == verbs["REMOVEMEMBER"]
    assert names["QueueMemberPause"] == verbs["PAUSE"] + verbs["UNPAUSE"]
    assert names["Hold"] == names["Unhold"] > 0


def test_full_refusals_show_only_as_queuestatus_full(spike_run):
    _, happenings, events, _ = spike_run
    blocked = {h.call.uniqueid for h in happenings if isinstance(h, CallRefused)}
    assert blocked, "the spike should overflow sales (maxlen)"
    full = {
        dict(e)["Uniqueid"]
        for e in events
        if dict(e)["Event"] == "VarSet" and dict(e).get("Value") == "FULL"
    }
    joined = {dict(e)["Uniqueid"] for e in events if dict(e)["Event"] == "QueueCallerJoin"}
    assert full == blocked and not full & joined


def test_hang_up_shows_hangup_request_first_and_timeout_after(spike_run):
    _, happenings, events, _ = spike_run
    left = {h.call.uniqueid: h.timeout for h in happenings if isinstance(h, CallerLeft)}
    assert True in left.values() and False in left.values()
    for i, event in enumerate(events):
        headers = dict(event)
        if headers["Event"] != "QueueCallerAbandon":
            continue
        uid = headers["Uniqueid"]
        before = [
            dict(e)["Event"] for e in events[max(0, i - 3) : i] if dict(e).get("Uniqueid") == uid
        ]
        after = [dict(e) for e in events[i + 1 : i + 4] if dict(e).get("Uniqueid") == uid]
        if left[uid]:
            assert "HangupRequest" not in before
            assert any(e.get("Value") == "TIMEOUT" for e in after)
        else:
            assert "HangupRequest" in before


def test_asterisk_counters_include_timeouts_in_abandoned(spike_run):
    model, happenings, _, _ = spike_run
    for view in model.queue_views():
        name = view.spec.name
        left = [h for h in happenings if isinstance(h, CallerLeft) and h.call.queue == name]
        joined = [h for h in happenings if isinstance(h, CallerQueued) and h.call.queue == name]
        assert view.abandoned == len(left)
        assert view.completed + view.abandoned == len(joined)  # drained: every call ended
        assert not view.entries


def test_units_follow_asterisk(spike_run):
    _, _, events, _ = spike_run
    rna = [dict(e) for e in events if dict(e)["Event"] == "AgentRingNoAnswer"]
    connects = [dict(e) for e in events if dict(e)["Event"] == "AgentConnect"]
    assert all(int(e["RingTime"]) >= 1000 for e in rna)  # milliseconds
    assert all(0 <= int(e["RingTime"]) <= 20 for e in connects)  # seconds


def test_recording_trim_keeps_queue_events_only(spike_run):
    _, _, events, _ = spike_run
    kept = [r for r in map(for_recording, events) if r]
    names = _names(kept)
    assert "Newchannel" not in names and "Hangup" not in names
    assert names["QueueCallerJoin"] == _names(events)["QueueCallerJoin"]
    assert all(dict(r).get("Variable", "QUEUESTATUS") == "QUEUESTATUS" for r in kept)
    assert all("ChanVariable" not in dict(r) for r in kept)


def test_bad_knobs_are_one_line_errors():
    with pytest.raises(WallboardError):
        build_scenario("rush-hour")
    with pytest.raises(WallboardError):
        build_scenario(queues=("sales", "sales"))
    with pytest.raises(WallboardError):
        parse_start("tomorrow-ish")
    assert parse_start("2024-11-22T09:00") == 1732266000.0
