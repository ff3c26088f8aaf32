"""Guessing tokens over real websockets and HTTP on 127.0.0.1: slow, and a short log."""

from __future__ import annotations

import logging

from tests.hub.conftest import TOKEN, DrivenFeed, next_frame, open_viewer
from tests.hub.test_metrics import scrape
from tests.hub.test_server import closed_with
from wallboard.hub import protocol
from wallboard.hub.access import Access
from wallboard.hub.metrics import SourceView
from wallboard.hub.metrics_http import MetricsEndpoint


async def test_five_wrong_tokens_then_even_the_right_one_waits(start_hub, caplog):
    _, url = await start_hub({"main": DrivenFeed()})
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            code, _, _ = await closed_with(await open_viewer(url, "guess"))
            assert code == protocol.CLOSE_TOKEN_INVALID
        for _ in range(10):
            code, reason, frames = await closed_with(await open_viewer(url, TOKEN))
            assert (code, frames) == (protocol.CLOSE_TOO_MANY, 0)
            assert reason.startswith("too many wrong tokens from this address; retry in ")
    assert code not in protocol.FATAL_CLOSE_CODES  # a viewer retries later by itself
    assert caplog.text.count("invalid token") == 5
    assert caplog.text.count("127.0.0.1 offered 5 wrong tokens within 60 s") == 1
    assert "guess" not in caplog.text


async def test_scrapes_and_viewers_share_the_count_and_a_scraper_is_told_when(start_hub):
    access = Access.shared(TOKEN)
    hub, url = await start_hub({"east": DrivenFeed()}, access=access)
    endpoint = MetricsEndpoint(lambda: [SourceView("east", hub.channels["east"], None)], access)
    metrics_url = "http://{}:{}/metrics".format(*await endpoint.start("127.0.0.1", 0))
    try:
        for _ in range(3):
            assert (await scrape(metrics_url, token="guess")).status_code == 403
        for _ in range(2):
            await closed_with(await open_viewer(url, "guess"))
        throttled = await scrape(metrics_url)  # the right token, but from a guessing address
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert "wallboard_" not in throttled.text
        code, _, _ = await closed_with(await open_viewer(url, TOKEN))
        assert code == protocol.CLOSE_TOO_MANY
    finally:
        await endpoint.stop()


async def test_a_right_token_among_few_wrong_ones_still_gets_its_board(start_hub):
    feed = DrivenFeed()
    _, url = await start_hub({"main": feed})
    for _ in range(4):
        await closed_with(await open_viewer(url, "guess"))
    viewer = await open_viewer(url, TOKEN)
    assert (await next_frame(viewer))["type"] == "hello"
    await viewer.close()
