"""`wallboard metrics ws://HUB` run as a user runs it, against a real hub on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.hub.conftest import TOKEN, DrivenFeed
from wallboard.engine.settings import EngineConfig
from wallboard.runtime.config import HUB_TOKEN_ENV
from wallboard.runtime.step import BoardStep
from wallboard.status import SourceStatus

AT = 1_732_262_400.0  # 2024-11-22 08:00 UTC


async def metrics_of(url: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wallboard.cli",
        "metrics",
        url,
        env={**env, HUB_TOKEN_ENV: TOKEN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("state", "detail", "code"),
    [
        ("live", "", 0),
        ("connecting", "Connection refused", 3),
        ("disconnected", "connection reset", 3),
    ],
)
async def test_figures_of_a_source_that_is_not_live_are_never_passed_off_as_live(
    start_hub, state, detail, code
):
    feed = DrivenFeed("ami:wallboard@pbx")
    _, url = await start_hub({"main": feed})
    feed.put(BoardStep(EngineConfig(), feed.label).board(AT, SourceStatus(AT, state, detail)))
    returncode, out, err = await metrics_of(url)
    assert returncode == code, err
    assert "2024-11-22" in out  # the figures are printed all the same
    if code:
        assert f"the hub's source is {state} ({detail})" in err and "not live" in err
        assert "Traceback" not in err
    else:
        assert err == ""
