"""Line numbers of TOML keys, checked against tomllib itself."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wallboard.runtime.toml_lines import TomlLines

TRICKY = '''\
# [engin] in a comment is no table
title = """
[engin]
x = 1
"""   # nor in a multi-line string
"dotted.key" = 'one key, not two'
a.b  .  c = [
  "]", # a bracket in a string and a comment: [not a table]
  { inline = "{" },
]
literal = \'\'\'
[hub]\'\'\'
quotes = """two quotes close it: """""
escaped = "a \\" quote and a # hash"

[engine]
sl_target = 0.8
windows_s = [
  900,
  300,
]

  [ engine . "queues" . 'support' ]  # indented, spaced, quoted
  wrapup_s = 5

[[rule]]
id = "first"
[[rule]]
id = "second"

[hub]
token = "t"
'''


def _paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for key, value in data.items():
        path = (*prefix, key)
        out.append(path)
        if isinstance(value, dict):
            out += _paths(value, path)
    return out


def _cut(rows: list[str], end: int) -> str:
    return "\n".join(rows[:end]).removesuffix("\r")


def _has(data: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if isinstance(data, list):
            data = data[-1] if data else {}
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


@pytest.mark.parametrize(
    "text",
    [
        TRICKY,
        TRICKY.replace("\n", "\r\n"),
        # The configuration example the README gives.
        re.search(
            r"```toml\n(.*?)```",
            (Path(__file__).resolve().parents[2] / "README.md").read_text(),
            re.S,
        ).group(1),
        (Path(__file__).resolve().parents[2] / "wallboard/alarms/builtin_rules.toml").read_text(),
    ],
    ids=["tricky", "crlf", "readme", "builtin-rules"],
)
def test_every_key_is_found_on_the_line_tomllib_first_sees_it(text):
    """Cutting the text just before the line found loses the key; just after it keeps it."""
    lines = TomlLines(text)
    rows = text.split("\n")
    data = tomllib.loads(text)
    for path in _paths(data):
        found = lines.line(*path)
        assert found is not None, path
        before = tomllib.loads(_cut(rows, found - 1))
        assert not _has(before, path), (path, found)
        # The statement on that line may run on; the shortest cut that parses keeps the key.
        for end in range(found, len(rows) + 1):
            try:
                upto = tomllib.loads(_cut(rows, end))
            except tomllib.TOMLDecodeError:
                continue
            assert _has(upto, path), (path, found)
            break


def test_the_tricky_lines():
    lines = TomlLines(TRICKY)
    assert lines.line("engin") is None
    assert lines.line("dotted.key") == 6
    assert lines.line("a", "b", "c") == 7
    assert lines.line("engine") == 16
    assert lines.line("engine", "queues", "support", "wrapup_s") == 24
    assert lines.line("engine", "queues", "support", "nowhere") == 23  # its table, then
    assert lines.line("rule") == 26
    assert lines.line("hub", "token") == 32
