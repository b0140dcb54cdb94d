"""A member's day, as rules: spoons, check-ins, visibility, the quiet list, stepping away.

Real Store on a real SQLite file, real Hub and Services; a settable clock stands in for time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from harness import make_key
from safespace_tui.config import load_config
from safespace_tui.hub import MEMBERS, Hub, channel_topic
from safespace_tui.services import Services
from safespace_tui.services.channels import MessageEdited, MessagePosted, may_see
from safespace_tui.services.checkins import CheckInDraft, card_text, spoon_bar
from safespace_tui.services.errors import Invalid, NotFound
from safespace_tui.services.spoons import spoons_today, validate_timezone
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.models import CheckIn, Message, SpoonLog, utcnow


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kwargs) -> None:
        self.moment += timedelta(**kwargs)


@pytest.fixture
async def world(tmp_path):
    config = load_config(tmp_path / "data", spoons_max=12)
    store = Store(config.db_path)
    hub = Hub()
    services = Services(config, store, hub)
    clock = Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    services.spoons.clock = clock
    await services.channels.ensure_defaults()
    people = {}
    for name, role in {"ann": "member", "bea": "member", "sam": "senior"}.items():
        key = make_key(tmp_path, name)
        people[name] = await services.members.add(name, read_public_key(key.with_suffix(".pub").read_text()), role=role)
    events: list = []
    for channel in ("check-ins", "wins", "living-room"):
        view = await services.channels.by_name(channel)
        hub.subscribe(channel_topic(view.id), events.append)
    hub.subscribe(MEMBERS, events.append)
    yield services, people, clock, events
    store.close()


async def fresh(services, name_or_view):
    return await services.members.get(name_or_view.id)


# -- spoons
async def test_spend_regain_set_clamp_log_and_publish(world):
    services, people, _clock, events = world
    ann = await services.spoons.ensure_today(people["ann"])
    assert ann.spoons == 12 and ann.spoons_day == date(2026, 3, 10)
    ann = await services.spoons.spend(ann)
    ann = await services.spoons.spend(ann)
    assert ann.spoons == 10
    ann = await services.spoons.regain(ann)
    assert ann.spoons == 11
    ann = await services.spoons.regain(ann, 5)
    assert ann.spoons == 12  # never above the maximum
    ann = await services.spoons.set(ann, 0)
    ann = await services.spoons.spend(ann)
    assert ann.spoons == 0  # never below zero
    with pytest.raises(Invalid):
        await services.spoons.set(ann, 13)
    with pytest.raises(Invalid):
        await services.spoons.set(ann, -1)
    logged = services.store.read_sync(
        lambda: [
            (r.reason, r.spoons, r.delta)
            for r in SpoonLog.select().where(SpoonLog.member == ann.id).order_by(SpoonLog.id)
        ]
    )
    assert logged == [
        ("reset", 12, 0),
        ("spend", 11, -1),
        ("spend", 10, -1),
        ("regain", 11, 1),
        ("regain", 12, 1),
        ("set", 0, -12),
    ]
    published = [e.spoons for e in events if getattr(e, "id", None) == ann.id]
    assert published[-1] == 0
    assert published.count(0) == 1  # spending at 0 changed nothing, so nothing was published


async def test_spoons_reset_to_chosen_start_on_the_members_local_day(world):
    services, people, clock, _events = world
    ann = await services.spoons.set_timezone(people["ann"], "pacific/auckland")
    assert ann.timezone == "Pacific/Auckland"
    clock.moment = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # 23:00 on 1 March in Auckland
    ann = await services.spoons.ensure_today(ann)
    ann = await services.spoons.set_start(ann, 7)
    ann = await services.spoons.set(ann, 3)
    assert ann.spoons_day == date(2026, 3, 1)
    clock.advance(minutes=90)  # 00:30 on 2 March in Auckland, still 1 March in UTC
    ann = await services.spoons.ensure_today(ann)
    assert ann.spoons_day == date(2026, 3, 2)
    assert ann.spoons == 7
    # the same moment is still 1 March for a member in UTC: their meter does not reset
    bea = await services.spoons.ensure_today(people["bea"])
    bea = await services.spoons.set(bea, 4)
    clock.advance(hours=1)
    assert (await services.spoons.ensure_today(bea)).spoons == 4


async def test_others_see_spoons_only_for_the_members_own_today(world):
    services, people, clock, _events = world
    ann = await services.spoons.set(people["ann"], 5)
    assert spoons_today(ann, clock()) == 5
    assert spoons_today(ann, clock() + timedelta(days=1)) is None
    assert spoons_today(await fresh(services, people["bea"]), clock()) is None  # never set


@pytest.mark.parametrize(
    "bad", ["", "Mars/Base", "../../etc/passwd", "/etc/localtime", "Europe/../UTC", "a" * 80, "Europe/London\x1b[2J"]
)
def test_timezone_validation_refuses_what_is_not_a_zone(bad):
    with pytest.raises(Invalid):
        validate_timezone(bad)


def test_timezone_validation_canonicalises():
    assert validate_timezone("america/chicago") == "America/Chicago"
    assert validate_timezone("utc") == "UTC"


def test_spoon_bar_reads_without_colour():
    assert spoon_bar(6, 12) == "######------"
    assert spoon_bar(0, 12) == "-" * 12
    assert spoon_bar(12, 12) == "#" * 12
    assert spoon_bar(1, 12, cells=4) == "#---"  # one spoon is never drawn as none
    assert spoon_bar(11, 12, cells=4) == "###-"  # nor almost-full as full


async def test_history_days_are_own_spoons_and_mood(world):
    services, people, clock, _events = world
    ann = await services.spoons.set(people["ann"], 4)
    await services.checkins.save(ann, CheckInDraft(spoons=5, mood=2))
    clock.advance(days=1)
    ann = await services.spoons.set(ann, 9)
    days = await services.spoons.days(ann, 3)
    assert [(d.day.day, d.spoons, d.mood) for d in days] == [(9, None, None), (10, 5, 2), (11, 9, None)]


# -- check-ins
async def test_checkin_posts_card_updates_meter_and_is_one_per_day(world):
    services, people, clock, events = world
    ann = people["ann"]
    saved = await services.checkins.save(
        ann, CheckInDraft(spoons=6, mood=3, sleep="okay", needs=("quiet", "company"), note="slow \x1b]52;c;aGk=\x07day")
    )
    assert saved.created and saved.member.spoons == 6
    card = services.store.read_sync(lambda: Message.get_by_id(saved.checkin.message_id))
    assert card.kind == "checkin" and card.visibility == "group"
    assert "spoons 6/12 [######------] · mood 3/5 okay · sleep okay" in card.body
    assert "would like: company, quiet" in card.body  # in the form's order
    assert "note: slow day" in card.body and "\x1b" not in card.body
    assert any(isinstance(e, MessagePosted) and e.message.id == card.id for e in events)

    events.clear()
    again = await services.checkins.save(ann, CheckInDraft(spoons=4, mood=2, note="changed my mind"))
    assert not again.created and again.checkin.id == saved.checkin.id
    assert services.store.read_sync(lambda: CheckIn.select().where(CheckIn.member == ann.id).count()) == 1
    edited = [e for e in events if isinstance(e, MessageEdited)]
    assert [e.message.id for e in edited] == [card.id]
    assert "(edited)" in edited[0].message.body and "note: changed my mind" in edited[0].message.body
    assert not any(isinstance(e, MessagePosted) for e in events)
    assert (await fresh(services, ann)).spoons == 4

    clock.advance(days=1)
    with pytest.raises(Invalid):  # yesterday's check-in, written yesterday, stays as it was
        await services.checkins.save(ann, CheckInDraft(spoons=4, mood=2, day=date(2026, 3, 10)))


async def test_checkin_validation_is_kind_and_strict(world):
    services, people, _clock, _events = world
    ann = people["ann"]
    for draft in (
        CheckInDraft(spoons=13, mood=3),
        CheckInDraft(spoons=3, mood=0),
        CheckInDraft(spoons=3, mood=3, sleep="eleven hours"),
        CheckInDraft(spoons=3, mood=3, needs=("money",)),
        CheckInDraft(spoons=3, mood=3, visibility="everyone"),
        CheckInDraft(spoons=3, mood=3, note="x" * 501),
        CheckInDraft(spoons=3, mood=3, day=date(2026, 3, 8)),  # two days ago
        CheckInDraft(spoons=3, mood=3, day=date(2026, 3, 11)),  # tomorrow
    ):
        with pytest.raises(Invalid):
            await services.checkins.save(ann, draft)
    assert services.store.read_sync(lambda: CheckIn.select().count()) == 0


async def test_backfilling_yesterday_keeps_the_streak_and_todays_meter(world):
    services, people, _clock, _events = world
    ann = await services.spoons.set(people["ann"], 8)
    reflection = await services.checkins.reflection(ann)
    assert reflection.streak == 0
    await services.checkins.save(ann, CheckInDraft(spoons=2, mood=2, day=date(2026, 3, 9)))
    assert (await fresh(services, ann)).spoons == 8  # yesterday's numbers leave today's meter alone
    reflection = await services.checkins.reflection(ann)
    assert reflection.streak == 1 and not reflection.checked_in_today
    await services.checkins.save(ann, CheckInDraft(spoons=6, mood=4))
    reflection = await services.checkins.reflection(ann)
    assert reflection.streak == 2 and reflection.checked_in_today
    assert reflection.week_days == 2 and reflection.week_spoons == 4.0 and reflection.week_mood == 3.0
    # a back-filled check-in written today can still be changed today
    await services.checkins.save(ann, CheckInDraft(spoons=3, mood=2, day=date(2026, 3, 9)))


async def test_reflection_compares_only_with_ones_own_weeks(world):
    services, people, clock, _events = world
    ann, bea = people["ann"], people["bea"]
    for offset in range(21, 7, -1):  # ann: two weeks, long ago-ish
        clock.moment = datetime(2026, 3, 10, 12, tzinfo=UTC) - timedelta(days=offset)
        await services.checkins.save(ann, CheckInDraft(spoons=4, mood=2))
    clock.moment = datetime(2026, 3, 10, 12, tzinfo=UTC)
    await services.checkins.save(ann, CheckInDraft(spoons=8, mood=4))
    await services.checkins.save(bea, CheckInDraft(spoons=12, mood=5))
    reflection = await services.checkins.reflection(ann)
    assert (reflection.week_days, reflection.week_spoons, reflection.week_mood) == (1, 8.0, 4.0)
    assert (reflection.before_days, reflection.before_spoons, reflection.before_mood) == (14, 4.0, 2.0)
    assert reflection.streak == 1


async def test_win_goes_to_wins_with_the_same_visibility_and_can_be_taken_back(world):
    services, people, _clock, _events = world
    ann = people["ann"]
    saved = await services.checkins.save(
        ann, CheckInDraft(spoons=6, mood=4, win="I went outside", visibility="seniors")
    )
    wins = await services.channels.by_name("wins")
    win = services.store.read_sync(lambda: Message.get(Message.channel == wins.id))
    assert win.body == "A win: I went outside" and win.visibility == "seniors" and win.author_id == ann.id
    await services.checkins.save(ann, CheckInDraft(spoons=6, mood=4, visibility="group"))
    win = services.store.read_sync(lambda: Message.get(Message.channel == wins.id))
    assert win.visibility == "me"  # taken back: hidden, not deleted
    assert saved.checkin.win == "I went outside"


async def test_only_me_and_seniors_only_never_reach_a_plain_members_queries(world):
    """History, unread counts and live events all respect a check-in's visibility."""
    services, people, _clock, events = world
    ann, bea, sam = people["ann"], people["bea"], people["sam"]
    checkins = await services.channels.by_name("check-ins")
    wins = await services.channels.by_name("wins")
    await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note="PRIVATE-ME", win="WIN-ME", visibility="me"))
    await services.checkins.save(
        ann,
        CheckInDraft(
            spoons=5, mood=3, note="FOR-SENIORS", win="WIN-SENIORS", visibility="seniors", day=date(2026, 3, 9)
        ),
    )

    def bodies(history):
        return " ".join(m.body for m in history)

    for channel in (checkins, wins):
        seen_by_bea = bodies(await services.channels.history(bea, channel.id))
        assert "ME" not in seen_by_bea and "SENIORS" not in seen_by_bea
        seen_by_sam = bodies(await services.channels.history(sam, channel.id))
        assert "SENIORS" in seen_by_sam and "-ME" not in seen_by_sam
        assert "SENIORS" in bodies(await services.channels.history(ann, channel.id))
        assert "-ME" in bodies(await services.channels.history(ann, channel.id))
        # paging back from beyond the newest id respects it too
        assert "ME" not in bodies(await services.channels.history(bea, channel.id, before_id=10**9))
    unread = {c.name: c.unread for c in await services.channels.list_for(bea)}
    assert unread["check-ins"] == 0 and unread["wins"] == 0
    unread = {c.name: c.unread for c in await services.channels.list_for(sam)}
    assert unread["check-ins"] == 1 and unread["wins"] == 1
    posted = [e.message for e in events if isinstance(e, MessagePosted)]
    assert len(posted) == 4 and not any(may_see(bea, m) for m in posted)
    assert [may_see(sam, m) for m in posted].count(True) == 2
    # a check-in that was for the group and becomes private is withdrawn from others' screens
    events.clear()
    await services.checkins.save(bea, CheckInDraft(spoons=5, mood=3, note="BEA-NOTE"))
    await services.checkins.save(bea, CheckInDraft(spoons=5, mood=3, note="BEA-NOTE", visibility="me"))
    edited = [e.message for e in events if isinstance(e, MessageEdited)]
    assert edited and not may_see(ann, edited[-1]) and not may_see(sam, edited[-1])
    assert "BEA-NOTE" not in bodies(await services.channels.history(ann, checkins.id))


