"""The rules of joining, against a real store: invites, capacity, nominations, onboarding, schema 4."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from harness import make_key
from safespace_tui import commands
from safespace_tui.config import load_config
from safespace_tui.hub import Hub
from safespace_tui.services import Services
from safespace_tui.services.errors import Invalid, NotAllowed, NotFound
from safespace_tui.services.invites import (
    NO_SUCH_CODE,
    TOO_MANY_FROM,
    TOO_MANY_HERE,
    Guesses,
    InviteRefused,
    code_hash,
)
from safespace_tui.services.nominations import nomination_topic
from safespace_tui.services.onboarding import AGREEMENTS, JOINED, charter_pages
from safespace_tui.services.views import MemberView
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.migrations import SCHEMA_VERSION
from safespace_tui.store.models import Invite, Message, utcnow

ALL_AGREED = {key for key, _ in AGREEMENTS}


class Connection:
    """Stands for an SSH connection: guesses are counted per connection object (weakly)."""


@pytest.fixture
async def world(tmp_path):
    config = load_config(tmp_path / "data")
    store = Store(config.db_path)
    services = Services(config, store, Hub())
    await services.channels.ensure_defaults()
    people = {}
    for name, role in {"ann": "member", "sam": "senior", "ada": "admin"}.items():
        people[name] = await services.members.add(name, public_key(tmp_path, name), role=role)
    yield services, people, tmp_path
    store.close()


def public_key(tmp_path, name):
    return read_public_key(make_key(tmp_path, name).with_suffix(".pub").read_text())


async def test_a_code_is_long_stored_only_as_its_hash_and_opens_once(world):
    services, people, tmp_path = world
    code, invite = await services.invites.create(people["sam"], "dana")
    assert len(code.replace("-", "")) == 20 and invite.state == "open"
    rows = services.store.read_sync(lambda: [(r.code_hash, r.for_name) for r in Invite.select()])
    assert rows == [(code_hash(code), "dana")]
    assert rows[0][0] != code and len(rows[0][0]) == 64
    raw = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("safespace.db*"))  # the WAL too
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw
    member, _ = await services.invites.redeem(
        code.upper().replace("-", " "), public_key(tmp_path, "dana"), "a", Connection()
    )
    assert member.joining and member.display_name == "dana"
    with pytest.raises(InviteRefused) as used:
        await services.invites.redeem(code, public_key(tmp_path, "dana2"), "b", Connection())
    assert used.value.message == NO_SUCH_CODE


async def test_wrong_used_revoked_and_expired_codes_get_the_same_words(world):
    services, _, tmp_path = world
    used, _ = await services.invites.create(None)
    await services.invites.redeem(used, public_key(tmp_path, "first"), "a", Connection())
    revoked, invite = await services.invites.create(None)
    await services.invites.revoke(None, invite.id)
    expired, invite = await services.invites.create(None, lasts=timedelta(minutes=1))
    services.store.write_sync(
        lambda: Invite.update(expires_at=utcnow() - timedelta(seconds=1)).where(Invite.id == invite.id).execute()
    )
    answers = []
    for number, code in enumerate(("abcd-efgh-jkmn-pqrs-tuvw", used, revoked, expired)):
        with pytest.raises(InviteRefused) as refused:
            await services.invites.redeem(code, public_key(tmp_path, f"k{number}"), f"addr{number}", Connection())
        answers.append(refused.value.message)
    assert answers == [NO_SUCH_CODE] * 4


async def test_past_the_limit_even_the_right_code_is_not_looked_at(world):
    services, _, tmp_path = world
    code, _ = await services.invites.create(None)
    connection = Connection()
    for _ in range(5):
        with pytest.raises(InviteRefused, match="didn't open"):
            await services.invites.redeem("wxyz-wxyz-wxyz-wxyz-wxyz", public_key(tmp_path, "g"), "a", connection)
    with pytest.raises(InviteRefused) as refused:
        await services.invites.redeem(code, public_key(tmp_path, "g"), "a", connection)
    assert refused.value.message == TOO_MANY_HERE
    assert (await services.invites.list())[0].state == "open"


def test_guesses_are_counted_per_connection_and_per_address():
    now = [0.0]
    guesses = Guesses(lambda: now[0])
    c1, c2, c3, c4 = Connection(), Connection(), Connection(), Connection()
    assert [guesses.spend("a", c1) for _ in range(5)] == [None] * 5
    assert guesses.spend("a", c1) == TOO_MANY_HERE and guesses.exhausted("a", c1) == TOO_MANY_HERE
    assert [guesses.spend("a", c2) for _ in range(5)] == [None] * 5
    assert guesses.spend("a", c3) == TOO_MANY_FROM  # ten this hour from "a"
    assert guesses.spend("b", c4) is None  # another address is not held back
    guesses.refund("b", c4)  # ... and a code that opened is given back
    assert [guesses.spend("b", c4) for _ in range(5)] == [None] * 5
    now[0] = 3601.0
    assert guesses.spend("a", c3) is None  # an hour later


async def test_capacity_holds_invites_and_only_an_admin_passes_it(world):
    services, people, _ = world
    with pytest.raises(NotAllowed):
        await services.invites.set_capacity(people["sam"], 4)
    seats = await services.invites.set_capacity(people["ada"], 4)
    assert (seats.members, seats.open) == (3, 1)
    await services.invites.create(people["sam"], "one")
    assert (await services.invites.seats(people["sam"])).open == 0
    with pytest.raises(NotAllowed, match="The group is full"):
        await services.invites.create(people["sam"], "two")
    with pytest.raises(NotAllowed, match="Only an admin"):
        await services.invites.create(people["sam"], "two", over_capacity=True)
    await services.invites.create(people["ada"], "two", over_capacity=True)
    with pytest.raises(NotFound):  # a member sees no seats, as if there were nothing
        await services.invites.seats(people["ann"])


async def test_nominations_are_for_leadership_and_the_nominator_hears_only_kind_words(world):
    services, people, _ = world
    heard = []
    services.hub.subscribe(nomination_topic(people["ann"].id), heard.append)
    view = await services.nominations.nominate(people["ann"], "dana", "from group", "she listens")
    with pytest.raises(NotFound):
        await services.nominations.list(people["ann"])
    with pytest.raises(NotFound):
        await services.nominations.add_note(people["ann"], view.id, "I vouch")
    await services.nominations.add_note(people["sam"], view.id, "private: seemed unsure")
    listed = await services.nominations.list(people["sam"])
    assert [n.body for n in listed[0].notes] == ["private: seemed unsure"]
    reads = await services.audit.list_all(action="nominations.read")
    assert [r.actor_handle for r in reads] == ["sam"]
    decided = await services.nominations.decide(people["sam"], view.id, "wait")
    assert decided.code == "" and decided.invite is None
    assert len(heard) == 1 and "waiting" in heard[0].words and "unsure" not in heard[0].words
    untold = await services.nominations.untold(people["ann"])
    assert [o.words for o in untold] == [heard[0].words]
    await services.nominations.told(people["ann"], view.id)
    assert await services.nominations.untold(people["ann"]) == []
    invited = await services.nominations.decide(people["sam"], view.id, "invite")
    assert invited.invite is not None and invited.invite.for_name == "dana" and len(invited.code) == 24


async def test_onboarding_takes_every_agreement_a_unique_safe_name_and_posts_the_welcome(world):
    services, _, tmp_path = world
    joined = []
    services.hub.subscribe(JOINED, joined.append)
    code, _ = await services.invites.create(None, "dana")
    dana, _ = await services.invites.redeem(code, public_key(tmp_path, "dana"), "a", Connection())
    assert dana.id not in {m.id for m in await services.members.list()}  # not listed while joining
    state = await services.onboarding.state(dana)
    assert state.step == "charter" and len(state.pages) >= 2
    assert await services.onboarding.charter_read(dana, len(state.pages), len(state.pages)) == "agreements"
    with pytest.raises(Invalid, match="each needs a tick"):
        await services.onboarding.agree(dana, ALL_AGREED - {"911"})
    assert await services.onboarding.agree(dana, ALL_AGREED) == "details"
    with pytest.raises(Invalid, match="already called ann"):
        await services.onboarding.set_details(dana, "ann", "", "UTC")
    await services.members.add("bo", public_key(tmp_path, "bo"), display_name="zoe")
    with pytest.raises(Invalid, match="already called zoe"):  # another's display name is taken too
        await services.onboarding.set_details(dana, "zoe", "", "UTC")
    with pytest.raises(Invalid):
        await services.onboarding.set_details(dana, "Dana Smith!", "", "UTC")
    dana = await services.onboarding.set_details(dana, "dana", "she/her", "europe/london")
    assert (dana.handle, dana.pronouns, dana.timezone) == ("dana", "she/her", "Europe/London")
    dana = await services.onboarding.finish(dana, "hello, I'm dana")
    assert not dana.joining and [m.handle for m in joined] == ["dana"]
    assert dana.id in {m.id for m in await services.members.list()}
    bodies = services.store.read_sync(lambda: [m.body for m in Message.select().where(Message.author == dana.id)])
    assert bodies == ["hello, I'm dana"]


async def test_an_empty_welcome_posts_nothing_and_self_harm_talk_is_not_posted_in_the_living_room(world):
    services, _, tmp_path = world
    code, _ = await services.invites.create(None)
    eve, _ = await services.invites.redeem(code, public_key(tmp_path, "eve"), "a", Connection())
    await services.onboarding.charter_read(eve, 99, 1)
    await services.onboarding.agree(eve, ALL_AGREED)
    eve = await services.onboarding.set_details(eve, "eve", "", "UTC")
    with pytest.raises(Invalid, match="belongs in #911"):
        await services.onboarding.finish(eve, "hi, I want to kill myself")
    await services.onboarding.finish(eve, "   ")
    assert services.store.read_sync(lambda: Message.select().where(Message.author == eve.id).count()) == 0


def test_while_joining_only_help_can_be_reached():
    """SOS (and taking it back) and the crisis lines; nothing of the group until they have joined."""
    newcomer = MemberView(9, "new-abcdef", "dana", "member", joining=True)
    assert all(commands.find(name, newcomer) is not None for name in ("sos", "crisis", "withdraw"))
    assert [name for name in ("join", "help", "nominate", "checkin", "members") if commands.find(name, newcomer)] == []
    assert commands.find("nominate", MemberView(9, "dana", "dana", "member")) is not None


def test_charter_pages_keep_whole_paragraphs():
    text = "\n\n".join(f"paragraph {n} " + "x" * 250 for n in range(5))
    pages = charter_pages(text)
    assert len(pages) == 3 and all(len(page) <= 600 for page in pages)
    assert "\n\n".join(pages) == text


def test_a_version_3_file_gets_the_joining_tables_with_its_members_kept(tmp_path):
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        for table in ("group_setting", "screening_note", "invite", "nomination", "onboarding"):
            db.execute(f"DROP TABLE {table}")
        for verb in "idu":  # a version 3 file had no access count (13): its trigger names `joining`
            db.execute(f"DROP TRIGGER access_change_member_{verb}")
        db.execute("ALTER TABLE member DROP COLUMN pronouns")
        db.execute("ALTER TABLE member DROP COLUMN joining")
        db.execute(
            "INSERT INTO member (handle, display_name, role, created_at, status, status_note, spoons, "
            "spoons_start, timezone) VALUES ('old', 'old', 'member', '2026-01-01', 'available', '', 12, 12, 'UTC')"
        )
        db.execute("UPDATE schema_version SET version = 3")
    store = Store(path)
    store.close()
    assert store.schema_version == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT handle, pronouns, joining FROM member").fetchall() == [("old", "", 0)]
        assert db.execute("SELECT count(*) FROM invite").fetchone() == (0,)
