"""How the commands log: one level for -v/-vv, journald's priorities, and no secret ever.

Its own module so that `wallboard --version` and `--help`, which end in the
parser, never import `logging` (and the traceback machinery behind it).
"""

from __future__ import annotations

import logging
import os
import sys


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
