"""Whether a hub's board has every field this viewer reads: the check for a hub of another version.

A hub and its viewers are upgraded one at a time. A board from an older hub
lacks the fields added since (an agent row's `caller`, the `callbacks` list),
and a viewer that took it for its own would fail at the first ringing agent,
on the supervisor's screen. Every row of one kind has the same keys, so the
first of each collection tells: a few dozen lookups per board, whatever its
size. Extra keys (a newer hub's) are fine: a viewer reads what it knows.
"""

from __future__ import annotations

import functools
import types
from typing import Any, NotRequired, Union, get_args, get_origin, get_type_hints, is_typeddict

from wallboard.engine.snapshot import Snapshot


def missing_field(snapshot: object) -> str | None:
    """The first field of `Snapshot` that `snapshot` lacks, as a path (`agents[…].caller`)."""
    return _gap(snapshot, Snapshot, "snapshot")


def _gap(value: object, kind: Any, path: str) -> str | None:
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return f"{path} (not a map)"
        fields, required = _fields(kind)
        for key in required:
            if key not in value:
                return f"{path}.{key}"
        for key, annotation in fields:
            if key in value:
                gap = _gap(value[key], annotation, f"{path}.{key}")
                if gap is not None:
                    return gap
        return None
    origin = get_origin(kind)
    if origin is dict and isinstance(value, dict) and value:
        name, first = next(iter(value.items()))
        return _gap(first, get_args(kind)[1], f"{path}[{str(name)[:40]!r}]")
    if origin is list and isinstance(value, list) and value:
        return _gap(value[0], get_args(kind)[0], f"{path}[0]")
    if origin in (Union, types.UnionType):
        # `X | None`: the map when there is one.
        maps = [arg for arg in get_args(kind) if is_typeddict(arg)]
        if maps and value is not None:
            return _gap(value, maps[0], path)
    return None


@functools.cache
def _fields(kind: type) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """The keys that hold maps of their own (at any depth), and the required keys."""
    nested = tuple(
        (key, annotation)
        for key, annotation in get_type_hints(kind).items()
        if _holds_map(annotation)
    )
    # Not `__required_keys__`: under postponed annotations it takes NotRequired keys for required.
    extras = get_type_hints(kind, include_extras=True)
    required = tuple(key for key, hint in extras.items() if get_origin(hint) is not NotRequired)
    return nested, required


def _holds_map(annotation: Any) -> bool:
    return is_typeddict(annotation) or any(_holds_map(arg) for arg in get_args(annotation))