async def test_someone_elses_checkin_cannot_be_read_through_get(world):
    services, people, _clock, _events = world
    await services.checkins.save(people["ann"], CheckInDraft(spoons=5, mood=3, visibility="me"))
    assert await services.checkins.get(people["bea"]) is None
    assert await services.checkins.get(people["sam"]) is None
    assert (await services.checkins.get(people["ann"])).spoons == 5


# -- the quiet list
async def test_quiet_members_is_for_seniors_and_never_counts_private_checkins(world):
    services, people, clock, _events = world
    ann, bea, sam = people["ann"], people["bea"], people["sam"]
    with pytest.raises(NotFound):
        await services.checkins.quiet_members(ann, 3)
    with pytest.raises(Invalid):
        await services.checkins.quiet_members(sam, 0)
    clock.moment -= timedelta(days=5)
    await services.checkins.save(bea, CheckInDraft(spoons=5, mood=3))
    clock.moment += timedelta(days=5)
    await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, visibility="me"))
    await services.checkins.save(sam, CheckInDraft(spoons=5, mood=3, visibility="seniors"))
    quiet = await services.checkins.quiet_members(sam, 3)
    assert [(q.member.handle, q.days) for q in quiet] == [("ann", None), ("bea", 5)]
    assert [q.member.handle for q in await services.checkins.quiet_members(sam, 6)] == ["ann"]


