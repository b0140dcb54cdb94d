"""Member changes made by the CLI (another process) are noticed by a service, not the SSH server.

The real ``safespace`` CLI runs in its own process against the same SQLite file; the access
service (services/access.py) must publish on this process's hub what it changed.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from conftest import running_group
from harness import ServerProcess, Terminal, fingerprint, make_key, safespace, wait_until
from safespace_tui.config import load_config
from safespace_tui.hub import MEMBERS, Hub, member_topic
from safespace_tui.services import Services
from safespace_tui.services.access import ACCESS_REVOKED, AccessRevoked
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store import backup, migrations
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


KEY = "a key for the encrypted file, 42"


def plain_sql(data_dir, statement: str) -> None:
    """A write on another connection, as a script or another process would make it."""
    with sqlite3.connect(data_dir / "safespace.db") as db:
        db.execute(statement)
    db.close()


ANN_LAPTOP = (  # her second key
    "(SELECT k.id FROM member_key k JOIN member m ON m.id = k.member_id "
    "WHERE m.handle = 'ann' ORDER BY k.id DESC LIMIT 1)"
)
WATCHED = {  # one for each trigger and each watched column (store/migrations.py, access_triggers)
    "member added": "INSERT INTO member (handle, display_name, role, created_at, status, status_note, spoons, "
    "spoons_start, timezone, pronouns, joining) VALUES ('cat', 'cat', 'member', '2026-01-01', 'available', '', "
    "12, 12, 'UTC', '', 0)",
    "member deleted": "DELETE FROM member WHERE handle = 'bob'",
    "role": "UPDATE member SET role = 'senior' WHERE handle = 'ann'",
    "handle": "UPDATE member SET handle = 'annie' WHERE handle = 'ann'",
    "display name": "UPDATE member SET display_name = 'Ann B' WHERE handle = 'ann'",
    "removed": "UPDATE member SET removed_at = '2026-01-01' WHERE handle = 'bob'",
    "joining": "UPDATE member SET joining = 1 WHERE handle = 'bob'",
    "key added": "INSERT INTO member_key (member_id, fingerprint, public_key, comment, added_at) "
    "SELECT id, 'SHA256:new', 'ssh-ed25519 AAAA', '', '2026-01-01' FROM member WHERE handle = 'bob'",
    "key deleted": f"DELETE FROM member_key WHERE id = {ANN_LAPTOP}",
    "key revoked": f"UPDATE member_key SET revoked_at = '2026-01-01' WHERE id = {ANN_LAPTOP}",
    "key given to another member": "UPDATE member_key SET member_id = (SELECT id FROM member WHERE handle = 'bob') "
    f"WHERE id = {ANN_LAPTOP}",
}
NOT_WATCHED = {  # what changes on every sign-in, sign-out or status: never a look
    "status": "UPDATE member SET status = 'low', status_note = 'slow day', away_until = '2026-02-01' "
    "WHERE handle = 'ann'",
    "spoons": "UPDATE member SET spoons = 3, spoons_start = 10, spoons_day = '2026-01-01' WHERE handle = 'ann'",
    "last seen": "UPDATE member SET last_seen_at = '2026-01-01' WHERE handle = 'ann'",
    "timezone and pronouns": "UPDATE member SET timezone = 'Europe/Oslo', pronouns = 'she/her' WHERE handle = 'ann'",
    "a whole row saved as it was": "UPDATE member SET role = role, handle = handle, display_name = display_name, "
    "removed_at = removed_at, joining = joining WHERE handle = 'ann'",
    "key comment": f"UPDATE member_key SET comment = 'laptop' WHERE id = {ANN_LAPTOP}",
    "a key saved as it was": "UPDATE member_key SET revoked_at = revoked_at, member_id = member_id "
    f"WHERE id = {ANN_LAPTOP}",
}


@pytest.mark.parametrize("change", WATCHED)
async def test_every_member_or_key_change_the_watcher_reads_moves_the_count(server_side, change):
    """``MemberService.access_changes``: SQLite's triggers raise it for each change the watcher reads,
    made by any connection (here a plain one, as another process)."""
    services, data_dir, _, _ = server_side
    before = await services.members.access_changes()
    assert before is not None
    plain_sql(data_dir, WATCHED[change])
    assert await services.members.access_changes() == before + 1


@pytest.mark.parametrize("change", NOT_WATCHED)
async def test_what_changes_at_every_sign_in_or_status_leaves_the_count_alone(server_side, change):
    services, data_dir, _, _ = server_side
    before = await services.members.access_changes()
    plain_sql(data_dir, NOT_WATCHED[change])
    assert await services.members.access_changes() == before


async def test_the_access_count_moves_with_this_process_and_the_cli_and_not_with_reads(server_side):
    """Unchanged by reads; raised by this process's member changes and by the CLI's (another process)."""
    services, data_dir, _, _ = server_side
    first = await services.members.access_changes()
    await services.members.list()
    assert await services.members.access_changes() == first
    await services.members.remove("bob")
    own = await services.members.access_changes()
    assert own != first
    await cli(data_dir, "member", "role", "ann", "senior")
    assert await services.members.access_changes() != own


async def test_chat_and_read_markers_are_not_looked_at_but_the_clis_role_change_and_revoke_are(server_side):
    """A talking group: every message and read marker is a commit, and when any commit was the
    token each round after one read every member and live key (11.1 ms of CPU at 200 members).
    Now only a member or key change does: the CLI's role change, then its key revoke."""
    services, data_dir, keys, events = server_side
    ann_view = await services.members.by_handle("ann")
    ann, laptop, bob = [await key_id(services, keys[name]) for name in ("ann", "ann_laptop", "bob")]
    live = {ann, laptop, bob}
    await services.channels.ensure_defaults()
    channel = (await services.channels.list_for(ann_view))[0]
    watch = services.access
    await watch.check(live)
    assert watch.looks == 1
    for words in ("hello all", "tea and biscuits", "sending warmth"):
        sent = (await services.messages.send(ann_view, channel.id, words)).message
        assert sent is not None
        services.channels.mark_read(ann_view, channel.id, sent.id)
        await services.channels.save_read_markers()
        await services.members.set_status(ann_view, "low", "tired")  # a full row saved: status only
        await services.members.note_seen(ann_view.id)
        await watch.check(live)
    assert watch.looks == 1 and watch.rounds == 4

    await cli(data_dir, "member", "role", "ann", "senior")
    await watch.check(live)
    assert watch.looks == 2
    assert [m.role for m in events[MEMBERS]] == ["member"] * 3 + [
        "senior"
    ]  # her statuses (this process), then the CLI's
    await cli(data_dir, "member", "key", "revoke", "ann", fingerprint(keys["ann_laptop"]))
    await watch.check(live)
    assert watch.looks == 3
    assert events[ACCESS_REVOKED] == [AccessRevoked(frozenset({laptop}))]


