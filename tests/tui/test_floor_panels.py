"""The callback list, the caller on the agent row, teams and the wall's pages, through the pilot.

A real engine on the shared synthetic shift (14 agents, 3 queues), its agents
put in two teams by the config as a supervisor's `[agents]` table would.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.content import Content

from wallboard.engine.settings import EngineConfig
from wallboard.runtime.replayer import Replayer
from wallboard.tui.app import WallboardApp
from wallboard.tui.board import Board
from wallboard.tui.format import duration, percent
from wallboard.tui.screens.wall import WallScreen
from wallboard.tui.widgets.agent_board import AgentBoard
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.callback_list import CallbackList
from wallboard.tui.widgets.filter_bar import FilterBar
from wallboard.tui.widgets.kpi_tile import KpiTile
from wallboard.tui.widgets.queue_table import QueueTable
from wallboard.tui.widgets.team_table import TeamTable
from wallboard.tui.widgets.trends import TrendsPanel

BIG = (160, 50)
AGENTS = [f"Agent/{1000 + i}" for i in range(14)]
TEAMS = {agent: "North" if i % 2 else "South" for i, agent in enumerate(AGENTS)}


@pytest.fixture
def teams_replayer(shift_events) -> Replayer:
    """An hour in, with teams, and numbers masked or not as the test asks."""
    return played_an_hour(shift_events, EngineConfig(teams=TEAMS))


def played_an_hour(shift_events, config: EngineConfig) -> Replayer:
    r = Replayer(shift_events, config, label="synthetic")
    r.seek(r.start + 3600)
    return r


def board_of(app: WallboardApp) -> Board:
    assert app.board is not None
    return app.board


async def test_c_shows_the_callback_list_in_place_of_the_trends(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        callbacks = app.screen.query_one(CallbackList)
        trends = app.screen.query_one(TrendsPanel)
        assert not callbacks.display and trends.display
        await pilot.press("c")
        await pilot.pause()
        assert callbacks.display and not trends.display
        assert app.focused is callbacks
        entries = board_of(app).snapshot["callbacks"]
        assert entries, "an hour of the shift has abandons"
        assert callbacks.row_count == len(entries)
        assert callbacks.border_title == f"Callbacks {len(entries)}"
        # Oldest last abandon first: the caller who has waited longest to be called back.
        first = entries[0]
        now = board_of(app).now
        assert callbacks.texts(callbacks.keys[0]) == (
            board_of(app).local(first["at"]).strftime("%H:%M:%S"),
            duration(now - first["at"]),
            first["number"],
            first["queue"],
            duration(first["wait_s"]),
            str(first["attempts"]),
        )
        await pilot.press("c")
        await pilot.pause()
        assert not callbacks.display and trends.display


async def test_a_hidden_list_shows_the_newest_board_when_shown(teams_replayer):
    """Hidden, it builds nothing while the replay moves on; shown, it draws the board of now."""
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        callbacks = app.screen.query_one(CallbackList)
        before = len(board_of(app).snapshot["callbacks"])
        app.seek_to(teams_replayer.position + 1800)
        await pilot.pause()
        entries = board_of(app).snapshot["callbacks"]
        assert len(entries) != before, "the half hour has abandons"
        await pilot.press("c")
        await pilot.pause()
        assert callbacks.row_count == len(entries)
        assert callbacks.border_title == f"Callbacks {len(entries)}"
        assert callbacks.texts(callbacks.keys[-1])[2] == entries[-1]["number"]


async def test_the_filter_finds_a_callers_number(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("c")
        number = board_of(app).snapshot["callbacks"][-1]["number"]
        await pilot.press("slash", *number[-7:])
        await pilot.pause()
        callbacks = app.screen.query_one(CallbackList)
        assert [callbacks.texts(k)[2] for k in callbacks.keys] == [number]


async def test_the_agent_row_shows_the_callers_number_on_a_call_and_the_reason_in_a_pause(
    teams_replayer,
):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        agents = app.screen.query_one(AgentBoard)
        rows = board_of(app).snapshot["agents"]
        on_call = [a for a, row in rows.items() if row["state"] in ("talking", "hold")]
        assert on_call
        for agent_id in on_call:
            assert agents.texts(agent_id)[2] == rows[agent_id]["caller"]
            assert rows[agent_id]["caller"].startswith("+1555")
        for agent_id, row in rows.items():
            if row["state"] in ("available", "paused", "wrap", "logged_off"):
                assert agents.texts(agent_id)[2] == row["reason"]


async def test_masked_numbers_on_the_agents_and_the_callback_list(shift_events):
    r = played_an_hour(shift_events, EngineConfig(mask_numbers=True))
    app = WallboardApp(r, r.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("c")
        await pilot.pause()
        callbacks = app.screen.query_one(CallbackList)
        agents = app.screen.query_one(AgentBoard)
        numbers = [callbacks.texts(k)[2] for k in callbacks.keys]
        numbers += [agents.texts(k)[2] for k in agents.keys if "*" in agents.texts(k)[2]]
        assert len(numbers) > len(callbacks.keys)  # some agents are on a call
        for number in numbers:
            assert number.startswith("+****") and number[-3:].isdigit()


async def test_shift_t_shows_the_team_table(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        table = app.screen.query_one(TeamTable)
        assert not table.display
        await pilot.press("T")
        await pilot.pause()
        assert table.display and table.keys == ["North", "South"]
        north = board_of(app).snapshot["teams"]["North"]
        agents = north["agents"]
        assert table.texts("North") == (
            "North",
            "7",
            str(agents["available"]),
            str(agents["ringing"] + agents["talking"] + agents["hold"]),
            str(agents["wrap"]),
            str(agents["paused"]),
            str(agents["logged_off"]),
            percent(north["window"]["occupancy"]),
            duration(north["day"]["pause_s"]),
            "--",  # no schedule, no adherence
        )
        assert sum(agents.values()) == 7


async def test_without_teams_the_table_says_where_to_give_them_as_written(shift_events):
    app = WallboardApp(played_an_hour(shift_events, EngineConfig()), EngineConfig(), paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("T")
        await pilot.pause()
        table = app.screen.query_one(TeamTable)
        # Section names in brackets, not read as markup (which left "in , or  teams").
        assert Content.from_markup(table.border_title or "").plain == (
            "Teams: none (give agents a team in [agents], or [engine] teams)"
        )


async def test_a_team_filter_keeps_that_teams_agents_and_every_queue(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("T", "slash", *"team:nor")
        await pilot.pause()
        assert app.filter_text == "team:nor"
        agents = app.screen.query_one(AgentBoard)
        north = {a for a, team in TEAMS.items() if team == "North"}
        seen = set(board_of(app).snapshot["agents"])
        assert set(agents.keys) == north & seen
        assert app.screen.query_one(TeamTable).keys == ["North"]
        queues = app.screen.query_one(QueueTable)
        assert queues.row_count == len(board_of(app).snapshot["queues"])
        # Plain text finds a team too.
        bar = app.screen.query_one(FilterBar)
        bar.value = "south"
        await pilot.pause()
        assert set(agents.keys) == (set(AGENTS) - north) & seen


async def test_the_wall_turns_its_pages_with_the_alarm_strip_on_each(teams_replayer):
    config = replace(teams_replayer.config)
    app = WallboardApp(teams_replayer, config, paused=True, wall=True, rotate_s=3600)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WallScreen)
        snapshot = board_of(app).snapshot
        pages = screen.pages(board_of(app))
        queues = list(snapshot["queues"])
        assert pages == [
            ("floor", ""),
            *(("queue", q) for q in queues),
            ("team", "North"),
            ("team", "South"),
        ]
        strip = screen.query_one(AlarmStrip)
        seen = []
        for number, page in enumerate(pages, start=1):
            page_label = str(screen.query_one("#wall-page").render())
            seen.append(page)
            assert screen.page == page
            assert page_label.endswith(f"page {number} of {len(pages)}")
            assert strip.display and strip.region.height > 0  # always on screen
            waiting = screen.query_one("#kpi-waiting", KpiTile)
            available = screen.query_one("#team-available", KpiTile)
            kind, name = page
            if kind == "queue":
                assert page_label.startswith(f"Queue {name}")
                assert waiting.value == str(snapshot["queues"][name]["waiting"])
            elif kind == "team":
                assert page_label.startswith(f"Team {name}")
                team = snapshot["teams"][name]
                assert available.value == str(team["agents"]["available"])
                assert available.region.height > 0 and waiting.region.height == 0
            else:
                assert waiting.value == str(snapshot["all"]["waiting"])
            await pilot.press("n")
            await pilot.pause()
        assert screen.page == ("floor", "")  # round again
        await pilot.press("p")
        await pilot.pause()
        assert screen.page == ("team", "South")


async def test_the_wall_turns_by_itself(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True, wall=True, rotate_s=0.05)
    async with app.run_test(size=BIG) as pilot:
        screen = app.screen
        assert isinstance(screen, WallScreen)
        seen = set()
        for _ in range(200):  # bounded: 10 s at most
            await pilot.pause(0.05)
            seen.add(screen.page)
            if len(seen) >= 3:
                break
        assert len(seen) >= 3


async def test_without_rotation_the_wall_is_the_floor_until_turned_by_hand(teams_replayer):
    app = WallboardApp(teams_replayer, teams_replayer.config, paused=True, wall=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        label = app.screen.query_one("#wall-page")
        assert not label.display
        await pilot.press("n")
        await pilot.pause()
        assert label.display and str(label.render()).endswith("page 2 of 6")


AGENT_RULES = """
[[rule]]
id = "wrap-long"
kind = "agent"
metric = "wrap_s"
op = ">"
threshold = 5

