"""The batch path gives exactly the streaming engine's totals, bin by bin.

Both read the same files through `LogSet`; the streaming path runs the queue_log
mapper and the engine (`wallboard.intervals.streaming`), the batch path its
numpy columns (`wallboard.intervals.batch`). Every count, summed duration and
state second of every queue and bin must be equal, bit for bit (queue_log times
are whole seconds, so every sum is exact either way), except the engine's count
of joins, which feeds only the instant staffing figures and no report column.

Run longer with HYPOTHESIS_PROFILE=long (2,000 files instead of 120).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings

from tests.intervals.queue_logs import QueueLogCase, queue_logs
from tests.queue_log_month import write_month
from wallboard.engine.ledger import JOINS
from wallboard.engine.settings import AgentSettings, EngineConfig, QueueSettings
from wallboard.errors import WallboardError
from wallboard.intervals.batch import Plan
from wallboard.intervals.grid import Grid
from wallboard.intervals.rows import build_report
from wallboard.intervals.streaming import bin_engine, engine_totals
from wallboard.intervals.totals import BinTotals
from wallboard.runtime.log_set import LogSet
from wallboard.runtime.report_input import batch_plan

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
WRAPUPS = EngineConfig(
    queues={
        "support": QueueSettings(wrapup_s=5.0, sl_threshold_s=30.0),
        "sales": QueueSettings(wrapup_s=2.5, sl_variant="abandons_in_sl_good"),
        "billing": QueueSettings(wrapup_s=10.0, short_abandon_s=2.0),
    },
    timezone="Europe/Paris",
)


def streaming(paths: list[str], config: EngineConfig, interval: float) -> tuple[Grid, BinTotals]:
    log_set = LogSet(paths, tz=config.tz)
    return engine_totals(log_set.events(config), bin_engine(config, interval), interval)


def batch(
    paths: list[str], config: EngineConfig, interval: float
) -> tuple[Plan, tuple[Grid, BinTotals] | None]:
    log_set = LogSet(paths, tz=config.tz)
    totals = batch_plan(log_set, config, interval, None)
    plan = totals.plan_made
    if plan.everything:
        return plan, None
    if plan.agents:
        for chunk in log_set.chunks(counted=False):
            totals.feed_engine(chunk.data, chunk.first_line, chunk.numbers)
    return plan, totals.totals()


def assert_same(expected: tuple[Grid, BinTotals], got: tuple[Grid, BinTotals]) -> None:
    (grid, want), (their_grid, have) = expected, got
    assert (their_grid.first, their_grid.count) == (grid.first, grid.count)
    assert have.queues == want.queues
    counts = want.counts.copy()
    counts[:, :, JOINS] = have.counts[:, :, JOINS]
    for name, a, b in (
        ("counts", counts, have.counts),
        ("sums", want.sums, have.sums),
        ("seconds", want.seconds, have.seconds),
    ):
        if not np.array_equal(a, b, equal_nan=True):
            q, bin_index, field = np.argwhere(~np.isclose(a, b, rtol=0, atol=0, equal_nan=True))[0]
            rows = [*want.queues, "all"]
            raise AssertionError(
                f"{name}[{rows[q]}, bin {bin_index}, field {field}]: engine "
                f"{a[q, bin_index, field]} != batch {b[q, bin_index, field]}"
            )


def checked_lines(folder: Path, lines: list[str]) -> tuple[Plan, BinTotals]:
    """`lines` as a queue_log file, its batch totals checked against the engine's."""
    path = folder / "queue_log"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    plan = check([str(path)], WRAPUPS, 60.0)
    _, got = batch([str(path)], WRAPUPS, 60.0)
    assert got is not None
    return plan, got[1]


def check(paths: list[str], config: EngineConfig, interval: float) -> Plan:
    expected = streaming(paths, config, interval)
    plan, got = batch(paths, config, interval)
    assert plan.everything is None, plan.everything
    assert got is not None
    assert_same(expected, got)
    return plan


@pytest.mark.parametrize("run", ["asterisk-22-run-a", "asterisk-22-run-d"])
@pytest.mark.parametrize("interval", [60.0, 300.0, 1800.0])
def test_every_bin_of_the_real_fixtures_equals_the_engine(run, interval):
    path = FIXTURES / run / "queue_log"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    plan = check([str(path)], WRAPUPS, interval)
    # Real Asterisk lines (restarts mid-shift, transfers back to the same queue, pauses
    # of every queue, members added paused) are all in the batch path's model.
    assert plan.agents == frozenset()


def test_interfaces_are_the_agents_the_mapper_makes_of_them():
    """Run D names three members by interface only on ADDMEMBER/REMOVEMEMBER: two are learnt
    from the file (Ivan, Kate), the third is tied by the [agents] table (Judy)."""
    path = FIXTURES / "asterisk-22-run-d" / "queue_log"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    config = replace(WRAPUPS, agents={"Local/agent110@agents/n": AgentSettings("Judy")})
    check([str(path)], config, 300.0)
    totals = batch_plan(LogSet([str(path)], tz=config.tz), config, 300.0, None)
    assert totals.needs_member_names()
    assert "Judy" in totals.reader.agents.names  # the table's name, interned for the alias


