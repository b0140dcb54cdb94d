"""Issue 11 at the service layer, against a real SQLite file: what folds for whom, trigger lists
and mutes (private, seeded once from a profile hook), held messages and leadership's decision,
flood control, and the crisis path that neither ever touches."""

from __future__ import annotations

import sqlite3

import asyncssh
import pytest

from safespace_tui.config import ConfigError, load_config
from safespace_tui.hub import Hub
from safespace_tui.services import Services
from safespace_tui.services.boundaries import MUTED_FOLD, TRIGGER_FOLD, fold
from safespace_tui.services.channels import CRISIS_CHANNEL, LIVING_ROOM
from safespace_tui.services.errors import Invalid, NotFound
from safespace_tui.services.flood import Flooded, FloodGate
from safespace_tui.services.views import PublicKey
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.migrations import SCHEMA_VERSION


def _key() -> PublicKey:
    return read_public_key(asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode())


@pytest.fixture
async def world(tmp_path):
    config = load_config(tmp_path, flood_burst=3, flood_per_minute=1.0)
    store = Store(config.db_path)
    services = Services(config, store, Hub())
    await services.channels.ensure_defaults()
    people = {}
    for name, role in (("ann", "member"), ("bea", "member"), ("sam", "senior")):
        people[name] = await services.members.add(name, _key(), role=role)
    yield services, people
    store.close()


async def _post(services, who, text, channel=LIVING_ROOM, cw=""):
    room = await services.channels.by_name(channel)
    return (
        await services.channels.post(who, room.id, text)
        if not cw
        else (await services.channels.post_clean(who, room.id, text, content_warning=cw))
    )


async def test_what_folds_for_whom(world):
    services, p = world
    boundaries = services.boundaries
    await boundaries.add_trigger(p["bea"], "Drink")
    await boundaries.add_trigger(p["bea"], "car crash")
    lens = await boundaries.mute(p["bea"], "@Ann") and boundaries.lens(p["bea"])
    sam_lens = await boundaries.add_trigger(p["sam"], "drink")
    plain = await _post(services, p["sam"], "hello all")
    drinking = await _post(services, p["sam"], "I was DRINKING again last night")
    crash = await _post(services, p["sam"], "the car   crash was years ago")
    cw = await _post(services, p["sam"], "it was a hard week", cw="grief")
    cw_trigger = await _post(services, p["sam"], "it was a hard week", cw="drinks")
    by_ann = await _post(services, p["ann"], "hi bea")
    assert fold(lens, p["bea"], plain, in_crisis_channel=False) is None
    assert fold(lens, p["bea"], drinking, in_crisis_channel=False) == f"sam  {TRIGGER_FOLD}"
    assert fold(lens, p["bea"], crash, in_crisis_channel=False) == f"sam  {TRIGGER_FOLD}"
    assert fold(lens, p["bea"], cw, in_crisis_channel=False) == "sam  CW: grief — Enter to show"
    assert fold(lens, p["bea"], cw_trigger, in_crisis_channel=False) == f"sam  {TRIGGER_FOLD}"  # the word unsaid
    assert fold(lens, p["bea"], by_ann, in_crisis_channel=False) == MUTED_FOLD
    # one's own words never fold; a senior member in #911 sees everything
    assert fold(sam_lens, p["sam"], drinking, in_crisis_channel=False) is None
    in_911 = await _post(services, p["ann"], "drinking and not safe", channel=CRISIS_CHANNEL)
    assert fold(sam_lens, p["sam"], in_911, in_crisis_channel=True) is None
    assert fold(lens, p["ann"], in_911, in_crisis_channel=True) is None  # her own words
    assert fold(lens, p["bea"], by_ann, in_crisis_channel=True) == MUTED_FOLD  # a member: folds hold in #911
    # the filter can be turned off; the list stays
    off = await boundaries.set_filter(p["bea"], on=False)
    assert boundaries.fold(p["bea"], drinking, in_crisis_channel=False) is None and off.triggers == (
        "car crash",
        "drink",
    )
    assert boundaries.fold(p["bea"], by_ann, in_crisis_channel=False) == MUTED_FOLD  # mutes are not the filter


async def test_lists_are_private_and_checked(world):
    services, p = world
    boundaries = services.boundaries
    await boundaries.add_trigger(p["bea"], "knives")
    assert (await boundaries.load(p["ann"])).triggers == ()  # nobody else's list
    with pytest.raises(NotFound):
        await boundaries.remove_trigger(p["bea"], "spiders")
    with pytest.raises(Invalid):
        await boundaries.add_trigger(p["bea"], "   ")
    with pytest.raises(Invalid):
        await boundaries.mute(p["bea"], "bea")
    with pytest.raises(NotFound):
        await boundaries.mute(p["bea"], "nobody")
    assert await boundaries.mute(p["bea"], "sam") == "sam"
    assert await boundaries.muted(p["bea"]) == ["sam"] and await boundaries.muted(p["ann"]) == []
    await boundaries.unmute(p["bea"], "sam")
    assert await boundaries.muted(p["bea"]) == []


async def test_triggers_are_seeded_once_from_the_profile_hook(world):
    services, p = world
    boundaries = services.boundaries
    boundaries.profile_triggers = lambda member_id: ["Fireworks", ""] if member_id == p["ann"].id else []
    assert (await boundaries.load(p["ann"])).triggers == ("fireworks",)
    await boundaries.remove_trigger(p["ann"], "fireworks")
    boundaries._lenses.clear()  # a restart: the removed word does not come back from the profile
    assert (await boundaries.load(p["ann"])).triggers == ()