[[rule]]
id = "call-long"
kind = "agent"
metric = "talk_s"
op = ">"
threshold = 300
"""


async def test_an_agent_whose_alarm_fires_is_marked_on_its_row(shift_events):
    from wallboard.alarms import AlarmStepper
    from wallboard.alarms.rules import parse_rules

    rules = parse_rules(AGENT_RULES, "agents.toml")
    r = Replayer(
        shift_events, EngineConfig(), label="synthetic", alarms=AlarmStepper.factory(rules)
    )
    r.seek(r.start + 3600)
    app = WallboardApp(r, r.config, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        alarmed = {a["agent"] for a in board_of(app).alarms if a["agent"]}
        assert alarmed, "an hour in, some call has run over 5 minutes"
        agents = app.screen.query_one(AgentBoard)
        rows = board_of(app).snapshot["agents"]
        for agent_id in agents.keys:
            name = agents.texts(agent_id)[0]
            if agent_id in alarmed:
                assert name == f"⚑ {rows[agent_id]['name']}"
                assert agents.cells(agent_id)[0].component == "agent--alarm"
            else:
                assert name == rows[agent_id]["name"]
        # The alarm strip says which agent (an agent rule's alarm has no queue).
        strip = app.screen.query_one(AlarmStrip)
        shown = [row[3] for row in strip._rows_shown]
        assert sorted(w for w in shown if w.startswith("agent ")) == sorted(
            f"agent {a['agent']}" for a in board_of(app).alarms if a["agent"]
        )