async def test_an_older_file_gets_the_count_and_its_triggers(tmp_path):
    """12 -> 13: the table, its row and six triggers, on open; running the step again changes nothing."""
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access%'"
        ).fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute("DROP TABLE access_change")
        db.execute("UPDATE schema_version SET version = 12")
    db.close()
    store = Store(path)
    try:
        assert store.schema_version == migrations.SCHEMA_VERSION >= 13
        store.write_sync(lambda: migrations.STEPS[12](store.db))  # again: nothing to do
        hub = Hub()
        services = Services(load_config(tmp_path / "data"), store, hub)
        assert await services.members.access_changes() == 0
        await services.members.add("ann", read_public_key(make_key(tmp_path, "ann").with_suffix(".pub").read_text()))
        assert await services.members.access_changes() == 2  # the member and her key
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        triggers = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access%'"
        ).fetchone()
    db.close()
    assert triggers == (6,)


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


async def two_rounds_on(server: ServerProcess) -> dict[str, int]:
    """The server's status once its member watch began two more rounds: the one under way when
    asked may have taken its token before; the next one began after, and has finished."""
    start = (await server.status())["watch_rounds"]
    last: dict[str, int] = {}

    async def passed() -> bool:
        last.update(await server.status())
        return last["watch_rounds"] >= start + 2

    await wait_until(passed, 20, lambda: f"the member watch did not go on: {last}", 0.05)
    return last


async def test_a_talking_group_costs_no_looks_but_the_clis_role_change_and_revoke_do(tmp_path):
    """Real server, real sessions: messages and their read markers are commits, and each one once
    made the next round read every member and live key (11.1 ms of CPU at 200 members). Now the
    rounds after them look at nothing; the CLI's role change (another process) is looked at, and
    so is its key revoke, which closes that session."""
    config = "session_check_interval = 0.1\n"
    with running_group(tmp_path, {"ann": "member", "bea": "member"}, config) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        try:
            await ann.wait_for("● bea")
            settled = await two_rounds_on(group.server)  # both new keys looked at
            for words in ("hello all", "tea and biscuits", "sending warmth"):
                await ann.type_line(words)
                await bea.wait_for_message("ann", words)  # saved before it is shown
            talked = await two_rounds_on(group.server)
            assert talked["watch_looks"] == settled["watch_looks"], (settled, talked)

            group.cli("member", "role", "bea", "senior")
            seen = await wait_until(
                lambda: looks_past(group.server, talked["watch_looks"]), 20, "the role change was not looked at"
            )
            group.cli("member", "key", "revoke", "bea", fingerprint(group.keys["bea"]))
            await bea.wait_closed(20)
            assert (await group.server.status())["watch_looks"] > seen
        finally:
            await ann.close()
            await bea.close()


async def looks_past(server: ServerProcess, looks: int) -> int | None:
    """The server's full looks so far, once more than ``looks``."""
    now = (await server.status())["watch_looks"]
    return now if now > looks else None


async def test_a_restored_backup_and_an_encrypted_file_keep_the_count_and_its_triggers(tmp_path):
    """``safespace backup`` copies pages, ``restore`` the file, ``encrypt`` exports the schema
    (sqlcipher_export): each must carry the triggers, or the watcher would never look again."""
    data = tmp_path / "data"
    path = data / "safespace.db"
    ann_key = read_public_key(make_key(tmp_path, "ann").with_suffix(".pub").read_text())

    async def role_change_is_counted(key: str | None, role: str) -> None:
        store = Store(path, key=key)
        try:
            members = Services(load_config(data), store, Hub()).members
            if await members.access_changes() == 0:
                await members.add("ann", ann_key)
            before = await members.access_changes()
            assert before is not None and before > 0
            await members.set_role("ann", role)
            assert await members.access_changes() == before + 1
        finally:
            store.close()

    await role_change_is_counted(None, "senior")
    copy = tmp_path / "copy.db"
    backup.backup(path, copy, None)
    backup.restore(copy, path, None)
    await role_change_is_counted(None, "member")
    backup.encrypt(path, KEY)
    await role_change_is_counted(KEY, "senior")


async def test_without_the_count_every_round_looks(server_side):
    """A file whose count row was deleted by hand: the watcher cannot tell what changed, so it looks
    every round rather than never again."""
    services, data_dir, _, _ = server_side
    plain_sql(data_dir, "DELETE FROM access_change")
    assert await services.members.access_changes() is None
    for _ in range(3):
        await services.access.check(set())
    assert services.access.looks == 3
