"""The source-time guard: absurd or contradicted times are skipped, real jumps followed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.adapters.source_time import EARLIEST, LATEST, MAX_HELD, SourceClock, plausible

T0 = 1_795_381_986.0  # 2026-11-22 21:13:06 UTC
DAY = 86_400.0


def feed(clock: SourceClock[int], times: list[float | None], received: list[float] | None = None):
    """Every decided (time, index), in order, the end of input included."""
    out: list[tuple[float, int]] = []
    for index, at in enumerate(times):
        out += clock.admit(at, received[index] if received else None, index)
    return out + clock.flush()


def test_times_in_order_pass_at_once_and_unchanged():
    clock: SourceClock[int] = SourceClock()
    assert clock.admit(T0, None, 0) == []  # the first time waits for a second opinion
    assert clock.admit(T0 + 1, None, 1) == [(T0, 0), (T0 + 1, 1)]
    assert clock.admit(T0 + 1.5, None, 2) == [(T0 + 1.5, 2)]
    assert clock.admit(T0 - 30, None, 3) == [(T0 - 30, 3)]  # late is the engine's business
    assert clock.now == T0 + 1.5
    assert clock.take_warnings() == [] and clock.skipped == 0


@pytest.mark.parametrize(
    "bad", [math.nan, math.inf, -math.inf, 0.0, 17953.0, EARLIEST - 1, LATEST, 1e20]
)
def test_a_time_that_is_no_time_is_skipped_with_one_warning(bad):
    clock: SourceClock[int] = SourceClock(noun="line")
    out = feed(clock, [T0, T0 + 1, bad, T0 + 2])
    assert [index for _, index in out] == [0, 1, 3]
    (warning,) = clock.take_warnings()
    assert warning.startswith("skipped 1 line 1 line back: timestamp ")
    assert warning.endswith("is not a time between 2000 and 2100 UTC")


def test_one_warning_per_burst_and_the_next_burst_warns_again():
    clock: SourceClock[int] = SourceClock(noun="line")
    out = feed(clock, [T0, T0 + 1, 1e20, math.nan, 5.0, T0 + 2, T0 + 3, 1e30, T0 + 4])
    assert [index for _, index in out] == [0, 1, 5, 6, 8]
    assert clock.take_warnings() == [
        "skipped 3 lines from 3 lines back: timestamp 5 .. 1e+20 is not a time between "
        "2000 and 2100 UTC",
        "skipped 1 line 1 line back: timestamp 1e+30 is not a time between 2000 and 2100 UTC",
    ]
    assert clock.skipped == 4


@pytest.mark.parametrize("ahead", [90.0, 3600.0, DAY, 30 * DAY, 70 * 365 * DAY])
def test_a_time_far_ahead_that_the_stream_does_not_follow_is_skipped(ahead):
    clock: SourceClock[int] = SourceClock(noun="line")
    times = [T0, T0 + 1, T0 + ahead, T0 + 2, T0 + 3]
    if T0 + ahead >= LATEST:
        times[2] = LATEST - 1
    out = feed(clock, times)
    assert [index for _, index in out] == [0, 1, 3, 4]
    (warning,) = clock.take_warnings()
    assert warning.startswith("skipped 1 line 1 line back: timestamp 20")
    assert "more than 60 s ahead of the stream's clock (2026-11-22 21:13:08 UTC)" in warning
    assert clock.now == T0 + 3


def test_a_jump_the_stream_follows_is_a_quiet_gap_and_every_record_is_used():
    clock: SourceClock[int] = SourceClock()
    night = T0 + 14 * 3600
    assert feed(clock, [T0, T0 + 1, night, night + 5]) == [
        (T0, 0),
        (T0 + 1, 1),
        (night, 2),
        (night + 5, 3),
    ]
    assert clock.take_warnings() == []


def test_a_burst_stamped_with_one_time_far_ahead_does_not_vouch_for_itself():
    """A PBX clock wrong for a second writes its lines with one stamp: still one suspect."""
    clock: SourceClock[int] = SourceClock(noun="line", name=lambda index: f"line {index}")
    ahead = T0 + DAY
    out = feed(clock, [T0, T0 + 1, ahead, ahead, ahead, T0 + 2, ahead + 1, T0 + 3])
    assert [index for _, index in out] == [0, 1, 5, 7]
    assert clock.take_warnings() == [
        "skipped 3 lines from 3 lines back (line 2, line 3, line 4): timestamp "
        "2026-11-23 21:13:06 UTC is more than 60 s ahead of the stream's clock "
        "(2026-11-22 21:13:08 UTC) and the stream did not follow",
        "skipped 1 line 1 line back (line 6): timestamp 2026-11-23 21:13:07 UTC is more "
        "than 60 s ahead of the stream's clock (2026-11-22 21:13:09 UTC) and the stream "
        "did not follow",
    ]
    # Moving on from the burst's time is the stream following it.
    out = feed(SourceClock(), [T0, T0 + 1, ahead, ahead, ahead + 1, T0 + 2])
    assert [index for _, index in out] == [0, 1, 2, 3, 4, 5]


def test_a_bogus_first_time_does_not_drag_the_clock_along():
    clock: SourceClock[int] = SourceClock(noun="line")
    out = feed(clock, [T0 + 365 * DAY, T0, T0 + 1, T0 + 2])
    assert [index for _, index in out] == [1, 2, 3]
    assert clock.now == T0 + 2
    (warning,) = clock.take_warnings()
    assert warning.startswith("skipped 1 line 2 lines back: timestamp 2027-11-22 21:13:06 UTC")


def test_the_end_of_input_contradicts_nothing():
    """A single line, or a sparse tail, is kept: only a later record can refute a time."""
    clock: SourceClock[int] = SourceClock()
    assert feed(clock, [T0]) == [(T0, 0)]
    sparse = [T0, T0 + 1, T0 + 600, T0 + 1900, T0 + 4000]
    assert [index for _, index in feed(SourceClock(), sparse)] == [0, 1, 2, 3, 4]


def test_the_receipt_clock_vouches_for_a_live_night():
    """With our own clock on each record, elapsed time on it allows as much source time."""
    clock: SourceClock[int] = SourceClock()
    night = 10 * 3600
    out = [clock.admit(T0 + 0.2, T0, 0), clock.admit(T0 + night + 0.3, T0 + night, 1)]
    assert out == [[(T0 + 0.2, 0)], [(T0 + night + 0.3, 1)]]  # nothing held, not even the first
    # A stamp a day ahead of what our clock says passed is held, then refuted.
    assert clock.admit(T0 + night + DAY, T0 + night + 1, 2) == []
    assert clock.admit(T0 + night + 1.4, T0 + night + 1.1, 3) == [(T0 + night + 1.4, 3)]
    assert clock.skipped == 1


def test_a_pbx_clock_far_from_ours_is_followed_once_it_agrees_with_itself():
    clock: SourceClock[int] = SourceClock()
    skew = 4000.0
    assert clock.admit(T0 + skew, T0, 0) == []
    assert clock.admit(None, T0 + 1, 1) == []  # undated: waits behind, in order
    assert clock.admit(T0 + skew + 15, T0 + 15, 2) == [
        (T0 + skew, 0),
        (T0 + skew + 1, 1),  # dated on our clock plus the offset between the two
        (T0 + skew + 15, 2),
    ]
    assert clock.admit(None, T0 + 20, 3) == [(T0 + skew + 20, 3)]


def test_undated_records_never_change_the_order():
    clock: SourceClock[int] = SourceClock()
    out = feed(clock, [T0, None, T0 + DAY, None, T0 + 1], [T0, T0, T0 + 0.5, T0 + 0.6, T0 + 1])
    assert [index for _, index in out] == [0, 1, 3, 4]


def test_held_records_are_bounded():
    clock: SourceClock[int] = SourceClock()
    times = [T0 + 120 * k for k in range(MAX_HELD + 5)]  # each a jump, none confirmed
    decided = []
    for index, at in enumerate(times):
        decided += clock.admit(at, None, index)
        assert len(clock._held) <= MAX_HELD
    assert [index for _, index in decided + clock.flush()] == list(range(len(times)))


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(0, 30), min_size=2, max_size=80),
    gaps=st.lists(st.tuples(st.integers(0, 79), st.floats(61, 10 * DAY)), max_size=4),
    bogus=st.lists(st.tuples(st.integers(1, 78), st.integers(50, 90)), max_size=6),
)
def test_valid_records_are_all_kept_and_contradicted_ones_all_skipped(steps, gaps, bogus):
    """A stream with quiet gaps keeps every record; stamps days ahead that it contradicts go."""
    times, at = [], T0
    jumps = dict(gaps)
    for index, step in enumerate(steps):
        at += step + jumps.get(index, 0.0)
        times.append(at)
    # Days ahead of their neighbours, each on another day, never last, never two in a row.
    where = sorted({i for i, _ in bogus if i < len(times) - 1})
    where = [i for n, i in enumerate(where) if n == 0 or where[n - 1] != i - 1]
    stream: list[tuple[float, int]] = [(t, i) for i, t in enumerate(times)]
    for extra, index in enumerate(reversed(where)):
        days = dict(bogus)[index] + extra * 50
        stream.insert(index + 1, (times[index] + days * DAY + 7, -1 - extra))
    clock: SourceClock[int] = SourceClock()
    out: list[tuple[float, int]] = []
    for t, tag in stream:
        assert plausible(t)
        out += clock.admit(t, None, tag)
    out += clock.flush()
    assert out == [(t, i) for i, t in enumerate(times)]
    assert clock.skipped == len(where)
