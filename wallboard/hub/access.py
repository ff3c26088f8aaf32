"""Who may see what on the hub: tokens, their roles and their scopes (docs/HUB.md).

A tokens file holds one entry per person or screen: a name (shown as `by` on
what they acknowledge), a role (`viewer` reads, `supervisor` may also
acknowledge and silence), a scope (the sources, queues and teams it may see,
as globs; a key left out means all of them), and the token's id and hash,
never the token itself. A token reads `wbt_<id>_<secret>`: the id finds its
entry, so a hello costs one hash however many entries the file has.

The hash is scrypt (RFC 7914) with a salt of its own, in the PHC string
format. Being slow, it is computed in a worker thread, one at a time, so a
burst of hellos never stalls the boards; a token that verified once is then
recognised by an HMAC under a key that lives only in this process, so fifty
viewers reconnecting with one token cost one scrypt. Comparisons are
constant-time (`hmac.compare_digest`).

The single `[hub] token` (or WALLBOARD_HUB_TOKEN) keeps working beside the
file: it is one all-seeing token of role `viewer`, named "hub token".

An address that offers five wrong tokens within a minute (over the websocket
and `/metrics` alike) is refused without a check until the oldest leaves the
minute, and logged once for it (`runtime/failed_tokens.py`).
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from wallboard.errors import ConfigError
from wallboard.runtime.failed_tokens import FailedTokens
from wallboard.runtime.toml_lines import read_toml

Role = Literal["viewer", "supervisor"]
ROLES: tuple[Role, ...] = ("viewer", "supervisor")
SHARED_NAME = "hub token"

TOKEN_PREFIX = "wbt"
_TOKEN = re.compile(r"^wbt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# Longer than any token this hub issues or a person types; refused before hashing.
MAX_TOKEN_CHARS = 512
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@+-]{0,63}$")
_GLOB = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")

# scrypt as RFC 7914 recommends for interactive logins: N = 2**14, r = 8, p = 1
# (16 MiB, some 50 ms a hash on a quiet core).
SCRYPT_LOG_N = 14
SCRYPT_R = 8
SCRYPT_P = 1
# Weaker settings in a file are refused: they would make a stolen file cheap to attack.
MIN_LOG_N = 14
MAX_LOG_N = 20
SALT_BYTES = 16
HASH_BYTES = 32
_PHC = re.compile(r"^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a token may see: globs of source, queue and team names (None: every one)."""

    sources: tuple[str, ...] | None = None
    queues: tuple[str, ...] | None = None
    teams: tuple[str, ...] | None = None

    @property
    def whole_source(self) -> bool:
        """Every queue and every team of the sources it sees: the board as the engine made it."""
        return self.queues is None and self.teams is None

    def sees_source(self, name: str) -> bool:
        return _matches(self.sources, name)

    def sees_queue(self, name: str) -> bool:
        return _matches(self.queues, name)

    def sees_team(self, name: str) -> bool:
        return _matches(self.teams, name)

    def to_payload(self) -> dict[str, list[str] | None]:
        """As the hub's hello tells a viewer its own scope."""
        return {
            key: None if globs is None else list(globs)
            for key, globs in (
                ("sources", self.sources),
                ("queues", self.queues),
                ("teams", self.teams),
            )
        }


EVERYTHING = Scope()


def _matches(globs: tuple[str, ...] | None, name: str) -> bool:
    return globs is None or any(fnmatch.fnmatchcase(name, glob) for glob in globs)


@dataclass(frozen=True, slots=True)
class Grant:
    """What an authenticated connection is: who, in which role, seeing what."""

    name: str
    role: Role
    scope: Scope = EVERYTHING

    @property
    def may_act(self) -> bool:
        """Whether it may acknowledge and silence alarms (within its scope)."""
        return self.role == "supervisor"


SHARED_GRANT = Grant(SHARED_NAME, "viewer")


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """One line of a tokens file."""

    grant: Grant
    id: str
    hash: str


# ------------------------------------------------------------------ issuing


def new_token() -> tuple[str, str]:
    """A fresh token and its id: 256 random bits, so no hash speed makes guessing it feasible."""
    token_id = secrets.token_hex(6)
    return f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}", token_id


