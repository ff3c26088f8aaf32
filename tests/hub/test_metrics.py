"""`/metrics`: scraped over real HTTP, parsed with prometheus-client's own parsers.

The oracle below is written from the issue's list and docs/PROMETHEUS.md,
not from the exporter's tables: every sample must equal the figure of the board
the hub was showing at that instant, and nothing may be missing or extra.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import signal
import subprocess
import time
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

from tests.conftest import REPO
from tests.hub.conftest import TIMEOUT_S, TOKEN, DrivenFeed, boards_until, open_viewer
from tests.hub.test_serve_command import clean_env, wallboard
from wallboard.alarms import AlarmStepper, load_rules, parse_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.hub.access import Access, Grant, Scope, TokenEntry, hash_token, new_token
from wallboard.hub.fanout import Channel
from wallboard.hub.metrics import HubMetrics, SourceView
from wallboard.hub.metrics_http import MetricsEndpoint
from wallboard.hub.protocol import BoardFrame
from wallboard.hub.scope import scoped_board
from wallboard.runtime.feed import BoardUpdate, FeedStats
from wallboard.runtime.sources import open_file_source
from wallboard.status import SourceStatus

SAMPLE = str(REPO / "recordings" / "sample-shift.wbrec")
# Fractions of the sample shift: before, during and after its surge at 10:20.
BOARDS_AT = (0.3, 0.4, 0.6)
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"

# Snapshot key -> metric name, as the issue words them (names in base units, ratios 0-1).
INSTANT = {
    "waiting": "wallboard_queue_callers_waiting",
    "longest_wait_s": "wallboard_queue_longest_wait_seconds",
    "agents_required": "wallboard_queue_agents_required",
    "staffing_gap": "wallboard_queue_staffing_gap",
    "predicted_sl": "wallboard_queue_predicted_service_level_ratio",
}
PER_SPAN = {
    "service_level": "wallboard_queue_service_level_ratio",
    "abandon_rate": "wallboard_queue_abandon_ratio",
    "answered_pct": "wallboard_queue_answered_ratio",
    "asa_s": "wallboard_queue_speed_of_answer_seconds",
    "aht_s": "wallboard_queue_handle_time_seconds",
    "occupancy": "wallboard_queue_occupancy_ratio",
    "offered": "wallboard_queue_offered_calls",
    "answered": "wallboard_queue_answered_calls",
    "abandoned": "wallboard_queue_abandoned_calls",
    "short_abandoned": "wallboard_queue_short_abandoned_calls",
    "overflow": "wallboard_queue_overflow_calls",
    "blocked": "wallboard_queue_blocked_calls",
}

# The hub's own series: about the source and the viewers, not on the board.
HUB_SERIES = {
    "wallboard_hub_viewers",
    "wallboard_source_events_received_total",
    "wallboard_source_reconnects_total",
    "wallboard_source_last_event_age_seconds",
}
COUNTERS = {"wallboard_source_events_received", "wallboard_source_reconnects"}
HUB_TOKEN = "scrape-token-from-config"

Key = tuple[str, frozenset[tuple[str, str]]]


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "wallboard.toml"
    path.write_text(f'[hub]\ntoken = "{HUB_TOKEN}"\n')
    return path


def expected_board_samples(source: str, snapshot: dict[str, Any], state: str) -> dict[Key, float]:
    """Every sample a board should give, straight from its snapshot; unknown figures absent."""
    out: dict[Key, float] = {}

    def put(name: str, value: float | None, **labels: str) -> None:
        if value is not None:
            out[name, frozenset({"source": source, **labels}.items())] = float(value)

    put("wallboard_source_connected", 1.0 if state == "live" else 0.0)
    put("wallboard_board_timestamp_seconds", snapshot["at"])
    groups = {**snapshot["queues"], "all": snapshot["all"]}
    for queue, group in groups.items():
        for key, name in INSTANT.items():
            put(name, group[key], queue=queue)
        for agent_state, count in group["agents"].items():
            put("wallboard_queue_agents", count, queue=queue, state=agent_state)
        spans = {"window": group["window"], "interval": group["interval"], "day": group["day"]}
        spans |= {f"window_{w}s": span for w, span in group["windows"].items()}
        for span_name, span in spans.items():
            for key, name in PER_SPAN.items():
                put(name, span[key], queue=queue, span=span_name)
    severities = {"critical": 0, "warning": 0, "info": 0}
    for alarm in snapshot["alarms"]:
        severities[alarm["severity"]] += 1
        put(
            "wallboard_alarm_firing", 1.0,
            rule=alarm["rule"], queue=alarm["queue"], agent=alarm["agent"], team=alarm["team"],
            severity=alarm["severity"],
        )  # fmt: skip
    for severity, count in severities.items():
        put("wallboard_firing_alarms", count, severity=severity)
    return out


def scraped(text: str, *, openmetrics: bool) -> tuple[dict[Key, float], dict[str, float]]:
    """(board samples, hub samples by name) of an exposition, through prometheus-client's parser.

    Also checks the naming rules: counters only where the figure never goes down, and
    `_total` on nothing else.
    """
    parse = parse_openmetrics if openmetrics else parse_prometheus
    samples: dict[Key, float] = {}
    for family in parse(text):
        if not family.name.startswith("wallboard_"):
            continue
        assert (family.type == "counter") == (family.name in COUNTERS), family.name
        for sample in family.samples:
            assert sample.name.endswith("_total") == (family.type == "counter"), sample.name
            if sample.name.startswith("wallboard_"):
                key = (sample.name, frozenset(sample.labels.items()))
                assert key not in samples, f"duplicate sample {key}"
                samples[key] = sample.value
    board = {key: value for key, value in samples.items() if key[0] not in HUB_SERIES}
    return board, {key[0]: value for key, value in samples.items() if key[0] in HUB_SERIES}


def assert_same(got: dict[Key, float], want: dict[Key, float]) -> None:
    assert set(got) - set(want) == set(), "samples not on the board"
    assert set(want) - set(got) == set(), "figures of the board missing"
    for key, value in want.items():
        assert got[key] == value or math.isclose(got[key], value, rel_tol=1e-15), key


# An agent rule that fires on the sample shift (its pauses are shorter than the built-in
# limits), so that the boards carry agent alarms too.
SHORT_PAUSE = """
[[rule]]
id = "pause-2m"
kind = "agent"
metric = "pause_s"
op = ">"
threshold = 120
"""


@functools.cache
def engine_snapshots(at_fractions: tuple[float, ...]) -> list[dict[str, Any]]:
    """Real boards of the sample shift (engine + built-in rules and SHORT_PAUSE) at fractions
    of its length."""
    events = [e for e in open_file_source(SAMPLE).events() if not isinstance(e, SourceStatus)]
    engine = Engine(EngineConfig(extra_windows_s=(300.0,)))
    stepper = AlarmStepper.factory(load_rules(None) + parse_rules(SHORT_PAUSE, "pause.toml"))(
        engine
    )
    start, end = events[0].at, events[-1].at
    boards, index = [], 0
    for fraction in at_fractions:
        at = start + (end - start) * fraction
        while index < len(events) and events[index].at <= at:
            stepper.apply(events[index])
            index += 1
        stepper.advance(at)
        snapshot = engine.snapshot(at)
        snapshot["source"], snapshot["alarms"] = "sample", stepper.active()
        boards.append(snapshot)
    return boards


async def scrape(url: str, token: str | None = TOKEN, accept: str = "") -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        return await client.get(url, headers=headers)


async def test_every_sample_equals_the_board_shown_at_that_instant(start_hub):
    """Boards change under the scraper; each scrape reads exactly the board viewers were sent."""
    feed = DrivenFeed("sample")
    hub, hub_url = await start_hub({"east": feed})
    stats = FeedStats()
    views = [SourceView("east", hub.channels["east"], stats)]
    endpoint = MetricsEndpoint(lambda: views, TOKEN)
    host, port = await endpoint.start("127.0.0.1", 0)
    url = f"http://{host}:{port}/metrics"
    viewer = await open_viewer(f"{hub_url}/east")
    try:
        before_any = await scrape(url)
        assert before_any.status_code == 200
        assert scraped(before_any.text, openmetrics=False) == (
            {},
            {
                "wallboard_hub_viewers": 1.0,
                "wallboard_source_events_received_total": 0.0,
                "wallboard_source_reconnects_total": 0.0,
            },
        )
        # Before, during and after the surge at 10:20: other alarms firing each time.
        labelled: set[str] = set()
        for number, snapshot in enumerate(engine_snapshots(BOARDS_AT)):
            stats.event(time.time() - 2.0)
            stats.state("live")
            status = "live" if number < 2 else "disconnected"
            feed.put(BoardUpdate(snapshot, SourceStatus(time.time(), status)))
            frames = await boards_until(
                viewer, lambda f, at=snapshot["at"]: f["snapshot"]["at"] == at
            )
            shown = frames[-1]
            want = expected_board_samples("east", shown["snapshot"], shown["status"]["state"])
            for accept, openmetrics in (("", False), (OPENMETRICS, True)):
                response = await scrape(url, accept=accept)
                assert response.status_code == 200
                assert response.headers["content-type"].startswith(
                    "application/openmetrics-text" if openmetrics else "text/plain; version=0.0.4"
                )
                got, figures = scraped(response.text, openmetrics=openmetrics)
                assert_same(got, want)
                assert figures["wallboard_hub_viewers"] == 1.0
                assert figures["wallboard_source_events_received_total"] == number + 1
                assert 2.0 <= figures["wallboard_source_last_event_age_seconds"] < 2.0 + TIMEOUT_S
            assert any(k[0] == "wallboard_alarm_firing" for k in want) or number == 0
            labelled |= {dict(k[1])["agent"] for k in want if k[0] == "wallboard_alarm_firing"}
        assert labelled - {""}, "agent alarms, labelled with their agent"
        # The hub's own CPU and memory, as every exporter reports them.
        assert "process_cpu_seconds_total" in (await scrape(url)).text
    finally:
        await viewer.close()
        await endpoint.stop()


async def test_a_scraper_needs_the_token_unless_public(start_hub):
    hub, _ = await start_hub({"east": DrivenFeed()})
    views = [SourceView("east", hub.channels["east"], None)]
    guarded = MetricsEndpoint(lambda: views, TOKEN)
    public = MetricsEndpoint(lambda: views, None)
    guarded_at = await guarded.start("127.0.0.1", 0)
    public_at = await public.start("127.0.0.1", 0)
    try:
        guarded_url = "http://{}:{}/metrics".format(*guarded_at)
        missing = await scrape(guarded_url, token=None)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert "wallboard_" not in missing.text
        wrong = await scrape(guarded_url, token=TOKEN[:-1] + "x")
        assert wrong.status_code == 403
        assert "wallboard_" not in wrong.text
        assert (await scrape(guarded_url)).status_code == 200
        anyone = await scrape("http://{}:{}/metrics".format(*public_at), token=None)
        assert anyone.status_code == 200
        assert 'wallboard_hub_viewers{source="east"} 0.0' in anyone.text
        assert (await scrape("http://{}:{}/".format(*public_at), token=None)).status_code == 404
    finally:
        await guarded.stop()
        await public.stop()


async def test_a_scoped_token_scrapes_the_figures_of_its_scope_as_its_viewers_see_them(
    start_hub,
):
    """A sales-only token of the east source: east's sales series and an `all` of sales alone."""
    token, token_id = new_token()
    sales = Grant("sales-east", "viewer", Scope(sources=("east",), queues=("sales",)))
    access = Access([TokenEntry(sales, token_id, hash_token(token))], TOKEN)
    east, west = DrivenFeed("sample"), DrivenFeed("other")
    hub, _ = await start_hub({"east": east, "west": west})
    views = [SourceView(name, hub.channels[name], None) for name in ("east", "west")]
    endpoint = MetricsEndpoint(lambda: views, access)
    host, port = await endpoint.start("127.0.0.1", 0)
    url = f"http://{host}:{port}/metrics"
    try:
        (snapshot,) = engine_snapshots((0.6,))
        for feed in (east, west):
            feed.put(BoardUpdate(snapshot, SourceStatus(time.time(), "live")))
        for _ in range(200):
            if all(hub.channels[name].latest for name in ("east", "west")):
                break
            await asyncio.sleep(0.01)
        whole, _ = scraped((await scrape(url)).text, openmetrics=False)
        got, figures = scraped((await scrape(url, token=token)).text, openmetrics=False)
        seen, _ = scoped_board(snapshot, (), sales.scope)
        assert_same(got, expected_board_samples("east", seen, "live"))
        assert {dict(labels).get("queue") for _, labels in got} == {None, "sales", "all"}
        assert {dict(labels)["source"] for _, labels in whole} == {"east", "west"}
        assert "wallboard_hub_viewers" in figures
    finally:
        await endpoint.stop()


