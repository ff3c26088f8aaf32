"""How the commands log: one level for -v/-vv, journald's priorities, and no secret ever.

Its own module so that `wallboard --version` and `--help`, which end in the
parser, never import `logging` (and the traceback machinery behind it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence

# Log lines kept while a board owns the terminal; older ones are counted, not kept.
MAX_HELD = 1000


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * min(verbosity, 2)
    if to_journal():
        journal = logging.StreamHandler()
        journal.setFormatter(JournalFormatter())
        logging.basicConfig(level=level, handlers=[journal])
    else:
        logging.basicConfig(level=level, format="wallboard: %(levelname)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(NoSecrets())
    # apprise's debug lines quote notification URLs, which hold the services' credentials.
    logging.getLogger("apprise").setLevel(max(level, logging.INFO))


class NoSecrets(logging.Filter):
    """No secret in the log at any verbosity (the GUIDE's rule; docs/HUB.md).

    At `-vv` websockets writes every frame in hex and every handshake header:
    the hub token is in the viewer's hello frame and in `Authorization:
    Bearer`. Those dumps (its `> ...` and `< ...` lines) are left out; its
    state changes (`= connection is OPEN`) and everything else stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("websockets") and record.levelno <= logging.DEBUG:
            return not str(record.msg).startswith(("> ", "< "))
        return True


def to_journal() -> bool:
    """Whether stderr is systemd's journal: JOURNAL_STREAM names its device and inode."""
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return os.environ.get("JOURNAL_STREAM") == f"{stat.st_dev}:{stat.st_ino}"


class JournalFormatter(logging.Formatter):
    """sd-daemon(3) priority prefixes, and no time or name: journald records both itself."""

    def format(self, record: logging.LogRecord) -> str:
        # (level, syslog priority): crit, err, warning, info, debug.
        ladder = (
            (logging.CRITICAL, 2),
            (logging.ERROR, 3),
            (logging.WARNING, 4),
            (logging.INFO, 6),
        )
        priority = next((p for level, p in ladder if record.levelno >= level), 7)
        return f"<{priority}>{super().format(record)}"


@contextlib.contextmanager
def held_while_on_screen() -> Iterator[None]:
    """Log lines wait while a board owns the terminal, then follow it out.

    Textual draws on stderr: a line written there during the board flashes over
    it (and `2>file` would mix the two). The terminal's log handlers are set
    aside for the board's run; what they would have written (the last MAX_HELD
    lines, and how many came before) is written once the terminal is given back.
    """
    root = logging.getLogger()
    terminal = [
        handler
        for handler in root.handlers
        if isinstance(handler, logging.StreamHandler)
        and handler.stream in (sys.stderr, sys.__stderr__)
    ]
    held = _Held()
    for handler in terminal:
        root.removeHandler(handler)
    root.addHandler(held)
    try:
        yield
    finally:
        root.removeHandler(held)
        for handler in terminal:
            root.addHandler(handler)
        held.write_to(terminal)


class _Held(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: deque[logging.LogRecord] = deque(maxlen=MAX_HELD)
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1
        self.records.append(record)

    def write_to(self, handlers: Sequence[logging.Handler]) -> None:
        records = list(self.records)
        dropped = self.seen - len(records)
        if dropped:
            note = f"{dropped} earlier log line(s) of the board's run left out"
            records.insert(
                0, logging.LogRecord("wallboard", logging.WARNING, __file__, 0, note, None, None)
            )
        for record in records:
            for handler in handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