def hash_token(token: str, *, log_n: int = SCRYPT_LOG_N) -> str:
    """The PHC string of `token` under scrypt with a new random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(token, salt, log_n, SCRYPT_R, SCRYPT_P)
    return f"$scrypt$ln={log_n},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_token(token: str, phc: str) -> bool:
    """Whether `token` is the one `phc` (a `hash_token` string) was made from."""
    log_n, r, p, salt, digest = _parse_phc(phc)
    return hmac.compare_digest(_scrypt(token, salt, log_n, r, p), digest)


def entry_line(name: str, role: Role, scope: Scope, token_id: str, phc: str) -> str:
    """The tokens-file line of one token (TOML; `>>` appends it to the file)."""
    fields = [f"id = {_toml(token_id)}", f"role = {_toml(role)}"]
    for key, globs in (
        ("sources", scope.sources),
        ("queues", scope.queues),
        ("teams", scope.teams),
    ):
        if globs is not None:
            fields.append(f"{key} = [{', '.join(_toml(g) for g in globs)}]")
    fields.append(f"hash = {_toml(phc)}")
    return f"{_toml(name)} = {{ {', '.join(fields)} }}"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(
            f"token name {name[:70]!r}: 1-64 letters, digits, spaces or _.@+- "
            "(starting with a letter or digit)"
        )
    return name


def check_globs(values: Iterable[str], what: str) -> tuple[str, ...]:
    globs = tuple(values)
    if not globs:
        raise ConfigError(f"{what}: an empty list would show nothing; leave it out to allow all")
    for glob in globs:
        if not isinstance(glob, str) or not _GLOB.match(glob):
            raise ConfigError(f"{what}: {str(glob)[:70]!r} is not a name or a glob")
    return globs


def _toml(text: str) -> str:
    # A JSON string is a TOML basic string (same escapes; non-ASCII as \uXXXX).
    return json.dumps(text)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(token: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    n = 2**log_n
    return hashlib.scrypt(
        token.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=HASH_BYTES
    )


def _parse_phc(phc: str) -> tuple[int, int, int, bytes, bytes]:
    match = _PHC.match(phc)
    if not match:
        raise ValueError("not a $scrypt$ln=..,r=..,p=..$SALT$HASH string")
    log_n, r, p = (int(match[i]) for i in (1, 2, 3))
    if not MIN_LOG_N <= log_n <= MAX_LOG_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError(f"scrypt settings out of range (ln {MIN_LOG_N}-{MAX_LOG_N})")
    salt, digest = _unb64(match[4]), _unb64(match[5])
    if len(salt) < SALT_BYTES or len(digest) != HASH_BYTES:
        raise ValueError(f"a salt of at least {SALT_BYTES} bytes and a {HASH_BYTES}-byte hash")
    return log_n, r, p, salt, digest


# ------------------------------------------------------------------ the file

_ENTRY_KEYS = ("id", "role", "sources", "queues", "teams", "hash")


def load_tokens_file(path: Path) -> list[TokenEntry]:
    """Read a tokens file; every mistake is a `ConfigError` naming `file:line`."""
    data, lines = read_toml(path, "the tokens file")
    entries: list[TokenEntry] = []
    ids: dict[str, str] = {}
    for name, table in data.items():
        try:
            entry = _entry(name, table)
        except ConfigError as exc:
            line = lines.line(name, *exc.key)
            raise ConfigError(f"{path}:{line}: {exc}" if line else f"{path}: {exc}") from exc
        if entry.id in ids:
            line = lines.line(name)
            raise ConfigError(
                f"{path}:{line}: {name!r} has the id of {ids[entry.id]!r}; "
                "issue a new token with `wallboard token`"
            )
        ids[entry.id] = name
        entries.append(entry)
    return entries


def _entry(name: str, table: Any) -> TokenEntry:
    check_name(name)
    if not isinstance(table, Mapping):
        raise ConfigError(
            f'{name!r} must be a table: {name!r} = {{ id = "...", role = "...", hash = "..." }}'
        )
    for key in table:
        if key not in _ENTRY_KEYS:
            raise ConfigError(
                f"{name!r}: unknown key {key!r} (the keys are {', '.join(_ENTRY_KEYS)})", key=(key,)
            )
    for key in ("id", "role", "hash"):
        if not isinstance(table.get(key), str):
            raise ConfigError(
                f"{name!r}: {key!r} is missing (a string)", key=(key,) * (key in table)
            )
    if not re.fullmatch(r"[0-9a-f]{12}", table["id"]):
        raise ConfigError(
            f"{name!r}: id must be 12 hex digits, as `wallboard token` writes it", key=("id",)
        )
    role = table["role"]
    if role not in ROLES:
        raise ConfigError(
            f"{name!r}: role {role[:40]!r} is not viewer or supervisor", key=("role",)
        )
    try:
        _parse_phc(table["hash"])
    except ValueError as exc:
        raise ConfigError(f"{name!r}: hash: {exc}", key=("hash",)) from exc
    globs: dict[str, tuple[str, ...] | None] = {}
    for key in ("sources", "queues", "teams"):
        value = table.get(key)
        if value is None:
            globs[key] = None
        elif not isinstance(value, list):
            raise ConfigError(f'{name!r}: {key} is a list, e.g. ["sales", "support-*"]', key=(key,))
        else:
            try:
                globs[key] = check_globs(value, f"{name!r}: {key}")
            except ConfigError as exc:
                raise ConfigError(str(exc), key=(key,)) from exc
    grant = Grant(name, role, Scope(**globs))
    return TokenEntry(grant, table["id"], table["hash"])


# ------------------------------------------------------------------ checking


class TooManyFailures(Exception):
    """An address guessed too often: refused before its token is looked at."""

    def __init__(self, wait_s: float) -> None:
        self.retry_after_s = math.ceil(wait_s)
        super().__init__(
            f"too many wrong tokens from this address; retry in {self.retry_after_s} s"
        )


class Access:
    """The hub's gate: a token offered in a hello (or a Bearer header) -> its `Grant`, or None."""

    def __init__(self, entries: Sequence[TokenEntry] = (), shared_token: str | None = None) -> None:
        if not entries and not shared_token:
            raise ConfigError("the hub needs a token or a tokens file")
        self._shared = shared_token.encode() if shared_token else None
        self._by_id = {entry.id: entry for entry in entries}
        self._key = secrets.token_bytes(32)
        self._verified: dict[bytes, Grant] = {}
        self._checking: dict[bytes, asyncio.Future[bool]] = {}
        self._one_at_a_time = asyncio.Semaphore(1)
        self._failures = FailedTokens()
        self.grants = [entry.grant for entry in entries]
        if self._shared is not None:
            self.grants.append(SHARED_GRANT)

    @classmethod
    def shared(cls, token: str) -> Access:
        """The one-token hub of before tokens files."""
        return cls((), token)

    async def authenticate(self, offered: str, address: str | None = None) -> Grant | None:
        """The token's grant, or None; a wrong token from `address` counts against it.

        Raises:
            TooManyFailures: `address` offered too many wrong tokens lately (not checked).
        """
        if address is not None:
            wait_s = self._failures.wait_s(address, time.monotonic())
            if wait_s > 0:
                raise TooManyFailures(wait_s)
        grant = await self._grant(offered)
        if grant is None and address is not None:
            self._failures.failed(address, time.monotonic())
        return grant

    async def _grant(self, offered: str) -> Grant | None:
        if not offered or len(offered) > MAX_TOKEN_CHARS:
            return None
        raw = offered.encode()
        if self._shared is not None and hmac.compare_digest(raw, self._shared):
            return SHARED_GRANT
        key = hmac.new(self._key, raw, hashlib.sha256).digest()
        grant = self._verified.get(key)
        if grant is not None:
            return grant
        match = _TOKEN.match(offered)
        entry = self._by_id.get(match[1]) if match else None
        if entry is None:
            return None
        checking = self._checking.get(key)
        if checking is None:
            checking = asyncio.ensure_future(self._verify(offered, entry.hash))
            self._checking[key] = checking
            checking.add_done_callback(lambda _: self._checking.pop(key, None))
        if not await asyncio.shield(checking):
            return None
        # Only tokens that verified are remembered: at most one per entry.
        self._verified[key] = entry.grant
        return entry.grant

    async def _verify(self, token: str, phc: str) -> bool:
        async with self._one_at_a_time:
            return await asyncio.to_thread(verify_token, token, phc)
