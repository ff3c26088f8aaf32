"""One key figure in large digits, coloured against its target."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Digits, Label

from wallboard.tui.format import Grade


class KpiTile(Widget):
    """Large digits for the far side of the room; a one-line form when space is short."""

    # The labels and digits repaint themselves; the tile's frame stays as it is.
    title: reactive[str] = reactive("", repaint=False)
    value: reactive[str] = reactive("--", repaint=False)
    grade: reactive[Grade] = reactive("none")

    def __init__(self, title: str, short_title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.set_reactive(KpiTile.title, title)
        self.short_title = short_title

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="kpi-title")
        yield Digits(self.value, classes="kpi-digits")
        yield Label(f"{self.short_title} {self.value}", classes="kpi-compact")

    # Both labels are one line of fixed width (app.tcss), so a new text never needs the
    # whole screen laid out again.
    def watch_title(self, title: str) -> None:
        if self.is_mounted:
            self.query_one(".kpi-title", Label).update(title, layout=False)

    def watch_value(self, value: str) -> None:
        if self.is_mounted:
            self.query_one(Digits).update(value)
            self.query_one(".kpi-compact", Label).update(
                f"{self.short_title} {value}", layout=False
            )

    def watch_grade(self, old: Grade, new: Grade) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")
