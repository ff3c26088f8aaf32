"""The board's colour themes, installed as `wallboard.themes`: one palette each.

A palette names the colour of each role on the board (grades, agent states,
borders, alarms); the one board stylesheet (`wallboard/tui/app.tcss`) draws
every widget from those roles, so a new theme is a new `Palette` in `PALETTES`.
Plain data: the command line lists the names without importing Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours by role; `base` is the Textual theme the built-in widgets (footer, inputs) use."""

    name: str
    base: Literal["textual-dark", "textual-light"]
    background: str  # the screen and the panels
    foreground: str  # text
    panel: str  # status and replay bars, table headers and stripes, overlays
    muted: str  # borders, titles, a quiet alarm strip
    accent: str  # focus, headers, trend peaks, info alarms
    good: str
    warn: str
    bad: str
    alert_background: str  # the stale banner, a critical alarm strip
    hold: str
    wrap: str
    paused: str
    logged_off: str
    # Agent states that default to a grade's colour.
    available: str | None = None  # good
    ringing: str | None = None  # warn
    talking: str | None = None  # accent
    # A bad tile in reverse video (bad background, screen-coloured text) rather than bad text.
    reversed_bad: bool = False

    def variables(self) -> dict[str, str]:
        """The stylesheet's `$board-*` variables."""
        bad_tile = (
            (self.bad, self.background, self.background)
            if self.reversed_bad
            else (self.alert_background, self.bad, self.muted)
        )
        roles = {
            "background": self.background,
            "foreground": self.foreground,
            "panel": self.panel,
            "muted": self.muted,
            "accent": self.accent,
            "good": self.good,
            "warn": self.warn,
            "bad": self.bad,
            "alert-background": self.alert_background,
            "bad-tile-background": bad_tile[0],
            "bad-tile-foreground": bad_tile[1],
            "bad-tile-title": bad_tile[2],
            "available": self.available or self.good,
            "ringing": self.ringing or self.warn,
            "talking": self.talking or self.accent,
            "hold": self.hold,
            "wrap": self.wrap,
            "paused": self.paused,
            "logged-off": self.logged_off,
        }
        return {f"board-{role}": colour for role, colour in roles.items()}


PALETTES: tuple[Palette, ...] = (
    # Calm dark board for a control room.
    Palette(
        name="dark",
        base="textual-dark",
        background="#0d1117",
        foreground="#c9d1d9",
        panel="#161b22",
        muted="#8b949e",
        accent="#58a6ff",
        good="#3fb950",
        warn="#d29922",
        bad="#f85149",
        alert_background="#5a1217",
        hold="#bc8cff",
        wrap="#39c5cf",
        paused="#e3b341",
        logged_off="#6e7681",
    ),
    # Light board for bright rooms and projectors.
    Palette(
        name="light",
        base="textual-light",
        background="#ffffff",
        foreground="#1f2328",
        panel="#f6f8fa",
        muted="#656d76",
        accent="#0969da",
        good="#1a7f37",
        warn="#9a6700",
        bad="#cf222e",
        alert_background="#ffebe9",
        hold="#8250df",
        wrap="#1b7c83",
        paused="#bc4c00",
        logged_off="#8c959f",
    ),
    # Pure black and white with saturated grades; bad figures are reversed.
    Palette(
        name="high-contrast",
        base="textual-dark",
        background="#000000",
        foreground="#ffffff",
        panel="#000000",
        muted="#ffffff",
        accent="#00ffff",
        good="#00ff00",
        warn="#ffff00",
        bad="#ff3030",
        alert_background="#ff0000",
        hold="#ff00ff",
        wrap="#ffffff",
        paused="#ffa500",
        logged_off="#a0a0a0",
        reversed_bad=True,
    ),
    # Okabe-Ito (blue good, orange warn, vermillion bad): safe for red-green colour
    # blindness; agent states also carry symbols.
    Palette(
        name="colour-blind-safe",
        base="textual-dark",
        background="#101010",
        foreground="#f0f0f0",
        panel="#1a1a1a",
        muted="#a0a0a0",
        accent="#f0e442",
        good="#56b4e9",
        warn="#e69f00",
        bad="#d55e00",
        alert_background="#5c2600",
        hold="#cc79a7",
        wrap="#009e73",
        paused="#e69f00",
        logged_off="#808080",
        ringing="#f0e442",
        talking="#0072b2",
        reversed_bad=True,
    ),
)

THEME_NAMES: tuple[str, ...] = tuple(p.name for p in PALETTES)
