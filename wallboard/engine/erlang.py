"""Erlang C staffing, computed through the Erlang B recurrence.

The textbook formula `A^N/N! ...` overflows long before a large contact
centre's traffic (thousands of erlangs); the recurrence
`B(k) = A*B(k-1) / (k + A*B(k-1))` stays in [0, 1] at every step, so it is
exact to rounding for any N and A.
"""

from __future__ import annotations

import functools
import math

# An arrival rate needs this much observed time (or the whole window, if shorter): two
# calls a microsecond after start-up are not a rate of two million an hour.
RATE_MIN_SPAN_S = 60.0
# No single queue carries this much traffic; beyond it the figure is a burst or bad input,
# and the recurrence would run once per erlang.
MAX_TRAFFIC_ERLANGS = 10_000.0


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability with `agents` servers and `traffic` erlangs offered."""
    b = 1.0
    for k in range(1, agents + 1):
        ab = traffic * b
        b = ab / (k + ab)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a caller waits (`agents > traffic`, else 1)."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return _c_from_b(agents, traffic, b)


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def _sl(agents: int, traffic: float, b: float, aht: float, threshold: float) -> float:
    if agents <= traffic:
        return 0.0
    wait = _c_from_b(agents, traffic, b)
    return 1.0 - wait * math.exp(-(agents - traffic) * threshold / aht)


def service_level(agents: int, traffic: float, aht: float, threshold: float) -> float:
    """Fraction answered within `threshold` seconds (0 when `agents <= traffic`)."""
    return _sl(agents, traffic, erlang_b(agents, traffic), aht, threshold)


@functools.lru_cache(maxsize=1024)
def staffing(
    traffic: float, aht: float, threshold: float, target: float, in_service: int
) -> tuple[int, float | None]:
    """`(agents_required, predicted_sl)` for `traffic` erlangs; one pass of the recurrence.

    `agents_required` is the least N >= 1 with N > traffic and SL(N) >= target;
    `predicted_sl` is SL(in_service). With no traffic nobody is required and no
    service level can be predicted. Memoised: between events a board or an
    alarm evaluation asks again with the same inputs, and the recurrence runs
    up to the traffic's size (thousands of steps on a big floor).
    """
    if traffic <= 0.0:
        return 0, None
    required = 0
    predicted = 0.0 if in_service <= 0 else None
    b = 1.0
    k = 0
    while not required or predicted is None:
        k += 1
        ab = traffic * b
        b = ab / (k + ab)
        if required and k != in_service:
            continue  # only the blocking probability is needed on the way
        # `_sl`, written out: this loop is the hot part of every staffing figure.
        if k <= traffic:
            sl = 0.0
        else:
            sl = 1.0 - k * b / (k - traffic * (1.0 - b)) * math.exp(
                -(k - traffic) * threshold / aht
            )
        if not required and sl >= target:
            required = k
        if k == in_service:
            predicted = sl
    return required, predicted
