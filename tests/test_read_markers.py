"""Read markers: remembered at once, saved together within a second (one transaction for everyone).

Every session viewing a channel reads every message, so saving each marker on its own was one
SQLite transaction (and fsync) per receiver per message. These tests hold the promises that
batching must keep: unread counts are exact at once, markers reach the file by themselves, a
marker never goes backwards, a server stopping saves what it remembered, a full disk loses no
one's words and raises nowhere.
"""

from __future__ import annotations

import pytest

from appkit import build_services
from harness import make_key, wait_until
from safespace_tui.services import channels as channels_module
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import StoreFull
from safespace_tui.store.models import Message, ReadMarker


@pytest.fixture
async def world(tmp_path):
    services = build_services(tmp_path)
    await services.channels.ensure_defaults()
    yield services
    services.store.close()


async def people(services, tmp_path, names):
    result = []
    for name in names:
        key = make_key(tmp_path, name)
        result.append(await services.members.add(name, read_public_key(key.with_suffix(".pub").read_text())))
    return result


def saved_marker(services, member, channel) -> int | None:
    def query():
        row = ReadMarker.get_or_none(ReadMarker.member == member.id, ReadMarker.channel == channel.id)
        return row.last_read_id if row else None

    return services.store.read_sync(query)


async def test_marker_is_counted_at_once_and_saved_by_itself(world, tmp_path):
    services = world
    ann, bea = await people(services, tmp_path, ["ann", "bea"])
    room = await services.channels.by_name("wins")
    posted = [await services.channels.post(bea, room.id, f"win {n}") for n in range(3)]

    services.channels.mark_read(ann, room.id, posted[1].id)
    assert saved_marker(services, ann, room) is None  # not one transaction per read...
    unread = {c.name: c.unread for c in await services.channels.list_for(ann)}
    assert unread["wins"] == 1  # ...yet the count already knows

    services.channels.mark_read(ann, room.id, posted[2].id)
    await wait_until(  # saved soon after READ_MARKERS_SAVED_AFTER, with nobody asking
        lambda: saved_marker(services, ann, room) == posted[2].id,
        channels_module.READ_MARKERS_SAVED_AFTER * 10,
        "the read marker was never saved",
        channels_module.READ_MARKERS_SAVED_AFTER / 10,
    )


async def test_many_sessions_markers_are_saved_together_and_never_go_back(world, tmp_path):
    services = world
    members = await people(services, tmp_path, [f"m{n:02d}" for n in range(20)])
    room = await services.channels.by_name("living-room")
    first = await services.channels.post(members[0], room.id, "first")
    second = await services.channels.post(members[0], room.id, "second")
    for member in members:
        services.channels.mark_read(member, room.id, second.id)
        services.channels.mark_read(member, room.id, first.id)  # a late, older read
    await services.channels.save_read_markers()
    assert {saved_marker(services, m, room) for m in members} == {second.id}
    services.channels.mark_read(members[0], room.id, first.id)
    await services.channels.save_read_markers()
    assert saved_marker(services, members[0], room) == second.id  # the stored MAX holds


async def test_a_full_disk_loses_only_markers_and_raises_nowhere(world, tmp_path, caplog):
    """Bad condition: the database cannot grow (SQLite's max_page_count stands in for a full disk,
    as in test_store.py). Saving markers fails into the log (counts only) and raises nowhere;
    messages are untouched; markers are saved again once there is room."""
    services = world
    members = await people(services, tmp_path, [f"m{n:02d}" for n in range(60)])
    rooms = [await services.channels.add(f"room-{n}") for n in range(30)]  # 1,800 markers: new pages
    store = services.store
    pages = await store.write(lambda: store.db.execute_sql("PRAGMA page_count").fetchone()[0])
    await store.write(lambda: store.db.execute_sql(f"PRAGMA max_page_count = {pages}"))
    posted = []
    for size in (3900, 1000, 200, 20):  # fill what room the last pages still have, to the brim
        for n in range(200):
            try:
                posted.append(await services.channels.post(members[0], rooms[0].id, f"note {n} " + "x" * size))
            except StoreFull:
                break
        else:
            raise AssertionError("the capped database never filled up")
    last = posted[-1]
    for member in members:
        for room in rooms:
            services.channels.mark_read(member, room.id, last.id)
    await services.channels.save_read_markers()  # 1,800 new rows do not fit
    assert f"could not save {len(members) * len(rooms)} read markers" in caplog.text
    assert "note " not in caplog.text  # never anyone's words in the log
    assert store.read_sync(lambda: Message.select().count()) == len(posted)
    await store.write(lambda: store.db.execute_sql("PRAGMA max_page_count = 1000000"))
    services.channels.mark_read(members[1], rooms[0].id, last.id)
    await services.channels.save_read_markers()
    assert saved_marker(services, members[1], rooms[0]) == last.id
