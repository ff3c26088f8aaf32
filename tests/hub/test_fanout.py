"""Fan-out without sockets: one-board slots and the per-source throttle."""

from __future__ import annotations

from tests.hub.conftest import board
from wallboard.hub.fanout import Channel, LatestSlot
from wallboard.hub.protocol import BoardFrame


async def test_slot_holds_one_board_however_many_arrive():
    slot = LatestSlot()
    for seq in range(1000):
        slot.put(BoardFrame("main", board(seq)))
    taken = await slot.take()
    assert taken.update.snapshot["seq"] == 999
    assert slot.pending is None


async def test_channel_throttles_but_lets_alarm_transitions_through():
    now = [100.0]
    channel = Channel("main", "label", rate_hz=1.0, clock=lambda: now[0])
    slot = LatestSlot()
    channel.join(slot)
    channel.offer(board(1))
    assert (await slot.take()).update.snapshot["seq"] == 1
    channel.offer(board(2))
    assert slot.pending is None  # due one period later
    channel.offer(board(3, transitions=[{"rule": "r"}]))
    urgent = await slot.take()
    assert (urgent.update.snapshot["seq"], urgent.update.transitions) == (3, [{"rule": "r"}])
    now[0] += 1.0
    channel.offer(board(4))
    assert (await slot.take()).update.snapshot["seq"] == 4


async def test_newcomer_gets_the_latest_board_without_old_transitions():
    channel = Channel("main", "label", rate_hz=4.0)
    channel.offer(board(1, transitions=[{"rule": "r"}]))
    slot = LatestSlot()
    channel.join(slot)
    first = await slot.take()
    assert (first.update.snapshot["seq"], first.update.transitions) == (1, [])
    channel.leave(slot)
    channel.offer(board(2, transitions=[{"rule": "s"}]))
    assert slot.pending is None