def test_the_report_rows_are_the_engines(tmp_path):
    path = FIXTURES / "asterisk-22-run-d" / "queue_log"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    config = WRAPUPS
    grid, want = streaming([str(path)], config, 300.0)
    _, got = batch([str(path)], config, 300.0)
    assert got is not None
    a = build_report("x", config, grid, want, want.queues)
    b = build_report("x", config, got[0], got[1], got[1].queues)
    assert [r.figures for r in a.rows()] == [r.figures for r in b.rows()]


@settings(
    max_examples=2000 if LONG else 120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(queue_logs())
def test_every_bin_of_random_queue_logs_equals_the_engine(tmp_path_factory, case: QueueLogCase):
    path = tmp_path_factory.mktemp("log") / "queue_log"
    path.write_text(case.text, encoding="utf-8")
    try:
        expected = streaming([str(path)], case.config, case.interval_s)
    except WallboardError as exc:  # no event at all, or none a report can place
        try:
            plan, _ = batch([str(path)], case.config, case.interval_s)
        except WallboardError as same:
            assert str(same) == str(exc)
        else:  # the report then reads the input with the engine, which says the same
            assert plan.everything is not None, exc
        return
    plan, got = batch([str(path)], case.config, case.interval_s)
    event(
        "all to the engine"
        if plan.everything
        else "some agents to the engine"
        if plan.agents
        else "all in numpy"
    )
    if plan.everything is None:
        assert got is not None
        assert_same(expected, got)


def test_an_agent_on_two_calls_at_once_is_left_to_the_engine(tmp_path):
    lines = [
        "1732262400|1.1|sales|NONE|ENTERQUEUE||5551|1",
        "1732262401|1.2|sales|NONE|ENTERQUEUE||5552|1",
        "1732262405|1.1|sales|Alice|CONNECT|5|1.1.9|2",
        "1732262410|1.2|sales|Alice|CONNECT|9|1.2.9|2",  # while on 1.1
        "1732262420|1.1|sales|Alice|COMPLETEAGENT|5|15|1",
        "1732262430|1.3|sales|NONE|ENTERQUEUE||5553|1",
        "1732262431|1.3|sales|Bob|CONNECT|1|1.3.9|1",
        "1732262490|1.3|sales|Bob|COMPLETECALLER|1|59|1",
        "1732262500|1.2|sales|Alice|COMPLETEAGENT|9|90|1",
    ]
    plan, _ = checked_lines(tmp_path, lines)
    assert len(plan.agents) == 1  # Alice; Bob's calls stay in numpy


def test_durations_float32_cannot_hold_are_kept_exact(tmp_path):
    # whole seconds are stored as float32; 7.3 s or 8.000001 s are not exact in it
    lines = [
        "1732262400|1.1|sales|NONE|ENTERQUEUE||5551|1",
        "1732262401|1.2|sales|NONE|ENTERQUEUE||5552|1",
        "1732262408|1.1|sales|NONE|ABANDON|1|1|7.3",
        "1732262409|1.2|sales|Alice|CONNECT|8.000001|1.2.9|2",
        "1732262420|1.2|sales|Alice|COMPLETEAGENT|8|11.7|1",
    ]
    _, totals = checked_lines(tmp_path, lines)
    assert 7.3 in totals.sums


def test_control_characters_in_names_are_shown_as_the_mapper_shows_them(tmp_path):
    lines = [
        "1732262400|1.1|sa\x1b[2Jles|NONE|ENTERQUEUE||5551|1",
        "1732262405|1.1|sa\x1b[2Jles|Al\u009bice|CONNECT|5|1.1.9|2",
        "1732262406|1.2|sales|NONE|ENTERQUEUE||5552\x07|1",
        "1732262420|1.1|sa\x1b[2Jles|Al\u009bice|COMPLETEAGENT|5|15|1",
        "1732262430|1.2|sales|Bob\t|CONNECT|24|1.2.9|1",
        "1732262490|1.2|sales|Bob\t|COMPLETECALLER|24|60|1\r\r",
    ]
    plan, totals = checked_lines(tmp_path, lines)
    assert plan.agents == frozenset()
    assert set(totals.queues) == {"sa\ufffd[2Jles", "sales"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1732262300|9.9|sales|NONE|ENTERQUEUE||5559|1", "out of time order by up to 105 s"),
        ("1732262400|NONE|NONE|Agent/1|AGENTLOGIN|", "AGENTLOGIN lines"),
        ("1732262400|MANAGER|sales|SIP/1|ADDMEMBER|Alice", "name the member"),
    ],
)
def test_what_the_batch_path_does_not_model_goes_whole_to_the_engine(tmp_path, line, reason):
    lines = [
        "1732262400|1.1|sales|NONE|ENTERQUEUE||5551|1",
        "1732262405|1.1|sales|Alice|CONNECT|5|1.1.9|2",
        line,
    ]
    path = tmp_path / "queue_log"
    path.write_text("\n".join(lines) + "\n")
    plan, _ = batch([str(path)], WRAPUPS, 60.0)
    assert plan.everything is not None and reason in plan.everything


def test_a_day_of_the_benchmarks_busy_centre_equals_the_engine(tmp_path):
    """The synthetic month `make bench` reads (rotated, gzip, ring-all queues, restarts), one
    day of it: every agent in numpy."""
    month = write_month(tmp_path, days=1, agents=30, queues=4, rotate_days=1)
    config = EngineConfig(
        queues={q: QueueSettings(wrapup_s=w) for q, w in month.wrapups().items()},
        timezone="Europe/Paris",
    )
    plan = check([str(tmp_path)], config, 900.0)
    assert plan.agents == frozenset()
