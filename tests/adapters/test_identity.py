"""One agent, one id: the directory's rules, and what queue_log alone can tie."""

from __future__ import annotations

from wallboard.adapters.identity import AgentDirectory, learn_member_names
from wallboard.engine.settings import AgentSettings


def test_a_member_event_binds_its_interfaces_to_the_member_name():
    agents = AgentDirectory({})
    assert agents.member("Ivan", "Local/agent109@agents/n", "Custom:agent109") == "Ivan"
    assert agents.alias("Local/agent109@agents/n") == agents.alias("Custom:agent109") == "Ivan"
    assert agents.member("", "Local/agent109@agents/n") == "Ivan"  # an event naming no member
    assert agents.alias("PJSIP/7") == "PJSIP/7"  # never seen with a name: its own id
    assert agents.display_name("Ivan", "Ivan") == "Ivan"


def test_a_desk_phone_belongs_to_whoever_was_last_seen_on_it():
    agents = AgentDirectory({})
    agents.member("Ann", "Local/ann@agents", "PJSIP/desk4")
    agents.member("Bea", "Local/bea@agents", "PJSIP/desk4")
    assert agents.alias("PJSIP/desk4") == "Bea"
    assert agents.alias("Local/ann@agents") == "Ann"


def test_the_agents_table_wins_and_makes_its_aliases_one_agent():
    table = {
        "Local/agent109@agents/n": AgentSettings("Ivan Petrov", "Sales A"),
        "Ivan": AgentSettings("Ivan Petrov", "Sales A"),
    }
    agents = AgentDirectory(table)
    assert agents.alias("Local/agent109@agents/n") == agents.alias("Ivan") == "Ivan Petrov"
    assert agents.member("Ivan", "Local/agent109@agents/n") == "Ivan Petrov"
    assert agents.member("Someone", "Local/agent109@agents/n") == "Ivan Petrov"
    assert agents.alias("Local/agent109@agents/n") == "Ivan Petrov"  # not rebound
    assert agents.display_name("Ivan Petrov", "Ivan") == "Ivan Petrov"


def learn(*lines: str):
    return learn_member_names(lambda: lines)


ADD = "100|MANAGER|sales|PJSIP/9|ADDMEMBER|"
REMOVE = "300|MANAGER|sales|PJSIP/9|REMOVEMEMBER|"


def test_a_name_seen_only_while_the_interface_was_a_member_is_its_name():
    learnt = learn(
        "50|c1|sales|Alice|CONNECT|1|c1.2|1",  # before PJSIP/9 joined: not it
        ADD,
        "150|c2|sales|Ivan|CONNECT|2|c2.2|1",
        "160|c3|sales|Alice|RINGNOANSWER|15000",
        REMOVE,
    )
    assert learnt.members == {"PJSIP/9": "Ivan"}
    assert learnt.untied == ()


def test_two_names_that_fit_stay_untied():
    learnt = learn(ADD, "150|c2|sales|Ivan|CONNECT|2|c2.2|1", "160|c3|sales|Olga|CONNECT|2|c3.2|1")
    assert learnt.members == {}
    assert learnt.untied == ("PJSIP/9",)


def test_an_interface_added_paused_is_not_a_name_offered_calls_before_its_unpause():
    learnt = learn(
        "100|MANAGER|sales|PJSIP/9|ADDMEMBER|PAUSED",
        "150|c2|sales|Olga|CONNECT|2|c2.2|1",  # offered while PJSIP/9 was still paused
        "160|NONE|sales|Ivan|UNPAUSE|",
        "170|c3|sales|Ivan|CONNECT|2|c3.2|1",
    )
    assert learnt.members == {"PJSIP/9": "Ivan"}


def test_an_offer_that_began_before_the_removal_still_fits():
    """Kate in run D: removed while an offer rang, she answered a second later."""
    learnt = learn(ADD, "150|c2|sales|Kate|CONNECT|2|c2.2|1", "301|c3|sales|Kate|CONNECT|9|c3.2|3")
    assert learnt.members == {"PJSIP/9": "Kate"}


def test_member_names_on_member_lines_need_no_learning():
    """log_membername_as_agent = yes: ADDMEMBER names the member itself."""
    learnt = learn("100|MANAGER|sales|Ivan|ADDMEMBER|", "150|c2|sales|Ivan|CONNECT|2|c2.2|1")
    assert learnt.members == {} and learnt.untied == ()
