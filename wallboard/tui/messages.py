"""Messages widgets post upwards; the app decides what they mean for the source."""

from __future__ import annotations

from textual.message import Message

from wallboard.engine.snapshot import ActiveAlarm


class FilterChanged(Message):
    """The supervisor typed a filter for queues and agents."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class SeekRequested(Message):
    """A replay position was picked (e.g. by clicking the position bar)."""

    def __init__(self, position: float) -> None:
        super().__init__()
        self.position = position


class AlarmAcknowledged(Message):
    """The supervisor acknowledged one active alarm, or silenced it for `silence_s`."""

    def __init__(self, alarm: ActiveAlarm, silence_s: float | None = None) -> None:
        super().__init__()
        self.alarm = alarm
        self.silence_s = silence_s