def test_flood_gate_burst_then_sustained_rate():
    now = [100.0]
    gate = FloodGate(burst=3, per_minute=6.0, clock=lambda: now[0])
    for _ in range(3):
        gate.take(1)
    with pytest.raises(Flooded, match="send again in 10 seconds"):
        gate.take(1)
    gate.take(2)  # another member's share is their own
    now[0] += 10.0
    gate.take(1)
    with pytest.raises(Flooded):
        gate.take(1)
    # the line mode's paste of lines: the rest go as the first went
    with pytest.raises(Flooded):
        gate.take(1, continuing=True)
    gate.take(3)
    for _ in range(20):
        gate.take(3, continuing=True)
    gate.take(3)  # the paste counted once: 2 of the burst of 3 are left


async def test_send_holds_soliciting_and_limits_floods_but_never_the_crisis_path(world):
    services, p = world
    room = await services.channels.by_name(LIVING_ROOM)
    messages = services.messages
    outcome = await messages.send(p["ann"], room.id, "Venmo me @ann-r please")
    assert outcome.message is None and "asks for money" in outcome.held
    assert "Venmo" not in str(await services.channels.history(p["bea"], room.id))
    sent = await messages.send(p["ann"], room.id, "a hard day", content_warning=" grief: ")
    assert sent.message is not None and sent.message.content_warning == "grief"
    await messages.send(p["ann"], room.id, "two")
    with pytest.raises(Flooded):
        await messages.send(p["ann"], room.id, "three")
    # flooded, the SOS words still go to #911 and raise the alert; #911 itself is never limited
    sos = await messages.send(p["ann"], room.id, "SOS please")
    assert sos.alert is not None and sos.moved
    crisis = await services.channels.by_name(CRISIS_CHANNEL)
    assert (await messages.send(p["ann"], crisis.id, "still here")).message is not None
    with pytest.raises(Invalid):
        await messages.send(p["bea"], room.id, "x", content_warning="y" * 61)


async def test_leadership_decides_held_messages(world):
    services, p = world
    room = await services.channels.by_name(LIVING_ROOM)
    no_sales = services.no_sales
    with pytest.raises(NotFound):
        await no_sales.ask_leadership(p["ann"])
    await services.messages.send(p["ann"], room.id, "Commissions open! Portraits $40, DM me")
    assert await no_sales.pending(p["sam"]) == []  # held, not yet sent to leadership
    held = await no_sales.ask_leadership(p["ann"])
    with pytest.raises(NotFound):
        await no_sales.pending(p["bea"])  # members cannot read held messages
    with pytest.raises(NotFound):
        await no_sales.decide(p["bea"], held.id, approve=True)
    assert [h.id for h in await no_sales.pending(p["sam"])] == [held.id]
    view, message = await no_sales.decide(p["sam"], held.id, approve=False)
    assert view.status == "declined" and message is None
    assert await services.channels.history(p["bea"], room.id) == []
    with pytest.raises(NotFound):
        await no_sales.decide(p["sam"], held.id, approve=True)  # decided once
    audit = await services.audit.list_all(limit=10, action="held_message.decline")
    assert [(a.action, a.actor_handle, a.subject_handle) for a in audit] == [("held_message.decline", "sam", "ann")]


def test_patterns_are_configurable_and_a_bad_one_is_refused(tmp_path):
    (tmp_path / "config.toml").write_text('[[solicitation_patterns]]\nkind = "a raffle"\npattern = "raffle tickets?"\n')
    assert load_config(tmp_path).solicitation_patterns == (("a raffle", "raffle tickets?"),)
    (tmp_path / "config.toml").write_text('[[solicitation_patterns]]\nkind = "bad"\npattern = "(unclosed"\n')
    with pytest.raises(ConfigError, match="not valid"):
        load_config(tmp_path)


def test_a_version_5_file_gets_the_boundaries_tables(tmp_path):
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        for table in ("trigger_word", "mute", "boundary_settings", "held_message"):
            db.execute(f"DROP TABLE {table}")
        db.execute("ALTER TABLE message DROP COLUMN content_warning")
        db.execute("UPDATE schema_version SET version = 5")
    store = Store(path)
    store.close()
    assert store.schema_version == SCHEMA_VERSION  # 5 -> 6 is this step, then on to the newest
    with sqlite3.connect(path) as db:
        assert "content_warning" in {row[1] for row in db.execute("PRAGMA table_info(message)")}
        assert db.execute("SELECT count(*) FROM held_message").fetchone() == (0,)


async def test_a_profiles_triggers_field_seeds_the_private_list(world):
    """Issue 10's profile "triggers" field is copied in once, when there is one to copy."""
    from safespace_tui.store.models import Profile

    services, p = world
    boundaries = services.boundaries
    assert (await boundaries.load(p["bea"])).triggers == ()  # no profile yet: nothing, and not marked
    boundaries._lenses.clear()
    await services.store.write(lambda: Profile.create(member=p["bea"].id, triggers="Fireworks, loud bangs;\nsirens"))
    assert (await boundaries.load(p["bea"])).triggers == ("fireworks", "loud bangs", "sirens")
