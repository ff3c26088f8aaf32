"""The `g` prompt: type a time to jump the replay there."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GoToTimeScreen(ModalScreen[str | None]):
    """Returns the typed text; the app parses it and reports mistakes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label("Go to time: HH:MM[:SS], YYYY-MM-DD HH:MM, or +/-N minutes")
            yield Input(placeholder="09:30", id="goto-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
