"""Issue 11, mediation, at the service layer against a real SQLite file: who may ask, read the
requests, assign, decline, offer and pick times, reschedule, close and read the outcome; the
private room invisible (as "not found") to everyone not in it, admins included, in the channel
list, /join, history, search, /mentions, posting and the group export; times in each person's own
zone; audit rows for assignments, closures and outcome reads; the schema step 11 -> 12.

"Now" is moved only through the service's own clock (``MediationService.clock``)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appkit import service_world
from safespace_tui.hub import CHANNELS, Hub, member_topic
from safespace_tui.services.errors import Invalid, NotAllowed, NotFound
from safespace_tui.services.mediation import MediationNotice
from safespace_tui.store import migrations
from safespace_tui.store.db import Store
from safespace_tui.store.models import utcnow

PEOPLE = {
    "ann": ("member", "Europe/Paris"),
    "bea": ("member", "America/New_York"),
    "cat": ("member", "UTC"),
    "sam": ("senior", "Asia/Tokyo"),
    "tim": ("senior", "UTC"),
    "ada": ("admin", "UTC"),
}


@pytest.fixture
async def world(tmp_path):
    async with service_world(tmp_path, {name: role for name, (role, _) in PEOPLE.items()}) as (services, people, hub):
        for name, (_, zone) in PEOPLE.items():
            people[name] = await services.spoons.set_timezone(people[name], zone)
        now = utcnow().replace(second=0, microsecond=0)
        services.mediation.clock = lambda: now
        yield services, people, hub, now


def local(now: datetime, minutes_from_now: int, zone: str) -> tuple[str, str]:
    """A start ``minutes_from_now`` after ``now``, as a mediator in ``zone`` writes it."""
    at = (now + timedelta(minutes=minutes_from_now)).replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
    return f"{at:%Y-%m-%d}", f"{at:%H:%M}"


def heard_by(hub: Hub, member) -> list[str]:
    words: list[str] = []
    hub.subscribe(member_topic(member.id), lambda e: words.append(e.words) if isinstance(e, MediationNotice) else None)
    return words


async def confirmed(services, p, now, minutes_from_now: int = 120) -> tuple[int, int]:
    """ann asks for mediation with bea, ada assigns sam, sam offers a slot, both parties pick it."""
    view = await services.mediation.ask(p["ann"], "bea", "we keep clashing about the wins channel")
    await services.mediation.assign(p["ada"], view.id, ["sam"])
    slot = await services.mediation.add_slot(p["sam"], *local(now, minutes_from_now, "Asia/Tokyo"), 60)
    await services.mediation.pick(p["ann"], view.id, slot.id)
    await services.mediation.pick(p["bea"], view.id, slot.id)
    return view.id, slot.id


async def test_asking_is_for_leadership_to_read_and_the_other_party_hears_only_fixed_words(world):
    services, p, hub, _now = world
    bea_heard, tim_heard = heard_by(hub, p["bea"]), heard_by(hub, p["tim"])
    view = await services.mediation.ask(p["ann"], "@Bea", "she said my wins were fake")
    assert tim_heard == ["A request for mediation waits for leadership: /mediation list"]
    assert bea_heard == []  # told only once mediators are found
    for someone in ("bea", "cat"):  # members never read the requests
        with pytest.raises(NotFound):
            await services.mediation.requests(p[someone])
    listed = await services.mediation.requests(p["tim"])
    assert [(v.id, v.words) for v in listed] == [(view.id, "she said my wins were fake")]
    # bea's own list names it, without ann's words
    (mine,) = await services.mediation.mine(p["bea"])
    assert mine.id == view.id and mine.words == ""
    assert await services.mediation.mine(p["cat"]) == []
    with pytest.raises(Invalid, match="already a mediation"):
        await services.mediation.ask(p["bea"], "ann", "")
    with pytest.raises(Invalid, match="someone else"):
        await services.mediation.ask(p["cat"], "cat", "")
    with pytest.raises(NotFound):
        await services.mediation.ask(p["cat"], "nobody", "")
    # only leadership assigns, only seniors/admins mediate, never a party
    with pytest.raises(NotFound):
        await services.mediation.assign(p["cat"], view.id, ["sam"])
    with pytest.raises(Invalid, match="isn't a senior"):
        await services.mediation.assign(p["tim"], view.id, ["cat"])
    with pytest.raises(Invalid, match="one or two"):
        await services.mediation.assign(p["tim"], view.id, ["sam", "tim", "ada"])
    await services.mediation.assign(p["tim"], view.id, ["sam"])
    assert len(bea_heard) == 1 and "ann asked for mediation with you" in bea_heard[0]
    assert "wins" not in bea_heard[0] and "fake" not in bea_heard[0]
    actions = [(a.action, a.subject_handle) for a in await services.audit.list_all()]
    assert ("mediation.assign", "sam") in actions and ("mediation.requests_read", None) in actions


async def test_either_party_declines_and_nobody_else_can(world):
    services, p, hub, _now = world
    view = await services.mediation.ask(p["ann"], "bea", "")
    await services.mediation.assign(p["ada"], view.id, ["sam", "tim"])
    ann_heard, sam_heard = heard_by(hub, p["ann"]), heard_by(hub, p["sam"])
    for outsider in ("cat", "ada"):  # an admin not in it: not found
        with pytest.raises(NotFound):
            await services.mediation.decline(p[outsider], view.id)
    with pytest.raises(NotAllowed):
        await services.mediation.decline(p["sam"], view.id)
    await services.mediation.decline(p["bea"], view.id)
    assert (
        ann_heard
        == sam_heard
        == [f"Mediation {view.id} won't go ahead: one of you chose not to, and that's okay. No reason is needed."]
    )
    with pytest.raises(Invalid):
        await services.mediation.decline(p["ann"], view.id)


async def test_slots_are_offered_by_mediators_and_shown_in_each_persons_own_zone(world):
    services, p, _hub, now = world
    view = await services.mediation.ask(p["ann"], "bea", "")
    await services.mediation.assign(p["ada"], view.id, ["sam"])
    with pytest.raises(NotAllowed):
        await services.mediation.add_slot(p["ann"], *local(now, 120, "Europe/Paris"), 60)
    with pytest.raises(Invalid, match="already passed"):
        await services.mediation.add_slot(p["sam"], *local(now, -120, "Asia/Tokyo"), 60)
    with pytest.raises(Invalid, match="2026-12-03 18:00"):
        await services.mediation.add_slot(p["sam"], "tomorrow", "6pm", 60)
    with pytest.raises(Invalid, match="15 to 240"):
        await services.mediation.add_slot(p["sam"], *local(now, 120, "Asia/Tokyo"), 5)
    slot = await services.mediation.add_slot(p["sam"], *local(now, 120, "Asia/Tokyo"), 60)
    starts = now + timedelta(minutes=120)
    for name, zone in (("ann", "Europe/Paris"), ("bea", "America/New_York"), ("sam", "Asia/Tokyo")):
        _, (seen,) = await services.mediation.slots(p[name], view.id)
        at = starts.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
        assert seen.id == slot.id and f"{at:%H:%M}-" in seen.when and f"({zone})" in seen.when
    for outsider in ("cat", "tim", "ada"):
        with pytest.raises(NotFound):
            await services.mediation.slots(p[outsider], view.id)
        with pytest.raises(NotFound):
            await services.mediation.pick(p[outsider], view.id, slot.id)


async def test_confirmed_when_all_agree_reminded_within_the_hour_and_rescheduled(world):
    services, p, hub, now = world
    heard = {name: heard_by(hub, p[name]) for name in ("ann", "bea", "sam")}
    view = await services.mediation.ask(p["ann"], "bea", "")
    await services.mediation.assign(p["ada"], view.id, ["sam"])
    slot = await services.mediation.add_slot(p["sam"], *local(now, 90, "Asia/Tokyo"), 60)
    picked = await services.mediation.pick(p["ann"], view.id, slot.id)
    assert picked.state == "scheduling"  # bea has not picked
    picked = await services.mediation.pick(p["bea"], view.id, slot.id)
    assert picked.state == "confirmed" and "(America/New_York)" in picked.when
    assert any("is set for" in w and "(Europe/Paris)" in w for w in heard["ann"])
    assert any("is set for" in w and "(Asia/Tokyo)" in w for w in heard["sam"])
    await services.mediation.tick()
    assert not any("within the hour" in w for w in heard["ann"])  # 90 minutes away
    services.mediation.clock = lambda: now + timedelta(minutes=31)
    await services.mediation.tick()
    await services.mediation.tick()  # once only
    assert [w for w in heard["bea"] if "within the hour" in w] == [
        f"Your mediation {view.id} is within the hour: {picked.when}."
    ]
    told = await services.mediation.on_arrival(p["ann"])
    assert any("is set for" in w for w in told)
    with pytest.raises(NotFound):
        await services.mediation.reschedule(p["cat"], view.id)
    await services.mediation.reschedule(p["bea"], view.id)
    assert any("needs a new time" in w for w in heard["ann"])
    (mine,) = await services.mediation.mine(p["ann"])
    assert mine.state == "scheduling" and mine.when == ""


async def test_a_slot_agreed_by_one_mediation_is_no_longer_offered_to_another(world):
    services, p, _hub, now = world
    first, slot = await confirmed(services, p, now)
    second = await services.mediation.ask(p["cat"], "bea", "")
    await services.mediation.assign(p["tim"], second.id, ["sam"])
    _, offered = await services.mediation.slots(p["cat"], second.id)
    assert offered == []
    with pytest.raises(NotFound, match="no such time"):
        await services.mediation.pick(p["cat"], second.id, slot)
    await services.mediation.reschedule(p["ann"], first)  # free again
    _, offered = await services.mediation.slots(p["cat"], second.id)
    assert [s.id for s in offered] == [slot]


async def test_two_mediators_both_agree_before_it_is_confirmed(world):
    services, p, _hub, now = world
    view = await services.mediation.ask(p["ann"], "bea", "")
    await services.mediation.assign(p["ada"], view.id, ["sam", "tim"])
    slot = await services.mediation.add_slot(p["sam"], *local(now, 180, "Asia/Tokyo"), 60)
    await services.mediation.pick(p["ann"], view.id, slot.id)
    assert (await services.mediation.pick(p["bea"], view.id, slot.id)).state == "scheduling"  # tim has not
    assert (await services.mediation.pick(p["tim"], view.id, slot.id)).state == "confirmed"


async def test_the_room_opens_at_its_time_and_is_not_found_by_anyone_else(world):
    services, p, hub, now = world
    changed: list[object] = []
    hub.subscribe(CHANNELS, changed.append)
    mid, _slot = await confirmed(services, p, now, minutes_from_now=30)
    assert await services.mediation.on_arrival(p["ann"]) != []
    names = {c.name for c in await services.channels.list_for(p["ann"])}
    assert f"mediation-{mid}" not in names  # not yet its time
    services.mediation.clock = lambda: now + timedelta(minutes=30)
    await services.mediation.tick()
    assert changed  # the room joins its people's channel lists
    room_name = f"mediation-{mid}"
    for insider in ("ann", "bea", "sam"):
        assert room_name in {c.name for c in await services.channels.list_for(p[insider])}
    room = await services.channels.by_name(room_name, p["ann"])
    await services.messages.send(p["ann"], room.id, "I felt dismissed about the pinecone photo @bea")
    await services.messages.send(p["sam"], room.id, "thank you for saying so @cat")
    for outsider in ("cat", "tim", "ada"):
        who = p[outsider]
        assert room_name not in {c.name for c in await services.channels.list_for(who)}
        with pytest.raises(NotFound, match="no channel called"):
            await services.channels.by_name(room_name, who)
        assert await services.channels.history(who, room.id) == []
        assert await services.search.search(who, "pinecone") == []
        with pytest.raises(NotFound):
            await services.channels.post(who, room.id, "let me in")
    assert await services.search.mentions(p["cat"]) == ([], False)  # sam's @cat, in the room
    assert [f.message.body for f in await services.search.search(p["bea"], "pinecone")] == [
        "I felt dismissed about the pinecone photo @bea"
    ]
    with pytest.raises(NotFound):  # and for the server's own lookups, and the operator
        await services.channels.by_name(room_name)
    assert room_name not in {c.name for c, _count in await services.channels.list_all()}
    group = await services.export.group()
    assert room_name not in str(group) and "pinecone" not in str(group)
    with pytest.raises(Invalid, match="kept for mediation rooms"):
        await services.channels.add(room_name)


async def test_a_mediator_closes_the_room_with_a_note_for_leadership_and_it_becomes_read_only(world):
    services, p, hub, now = world
    mid, _slot = await confirmed(services, p, now, minutes_from_now=0)  # a slot under way: opens at once
    room = await services.channels.by_name(f"mediation-{mid}", p["bea"])
    sorry = (await services.messages.send(p["bea"], room.id, "I'm sorry it came out that way")).message
    assert sorry is not None
    with pytest.raises(Invalid, match="mediation room"):  # reports go to all of leadership: not from a room
        await services.reports.report(p["ann"], sorry.id, "unkind")
    for not_mediator in ("ann", "bea"):
        with pytest.raises(NotAllowed):
            await services.mediation.close(p[not_mediator], mid, "all fine")
    for outsider in ("cat", "tim", "ada"):
        with pytest.raises(NotFound):
            await services.mediation.close(p[outsider], mid, "all fine")
    with pytest.raises(Invalid, match="outcome note"):
        await services.mediation.close(p["sam"], mid, "  ")
    ann_heard = heard_by(hub, p["ann"])
    await services.mediation.close(p["sam"], mid, "both heard; they agreed to use /cw for hard topics")
    assert ann_heard == [f"Mediation {mid} is closed. Its room stays for you to read; it takes no new messages."]
    with pytest.raises(Invalid, match="is closed"):
        await services.messages.send(p["ann"], room.id, "one more thing")
    with pytest.raises(Invalid, match="is closed"):
        await services.own_words.edit(p["bea"], sorry.id, "I'm not sorry")
    history = await services.channels.history(p["ann"], room.id)
    assert [m.body for m in history] == ["I'm sorry it came out that way"]  # still there to read
    # the note: leadership only, and each read recorded
    for someone in ("ann", "bea", "cat"):
        with pytest.raises(NotFound):
            await services.mediation.outcome(p[someone], mid)
    assert "agreed to use /cw" in await services.mediation.outcome(p["tim"], mid)
    audit = [(a.action, a.actor_handle) for a in await services.audit.list_all()]
    assert audit[:2] == [("mediation.outcome_read", "tim"), ("mediation.close", "sam")]
    # the operator's list: ids, state, times, names, never words or notes
    (listed,) = await services.mediation.list_all()
    assert (listed.id, listed.state, listed.requester, listed.other, listed.mediators) == (
        mid,
        "closed",
        "ann",
        "bea",
        ("sam",),
    )
    assert listed.words == ""


def test_step_11_to_12_moves_an_older_file_forward_and_is_idempotent(tmp_path):
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        for table in ("mediation_pick", "mediation_mediator", "mediation", "mediation_slot"):
            db.execute(f"DROP TABLE {table}")
        db.execute("UPDATE schema_version SET version = 10")
    db.close()
    store = Store(path)
    try:
        assert store.schema_version == migrations.SCHEMA_VERSION >= 12
        store.write_sync(lambda: migrations.STEPS[11](store.db))  # again: nothing to do
        store.write_sync(lambda: migrations.STEPS[10](store.db))
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert {"mediation", "mediation_slot", "mediation_mediator", "mediation_pick"} <= tables
