"""The `/` filter: narrows the queue table and the agent board as you type."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from wallboard.tui.messages import FilterChanged


class FilterBar(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close filter", tooltip="Clear the filter and close it"),
    ]

    def __init__(self) -> None:
        super().__init__(
            placeholder="filter queues, agents, callbacks; team:NAME for one team (Esc clears)",
            id="filter",
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def action_close(self) -> None:
        self.value = ""
        self.display = False
        self.screen.focus_next()
