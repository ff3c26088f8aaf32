"""`wallboard token NAME`: issue a hub token, and the tokens-file line that lets it in.

The token is made here from 256 random bits and shown once; the file keeps
only its scrypt hash (docs/HUB.md, "Tokens and roles").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wallboard.errors import ConfigError, WallboardError

NAME = "token"
HELP = "issue a hub token with a role and a scope (a line for [hub] tokens_file)"
DESCRIPTION = """\
Make a new hub token for NAME (a person or a screen: shown as "by" on what
they acknowledge) and print the line of [hub] tokens_file that admits it:

    wallboard token alice --role supervisor --queues 'sales,sales-*' >> tokens.toml

The line (stdout) holds the token's scrypt hash, never the token; the token is
printed once, on stderr, to hand to NAME (they set WALLBOARD_HUB_TOKEN to it).
With --add FILE the line is appended to FILE (made readable by its owner only)
and the token alone goes to stdout, for scripts. The hub reads the file when
it starts.

--sources, --queues and --teams take names or globs (comma-separated or
repeated); left out, the token sees every one. Role viewer reads; supervisor
may also acknowledge and silence the alarms it sees.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="who holds the token (e.g. alice, wall-east)")
    parser.add_argument(
        "--role",
        choices=("viewer", "supervisor"),
        default="viewer",
        help="viewer (read-only, the default) or supervisor (may acknowledge and silence)",
    )
    for key, example in (("sources", "east"), ("queues", "sales,support-*"), ("teams", "blue")):
        parser.add_argument(
            f"--{key}",
            action="append",
            metavar="GLOB[,GLOB...]",
            help=f"the {key} it may see, e.g. {example} (default: all)",
        )
    parser.add_argument(
        "--add", metavar="FILE", help="append the line to this tokens file, print the token"
    )


def run(args: argparse.Namespace) -> int:
    from wallboard.hub.access import (
        Scope,
        check_globs,
        check_name,
        entry_line,
        hash_token,
        load_tokens_file,
        new_token,
    )

    name = check_name(args.name)
    globs = {
        key: None
        if getattr(args, key) is None
        else check_globs(
            (g.strip() for value in getattr(args, key) for g in value.split(",")), f"--{key}"
        )
        for key in ("sources", "queues", "teams")
    }
    token, token_id = new_token()
    line = entry_line(name, args.role, Scope(**globs), token_id, hash_token(token))
    if args.add is None:
        print(line)
        print(
            f"wallboard: the token for {name} (shown only now; the line above stores its hash): "
            f"{token}",
            file=sys.stderr,
        )
        return 0
    path = Path(args.add)
    if path.exists():
        taken = {entry.grant.name for entry in load_tokens_file(path)}
        if name in taken:
            raise ConfigError(f"{path}: {name!r} has a token already; remove its line first")
    _append(path, line)
    print(token)
    print(f"wallboard: added {name} ({args.role}) to {path}", file=sys.stderr)
    return 0


def _append(path: Path, line: str) -> None:
    try:
        # Owner-only from its creation: hashes are not tokens, but nobody else needs them.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as file:
            if file.tell() and not path.read_bytes().endswith(b"\n"):
                file.write("\n")
            file.write(line + "\n")
    except OSError as exc:
        raise WallboardError(f"{path}: cannot add the token ({exc.strerror})") from exc
