"""Who is at the keyboard, as an acknowledgement or a silence records it."""

from __future__ import annotations

import getpass


def operator() -> str:
    """The login name, or "supervisor" where the system cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "supervisor"
