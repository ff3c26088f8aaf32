"""Where a key of a TOML document is written, for error messages that say `file:line`.

`tomllib` gives values, never positions. This scanner reads the text the way
TOML does, statement by statement (strings, multi-line strings and arrays may
span lines; comments and blank lines are skipped), and notes the line where
each table header or key first names a key path. It is only ever run on text
`tomllib` has accepted, so it needs no error handling of its own.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from wallboard.errors import ConfigError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def read_toml(path: Path, what: str) -> tuple[dict[str, Any], TomlLines]:
    """A TOML file's data and where its keys are; `ConfigError` if it cannot be read or parsed.

    `what` names the file in the error ("config file", "the tokens file").
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return data, TomlLines(text)


class TomlLines:
    """The first line (1-based) on which each key path of a TOML text is named."""

    def __init__(self, text: str) -> None:
        self._first: dict[tuple[str, ...], int] = {}
        lines = [line.removesuffix("\r") for line in text.split("\n")]
        table: tuple[str, ...] = ()
        i = 0
        while i < len(lines):
            line = lines[i].lstrip(" \t")
            start = i
            i += 1
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                array = line.startswith("[[")
                table, _ = _key(line, 2 if array else 1)
                self._note(table, start)
                continue
            key, rest = _key(line, 0)
            self._note(table + key, start)
            # `rest` starts at the "=": read the value, over as many lines as it takes.
            i = _value_end(lines, start, line, len(line) - len(rest) + 1)

    def _note(self, path: tuple[str, ...], line: int) -> None:
        for depth in range(1, len(path) + 1):
            self._first.setdefault(path[:depth], line + 1)

    def line(self, *path: str) -> int | None:
        """Where `path` is first named, else where its longest named prefix is (None: nowhere)."""
        for depth in range(len(path), 0, -1):
            found = self._first.get(path[:depth])
            if found is not None:
                return found
        return None


def _key(line: str, pos: int) -> tuple[tuple[str, ...], str]:
    """The dotted key starting at `pos` and what follows it (from the "=" or the "]")."""
    parts: list[str] = []
    while True:
        while line[pos] in " \t":
            pos += 1
        char = line[pos]
        if char == '"':
            end = pos + 1
            while line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            # The escapes of a basic string, decoded by TOML itself.
            parts.append(tomllib.loads(f"k = {line[pos : end + 1]}")["k"])
            pos = end + 1
        elif char == "'":
            end = line.index("'", pos + 1)
            parts.append(line[pos + 1 : end])
            pos = end + 1
        else:
            match = _BARE_KEY.match(line, pos)
            assert match is not None  # the document was valid TOML
            parts.append(match.group())
            pos = match.end()
        while line[pos] in " \t":
            pos += 1
        if line[pos] != ".":
            return tuple(parts), line[pos:]
        pos += 1


def _value_end(lines: list[str], index: int, line: str, pos: int) -> int:
    """The index of the line after the value that starts at `line[pos]` (on `lines[index]`)."""
    depth = 0
    while True:
        while pos < len(line):
            char = line[pos]
            if char == "#":
                break
            if char in "\"'":
                triple = line.startswith(char * 3, pos)
                closing = char * 3 if triple else char
                pos += len(closing)
                while True:
                    end = _closing(line, pos, closing, escapes=char == '"')
                    if end is not None:
                        pos = end
                        break
                    index += 1  # only a multi-line string goes on to the next line
                    line, pos = lines[index], 0
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            pos += 1
        if depth == 0:
            return index + 1
        index += 1
        line, pos = lines[index], 0


def _closing(line: str, pos: int, closing: str, *, escapes: bool) -> int | None:
    """Just past the end of a string that opened before `pos`, or None if not on this line."""
    while pos < len(line):
        if escapes and line[pos] == "\\":
            pos += 2
            continue
        if line.startswith(closing, pos):
            end = pos + len(closing)
            # A multi-line string may end with up to two more quotes of its own.
            while len(closing) == 3 and line.startswith(closing[0], end) and end - pos < 5:
                end += 1
            return end
        pos += 1
    return None
