"""queue_log's agents on run D: interfaces tied to member names, and Asterisk's restart.

ADDMEMBER and REMOVEMEMBER name a member by interface, every other line by
member name: queue_log alone ties what its lines allow, the `[agents]` table
the rest. A mid-file QUEUESTART ends what the old process held, as the AMI
resync after the same restart shows it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from tests.adapters.ami.run_d import CONFIG, board_members, listed_members, snapshots
from tests.adapters.ami.test_run_d import USERS, events_of, mapped
from wallboard.adapters.base import RawRecord
from wallboard.adapters.identity import learn_member_names
from wallboard.adapters.queue_log import QueueLogMapper, QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import AgentSettings

JUDY = "Local/agent110@agents/n"
NAMES = ("Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Kate")


def board(events, at: float | None = None) -> dict:
    engine = Engine(CONFIG)
    for event in events:
        if at is None or event.at <= at:
            engine.apply(event)
    return engine.snapshot(engine.now if at is None else at)


def test_queue_log_alone_ties_the_members_its_lines_allow_and_names_the_rest(run_d, caplog):
    learnt = learn_member_names(lambda: (run_d / "queue_log").open())
    # Alice, Bob, Carol and Dave took sales calls while Ivan's interface was out of
    # sales; Grace and Heidi billing calls while Kate's was out. Judy's interface
    # fits Judy and Grace alike (Grace's support calls all fall in its membership).
    assert learnt.members == {
        "Local/agent109@agents/n": "Ivan",
        "Local/agent111@agents/n": "Kate",
    }
    assert learnt.untied == (JUDY,)
    with caplog.at_level(logging.WARNING):
        events = list(QueueLogSource(run_d / "queue_log", CONFIG).events())
    assert [r.getMessage() for r in caplog.records] == [
        f"{run_d / 'queue_log'}: {JUDY} named only by interface on ADDMEMBER/REMOVEMEMBER, "
        "and no member name fits it alone: it shows as a row of its own; tie it in the "
        f'[agents] table of --config ("{JUDY}" = "Name") or set log_membername_as_agent = '
        "yes in queues.conf"
    ]
    agents = set(board(events)["agents"])
    assert agents == {*NAMES, JUDY}


def test_with_the_agents_table_one_row_each_and_the_states_asterisk_listed(run_d):
    config = replace(CONFIG, agents={JUDY: AgentSettings("Judy", "Support B")})
    events = list(QueueLogSource(run_d / "queue_log", config).events())
    snapshot = board(events)
    assert len(snapshot["agents"]) == 11
    assert board_members(snapshot) == listed_members(run_d, "final")


def test_a_mid_file_queuestart_ends_run_time_members_and_pauses(run_d):
    """Right after the restart's QUEUESTART, then once Ivan and Judy are added again."""
    config = replace(CONFIG, agents={JUDY: AgentSettings("Judy")})
    lines = (run_d / "queue_log").read_text().splitlines()
    restart = float(next(line for line in lines[1:] if "|QUEUESTART|" in line).split("|")[0])
    mapper = QueueLogMapper(config, members=learn_member_names(lambda: lines).members)
    events = [e for line in lines for e in mapper.feed(RawRecord(0.0, "queue_log", line))]
    events += mapper.flush()
    before, after = listed_members(run_d, "pre-restart"), listed_members(run_d, "post-restart")
    assert any(paused for paused in before.values())  # Heidi was auto-paused
    static = {key: False for key in after if key[0] not in ("Ivan", "Judy")}
    assert board_members(board(events, restart)) == static
    assert board_members(board(events, snapshots(run_d)["post-restart"][0])) == after


def memberships_at(events, at: float) -> set[tuple[str, str]]:
    return set(board_members(board(events, at)))


def test_the_memberships_asterisk_listed_at_every_snapshot(run_d):
    """Each of the 22 QueueStatus answers of the run against the board at its instant.

    A member removed while an offer rang and who answered it (Kate, billing, at
    1796157812-17) is on the call, then out of the queue again, as Asterisk has
    her. queue_log knows a static member from its first line naming it (a file
    read alone knows no queues.conf); its lines are whole seconds, so the answer
    taken within the second of a line is left out.
    """
    config = replace(CONFIG, agents={JUDY: AgentSettings("Judy")})
    from_ami = {user: events_of(mapped(run_d, user)) for user in USERS}
    from_queue_log = list(QueueLogSource(run_d / "queue_log", config).events())
    lines = [line.split("|") for line in (run_d / "queue_log").read_text().splitlines()]
    aliases = {JUDY: "Judy", **learn_member_names(lambda: (run_d / "queue_log").open()).members}
    for label, (at, _) in snapshots(run_d).items():
        listed = set(listed_members(run_d, label))
        for user, events in from_ami.items():
            assert memberships_at(events, at) == listed, (user, label)
        if any(float(f[0]) == math.floor(at) for f in lines):
            continue
        named = {(aliases.get(f[3], f[3]), f[2]) for f in lines if float(f[0]) <= at}
        assert memberships_at(from_queue_log, at) == listed & named, ("queue_log", label)
