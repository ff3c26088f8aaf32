"""The real capture from a hostile PBX: invalid blocks woven into the stream (issue 12).

Real pyst2 over real TCP against the test server on 127.0.0.1. The server
streams run A's captured bytes with seeded invalid blocks between them; the
board must count exactly the README's figures (every valid event kept, none
of the invalid ones believed), the connection must stay up, and each kind of
damage must be one warning naming the AMI event it was found in.
"""

from __future__ import annotations

import logging
import os
import random

import pytest

from tests.adapters.ami.capture_server import Connection, load_capture
from tests.adapters.ami.test_client import Run, consume, disconnections, source_for
from tests.adapters.ami.test_mapper import README_COUNTS, day_counts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SEEDS = range(20 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 2)
DAY = 86_400.0


def hostile_block(rng: random.Random, real: bytes, stamp: float, n: int) -> tuple[bytes, str]:
    """An invalid block to follow `real` (stamped `stamp`), and what its warning must say.

    (Events nobody reads, or that name no call, are dropped without a word: Asterisk
    sends dozens of kinds the board has no use for.)
    """
    kind = rng.choice(["ahead", "nan", "old", "noise", "binary", "headless"])
    name = real.split(b"\r\n", 1)[0].partition(b": ")[2].decode()
    body = b"".join(
        line + b"\r\n"
        for line in real.split(b"\r\n")[1:]
        if line and not line.startswith(b"Timestamp:")
    )
    head = f"Event: {name}\r\n".encode()
    if kind == "ahead":  # days ahead; the next real block refutes it
        ahead = stamp + (1 + 1000 * n + rng.randint(0, 900)) * DAY
        text = f"{min(ahead, 4_102_444_799):.6f}"
        return head + f"Timestamp: {text}\r\n".encode() + body + b"\r\n", f"({name}): timestamp 2"
    if kind == "nan":
        return head + b"Timestamp: nan\r\n" + body + b"\r\n", f"({name}): timestamp nan"
    if kind == "old":
        return head + b"Timestamp: 17953.5\r\n" + body + b"\r\n", f"({name}): timestamp 17953.5"
    if kind == "noise":  # an event nobody reads, odd bytes in it
        return b"Event: SomethingNew\r\nX-Odd: \xff\xfe\x00\x01\r\nY: \t \r\n\r\n", ""
    if kind == "binary":  # a header line that is no header
        return b"Event: Hangup\r\n\x00\x01\x02 garbage without a colon\r\n\r\n", ""
    return b"no-event-header: 1\r\nTimestamp: 1\r\n\r\n", ""


@pytest.mark.parametrize("seed", SEEDS)
async def test_a_capture_with_hostile_blocks_woven_in_counts_exactly_the_readme(
    run_a, seed, caplog
):
    capture = load_capture(run_a)
    rng = random.Random(seed)
    stamped = [
        i
        for i, block in enumerate(capture.blocks[:-1])
        if b"\r\nTimestamp: " in block and block.startswith(b"Event: ")
    ]
    after = set(rng.sample(stamped, 25))
    blocks, expected = [], []
    for i, block in enumerate(capture.blocks):
        blocks.append(block)
        if i in after:
            bad, warning = hostile_block(rng, block, capture.stamps[i], len(blocks))
            blocks.append(bad)
            expected.append(warning)

    async def replay(connection: Connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(blocks)
        connection.close()

    async with capture.server(replay) as server:
        with caplog.at_level(logging.WARNING):
            run = await consume(source_for(server), Run(), disconnections(1))
    assert run.states == ["connecting", "resyncing", "live", "disconnected"]
    assert day_counts(run.snapshot()) == README_COUNTS
    ours = [r for r in caplog.records if r.name.startswith("wallboard")]
    assert not any(r.exc_info for r in ours)
    *skips, closed = [r.getMessage() for r in ours]
    assert ": disconnected: " in closed  # the end of the stream
    timed = [text for text in expected if text]
    assert len(skips) == len(timed)  # one warning each, in stream order
    for text, warning in zip(timed, skips, strict=True):
        assert "skipped 1 record 1 record back " + text in warning
