"""Wrong tokens per address: five a minute, then refused unchecked, logged once."""

from __future__ import annotations

import logging

from wallboard.runtime.failed_tokens import FailedTokens


def test_five_wrong_tokens_in_a_minute_shut_the_address_until_the_oldest_leaves():
    failures = FailedTokens(allowed=5, window_s=60.0)
    for second in range(4):
        failures.failed("10.0.0.9", 100.0 + second)
        assert failures.wait_s("10.0.0.9", 100.0 + second) == 0.0
    failures.failed("10.0.0.9", 110.0)
    assert failures.wait_s("10.0.0.9", 110.0) == 50.0  # the first (at 100) leaves at 160
    assert failures.wait_s("10.0.0.9", 159.5) == 0.5
    assert failures.wait_s("10.0.0.8", 110.0) == 0.0  # another address is not touched
    assert failures.wait_s("10.0.0.9", 160.0) == 0.0  # one more guess, then shut again
    failures.failed("10.0.0.9", 160.0)
    assert failures.wait_s("10.0.0.9", 160.0) == 1.0  # the one at 101 leaves at 161


def test_the_limit_is_logged_once_per_time_it_is_reached(caplog):
    failures = FailedTokens(allowed=3, window_s=10.0)
    with caplog.at_level(logging.WARNING):
        for second in range(3):
            failures.failed("192.0.2.1", float(second))
    assert caplog.text.count("192.0.2.1 offered 3 wrong tokens within 10 s") == 1


def test_many_addresses_keep_memory_bounded():
    failures = FailedTokens(allowed=2, window_s=60.0, max_addresses=100)
    for n in range(1000):
        failures.failed(f"198.51.100.{n}", 0.0)
        failures.failed(f"198.51.100.{n}", 0.0)
    assert len(failures._failures) == 100
    assert failures.wait_s("198.51.100.999", 1.0) > 0  # the newest are the ones kept
    assert failures.wait_s("198.51.100.0", 1.0) == 0.0
