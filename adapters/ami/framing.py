"""AMI wire text to `[header, value]` pairs, one list per block.

Blocks are kept as pair lists in wire order (repeated headers included)
because that is what recordings store and what the mapper reads; pyst2's own
dict-based parse loses order, keeps only the last of a repeated header and
crashes on `ChanVariable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Pairs = list[list[str]]


def parse_header(line: str) -> list[str] | None:
    """One `Key: Value` line (CRLF already stripped); None for a line that is no header."""
    key, sep, value = line.partition(": ")
    if not sep:
        key, sep, value = line.partition(":")
        if not sep:
            return None
    return [key, value]


def split_blocks(lines: Iterable[str]) -> Iterator[Pairs]:
    """Blocks of pairs from raw lines (CRLF kept or not); blank lines end a block.

    Lines without a colon (the greeting, command output) are skipped: they
    carry nothing a wallboard reads.
    """
    block: Pairs = []
    for raw_line in lines:
        line = raw_line.rstrip("\r\n")
        if not line:
            if block:
                yield block
                block = []
            continue
        pair = parse_header(line)
        if pair is not None:
            block.append(pair)
    if block:
        yield block


def blocks_from_text(text: str) -> Iterator[Pairs]:
    """Every block of a captured AMI byte stream decoded as text."""
    return split_blocks(text.split("\n"))
