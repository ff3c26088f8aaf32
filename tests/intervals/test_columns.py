"""Column helpers that work on a month of lines in pieces: the same answer as in one go."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from wallboard.intervals.columns import lateness


def brute_lateness(at: list[float]) -> float:
    return max((max(at[:i]) - at[i] for i in range(1, len(at))), default=-np.inf)


@given(st.lists(st.integers(0, 50).map(float), max_size=40), st.integers(1, 7))
def test_lateness_in_blocks_is_the_latest_time_before_less_each_time(at, block):
    assert lateness(np.array(at), block) == brute_lateness(at)