async def test_serve_metrics_listen_as_a_user_runs_it(config):
    """`wallboard serve --metrics-listen`: the figures of the file's final board, token-guarded."""
    process = await asyncio.create_subprocess_exec(
        *wallboard("--config", str(config), "serve", f"pbx={SAMPLE}", "--listen", "127.0.0.1:0",
                   "--speed", "0", "--metrics-listen", "127.0.0.1:0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_S):
            hub_url = (await process.stdout.readline()).decode().split()[3].rstrip("/")
            metrics_line = (await process.stdout.readline()).decode()
        assert metrics_line.startswith("wallboard metrics on http://127.0.0.1:"), metrics_line
        url = metrics_line.split()[3]
        viewer = await open_viewer(f"{hub_url}/pbx", HUB_TOKEN)
        final = (await boards_until(viewer, lambda f: f["status"]["state"] == "ended"))[-1]
        events = sum(
            1 for e in open_file_source(SAMPLE).events() if not isinstance(e, SourceStatus)
        )
        for accept, openmetrics in (("", False), (OPENMETRICS, True)):
            response = await scrape(url, HUB_TOKEN, accept)
            got, figures = scraped(response.text, openmetrics=openmetrics)
            assert_same(got, expected_board_samples("pbx", final["snapshot"], "ended"))
            assert figures["wallboard_source_events_received_total"] == events
        await viewer.close()
        assert (await scrape(url, "a-guess")).status_code == 403
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(TIMEOUT_S):
            await process.wait()
    stderr = (await process.stderr.read()).decode()
    assert process.returncode == 0, stderr
    assert "metrics scrape from 127.0.0.1 refused: invalid token" in stderr
    assert HUB_TOKEN not in stderr and "a-guess" not in stderr
    assert "Traceback" not in stderr


def test_metrics_options_are_checked(tmp_path):
    env = {**clean_env(), "WALLBOARD_HUB_TOKEN": "x"}
    for args, message in (
        (["--metrics-public"], "--metrics-public needs --metrics-listen"),
        (["--metrics-listen", "9100"], "--metrics-listen '9100': expected HOST:PORT"),
    ):
        result = subprocess.run(
            wallboard("serve", SAMPLE, "--listen", "127.0.0.1:0", *args),
            capture_output=True, text=True, env=env, timeout=TIMEOUT_S,
        )  # fmt: skip
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_feed_stats_count_reconnects_not_resyncs():
    stats = FeedStats()
    for state in (
        "connecting",
        "disconnected",
        "connecting",
        "resyncing",
        "live",
        "resyncing",
        "live",
        "disconnected",
        "connecting",
        "disconnected",
        "connecting",
        "live",
    ):
        stats.state(state)  # fmt: skip
    assert stats.reconnects == 1
    stats.event(100.0)
    stats.event(101.5)
    assert (stats.events, stats.last_event_at) == (2, 101.5)


def test_docs_name_only_series_the_hub_exports():
    """The Grafana dashboard, the example alert rules and the guide use the exported names."""
    snapshot = engine_snapshots(BOARDS_AT)[1]
    channel = Channel("east", "sample", 4.0)
    channel.latest = BoardFrame("east", BoardUpdate(snapshot, SourceStatus(time.time(), "live")))
    stats = FeedStats()
    stats.event(time.time())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubMetrics(lambda: [SourceView("east", channel, stats)]))
    exported = {
        sample.name
        for family in parse_prometheus(generate_latest(registry).decode())
        for sample in family.samples
    }
    docs = REPO / "docs"
    dashboard = (docs / "grafana" / "wallboard.json").read_text()
    json.loads(dashboard)
    for text in (dashboard, (docs / "prometheus" / "wallboard-rules.yml").read_text()):
        named = set(re.findall(r"\bwallboard_[a-z_]+[a-z]", text))
        assert named and named <= exported, named - exported
    guide = (docs / "PROMETHEUS.md").read_text()
    assert exported <= set(re.findall(r"\bwallboard_[a-z_]+[a-z]", guide)) | {
        # The guide shortens the count family to its suffixes.
        name
        for name in exported
        if name.endswith("_calls")
    }
