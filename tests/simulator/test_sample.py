"""The sample-shift generator, and the bundled recording `make demo` replays."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from wallboard.adapters.recording import RecordingSource, is_recording
from wallboard.engine import Engine
from wallboard.engine.settings import engine_config_from_mapping
from wallboard.events import (
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerJoined,
)
from wallboard.simulator.ami import for_recording, render
from wallboard.simulator.model import CallCentre
from wallboard.simulator.sample import main, shift_records, write_sample
from wallboard.simulator.scenarios import build_scenario
from wallboard.status import SourceStatus

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
BUNDLED = RECORDINGS / "sample-shift.wbrec"
WRAPUP_S = {"sales": 10.0, "support": 20.0, "billing": 15.0}
WINDOW_S = 900.0
OUTCOMES = (CallerAnswered, CallerAbandoned, CallerExited)


def _short(tmp_path: Path, name: str, seed: int = 3) -> Path:
    out = tmp_path / name
    write_sample(out, seed=seed, hours=0.25, agents=12)
    return out


def test_same_seed_gives_the_same_bytes_and_another_seed_another_shift(tmp_path):
    first, again = _short(tmp_path, "a.wbrec"), _short(tmp_path, "b.wbrec")
    other = _short(tmp_path, "c.wbrec", seed=4)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_records_are_the_whole_run_of_the_model_trimmed_for_recording():
    scenario = build_scenario("spike", duration_s=900.0, agents=12)
    events = [e for h in CallCentre(scenario, 3).run_to_end() for e in render(h)[0]]
    expected = [kept for kept in map(for_recording, events) if kept is not None]
    records = list(shift_records(scenario, 3))
    assert [r.kind for r in records[:2] + records[-1:]] == ["status"] * 3
    assert [r.payload for r in records[2:-1]] == expected
    assert all(r.received_at == float(dict(r.payload)["Timestamp"]) for r in records[2:-1])


def test_header_names_the_run_and_carries_the_queue_wrap_up_times(tmp_path):
    header = RecordingSource(_short(tmp_path, "s.wbrec")).header
    assert header["source"] == "simulator:spike seed=3 agents=12"
    assert header["started_at"] == build_scenario().start
    queues = engine_config_from_mapping(header["config"]).queues
    assert {name: settings.wrapup_s for name, settings in queues.items()} == WRAPUP_S


def test_command_line_writes_the_file_and_refuses_bad_knobs(tmp_path, capsys):
    out = tmp_path / "cli.wbrec"
    assert main(["--out", str(out), "--hours", "0.1", "--agents", "6", "--seed", "9"]) == 0
    assert is_recording(out.read_bytes()[:64])
    assert main(["--out", str(tmp_path / "bad.wbrec"), "--agents", "1"]) == 1
    assert capsys.readouterr().err.endswith("wallboard: --agents must be at least 2\n")
    assert not list(tmp_path.glob("*bad*"))


@dataclass
class Replay:
    header: dict
    statuses: list[SourceStatus]
    joined: set[tuple[str, str]]
    outcomes: Counter[tuple[str, str]]
    windows: list[tuple[float, float | None]]  # (minutes since start, SL of that 15 min)
    final: dict
    engine: Engine


@pytest.fixture(scope="module")
def bundled() -> Replay:
    """The bundled shift replayed once, with the engine settings its header carries."""
    assert BUNDLED.is_file(), "recordings/sample-shift.wbrec is missing"
    header = RecordingSource(BUNDLED).header
    config = engine_config_from_mapping(header["config"])
    engine = Engine(config)
    start = header["started_at"]
    replay = Replay(header, [], set(), Counter(), [], {}, engine)
    boundary = start + WINDOW_S
    for item in RecordingSource(BUNDLED, config).events():
        if isinstance(item, SourceStatus):
            replay.statuses.append(item)
            continue
        while item.at > boundary:
            window = engine.snapshot(boundary)["all"]["window"]
            replay.windows.append(((boundary - start) / 60, window["service_level"]))
            boundary += WINDOW_S
        if isinstance(item, CallerJoined):
            replay.joined.add((item.queue, item.call_id))
        elif isinstance(item, OUTCOMES):
            replay.outcomes[item.queue, item.call_id] += 1
        engine.apply(item)
    replay.final = engine.snapshot()
    return replay


def test_bundled_file_is_a_small_recording_of_the_sample_shift(bundled):
    assert is_recording(BUNDLED.read_bytes()[:64])
    assert BUNDLED.stat().st_size < 8 * 1024 * 1024
    assert bundled.header["source"] == "simulator:spike seed=1 agents=40"
    assert set(bundled.final["queues"]) == set(WRAPUP_S)
    assert len(bundled.final["agents"]) == 40
    assert [s.state for s in bundled.statuses] == ["connecting", "live", "ended"]


def test_bundled_replay_takes_wrapup_from_the_header(bundled):
    from_header = engine_config_from_mapping(bundled.header["config"])
    assert {q: s.wrapup_s for q, s in from_header.queues.items()} == WRAPUP_S
    wraps = {
        (e.queue, e.wrap_s) for e in RecordingSource(BUNDLED).events() if isinstance(e, CallEnded)
    }
    assert wraps == set(WRAPUP_S.items())


def test_bundled_replay_ends_with_every_call_decided(bundled):
    engine, day = bundled.engine, bundled.final["all"]["day"]
    assert len(bundled.joined) == day["offered"] > 1000
    assert set(bundled.outcomes) == bundled.joined
    assert set(bundled.outcomes.values()) == {1}
    assert bundled.final["all"]["waiting"] == 0
    assert engine.late_events == engine.unknown_calls == 0
    assert day["answered"] + day["abandoned"] + day["short_abandoned"] + day["overflow"] == len(
        bundled.joined
    )
    assert day["abandoned"] > 0 and day["overflow"] > 0 and day["blocked"] > 0


def test_bundled_wraps_follow_the_header_wrap_up_times(bundled):
    for name, wrap in WRAPUP_S.items():
        acw = bundled.final["queues"][name]["day"]["acw_s"]
        assert 0.8 * wrap < acw <= wrap, name


def test_bundled_service_level_dips_in_the_spike_and_is_good_when_quiet(bundled):
    # build_scenario("spike"): the surge starts a third into the run and lasts 20 minutes.
    scenario = build_scenario("spike")
    surge_from = scenario.spike_at_s / 60
    surge_to = surge_from + scenario.spike_for_s / 60
    during = [sl for minute, sl in bundled.windows if surge_from < minute <= surge_to + 15]
    first_hour = [sl for minute, sl in bundled.windows if minute <= 60]
    assert min(during) < 0.60
    assert len(first_hour) == 4 and min(first_hour) > 0.80
    assert max(sl for minute, sl in bundled.windows if minute > surge_to + 15) > 0.80
