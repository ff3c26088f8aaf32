"""The `?` overlay: every key binding, built from the bindings themselves so it never drifts."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help"),
    ]

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        width = max(len(key) for key, _ in self._lines)
        text = "\n".join(f"{key.rjust(width)}   {what}" for key, what in self._lines)
        with VerticalScroll(id="help-box"):
            yield Static("Keys  (Esc closes)", id="help-title")
            yield Static(text, id="help-text")
