"""Issue 10, the rules of profiles, cheers and goals in services/, against a real SQLite store:
a read someone may not make looks exactly like "not found", and bad input is refused kindly with
nothing saved."""

from __future__ import annotations

import pytest

from appkit import build_services, run_sync, seed
from safespace_tui.services.errors import Invalid, NotFound
from safespace_tui.store.models import Channel, Cheer, Message, Profile


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    yield services, {name: run_sync(services.members.get(i)) for name, i in ids.items()}
    services.store.close()


def _message(services, author_id: int, body: str, visibility: str = "group") -> int:
    def write() -> int:
        room = Channel.get(Channel.name == "living-room")
        return Message.create(channel=room, author=author_id, body=body, visibility=visibility).id

    return services.store.write_sync(write)


def test_a_message_someone_may_not_read_cannot_be_cheered_or_asked_about(world):
    """bea may not read ann's seniors-only message: cheering it or asking who cheered it is "not
    found", the same words as a message that does not exist, and nothing is written."""
    services, m = world
    hidden = _message(services, m["ann"].id, "for the seniors", visibility="seniors")
    for message_id in (hidden, 999_999):
        with pytest.raises(NotFound) as refused:
            run_sync(services.cheers.toggle(m["bea"], message_id, "heart"))
        assert refused.value.message == "That message isn't there any more."
        with pytest.raises(NotFound):
            run_sync(services.cheers.who(m["bea"], message_id))
    assert run_sync(services.cheers.counts(m["bea"], [hidden])) == {}
    run_sync(services.cheers.toggle(m["sam"], hidden, "hug"))  # a senior member may
    assert run_sync(services.cheers.counts(m["bea"], [hidden])) == {}
    assert run_sync(services.cheers.counts(m["sam"], [hidden])) == {hidden: (("hug", 1),)}
    with pytest.raises(Invalid):
        run_sync(services.cheers.toggle(m["sam"], hidden, "thumbs-down"))
    assert services.store.read_sync(lambda: Cheer.select().count()) == 1


def test_profile_bad_input_is_refused_whole_and_a_removed_member_is_not_found(world):
    services, m = world
    run_sync(services.profiles.save_own(m["ann"], {"about": ("likes rain", "group")}))
    with pytest.raises(Invalid):
        run_sync(services.profiles.save_own(m["ann"], {"about": ("x" * 601, "group")}))
    with pytest.raises(Invalid):
        run_sync(services.profiles.save_own(m["ann"], {"about": ("fine", "everyone")}))
    assert services.store.read_sync(lambda: Profile.get().about) == "likes rain"
    run_sync(services.members.remove("ann"))
    with pytest.raises(NotFound):
        run_sync(services.profiles.of(m["bea"], m["ann"].id))
    assert [p.member.handle for p in run_sync(services.profiles.directory(m["bea"]))] == ["bea", "sam"]


def test_goals_are_numbered_per_member_and_nobody_reaches_anothers(world):
    services, m = world
    run_sync(services.goals.add(m["ann"], "walk daily"))
    run_sync(services.goals.add(m["bea"], "call my sister"))
    with pytest.raises(NotFound):
        run_sync(services.goals.progress(m["bea"], 2, "sneaky"))  # ann's goal is not bea's 2
    goal = run_sync(services.goals.progress(m["bea"], 1, "called her on Sunday"))
    assert goal.title == "call my sister" and goal.notes[-1][1] == "called her on Sunday"
    assert [g.title for g in run_sync(services.goals.own(m["ann"]))] == ["walk daily"]
    with pytest.raises(Invalid):
        run_sync(services.goals.add(m["ann"], "   "))


def test_a_file_from_before_gets_the_new_tables(tmp_path):
    """Schema step to 5: a file at version 3 (main before issue 10) gains profiles, cheers, goals and
    deletion requests, and its rows stay; a second run of the step changes nothing (idempotent)."""
    import sqlite3

    from safespace_tui.store import migrations
    from safespace_tui.store.db import Store

    services = build_services(tmp_path)
    seed(services, tmp_path, {"ann": "member"})
    path = services.store.path
    services.store.close()
    new = ("profile", "cheer", "goal", "goal_note", "deletion_request")
    with sqlite3.connect(path) as db:
        for table in ("goal_note", *new[:3], "deletion_request"):
            db.execute(f'DROP TABLE IF EXISTS "{table}"')
        db.execute("UPDATE schema_version SET version = 3")
    db.close()
    store = Store(path)
    try:
        assert store.schema_version == migrations.SCHEMA_VERSION
        store.write_sync(lambda: migrations.STEPS[4](store.db))  # again: nothing to do
        tables = {row[0] for row in store.read_sync(lambda: store.db.execute_sql("SELECT name FROM sqlite_master"))}
        assert set(new) <= tables
        assert store.read_sync(lambda: store.db.execute_sql("SELECT handle FROM member").fetchall()) == [("ann",)]
    finally:
        store.close()
