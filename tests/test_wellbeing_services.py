"""The seniors' overview as rules (services/wellbeing.py, issue 14): who counts as struggling or
gone quiet, what an "only me" check-in changes (nothing), who may watch, and the dock setting.

Real Store on a real SQLite file, real Hub and Services; a settable clock stands in for time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness import make_key, wait_until
from safespace_tui.config import load_config
from safespace_tui.hub import WELLBEING, Hub
from safespace_tui.services import Services
from safespace_tui.services.checkins import CheckInDraft
from safespace_tui.services.errors import NotFound
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.models import AuditEntry, Member, Message

NOW = datetime.now(UTC)  # messages are stamped with the wall clock: the day's clock starts there


@pytest.fixture
async def world(tmp_path):
    config = load_config(tmp_path / "data", spoons_max=12, quiet_after_days=3)
    store = Store(config.db_path)
    services = Services(config, store, Hub())
    clock = {"now": NOW}
    services.spoons.clock = lambda: clock["now"]
    await services.channels.ensure_defaults()
    people = {}
    for name, role in {"ann": "member", "bea": "member", "sam": "senior", "kit": "admin"}.items():
        key = make_key(tmp_path, name)
        people[name] = await services.members.add(name, read_public_key(key.with_suffix(".pub").read_text()), role=role)
    # everyone joined "long ago", so nobody is new (a new member has not gone quiet)
    store.write_sync(lambda: Member.update(created_at=datetime(2026, 1, 1)).execute())
    yield services, people, clock
    store.close()


def names(rows) -> list[str]:
    return [row.handle for row in rows]


async def test_low_spoons_low_status_and_a_hard_checkin_count_as_struggling(world):
    services, people, _clock = world
    await services.spoons.set(people["ann"], 2)
    await services.members.set_status(people["bea"], "low", "")
    await services.checkins.save(people["sam"], CheckInDraft(spoons=8, mood=1, warning_signs="not sleeping"))
    overview = await services.wellbeing.overview(people["kit"])
    reasons = {s.handle: s.reasons for s in overview.struggling}
    assert reasons == {
        "ann": ("2 spoons",),
        "bea": ("low energy",),
        "sam": ("mood 1 struggling", "warning signs"),
    }


async def test_an_only_me_checkin_never_counts_or_changes_a_number(world):
    services, people, _clock = world
    await services.spoons.set(people["ann"], 8)
    before = await services.wellbeing.overview(people["sam"])
    await services.checkins.save(
        people["ann"], CheckInDraft(spoons=8, mood=1, warning_signs="bad night", note="just for me", visibility="me")
    )
    services.wellbeing.changed()
    after = await services.wellbeing.overview(people["sam"])
    assert after == before
    assert "ann" not in names(after.struggling)
    # and it is not a sign of life either: ann stays "gone quiet" once the days pass
    _clock_now = NOW + timedelta(days=5)
    world[2]["now"] = _clock_now
    services.wellbeing.changed()
    assert "ann" in names((await services.wellbeing.overview(people["sam"])).quiet)


async def test_gone_quiet_after_the_set_days_and_back_with_one_message(world):
    services, people, clock = world
    living = await services.channels.by_name("living-room")
    clock["now"] = NOW - timedelta(days=3)
    await services.checkins.save(people["bea"], CheckInDraft(spoons=6, mood=3, visibility="seniors"))
    said = await services.channels.post(people["ann"], living.id, "hello all")
    three_days_ago = (NOW - timedelta(days=3)).replace(tzinfo=None)
    services.store.write_sync(lambda: Message.update(created_at=three_days_ago).where(Message.id == said.id).execute())
    clock["now"] = NOW - timedelta(days=1)
    services.wellbeing.changed()
    assert names((await services.wellbeing.overview(people["sam"])).quiet) == ["kit", "sam"]
    clock["now"] = NOW
    services.wellbeing.changed()
    quiet = (await services.wellbeing.overview(people["sam"])).quiet
    assert names(quiet) == ["kit", "sam", "ann", "bea"]  # the longest quiet first
    assert {q.handle: q.days for q in quiet}["ann"] == 3
    await services.channels.post(people["ann"], living.id, "still here")
    services.wellbeing.changed()
    assert names((await services.wellbeing.overview(people["sam"])).quiet) == ["kit", "sam", "bea"]


async def test_seniors_online_and_on_call(world):
    services, people, _clock = world
    services.presence.connected(people["sam"].id, "senior")
    services.presence.connected(people["ann"].id, "member")
    await services.notices.set_on_call(people["kit"], True)
    seniors = (await services.wellbeing.overview(people["sam"])).seniors
    assert [(s.name, s.online, s.on_call) for s in seniors] == [("kit", False, True), ("sam", True, False)]


async def test_only_seniors_and_admins_may_watch_or_read(world):
    services, people, _clock = world
    for name in ("ann", "bea"):
        with pytest.raises(NotFound):
            services.wellbeing.topic_for(people[name])
        with pytest.raises(NotFound):
            await services.wellbeing.overview(people[name])
        with pytest.raises(NotFound):
            await services.wellbeing.latest_checkin(people[name], people["bea"].id)
        with pytest.raises(NotFound):
            await services.wellbeing.set_docked(people[name], True)
    assert services.wellbeing.topic_for(people["kit"]) == WELLBEING


async def test_a_change_is_published_once_to_watchers_and_nothing_while_none_watch(world):
    services, people, _clock = world
    heard: list = []
    living = await services.channels.by_name("living-room")
    await services.channels.post(people["bea"], living.id, "hello")  # bea has not gone quiet
    await services.spoons.set(people["ann"], 1)  # nobody watches: nothing computed, nothing published
    assert services.wellbeing._task is None
    unsubscribe = services.hub.subscribe(services.wellbeing.topic_for(people["sam"]), heard.append)
    await services.wellbeing.overview(people["sam"])
    await services.spoons.set(people["bea"], 0)
    await wait_until(lambda: heard, what="the overview published")
    assert names(heard[-1].struggling) == ["ann", "bea"]
    count = len(heard)
    await services.channels.post(people["bea"], living.id, "an ordinary message")
    await services.spoons.set(people["ann"], 6)  # a later change: the message changed nothing before it
    await wait_until(lambda: names(heard[-1].struggling) == ["bea"], what="ann no longer struggling")
    assert len(heard) == count + 1
    unsubscribe()


async def test_latest_checkin_skips_only_me_and_is_recorded(world):
    services, people, clock = world
    await services.checkins.save(people["ann"], CheckInDraft(spoons=5, mood=2, note="rough week", visibility="group"))
    clock["now"] = NOW + timedelta(days=1)
    await services.checkins.save(people["ann"], CheckInDraft(spoons=3, mood=1, note="private", visibility="me"))
    shared = await services.wellbeing.latest_checkin(people["sam"], people["ann"].id)
    assert shared is not None and shared.note == "rough week" and shared.mood == 2
    assert await services.wellbeing.latest_checkin(people["sam"], people["bea"].id) is None
    actions = services.store.read_sync(lambda: [(a.action, a.subject_id) for a in AuditEntry.select()])
    assert ("checkin.read", people["ann"].id) in actions


async def test_the_dock_choice_is_remembered(world):
    services, people, _clock = world
    assert await services.wellbeing.docked(people["sam"]) is False
    await services.wellbeing.set_docked(people["sam"], True)
    assert await services.wellbeing.docked(people["sam"]) is True
    await services.wellbeing.set_docked(people["sam"], False)
    assert await services.wellbeing.docked(people["sam"]) is False
