"""User-facing errors: one clear line on stderr, never a traceback."""


class WallboardError(Exception):
    """A failure the user can act on; its message is the whole explanation."""

    exit_code = 2


class ConfigError(WallboardError):
    """A configuration problem, worded for the person who wrote the file.

    `key` is the path of the key at fault within the table being read, so the
    loader of a file can say on which line it is.
    """

    def __init__(self, message: str, *, key: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
