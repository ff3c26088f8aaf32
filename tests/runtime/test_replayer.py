"""The replayer shows at every position exactly the board that was live then."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.synthetic import DEFAULT_START
from wallboard.alarms import AlarmStepper, load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import Snapshot
from wallboard.errors import WallboardError
from wallboard.runtime.replayer import SPEEDS, Replayer
from wallboard.status import SourceStatus

UTC = ZoneInfo("UTC")
CONFIG = EngineConfig()
BUILTIN_ALARMS = AlarmStepper.factory(load_rules(None))


def straight_through(events, t: float, actions=()) -> Snapshot:
    """The live reference: every event applied through the stepper, then a board at t.

    `actions`: an operator's (at, fingerprint, silence_s), each given at its time.
    """
    engine = Engine(CONFIG)
    stepper = BUILTIN_ALARMS(engine)
    pending = list(actions)
    for event in events:
        while pending and pending[0][0] < event.at:
            at, fingerprint, silence_s = pending.pop(0)
            stepper.advance(at)
            if silence_s is None:
                stepper.acknowledge(fingerprint, "trainer")
            else:
                stepper.silence(fingerprint, silence_s, "trainer")
        if event.at > t:
            break
        stepper.apply(event)
    stepper.advance(t)
    snapshot = engine.snapshot(t)
    snapshot["alarms"] = stepper.active()
    return snapshot


def board(replayer: Replayer, t: float) -> Snapshot:
    snapshot = dict(replayer.seek(t).snapshot)
    snapshot.pop("source")
    return snapshot


def test_a_position_reached_by_playing_equals_the_live_board(shift_events):
    r = Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS)
    t = r.start + 2717.5
    for step in range(1, 30):
        r.seek(r.start + step * 90)
    assert board(r, t) == straight_through(shift_events, t)
    assert board(r, t)["alarms"], "the built-in rules fire on this shift"


def test_seeking_back_restores_a_checkpoint_and_gives_the_same_board(shift_events):
    r = Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS)
    t = r.start + 1800 + 37
    first = board(r, t)
    waiting_trend = list(r.history.waiting)
    r.seek(r.end)
    assert r.position == r.end
    again = board(r, t)
    assert again == first == straight_through(shift_events, t)
    assert list(r.history.waiting) == waiting_trend


def test_acknowledgements_and_silences_survive_seeking_back(shift_events):
    r = Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS, checkpoint_every_s=300)
    r.seek(r.end)  # every checkpoint taken before the operator acts
    ack_at = r.start + 3600 + 0.5
    first, second, *_ = r.seek(ack_at).snapshot["alarms"]
    r.acknowledge(first["fingerprint"], "trainer")
    silence_at = ack_at + 60
    r.seek(silence_at)
    r.silence(second["fingerprint"], 900.0, "trainer")
    actions = [(ack_at, first["fingerprint"], None), (silence_at, second["fingerprint"], 900.0)]

    before = board(r, ack_at - 120)
    assert not any(a["acknowledged_by"] for a in before["alarms"])
    later = silence_at + 30
    again = board(r, later)  # replayed forward from a checkpoint taken before the marks
    assert again == straight_through(shift_events, later, actions)
    marks = {a["fingerprint"]: a for a in again["alarms"]}
    assert marks[first["fingerprint"]]["acknowledged_by"] == "trainer"
    assert marks[second["fingerprint"]]["silenced_until"] > later


def test_an_alarm_that_is_not_firing_cannot_be_acknowledged(shift_events):
    r = Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS)
    with pytest.raises(KeyError):
        r.acknowledge("no-such-alarm", "trainer")
    r.seek(r.start + 600)
    assert (
        r.seek(r.start).snapshot
        == Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS).board.snapshot
    )


def test_trend_history_closes_each_minute_and_interval(shift_events):
    r = Replayer(shift_events, CONFIG, label="s")
    r.seek(r.start + 3600 + 30)
    assert len(r.history.waiting) == 60
    (interval,) = [i for i in r.history.intervals if i.start == DEFAULT_START]
    reference = straight_through(shift_events, DEFAULT_START + 1799.999)
    assert interval.offered == reference["all"]["interval"]["offered"]


def test_position_is_clamped_to_the_recording(shift_events):
    r = Replayer(shift_events, CONFIG, label="s")
    r.seek_by(-600)
    assert r.position == r.start
    r.seek(r.end + 3600)
    assert r.at_end
    assert r.board.status.state == "ended"


def test_speed_steps_between_1x_and_3600x(shift_events):
    r = Replayer(shift_events, CONFIG, label="s")
    for _ in range(len(SPEEDS) + 2):
        r.faster()
    assert r.speed == 3600
    for _ in range(len(SPEEDS) + 2):
        r.slower()
    assert r.speed == 1


def test_tick_moves_by_wall_time_times_speed_unless_paused(shift_events):
    r = Replayer(shift_events, CONFIG, label="s")
    r.speed = 60
    r.tick(0.5)
    assert r.position == r.start + 30
    r.toggle_pause()
    r.tick(10)
    assert r.position == r.start + 30


def test_recorded_disconnections_show_at_their_positions(shift_events):
    start = shift_events[0].at
    items = [
        *shift_events[:50],
        SourceStatus(start + 600, "disconnected", "connection reset"),
        SourceStatus(start + 900, "live"),
        *shift_events[50:],
    ]
    r = Replayer(sorted(items, key=lambda i: i.at), CONFIG, label="s")
    assert r.seek(start + 700).status.state == "disconnected"
    assert r.seek(start + 1000).status.state == "live"


def test_an_empty_file_is_a_one_line_error():
    with pytest.raises(WallboardError, match="no events"):
        Replayer([], CONFIG, label="empty")


def test_seek_distance_counts_from_the_state_or_the_nearest_checkpoint(shift_events):
    r = Replayer(shift_events, CONFIG, label="s", alarms=BUILTIN_ALARMS, checkpoint_every_s=600)
    far = r.end - 100
    assert r.seek_distance(far) == far - r.start  # nothing played yet: all of it
    r.seek(far)
    back = r.start + 3600 + 50
    checkpoint = back - back % 600  # the last 10-minute mark before `back`
    assert r.seek_distance(back) == back - checkpoint
    r.seek(r.start + 60)  # back near the start, every checkpoint still kept
    # Forward again: from the checkpoint ahead of the state, not by replaying the hour.
    assert r.seek_distance(back) == back - checkpoint
    assert board(r, back) == straight_through(shift_events, back)
