"""Issue 11, your own words and reports, at the service layer against a real SQLite file: who may
edit, delete, report and decide (a refusal reads "not found"); an edit keeps the group's rules;
hidden words are never found by search; outcomes wait for a reporter who was away; the schema
step 9 -> 10 is idempotent; the line mode shows "(edited)" and the deleted line."""

from __future__ import annotations

import sqlite3

import pytest

from appkit import service_world
from safespace_tui.hub import channel_topic, member_topic
from safespace_tui.line import render
from safespace_tui.services.channels import LIVING_ROOM, MessageEdited
from safespace_tui.services.errors import Invalid, NotFound
from safespace_tui.services.reports import REPORTS, ReportChanged
from safespace_tui.store import migrations
from safespace_tui.store.db import Store


@pytest.fixture
async def world(tmp_path):
    async with service_world(tmp_path, {"ann": "member", "bea": "member", "sam": "senior"}) as w:
        yield w


async def _post(services, who, text):
    room = await services.channels.by_name(LIVING_ROOM)
    return await services.channels.post(who, room.id, text)


async def test_only_the_author_edits_or_deletes_and_others_are_told_not_found(world):
    services, p, hub = world
    message = await _post(services, p["ann"], "a good walk today")
    heard: list[object] = []
    hub.subscribe(channel_topic(message.channel_id), heard.append)
    for who in (p["bea"], p["sam"]):  # a senior member is no author either
        with pytest.raises(NotFound, match="no such message"):
            await services.own_words.edit(who, message.id, "taken over")
        with pytest.raises(NotFound, match="no such message"):
            await services.own_words.delete(who, message.id)
    with pytest.raises(NotFound, match="no such message"):
        await services.own_words.edit(p["ann"], 999_999, "nothing there")
    edited = await services.own_words.edit(p["ann"], message.id, "a good long walk today")
    assert (edited.body, edited.edited, edited.removed) == ("a good long walk today", True, "")
    deleted = await services.own_words.delete(p["ann"], message.id)
    assert (deleted.body, deleted.removed) == ("", "author")
    assert [type(e) for e in heard] == [MessageEdited, MessageEdited]
    with pytest.raises(NotFound):  # once deleted, there is nothing left to edit
        await services.own_words.edit(p["ann"], message.id, "back again")
    history = await services.channels.history(p["bea"], message.channel_id)
    assert [(m.body, m.removed) for m in history] == [("", "author")]


async def test_an_edit_keeps_the_groups_rules_and_loses_nothing(world):
    services, p, _hub = world
    message = await _post(services, p["ann"], "thinking of you all")
    with pytest.raises(Invalid, match="new message"):
        await services.own_words.edit(p["ann"], message.id, "SOS I need someone")
    with pytest.raises(Invalid, match="charter"):
        await services.own_words.edit(p["ann"], message.id, "buy my course, only $50, paypal.me/ann")
    history = await services.channels.history(p["ann"], message.channel_id)
    assert [(m.body, m.edited) for m in history] == [("thinking of you all", False)]


async def test_report_hide_and_the_reporter_told_later_if_away(world):
    services, p, hub = world
    message = await _post(services, p["ann"], "findable zanzibarly words")
    leadership: list[ReportChanged] = []
    bea_told: list[ReportChanged] = []
    hub.subscribe(REPORTS, leadership.append)
    hub.subscribe(member_topic(p["bea"].id), bea_told.append)
    with pytest.raises(Invalid, match="your own message"):
        await services.reports.report(p["ann"], message.id, "unkind")
    with pytest.raises(Invalid, match="reasons"):
        await services.reports.report(p["bea"], message.id, "because")
    report_id = await services.reports.report(p["bea"], message.id, "unkind", "it stung")
    assert await services.reports.report(p["bea"], message.id, "other") == report_id  # once is enough
    assert [e.status for e in leadership] == ["open"]
    with pytest.raises(NotFound):  # members neither read reports nor decide them
        await services.reports.open_reports(p["ann"])
    with pytest.raises(NotFound):
        await services.reports.decide(p["ann"], report_id, hide=True)
    assert [f.message.id for f in await services.search.search(p["sam"], "zanzibarly")] == [message.id]
    (open_report,) = await services.reports.open_reports(p["sam"])
    assert (open_report.reason, open_report.note, open_report.message.body) == (
        "unkind or hurtful",
        "it stung",
        "findable zanzibarly words",
    )
    assert await services.reports.decide(p["sam"], report_id, hide=True, why="unkind") == "hidden"
    assert [e.status for e in bea_told] == ["hidden"]
    assert await services.search.search(p["sam"], "zanzibarly") == []  # hidden words are never found
    (shown,) = await services.channels.history(p["ann"], message.channel_id)
    assert (shown.body, shown.removed) == ("", "leadership")
    with pytest.raises(NotFound):  # decided once
        await services.reports.decide(p["sam"], report_id, hide=False)
    # bea was away: the outcome waits for her next session, once
    assert await services.reports.untold_outcomes(p["bea"]) == [(report_id, "hidden")]
    await services.reports.mark_told(p["bea"], report_id)
    assert await services.reports.untold_outcomes(p["bea"]) == []
    actions = [a.action for a in await services.audit.list_all()]
    assert actions[:3] == ["report.hide", "reports.read", "report.made"]


def test_step_9_to_10_is_idempotent(tmp_path):
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE report")
        db.execute("ALTER TABLE message DROP COLUMN edited_at")
        db.execute("ALTER TABLE message DROP COLUMN removed")
        db.execute("UPDATE schema_version SET version = 9")
    db.close()
    store = Store(path)
    try:
        assert store.schema_version == migrations.SCHEMA_VERSION >= 10  # 9 -> 10, then on to the newest
        store.write_sync(lambda: migrations.STEPS[9](store.db))  # again: nothing to do
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(message)")}
        assert {"edited_at", "removed"} <= columns
        assert db.execute("SELECT count(*) FROM report").fetchone() == (0,)
    db.close()


async def test_the_line_mode_shows_edited_and_deleted(world):
    services, p, _hub = world
    message = await _post(services, p["ann"], "plain words")
    edited = await services.own_words.edit(p["ann"], message.id, "plainer words")
    assert render.message_line(edited, LIVING_ROOM, "UTC").endswith("ann: plainer words (edited)")
    deleted = await services.own_words.delete(p["ann"], message.id)
    assert render.message_line(deleted, LIVING_ROOM, "UTC").endswith("ann: (message deleted)")
