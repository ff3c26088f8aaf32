"""Wrong tokens counted per address, so that guessing is slow and the log stays short.

The hub's websocket, its `/metrics` endpoint and the web pages all take a token.
Tokens a hub issues are 256 random bits, but a shared `[hub] token` is whatever
the admin typed; and every refusal is a warning in the journal. An address that
offers `allowed` wrong tokens within `window_s` is refused at once (without a
check) until its oldest failure leaves the window, and is logged once for it
(not at every refused attempt). The clock is the caller's.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque

log = logging.getLogger(__name__)

ALLOWED_FAILURES = 5
WINDOW_S = 60.0
# Addresses remembered at once; the least recently failing is forgotten first.
MAX_ADDRESSES = 10_000


class FailedTokens:
    """Failures per address within a sliding window.

    Args:
        allowed: wrong tokens an address may offer within the window.
        window_s: the window's length in seconds.
        max_addresses: addresses kept at once (an attacker with many addresses
            cannot grow memory without bound).
    """

    def __init__(
        self,
        allowed: int = ALLOWED_FAILURES,
        window_s: float = WINDOW_S,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.allowed = allowed
        self.window_s = window_s
        self._max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def wait_s(self, address: str, now: float) -> float:
        """Seconds until `address` may offer a token again (0: now)."""
        failures = self._recent(address, now)
        if failures is None or len(failures) < self.allowed:
            return 0.0
        return max(failures[0] + self.window_s - now, 0.0)

    def failed(self, address: str, now: float) -> None:
        """Count a wrong token; the one that reaches the limit is logged."""
        failures = self._recent(address, now)
        if failures is None:
            failures = self._failures[address] = deque()
            while len(self._failures) > self._max_addresses:
                self._failures.popitem(last=False)
        self._failures.move_to_end(address)
        failures.append(now)
        if len(failures) == self.allowed:
            log.warning(
                "%s offered %d wrong tokens within %g s: refused without a check for a while",
                address,
                self.allowed,
                self.window_s,
            )

    def _recent(self, address: str, now: float) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures
