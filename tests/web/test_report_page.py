"""The HTML report in a real headless Chromium: it draws offline, in the light and dark palettes."""

from __future__ import annotations

import pytest

from tests.commands.test_report import report
from wallboard.themes import PALETTES


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_report_draws_its_charts_in_the_board_palette_without_the_network(
    browser, capsys, run_a, tmp_path, scheme
):
    out = tmp_path / "report.html"
    report(
        capsys, str(run_a / "queue_log"), "--interval", "5m", "--format", "html", "--out", str(out)
    )
    palette = next(p for p in PALETTES if p.name == scheme)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(out.as_uri())
    assert asked == [out.as_uri()]  # nothing else fetched: no font, script or image
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.getBoundingClientRect();
            const line = svg.querySelector('path[data-metric="service_level"]');
            return {
                queue: svg.dataset.queue, width: box.width, height: box.height,
                stroke: getComputedStyle(line).stroke,
                length: line.getTotalLength(),
                background: getComputedStyle(document.body).backgroundColor,
            };
        })"""
    )
    context.close()
    assert [d["queue"] for d in drawn] == ["sales", "support", "all queues"]
    for chart in drawn:
        assert chart["width"] > 500 and chart["height"] > 300
        assert chart["length"] > 100  # a line drawn through the intervals
        assert chart["stroke"] == _rgb(palette.good)
        assert chart["background"] == _rgb(palette.background)
