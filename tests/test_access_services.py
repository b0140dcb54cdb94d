"""Member changes made by the CLI (another process) are noticed by a service, not the SSH server.

The real ``safespace`` CLI runs in its own process against the same SQLite file; the access
service (services/access.py) must publish on this process's hub what it changed.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from harness import Terminal, fingerprint, make_key, safespace
from safespace_tui.config import load_config
from safespace_tui.hub import MEMBERS, Hub, member_topic
from safespace_tui.services import Services
from safespace_tui.services.access import ACCESS_REVOKED, AccessRevoked
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store


@pytest.fixture
async def server_side(tmp_path):
    """The server's services, with ann (member, two keys) and bob; and every hub event, by topic."""
    config = load_config(tmp_path / "data")
    store = Store(config.db_path)
    hub = Hub()
    services = Services(config, store, hub)
    keys = {name: make_key(tmp_path, name) for name in ("ann", "ann_laptop", "bob")}
    for name in ("ann", "bob"):
        await services.members.add(name, read_public_key(keys[name].with_suffix(".pub").read_text()))
    await services.members.add_key("ann", read_public_key(keys["ann_laptop"].with_suffix(".pub").read_text()))
    events: dict[str, list] = {MEMBERS: [], ACCESS_REVOKED: []}
    for topic, seen in events.items():
        hub.subscribe(topic, seen.append)
    yield services, config.data_dir, keys, events
    store.close()


async def key_id(services: Services, key) -> int:
    found = await services.members.for_key(fingerprint(key))
    assert found is not None
    return found[1]


async def cli(data_dir, *args: str) -> None:
    """The real CLI, in its own process (off the loop: it takes a moment to start)."""
    await asyncio.to_thread(safespace, data_dir, *args)


async def test_a_role_changed_by_the_cli_is_published_and_known_to_presence(server_side):
    services, data_dir, _, events = server_side
    ann = await services.members.by_handle("ann")
    services.presence.connected(ann.id, ann.role)
    mine: list = []
    services.hub.subscribe(member_topic(ann.id), mine.append)
    await services.access.check(set())  # the first look only remembers
    assert events[MEMBERS] == []

    await cli(data_dir, "member", "role", "ann", "senior")
    await services.access.check(set())
    assert [(m.handle, m.role) for m in events[MEMBERS]] == [("ann", "senior")]
    assert [m.role for m in mine] == ["senior"]
    assert ann.id in services.presence.online_seniors()  # an SOS now reaches her at once
    await services.access.check(set())
    assert len(events[MEMBERS]) == 1  # nothing new, nothing published


async def test_a_key_revoked_or_a_member_removed_by_the_cli_is_published_for_live_sessions(server_side):
    services, data_dir, keys, events = server_side
    ann, laptop, bob = [await key_id(services, keys[name]) for name in ("ann", "ann_laptop", "bob")]
    live = {ann, laptop, bob}
    await services.access.check(live)
    assert events[ACCESS_REVOKED] == []

    await cli(data_dir, "member", "key", "revoke", "ann", fingerprint(keys["ann_laptop"]))
    await services.access.check(live)
    assert events[ACCESS_REVOKED] == [AccessRevoked(frozenset({laptop}))]  # ann's other key stays

    await cli(data_dir, "member", "remove", "bob", "--yes")
    await services.access.check({ann, bob})
    assert events[ACCESS_REVOKED][-1] == AccessRevoked(frozenset({bob}))
    assert [(m.handle, m.removed) for m in events[MEMBERS]] == [("bob", True)]


def last_seen(data_dir, handle: str) -> str | None:
    with sqlite3.connect(data_dir / "safespace.db") as db:
        return db.execute("SELECT last_seen_at FROM member WHERE handle = ?", (handle,)).fetchone()[0]


async def test_a_closed_session_is_remembered_as_when_the_member_was_last_here(group):
    """Promise (issue 8): Member.last_seen_at is written when a real session closes (the seniors'
    quiet-members list shows it); a member who never came has none."""
    assert last_seen(group.data_dir, "ann") is None
    ann = await Terminal.connect(group.port, group.keys["ann"])
    await ann.close()
    for _ in range(600):  # the write follows the close: wait for it, up to 30 s
        if last_seen(group.data_dir, "ann") is not None:
            break
        await asyncio.sleep(0.05)
    assert last_seen(group.data_dir, "ann") is not None
    assert last_seen(group.data_dir, "bea") is None


async def test_the_store_token_changes_with_every_commit_and_only_then(server_side):
    """``Store.commits_seen``: unchanged by reads, changed by this process's writes and by the
    CLI's (another process, whose commits only ``PRAGMA data_version`` can see)."""
    services, data_dir, _, _ = server_side
    store = services.members.store
    first = await store.commits_seen()
    await services.members.list()
    assert await store.commits_seen() == first
    await services.members.remove("bob")
    own = await store.commits_seen()
    assert own != first
    await cli(data_dir, "member", "role", "ann", "senior")
    assert await store.commits_seen() != own


def counting(monkeypatch, services: Services) -> list[set[int]]:
    """The real ``revoked_among``, with each call's key set noted: a full look, not a skipped round."""
    calls: list[set[int]] = []
    real = services.members.revoked_among

    async def revoked_among(key_ids: set[int]) -> set[int]:
        calls.append(set(key_ids))
        return await real(key_ids)

    monkeypatch.setattr(services.members, "revoked_among", revoked_among)
    return calls


async def test_a_round_with_nothing_committed_skips_the_look_but_a_new_live_key_is_checked(server_side, monkeypatch):
    """Idle rounds read nothing (with 200 members a look cost 9.9 ms of CPU every 2 s). A key the
    CLI revoked before its session became live is still caught the round it is live, though
    nothing was committed in between; and a revoked key still live is published again."""
    services, data_dir, keys, events = server_side
    ann, laptop, _ = [await key_id(services, keys[name]) for name in ("ann", "ann_laptop", "bob")]
    calls = counting(monkeypatch, services)
    await services.access.check({ann})
    await services.access.check({ann})
    assert len(calls) == 1  # nothing committed, no new key: skipped

    await cli(data_dir, "member", "key", "revoke", "ann", fingerprint(keys["ann_laptop"]))
    await services.access.check({ann})  # a commit: looked at; the laptop was not live yet
    assert events[ACCESS_REVOKED] == []
    await services.access.check({ann, laptop})  # nothing committed since, but the laptop is new
    assert events[ACCESS_REVOKED] == [AccessRevoked(frozenset({laptop}))]
    await services.access.check({ann, laptop})  # its session did not close yet: told again
    assert events[ACCESS_REVOKED][-1] == AccessRevoked(frozenset({laptop}))
    assert len(events[ACCESS_REVOKED]) == 2


async def test_a_member_removed_in_this_process_is_looked_at_the_next_round(server_side):
    """The server's own writes count too: leadership removing a member in the app closes their
    sessions through this same watch (MemberService.remove publishes no revocation itself)."""
    services, _, keys, events = server_side
    bob = await key_id(services, keys["bob"])
    await services.access.check({bob})
    await services.access.check({bob})
    await services.members.remove("bob")
    await services.access.check({bob})
    assert events[ACCESS_REVOKED] == [AccessRevoked(frozenset({bob}))]
