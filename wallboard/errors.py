"""User-facing errors: one clear line on stderr, never a traceback."""


class WallboardError(Exception):
    """A failure the user can act on; its message is the whole explanation."""

    exit_code = 2


class ConfigError(WallboardError):
    """A configuration problem, worded for the person who wrote the file."""