async def test_quiet_members_shows_when_each_was_last_here(world):
    """Promise (issue 8): Member.last_seen_at is written when a session closes (note_seen) and the
    seniors' quiet list shows it; someone never seen since has None."""
    services, people, _, _ = world
    before = utcnow()
    await services.members.note_seen(people["bea"].id)
    quiet = {q.member.handle: q.last_seen for q in await services.checkins.quiet_members(people["sam"], 3)}
    assert quiet["ann"] is None
    assert quiet["bea"] is not None and before <= quiet["bea"] <= utcnow()


# -- stepping away
async def test_stepping_away_posts_a_kind_note_and_back_returns(world):
    services, people, _clock, events = world
    ann = people["ann"]
    with pytest.raises(Invalid):
        await services.away.step_away(ann, leaving=False, until=date(2026, 3, 10))
    result = await services.away.step_away(ann, leaving=False, until=date(2026, 3, 20), note="family visit")
    assert result.member.status == "away" and result.member.away_until == date(2026, 3, 20)
    assert result.note.body == "is stepping away for a while, until Fri 20 March. family visit"
    room = await services.channels.by_name("living-room")
    assert result.note.channel_id == room.id and result.note.kind == "away"
    assert any(isinstance(e, MessagePosted) and e.message.id == result.note.id for e in events)
    assert any(getattr(e, "id", None) == ann.id and getattr(e, "status", "") == "away" for e in events)
    back = await services.away.back(result.member)
    assert back.member.status == "available" and back.member.away_until is None
    assert back.note.body == "is back."
    assert await services.away.back(back.member) is None  # not away: nothing posted


async def test_leaving_deletes_nothing(world):
    services, people, _clock, _events = world
    ann = people["ann"]
    room = await services.channels.by_name("living-room")
    await services.channels.post(ann, room.id, "thank you all")
    await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3))
    result = await services.away.step_away(ann, leaving=True, note="take care")
    assert result.member.status == "away" and result.member.away_until is None
    assert result.note.body == "take care"  # their own words alone: the app adds none (issue 10)
    assert services.store.read_sync(lambda: Message.select().where(Message.author == ann.id).count()) == 3
    assert services.store.read_sync(lambda: CheckIn.select().count()) == 1
    assert (await services.members.get(ann.id)).handle == "ann"


def test_card_text_is_compact():
    draft = CheckInDraft(spoons=3, mood=1, needs=("to vent",), warning_signs="not eating", win="called my therapist")
    text = card_text(draft, date(2026, 3, 10), date(2026, 3, 10), 12)
    assert text.splitlines() == [
        "checked in for today (Tue 10 Mar)",
        "spoons 3/12 [###---------] · mood 1/5 struggling",
        "would like: to vent",
        "warning signs noticed: not eating",
        "a win: called my therapist",
    ]
