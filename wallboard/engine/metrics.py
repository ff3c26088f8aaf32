"""Every rate of a span, from its totals: the one place each metric's formula is written.

`tests/engine/oracle.py` computes the same figures from the raw event history,
independently; `tests/engine/test_oracle.py` and the property tests compare the two.
"""

from __future__ import annotations

from typing import Any, cast

from wallboard.engine.ledger import (
    ABANDONED,
    ABANDONED_IN_SL,
    ANSWERED,
    ANSWERED_IN_SL,
    BLOCKED,
    ENDED,
    HOLD,
    OFFERED,
    OVERFLOW,
    QUEUED,
    RING_NO_ANSWER,
    RING_TIME,
    RINGS,
    SHORT_ABANDONED,
    TALK,
    TRANSFERRED,
    WAIT_ABANDONED,
    WAIT_ALL,
    WAIT_ANSWERED,
    WRAP_TIME,
    WRAPS,
)
from wallboard.engine.snapshot import Span, TeamSpan


def ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def occupancy(integ: list[float], with_wrap: bool) -> float | None:
    """(talk + hold) over the ready time, from member- or agent-seconds per state group."""
    busy, idle, wrap, _ = integ
    return ratio(busy + wrap, busy + idle + wrap) if with_wrap else ratio(busy, busy + idle)


def team_span(integ: list[float], with_wrap: bool, adherence: float | None) -> TeamSpan:
    """A team's figures of one span, from its agents' seconds per state group."""
    return {"occupancy": occupancy(integ, with_wrap), "pause_s": integ[3], "adherence": adherence}


def span_metrics(
    acc: list[Any], integ: list[float], variant: str, with_wrap: bool, adherence: float | None
) -> Span:
    return timed_metrics(count_metrics(acc, variant), acc, integ, with_wrap, adherence)


def count_metrics(acc: list[Any], variant: str) -> dict[str, Any]:
    """The figures of a span that its counts and durations alone give (all but the last three
    of `Span`): a snapshot keeps them while the span's totals stay as they are."""
    offered = acc[OFFERED]
    answered = acc[ANSWERED]
    in_sl = acc[ANSWERED_IN_SL]
    abandoned = acc[ABANDONED]
    short = acc[SHORT_ABANDONED]
    blocked = acc[BLOCKED]
    if variant == "answered_only":
        sl = ratio(in_sl, answered)
    elif variant == "abandons_in_sl_good":
        sl = ratio(in_sl + acc[ABANDONED_IN_SL], offered)
    else:
        sl = ratio(in_sl, offered - short)
    att = ratio(acc[TALK], acc[ENDED])
    acw = ratio(acc[WRAP_TIME], acc[WRAPS])
    return {
        "offered": offered,
        "answered": answered,
        "answered_in_sl": in_sl,
        "abandoned": abandoned,
        "short_abandoned": short,
        "overflow": acc[OVERFLOW],
        "blocked": blocked,
        "ring_no_answer": acc[RING_NO_ANSWER],
        "service_level": sl,
        "abandon_rate": ratio(abandoned, offered - short),
        "avg_abandon_s": ratio(acc[WAIT_ABANDONED], abandoned),
        "asa_s": ratio(acc[WAIT_ANSWERED], answered),
        "avg_queue_s": ratio(acc[WAIT_ALL], offered),
        "answered_pct": ratio(answered, offered),
        "blocked_rate": ratio(blocked, offered + blocked),
        "queued_pct": ratio(acc[QUEUED], offered),
        "att_s": att,
        "avg_hold_s": ratio(acc[HOLD], acc[ENDED]),
        "transfer_rate": ratio(acc[TRANSFERRED], acc[ENDED]),
        "acw_s": acw,
        "aht_s": None if att is None or acw is None else att + acw,
        "avg_ring_s": ratio(acc[RING_TIME], acc[RINGS]),
    }


def timed_metrics(
    counts: dict[str, Any],
    acc: list[Any],
    integ: list[float],
    with_wrap: bool,
    adherence: float | None,
) -> Span:
    """`counts` (`count_metrics` of `acc`) with the figures of the span's state seconds."""
    logged_h = sum(integ) / 3600.0
    figures = dict(counts)
    figures["occupancy"] = occupancy(integ, with_wrap)
    figures["calls_per_hour"] = ratio(acc[ANSWERED], logged_h)
    figures["adherence"] = adherence
    return cast(Span, figures)
