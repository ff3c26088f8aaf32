"""`wallboard report --format html`: the page opened, its SVG parsed, its values the table's."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.commands.test_report import config_file, report  # noqa: F401 (a fixture)
from tests.queue_log_month import write_month
from wallboard.cli import main
from wallboard.commands.report_html import BOTTOM, PANEL_HEIGHT, PANELS, TOP

ALL = "all queues"


class Page(HTMLParser):
    """Every element of the page, with its attributes and where it sits."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self._open: list[str] = []
        self._texts: dict[int, list[str]] = {}
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, tuple(self._open)))
        if tag not in ("meta", "line", "br", "path"):
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, tuple(self._open)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def charts(self) -> dict[str, list[dict[str, str]]]:
        """Per chart (by queue): its panels' and series' attributes, in order."""
        out: dict[str, list[dict[str, str]]] = {}
        current = None
        for tag, attrs, _ in self.elements:
            if tag == "svg":
                current = out.setdefault(attrs["data-queue"], [])
            elif tag in ("g", "path", "line") and current is not None:
                current.append({"tag": tag, **attrs})
        return out


def html_and_json(capsys, tmp_path: Path, source: str, *argv: str, config: str) -> tuple[str, dict]:
    out = tmp_path / "report.html"
    report(capsys, source, *argv, "--format", "html", "--out", str(out), config=config)
    document = json.loads(report(capsys, source, *argv, "--format", "json", config=config))
    return out.read_text(encoding="utf-8"), document


def _values(text: str) -> list[float | None]:
    return [None if v == "" else float(v) for v in text.split(" ")]


def check_charts(page: Page, document: dict) -> None:
    charts = page.charts()
    # one chart per queue, and one for all queues
    assert list(charts) == [*document["queues"], ALL]
    for queue, items in charts.items():
        key = None if queue == ALL else queue
        rows = [r for r in document["intervals"] if r["queue"] == key]
        panels = [i for i in items if i["tag"] == "g"]
        assert [p["data-panel"] for p in panels] == [p.name for p in PANELS]
        series = [i for i in items if i["tag"] == "path"]
        assert [s["data-metric"] for s in series] == [s.metric for p in PANELS for s in p.series]
        for s in series:
            metric = s["data-metric"]
            values = _values(s["data-values"])
            # the values drawn are the table's, interval by interval
            assert values == [r[metric] for r in rows], (queue, metric)
            # and the line goes through them: a run of known values starts with its first
            # point twice (a lone value is a dot), then one point per value, at its height
            panel = next(i for i, p in enumerate(PANELS) if metric in [x.metric for x in p.series])
            ceiling = float(panels[panel]["data-ceiling"])
            top, bottom = panel * PANEL_HEIGHT + TOP, (panel + 1) * PANEL_HEIGHT - BOTTOM
            heights = []
            for run in s["d"].split("M")[1:]:
                points = [point.split() for point in run.split("L")]
                assert points[0] == points[1]
                heights += [float(y) for _, y in points[1:]]
            expected = [bottom - (bottom - top) * v / ceiling for v in values if v is not None]
            assert heights == pytest.approx(expected, abs=0.051)
            assert all(v <= ceiling for v in values if v is not None)
        target = next(i for i in items if i["tag"] == "line" and "data-target" in i)
        assert float(target["data-target"]) == 0.8


def test_the_page_is_self_contained_with_one_chart_per_queue_equal_to_the_table(
    capsys,
    run_a,
    tmp_path,
    config_file,  # noqa: F811 (the fixture)
):
    text, document = html_and_json(
        capsys, tmp_path, str(run_a / "queue_log"), "--interval", "5m", config=config_file
    )
    page = Page(text)
    tags = {tag for tag, _, _ in page.elements}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not [
        a
        for _, attrs, _ in page.elements
        for a in attrs.values()
        if "://" in a and not a.startswith("http://www.w3.org/2000/svg")
    ]
    assert "url(" not in text and "@import" not in text
    check_charts(page, document)
    # the period table shows the JSON's figures
    cells = [
        attrs for tag, attrs, inside in page.elements if tag == "td" and "data-metric" in attrs
    ]
    assert cells  # (their text is the text table's, formatted the same way)


def test_a_month_of_rotated_files_charts_day_by_day(capsys, tmp_path, config_file):  # noqa: F811
    folder = tmp_path / "logs"
    folder.mkdir()
    write_month(folder, days=2, agents=12, queues=3, rotate_days=1)
    text, document = html_and_json(
        capsys, tmp_path, str(folder), "--interval", "60m", config=config_file
    )
    page = Page(text)
    check_charts(page, document)
    assert "Fri 01" in text and "Sat 02" in text  # the time axis names the days


def test_an_html_report_names_the_out_file_it_cannot_write(capsys, run_a, tmp_path):
    target = tmp_path / "no-such-folder" / "r.html"
    assert main(["report", str(run_a / "queue_log"), "--format", "html", "--out", str(target)]) == 2
    assert f"{target}: cannot write" in capsys.readouterr().err
