"""A board from a hub of another version: every field a viewer reads is checked, one line if not."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub.conftest import TOKEN, DrivenFeed, board
from wallboard.hub import protocol
from wallboard.hub.board_schema import missing_field
from wallboard.hub.client import HubRefused, fetch_update
from wallboard.hub.protocol import BoardFrame, ProtocolError
from wallboard.runtime.feed import BoardUpdate

SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"


@pytest.fixture(scope="module")
def full_board(tmp_path_factory) -> dict[str, Any]:
    """The sample shift at 10:30 with alarms, agents, callbacks and a team: every kind of row."""
    config = tmp_path_factory.mktemp("config") / "wallboard.toml"
    config.write_text('[agents]\n"Aiko Chen" = { name = "Aiko Chen", team = "North" }\n')
    at_half_past_ten = ["--at", "10:30", "--json", "--config", str(config)]
    out = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "metrics", str(SAMPLE), *at_half_past_ten],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    snapshot = json.loads(out.stdout)
    for kind in ("agents", "alarms", "callbacks", "teams", "queues"):
        assert snapshot[kind], f"the sample has no {kind} at 10:30"
    return snapshot


def paths(value: Any, path: str = "snapshot") -> Iterator[tuple[str, list[str | int]]]:
    """Every key of every map the board holds, with the keys leading to it (first rows only)."""
    if isinstance(value, dict):
        items = list(value.items())
        keyed = not (items and all(isinstance(v, dict) for _, v in items)) or path == "snapshot"
        for key, inner in items if keyed else items[:1]:
            step = f".{key}" if keyed else f"[{key!r}]"
            yield path + step, [key]
            for inner_path, keys in paths(inner, path + step):
                yield inner_path, [key, *keys]
    elif isinstance(value, list) and value:
        for inner_path, keys in paths(value[0], f"{path}[0]"):
            yield inner_path, [0, *keys]


def test_a_full_board_of_this_version_has_every_field(full_board):
    assert missing_field(full_board) is None


def test_each_field_a_board_lacks_is_named_by_its_path(full_board):
    """Every key the engine's types require, at every depth, taken out in turn."""
    named, optional = 0, set()
    for path, keys in paths(full_board):
        damaged = copy.deepcopy(full_board)
        parent = damaged
        for key in keys[:-1]:
            parent = parent[key]
        del parent[keys[-1]]
        gap = missing_field(damaged)
        if gap is None:
            optional.add(path)
        else:
            assert gap == path
            named += 1
    # Only what a board may leave out: its source's name, the agents, the alarms, and rows;
    # an alarm's agent and team (a hub from before agent rules: every alarm is a queue's).
    assert {p for p in optional if not p.endswith("']")} == {
        "snapshot.source",
        "snapshot.agents",
        "snapshot.alarms",
        "snapshot.alarms[0].agent",
        "snapshot.alarms[0].team",
    }
    assert named > 250  # spans, counts, rows of every kind: the walk reached them all


@pytest.mark.parametrize("damage", ["agent caller", "callbacks", "span", "not a map"])
def test_the_viewer_parser_refuses_a_board_it_cannot_read(full_board, damage):
    snapshot = copy.deepcopy(full_board)
    if damage == "agent caller":
        for row in snapshot["agents"].values():
            del row["caller"]  # a hub from before the caller's number
    elif damage == "callbacks":
        del snapshot["callbacks"]
    elif damage == "span":
        del snapshot["queues"][next(iter(snapshot["queues"]))]["interval"]["aht_s"]
    else:
        snapshot["all"] = []
    frame = BoardFrame("east", BoardUpdate(snapshot, board(1).status)).encoded()
    with pytest.raises(ProtocolError, match="runs another wallboard version"):
        protocol.parse_hub_frame(frame)


async def test_an_older_hub_is_one_line_for_the_viewer_not_a_failure_at_the_first_call(
    start_hub, full_board
):
    feed = DrivenFeed()
    old = copy.deepcopy(full_board)
    for row in old["agents"].values():
        del row["caller"]
    feed.put(BoardUpdate(old, board(1).status))
    _, url = await start_hub({"main": feed})
    with pytest.raises(HubRefused, match=r"has no snapshot\.agents\[.*\]\.caller.*hub's version"):
        await fetch_update(url, TOKEN)
