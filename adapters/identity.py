"""Who an agent is, whatever Asterisk calls them on a given line.

Asterisk names one queue member three ways: its interface (`Local/agent109@agents/n`,
`PJSIP/109`: what is dialled), its state interface (`Custom:agent109`: the device
whose state is watched) and its member name (`Ivan`). AMI's member events carry all
three at once; queue_log names a member by interface on ADDMEMBER, REMOVEMEMBER and
PENALTY and by member name on every other line (unless queues.conf sets
`log_membername_as_agent = yes`). The directory gives every alias of one agent one
id, so calls, states and pauses accrue on one row:

- an `[agents]` entry (`EngineConfig.agents`) wins: its display name is the id of
  every key that names it (`"Local/agent109@agents/n" = "Ivan"` makes the interface
  and the member name `Ivan` one agent);
- otherwise the member name is the id, and an interface or state interface seen with
  a member name stands for that member until it is seen with another (a desk phone
  used by the next shift's agent is theirs from then on);
- an alias never seen with a member name is its own id.

Pure: it learns only what it is told, in order, so a replay learns the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from wallboard.engine.settings import AgentSettings


class AgentDirectory:
    """Aliases (interface, state interface, member name) to one agent id each."""

    def __init__(self, agents: Mapping[str, AgentSettings]) -> None:
        self._configured = frozenset(agents)
        self._display = frozenset(settings.name for settings in agents.values())
        # Every alias known to stand for another id; read it as `ids.get(name, name)`.
        self.ids: dict[str, str] = {key: settings.name for key, settings in agents.items()}

    def member(self, member_name: str, *devices: str) -> str:
        """The agent behind a member event: its member name and interfaces, empty ones skipped.

        Binds the interfaces to that agent (unless `[agents]` says who they are).
        """
        ids = self.ids
        if member_name in self._configured:
            agent = ids[member_name]
        else:
            configured = next((d for d in devices if d in self._configured), None)
            if configured is not None:
                agent = ids[configured]
            elif member_name:
                agent = member_name
            else:
                device = next((d for d in devices if d), "")
                agent = ids.get(device, device)
        if member_name:
            for device in devices:
                if device and device not in self._configured:
                    ids[device] = agent
        return agent

    def alias(self, name: str) -> str:
        """The agent a single name denotes (a queue_log line's agent field)."""
        return self.ids.get(name, name)

    def display_name(self, agent: str, member_name: str = "") -> str:
        """The name to show: the configured one, else the member name given, else none."""
        if agent in self._display:
            return agent
        return member_name
