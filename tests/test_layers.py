"""Imports run one way: each layer imports only the layers below it (docs/DEVELOPING.md).

The import graph is read from the source (every `import`, at module level or
inside a function, `TYPE_CHECKING` blocks included), with `adapters/`,
`themes/` and `recordings/` under the names they install as
(`wallboard.adapters`, ...). `make
lint` runs this file, so a back-edge fails the lint before any test runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Source folder -> the package it installs as (setup.py maps the top-level folders).
PACKAGES = {
    "wallboard": "wallboard",
    "adapters": "wallboard.adapters",
    "themes": "wallboard.themes",
    "recordings": "wallboard.recordings",
}

# Top layer first. A module belongs to the first layer with a prefix of its name;
# the modules of a layer marked independent may not import one another either.
LAYERS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("entry point", ("wallboard.cli",), False),
    ("commands", ("wallboard.commands",), False),
    (
        "front ends",
        ("wallboard.hub", "wallboard.tui", "wallboard.web", "wallboard.simulator"),
        True,
    ),
    ("runtime", ("wallboard.runtime",), False),
    ("reports", ("wallboard.intervals",), False),
    ("alarms", ("wallboard.alarms",), False),
    ("adapters", ("wallboard.adapters",), False),
    ("engine", ("wallboard.engine",), False),
    (
        "vocabulary",
        (
            "wallboard.errors",
            "wallboard.units",
            "wallboard.events",
            "wallboard.status",
            "wallboard.themes",
            "wallboard.recordings",
        ),
        False,
    ),
)
# `wallboard/__init__.py` (the version) imports nothing and may be imported by all.
ROOT = "wallboard"

# The pure core reads no file, environment, clock or socket (GUIDE: "pure core").
# The mappers and the alarm evaluator and stepper belong to it too; the AMI client,
# the file readers and the rule-file loader (`alarms.rules`) are the shells around it.
PURE = (
    "wallboard.engine",
    "wallboard.intervals",
    "wallboard.events",
    "wallboard.status",
    "wallboard.units",
    "wallboard.adapters.base",
    "wallboard.adapters.identity",
    "wallboard.adapters.queue_log_lines",
    "wallboard.adapters.source_time",
    "wallboard.adapters.validate",
    "wallboard.adapters.ami.exits",
    "wallboard.adapters.ami.framing",
    "wallboard.adapters.ami.mapper",
    "wallboard.adapters.ami.status",
    "wallboard.adapters.ami.visibility",
    "wallboard.alarms.evaluator",
    "wallboard.alarms.follow",
    "wallboard.alarms.output",
    "wallboard.alarms.stepper",
)
IMPURE_STDLIB = frozenset(
    {"os", "io", "sys", "pathlib", "tomllib", "socket", "asyncio", "threading", "time"}
    | {"logging", "random", "subprocess", "shutil", "tempfile", "glob", "urllib"}
)


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    line: int

    def where(self) -> str:
        return f"{self.importer}:{self.line}"


def modules(repo: Path = REPO) -> dict[str, Path]:
    """Every module of the shipped packages, by its installed dotted name."""
    found: dict[str, Path] = {}
    for folder, package in PACKAGES.items():
        for path in sorted((repo / folder).rglob("*.py")):
            parts = list(path.relative_to(repo / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The deepest known module `name` is in (`a.b.C` -> `a.b` when C is a class)."""
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports(known: dict[str, Path]) -> Iterator[Import]:
    """Every import in our modules, once per module, line and imported module."""
    seen: set[Import] = set()
    for edge in _all_imports(known):
        if edge not in seen:
            seen.add(edge)
            yield edge


def _all_imports(known: dict[str, Path]) -> Iterator[Import]:
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(module, _resolve(alias.name, known), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    yield Import(module, _resolve(f"{base}.{alias.name}", known), node.lineno)


def layer_of(module: str) -> int | None:
    for index, (_, prefixes, _) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _group(module: str, index: int) -> str:
    return next(p for p in LAYERS[index][1] if module == p or module.startswith(p + "."))


def violations(edges: list[Import]) -> list[str]:
    """A line per import that goes up a layer, or across an independent one."""
    found = []
    for edge in edges:
        if not edge.imported.startswith(ROOT + ".") or edge.imported == edge.importer:
            continue
        low, high = layer_of(edge.importer), layer_of(edge.imported)
        assert low is not None, f"{edge.importer} is in no layer: add it to LAYERS"
        assert high is not None, f"{edge.imported} is in no layer: add it to LAYERS"
        name, _, independent = LAYERS[low]
        if high < low:
            found.append(
                f"{edge.where()} imports {edge.imported}: layer {LAYERS[high][0]!r} "
                f"is above {name!r}"
            )
        elif high == low and independent:
            mine, theirs = _group(edge.importer, low), _group(edge.imported, low)
            if mine != theirs:
                found.append(
                    f"{edge.where()} imports {edge.imported}: {mine} and {theirs} "
                    f"are independent {name}"
                )
    return found


def impurities(edges: list[Import]) -> list[str]:
    return [
        f"{edge.where()} imports {edge.imported}: the pure core reads no file, "
        "environment, clock or socket"
        for edge in edges
        if edge.importer.startswith(PURE) and edge.imported.split(".")[0] in IMPURE_STDLIB
    ]


def cycles(edges: list[Import]) -> list[list[str]]:
    """Import loops between our modules (each found once, from its smallest member)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.imported.startswith(ROOT + ".") and edge.imported != edge.importer:
            graph.setdefault(edge.importer, set()).add(edge.imported)
    loops: list[list[str]] = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    loops.append(path)
                elif nxt > start and nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return loops


@pytest.fixture(scope="module")
def edges() -> list[Import]:
    return list(imports(modules()))


def test_every_import_goes_down_a_layer(edges):
    problems = violations(edges)
    assert not problems, "imports against the layers:\n  " + "\n  ".join(problems)


def test_the_pure_core_does_no_io(edges):
    problems = impurities(edges)
    assert not problems, "\n  ".join(problems)


def test_no_import_loops(edges):
    loops = cycles(edges)
    assert not loops, "import loops:\n  " + "\n  ".join(" -> ".join(p) for p in loops)


def test_the_check_sees_a_back_edge(tmp_path):
    """The checker itself: an engine module importing the runtime is reported."""
    for folder in PACKAGES:
        (tmp_path / folder).mkdir()
    (tmp_path / "wallboard" / "runtime").mkdir()
    (tmp_path / "wallboard" / "engine").mkdir()
    (tmp_path / "wallboard" / "runtime" / "config.py").write_text("X = 1\n")
    (tmp_path / "wallboard" / "engine" / "core.py").write_text(
        "import os\nfrom wallboard.runtime.config import X\n"
    )
    found = list(imports(modules(tmp_path)))
    assert violations(found) == [
        "wallboard.engine.core:2 imports wallboard.runtime.config: "
        "layer 'runtime' is above 'engine'"
    ]
    assert len(impurities(found)) == 1
