"""Rules files: every validation error names file:line, the key and why."""

from __future__ import annotations

import pytest

from wallboard.alarms.rules import (
    Rule,
    RulesError,
    check_template,
    load_rules,
    parse_duration,
    parse_rules,
)

GOOD = """\
# comment
[[rule]]
id = "sl-low"
metric = "service_level"
queue = "sales"
op = "<"
threshold = 0.8
clear = 0.85
for = "60s"
clear_for = "5m"
severity = "critical"
message = "SL {value:.0%} in {queue} (target {threshold:.0%})"

[[rule]]
id = "drop"
kind = "change"
metric = "answered_pct"
over = "15m"
by = 0.10
direction = "down"
"""


def test_a_good_file_parses_with_defaults_filled_in():
    sl, drop = parse_rules(GOOD, "r.toml")
    assert sl == Rule(
        id="sl-low",
        name="sl-low",
        kind="threshold",
        metric="service_level",
        queue="sales",
        span="window",
        severity="critical",
        message="SL {value:.0%} in {queue} (target {threshold:.0%})",
        for_s=60.0,
        clear_for_s=300.0,
        op="<",
        threshold=0.8,
        clear=0.85,
    )
    assert (drop.kind, drop.queue, drop.over_s, drop.by, drop.clear_by) == (
        "change",
        "*",
        900.0,
        0.10,
        0.10,
    )
    assert drop.severity == "warning"


def test_the_builtin_rules_load_and_cover_the_main_targets():
    rules = {rule.id: rule for rule in load_rules(None)}
    assert rules["sl-low"].threshold == 0.80
    assert rules["abandon-high"].threshold == 0.05
    assert rules["answered-drop"].kind == "change"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1.5m", 90.0),
        (45, 45.0),
        ("0s", 0.0),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["60", "5 minutes", "-5s", True, "1d"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def _one(body: str) -> str:
    return f"# header\n\n[[rule]]\n{body}\n"


BASE = 'id = "r1"\nmetric = "service_level"\nop = "<"\nthreshold = 0.8\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (BASE + 'colour = "red"', "r.toml:8: rule 'r1': colour: unknown key for a threshold rule"),
        (
            'id = "r1"\nmetric = "service_level"\nop = "<"',
            "r.toml:3: rule 'r1': missing required key 'threshold'",
        ),
        (
            BASE.replace('"service_level"', '"speed"'),
            "r.toml:5: rule 'r1': metric: unknown metric 'speed'",
        ),
        (
            BASE.replace('op = "<"', 'op = "=="'),
            "r.toml:6: rule 'r1': op: must be one of <, <=, >, >=, not '=='",
        ),
        (
            BASE + "clear = 0.7",
            "r.toml:8: rule 'r1': clear: must be >= threshold 0.8 for op '<' (hysteresis)",
        ),
        (
            BASE.replace('"<"', '">"') + "clear = 0.9",
            "r.toml:8: rule 'r1': clear: must be <= threshold 0.8 for op '>'",
        ),
        (
            BASE + 'for = "soon"',
            "r.toml:8: rule 'r1': for: expected a duration such as 30s, 5m or 1h, not 'soon'",
        ),
        (BASE + 'clear_for = "-1s"', "r.toml:8: rule 'r1': clear_for: expected a duration"),
        (
            BASE + 'severity = "fatal"',
            "r.toml:8: rule 'r1': severity: must be one of info, warning, critical",
        ),
        (
            BASE + 'span = "instant"',
            "r.toml:8: rule 'r1': span: service_level is reported per span",
        ),
        (
            BASE.replace('"service_level"', '"waiting"') + 'span = "day"',
            "r.toml:8: rule 'r1': span: waiting is an instant metric",
        ),
        (BASE + 'threshold2 = "x"', "threshold2: unknown key"),
        (
            BASE.replace("0.8", '"80%"'),
            "r.toml:7: rule 'r1': threshold: must be a number, not '80%'",
        ),
        (BASE + 'queue = ""', "r.toml:8: rule 'r1': queue: must not be empty"),
        (BASE + "min_offered = 2.5", "r.toml:8: rule 'r1': min_offered: must be a whole number"),
        (
            BASE.replace('id = "r1"', 'id = "has space"'),
            "r.toml:4: rule 'has space': id: must be a name",
        ),
        (
            BASE + 'kind = "trend"',
            "r.toml:8: rule 'r1': kind: must be 'threshold', 'change' or 'agent'",
        ),
        (
            BASE + 'message = "{value:.0%} {queeu}"',
            "r.toml:8: rule 'r1': message: unknown placeholder {queeu}",
        ),
        (
            BASE + 'message = "{queue:.0%}"',
            "r.toml:8: rule 'r1': message: template does not format",
        ),
        (BASE + 'message = "{value"', "r.toml:8: rule 'r1': message: bad template"),
        (BASE + 'message = "{} down"', "message: positional placeholder {} is not allowed"),
    ],
)
def test_each_validation_error_names_line_key_and_reason(body, expected):
    with pytest.raises(RulesError) as caught:
        parse_rules(_one(body), "r.toml")
    assert expected in str(caught.value)


CHANGE = (
    'id = "c"\nkind = "change"\nmetric = "answered_pct"\n'
    'over = "15m"\nby = 0.1\ndirection = "down"\n'
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (CHANGE.replace('"15m"', '"0s"'), "r.toml:7: rule 'c': over: must be at least 1s"),
        (CHANGE.replace("0.1", "-0.1"), "r.toml:8: rule 'c': by: must be a positive amount"),
        (
            CHANGE + "clear_by = 0.2",
            "r.toml:10: rule 'c': clear_by: must be between 0 and by = 0.1",
        ),
        (
            CHANGE.replace('"down"', '"sideways"'),
            "r.toml:9: rule 'c': direction: must be one of down, up",
        ),
        (CHANGE + "threshold = 1", "r.toml:10: rule 'c': threshold: unknown key for a change rule"),
        (CHANGE + 'message = "{threshold}"', "message: unknown placeholder {threshold}"),
    ],
)
def test_change_rule_validation(body, expected):
    with pytest.raises(RulesError) as caught:
        parse_rules(_one(body), "r.toml")
    assert expected in str(caught.value)


def test_duplicate_ids_point_at_the_second_rule():
    text = _one(BASE) + "\n[[rule]]\n" + BASE
    with pytest.raises(
        RulesError, match=r"r.toml:11: rule 'r1': id: duplicate id \(first used by rule #1\)"
    ):
        parse_rules(text, "r.toml")


def test_whole_file_errors():
    with pytest.raises(RulesError, match=r"r.toml: not valid TOML \(.*line 1"):
        parse_rules("[[rule]\n", "r.toml")
    with pytest.raises(RulesError, match="unknown top-level key 'rules'"):
        parse_rules("[rules]\nid = 1\n", "r.toml")
    with pytest.raises(RulesError, match="write \\[\\[rule\\]\\]"):
        parse_rules("[rule]\nid = 1\n", "r.toml")


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "nope.toml")


def test_templates_accept_format_specs_that_fit_their_values():
    check_template("{name}: {value:.1%} vs {threshold:.0%} in {queue!r}", "threshold")
    check_template("{metric} {change:+.0%} over {over} (was {previous:.2f})", "change")
