"""Hub tokens: scrypt hashes with a salt each, the tokens file, and the gate that checks them."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest

from wallboard.errors import ConfigError
from wallboard.hub import access
from wallboard.hub.access import (
    EVERYTHING,
    SHARED_GRANT,
    Access,
    Grant,
    Scope,
    TokenEntry,
    entry_line,
    hash_token,
    load_tokens_file,
    new_token,
    verify_token,
)


def issue(name: str, role: access.Role = "viewer", scope: Scope = EVERYTHING) -> tuple[str, str]:
    """A new token and its tokens-file line, as `wallboard token` makes them."""
    token, token_id = new_token()
    return token, entry_line(name, role, scope, token_id, hash_token(token))


def test_a_token_is_256_random_bits_behind_an_id():
    token, token_id = new_token()
    other, other_id = new_token()
    assert re.fullmatch(rf"wbt_{token_id}_[A-Za-z0-9_-]{{43}}", token)
    assert token != other and token_id != other_id


def test_the_hash_is_salted_scrypt_and_verifies_only_its_token():
    token, _ = new_token()
    first, second = hash_token(token), hash_token(token)
    assert first.startswith("$scrypt$ln=14,r=8,p=1$")
    assert first != second  # a salt of its own each time
    assert token not in first
    assert verify_token(token, first) and verify_token(token, second)
    assert not verify_token(token[:-1] + ("A" if token[-1] != "A" else "B"), first)
    # The digest is RFC 7914 scrypt of the token under the salt in the string.
    salt_b64, digest_b64 = first.split("$")[3:]
    salt = access._unb64(salt_b64)
    expected = hashlib.scrypt(token.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    assert access._unb64(digest_b64) == expected


def test_weak_or_malformed_hashes_are_refused():
    token, _ = new_token()
    weak = hash_token(token, log_n=10)
    for phc in (weak, "plain-text-token", "$scrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA", ""):
        with pytest.raises(ValueError):
            verify_token(token, phc)


def test_a_line_reads_back_as_the_grant_it_was_made_for(tmp_path):
    scope = Scope(sources=("east",), queues=("sales", "sales-*"), teams=('Blue "A"',))
    token, line = issue("Alice Martin", "supervisor", scope)
    _, everything = issue("wall-east")
    path = tmp_path / "tokens.toml"
    path.write_text(f"# hub tokens\n{line}\n\n{everything}\n")
    entries = load_tokens_file(path)
    assert [e.grant for e in entries] == [
        Grant("Alice Martin", "supervisor", scope),
        Grant("wall-east", "viewer", Scope()),
    ]
    assert token not in path.read_text()
    assert verify_token(token, entries[0].hash)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('alice = "wbt_x"\n', "1: 'alice' must be a table"),
        ("alice = { role = 'viewer' }\n", "1: 'alice': 'id' is missing (a string)"),
        (
            "[alice]\nid = '0123456789ab'\nrole = 'admin'\nhash = 'x'\n",
            "3: 'alice': role 'admin' is not viewer or supervisor",
        ),
        (
            "[alice]\nid = '0123456789ab'\nrole = 'viewer'\nhash = 'x'\n",
            "4: 'alice': hash: not a $scrypt$ln=..,r=..,p=..$SALT$HASH string",
        ),
        (
            "[alice]\nid = 'ALICE'\nrole = 'viewer'\nhash = 'x'\n",
            "2: 'alice': id must be 12 hex digits",
        ),
        (
            "[alice]\nid = '0123456789ab'\nrole = 'viewer'\nqueue = ['sales']\n",
            "4: 'alice': unknown key 'queue' (the keys are id, role, sources, queues, teams, hash)",
        ),
        ('"" = { id = "0123456789ab" }\n', "token name ''"),
    ],
)
def test_mistakes_in_the_file_name_the_line(tmp_path, text, error):
    path = tmp_path / "tokens.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as failure:
        load_tokens_file(path)
    assert str(failure.value).startswith(f"{path}:")
    assert error in str(failure.value)


def test_scopes_must_name_something_and_ids_be_unique(tmp_path):
    _, line = issue("bob")
    path = tmp_path / "tokens.toml"
    path.write_text(line.replace("role = ", "queues = [], role = ") + "\n")
    with pytest.raises(ConfigError, match=r":1: 'bob': queues: an empty list would show nothing"):
        load_tokens_file(path)
    path.write_text(f"{line}\n{line.replace('bob', 'carol', 1)}\n")
    with pytest.raises(ConfigError, match=r":2: 'carol' has the id of 'bob'"):
        load_tokens_file(path)
    with pytest.raises(ConfigError, match="cannot read the tokens file"):
        load_tokens_file(tmp_path / "missing.toml")


def test_scope_globs():
    scope = Scope(sources=("east",), queues=("sales*",))
    assert scope.sees_source("east") and not scope.sees_source("west")
    assert scope.sees_queue("sales") and scope.sees_queue("sales-vip")
    assert not scope.sees_queue("support")
    assert scope.sees_team("anything")  # teams not limited
    assert not scope.whole_source and Scope(sources=("east",)).whole_source


def entry(
    name: str, role: access.Role = "viewer", scope: Scope = EVERYTHING
) -> tuple[str, TokenEntry]:
    token, token_id = new_token()
    return token, TokenEntry(Grant(name, role, scope), token_id, hash_token(token))


async def test_the_gate_knows_the_shared_token_and_each_file_token():
    alice_token, alice = entry("alice", "supervisor", Scope(queues=("sales",)))
    bob_token, bob = entry("bob")
    gate = Access([alice, bob], "shared-secret")
    assert await gate.authenticate("shared-secret") == SHARED_GRANT
    assert Grant("hub token", "viewer", Scope()) == SHARED_GRANT
    assert await gate.authenticate(alice_token) == alice.grant
    assert await gate.authenticate(bob_token) == bob.grant
    # Another secret under alice's id, an unknown id, junk: refused.
    assert await gate.authenticate(alice_token[:-4] + "AAAA") is None
    assert await gate.authenticate(alice_token.replace(alice.id, "0" * 12)) is None
    for junk in ("", "shared-secre", "x" * 10_000):
        assert await gate.authenticate(junk) is None
    with pytest.raises(ConfigError):
        Access([], None)


async def test_a_token_costs_one_scrypt_however_many_viewers_bring_it(monkeypatch):
    token, alice = entry("alice")
    gate = Access([alice])
    hashed = []
    real = access.verify_token

    def counting(offered: str, phc: str) -> bool:
        hashed.append(offered)
        return real(offered, phc)

    monkeypatch.setattr(access, "verify_token", counting)
    grants = await asyncio.gather(*(gate.authenticate(token) for _ in range(50)))
    assert grants == [alice.grant] * 50
    assert await gate.authenticate(token) == alice.grant
    assert len(hashed) == 1
    # Wrong secrets are never remembered: each one is hashed again.
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert await gate.authenticate(wrong) is None
    assert await gate.authenticate(wrong) is None
    assert len(hashed) == 3
