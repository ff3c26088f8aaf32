"""Calls placed from the PBX, as `DialBegin` shows them: how a callback is seen to be made.

Asterisk raises `DialBegin` (Asterisk 11: `Dial` with `SubEvent: Begin`) for
every dial, and a queue's offers to its members are dials too: from the
waiting caller's channel to the member's, and, for a Local channel member,
from the Local channel's `;2` half on to the member's phone. So a dial is an
outbound call only when its calling channel is neither a waiting caller nor
part of such an offer (`OfferLegs`); an `Originate`'s first leg has no calling
channel at all. On the real Asterisk 22 captures of ../shared/fixtures (run A
and both users of run D) every `DialBegin` is an `Originate`'s or a queue's
(run D: 336 and 249; run A: 165 and 110): none is an outbound call, and none is
taken for one. No capture holds an agent's outbound call; what it carries is
read from app_dial: the calling channel's `Exten` is what was dialled, and the
`DialString` (`trunk/5551234`, `5551234@trunk`, `PJSIP/trunk/sip:5551234@host`)
names the number in its last part.
"""

from __future__ import annotations

import re

# `PJSIP/101-0000002a`, `Local/agent101@agents-00000001;1`: the device, and the suffix
# Asterisk adds to each channel of it.
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-f]+(;[12])?$")


def dialled_number(dial_string: str, exten: str) -> str:
    """The number a dial goes to: the last part of the dial string (after the technology
    and trunk, before `@` and any URI scheme), else the dialplan extension; "" if neither
    holds a digit."""
    part = dial_string.split("@", 1)[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    for number in (part, exten):
        if any("0" <= c <= "9" for c in number):
            return number.strip()
    return ""


def device_of(channel: str) -> str:
    """The device (interface) a channel belongs to: its name without the per-call suffix."""
    return _CHANNEL_SUFFIX.sub("", channel)


def local_twin(channel: str) -> str | None:
    """The other half of a Local channel (`...;1` <-> `...;2`), None for any other."""
    if not channel.startswith("Local/") or channel[-2:] not in (";1", ";2"):
        return None
    return channel[:-1] + ("2" if channel.endswith("1") else "1")


class OfferLegs:
    """The channels a queue's offers to its members run through: dials from them are the
    queue ringing its agents, not calls placed by anyone."""

    def __init__(self) -> None:
        self._channels: set[str] = set()

    def __contains__(self, channel: str) -> bool:
        return channel in self._channels

    def add(self, channel: str) -> None:
        """A channel an offer dialled (and, for a Local channel, the half that goes on)."""
        if channel:
            self._channels.add(channel)
            twin = local_twin(channel)
            if twin is not None:
                self._channels.add(twin)

    def discard(self, channel: str) -> None:
        self._channels.discard(channel)

    def clear(self) -> None:
        self._channels.clear()
