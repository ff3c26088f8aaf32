"""Log lines while a board owns the terminal: held back, then written after it."""

from __future__ import annotations

import io
import logging

import pytest

from wallboard.commands import log_setup
from wallboard.commands.log_setup import NoSecrets, held_while_on_screen


@pytest.fixture
def terminal(monkeypatch):
    """The root logger writing to a fake stderr, as configure_logging sets it up.

    Set up in the test's own phase: pytest puts its capture back on sys.stderr
    at the start of each phase.
    """
    root = logging.getLogger()
    added: list[logging.Handler] = []
    level = root.level

    def start() -> io.StringIO:
        stderr = io.StringIO()
        monkeypatch.setattr("sys.stderr", stderr)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("wallboard: %(levelname)s: %(message)s"))
        handler.addFilter(NoSecrets())
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        added.append(handler)
        return stderr

    yield start
    for handler in added:
        root.removeHandler(handler)
    root.setLevel(level)


def test_lines_logged_during_the_board_come_after_it(terminal):
    terminal = terminal()
    log = logging.getLogger("wallboard.adapters.queue_log")
    log.warning("before the board")
    with held_while_on_screen():
        log.warning("q:12: skipped: bad timestamp")
        assert terminal.getvalue() == "wallboard: WARNING: before the board\n"
    assert terminal.getvalue().splitlines() == [
        "wallboard: WARNING: before the board",
        "wallboard: WARNING: q:12: skipped: bad timestamp",
    ]
    log.warning("after")  # the terminal's handler is back
    assert terminal.getvalue().endswith("wallboard: WARNING: after\n")


def test_a_long_run_keeps_the_last_lines_and_says_how_many_it_left_out(terminal, monkeypatch):
    terminal = terminal()
    monkeypatch.setattr(log_setup, "MAX_HELD", 3)
    with held_while_on_screen():
        for n in range(10):
            logging.getLogger("wallboard").warning("line %d", n)
    assert terminal.getvalue().splitlines() == [
        "wallboard: WARNING: 7 earlier log line(s) of the board's run left out",
        "wallboard: WARNING: line 7",
        "wallboard: WARNING: line 8",
        "wallboard: WARNING: line 9",
    ]


def test_held_lines_keep_the_no_secrets_rule(terminal):
    terminal = terminal()
    with held_while_on_screen():
        logging.getLogger("websockets.client").debug('> TEXT \'{"token": "s3cret"}\'')
        logging.getLogger("websockets.client").debug("= connection is OPEN")
    assert "s3cret" not in terminal.getvalue()
    assert "connection is OPEN" in terminal.getvalue()
