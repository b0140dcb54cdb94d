"""Issue 11, the reports pane in the app (Textual's pilot, real services on a real SQLite file):
F12 opens it for leadership, most recent first, with the message in context; a report made while
it is open appears in it (the hub); its keys hide, warn, time out and (admins only) remove, each
through a dialog and the services; a member has no pane. And a snapshot of the pane at 100x30."""

from __future__ import annotations

from datetime import datetime

import pytest

from appkit import add_messages, build_services, make_app, run_sync, seed
from safespace_tui.services.channels import LIVING_ROOM
from safespace_tui.store.models import Report
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.private_talk import PrivateTalkScreen
from safespace_tui.tui.screens.reports_pane import ReportsScreen

LATER = datetime(2099, 11, 24, 21, 40)  # later than any run: ages read "just now" in the picture


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior", "ada": "admin"})
    add_messages(services, LIVING_ROOM, ids["bea"], ["morning all, slow start today"])
    add_messages(services, LIVING_ROOM, ids["ann"], ["you're all [bold]pathetic[/bold] honestly"])
    add_messages(services, LIVING_ROOM, ids["bea"], ["that hurt to read"])
    add_messages(services, LIVING_ROOM, ids["ann"], ["DM me for cheap meds, paypal only"])
    yield services, ids
    services.store.close()


def member(services, ids, name):
    return run_sync(services.members.get(ids[name]))


def report(services, ids, reporter: str, index: int, reason: str, note: str = "") -> int:
    """``reporter`` reports message ``index`` of the living room (0 = oldest)."""

    async def run() -> int:
        who = await services.members.get(ids[reporter])
        room = await services.channels.by_name(LIVING_ROOM)
        messages = await services.channels.history(who, room.id)
        return await services.reports.report(who, messages[index].id, reason, note)

    return run_sync(run())


def pin_report_times(services) -> None:
    def write() -> None:
        for row in Report.select():
            Report.update(created_at=LATER.replace(minute=40 + row.id)).where(Report.id == row.id).execute()

    services.store.write_sync(write)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot, condition, what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await settle(pilot)
    raise AssertionError(f"never: {what}")


def text_of(screen) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in screen.query(Static))


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_pane(pilot) -> ReportsScreen:
    app = pilot.app
    await settle(pilot)
    while not isinstance(app.screen, MainScreen):
        app.pop_screen()
    await pilot.press("f12")
    await until(pilot, lambda: isinstance(app.screen, ReportsScreen), "the pane opens")
    pane = app.screen
    assert isinstance(pane, ReportsScreen)
    return pane


async def test_the_pane_lists_reports_newest_first_live_and_hides_one(world):
    services, ids = world
    first = report(services, ids, "bea", 1, "unkind", "not the first time")
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_pane(pilot)
        await until(pilot, lambda: [r.id for r in pane.reports] == [first], "the open report")
        detail = text_of(pane)
        assert "Reported by bea: unkind or hurtful" in detail and "not the first time" in detail
        assert ">> ann: you're all [bold]pathetic[/bold] honestly" in detail  # as written, never markup
        assert "bea: morning all, slow start today" in detail and "bea: that hurt to read" in detail
        # a report made elsewhere while the pane is open comes to it, first
        second = report(services, ids, "bea", 3, "selling")
        await until(pilot, lambda: [r.id for r in pane.reports] == [second, first], "the new report, first")
        # the selection stays where it was: a key meant for that report never lands on the new one
        assert pane.selected is not None and pane.selected.id == first and "not the first time" in text_of(pane)
        await pilot.press("h")
        await until(pilot, lambda: [r.id for r in pane.reports] == [second], "hidden, and gone from the pane")
        assert any(n.startswith("Hidden for everyone") for n in notices(app))
        assert pane.check_action("act", ("remove",)) is False  # a senior member, not an admin


async def test_warn_and_timeout_from_the_pane_and_an_admins_removal(world):
    services, ids = world
    report(services, ids, "bea", 1, "unkind")
    app = make_app(services, ids["ada"])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_pane(pilot)
        await until(pilot, lambda: len(pane.reports) == 1, "the report")
        await pilot.press("w")
        await until(pilot, lambda: "Which part of our charter?" in text_of(app.screen), "the rules")
        await pilot.press("1")
        await until(pilot, lambda: "Your own words" in text_of(app.screen), "own words")
        await pilot.press(*"please be gentle", "enter")
        await until(pilot, lambda: any("is told, kindly" in n for n in notices(app)), "warned")
        await pilot.press("t")
        await until(pilot, lambda: "How long?" in text_of(app.screen), "how long")
        await pilot.press("2")  # 4 hours
        await until(pilot, lambda: "Which part of our charter?" in text_of(app.screen), "the rules")
        await pilot.press("1")
        await until(pilot, lambda: "Your own words" in text_of(app.screen), "own words")
        await pilot.press("enter")  # none: the charter's words are enough
        await until(pilot, lambda: any("can read but not post for 4 h" in n for n in notices(app)), "timed out")
        ann = member(services, ids, "ann")
        assert run_sync(services.moderation.paused_until(ann)) is not None
        assert pane.check_action("act", ("remove",)) is True
        await pilot.press("x")
        await until(pilot, lambda: "Remove ann from the group?" in text_of(app.screen), "asked first")
        await pilot.press("1")
        await until(pilot, lambda: any("is removed from the group" in n for n in notices(app)), "removed")
    actions = [a.action for a in run_sync(services.audit.list_all(limit=6))]
    assert actions[:3] == ["member.remove", "member.timeout", "member.warn"]


async def test_a_member_has_no_pane(world):
    services, ids = world
    report(services, ids, "bea", 1, "unkind")
    app = make_app(services, ids["bea"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert not any(isinstance(s, ReportsScreen) for s in app.screen_stack)


def test_reports_pane_100x30(world, snap_compare):
    services, ids = world
    report(services, ids, "bea", 1, "unkind", "not the first time [red]today[/red]")
    report(services, ids, "sam", 3, "selling")
    pin_report_times(services)
    app = make_app(services, ids["sam"])

    async def open_it(pilot) -> None:
        pane = await open_pane(pilot)
        await until(pilot, lambda: len(pane.reports) == 2, "both reports")
        await pilot.press("up")  # the older one, with its note (the list goes round)
        await settle(pilot)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_it)


async def test_a_warning_and_a_timeout_given_while_away_are_told_at_the_next_session_once(world):
    services, ids = world
    sam = member(services, ids, "sam")
    run_sync(services.moderation.warn(sam, ids["ann"], "respect", "we miss the kind you"))
    run_sync(services.moderation.timeout(sam, ids["ann"], 4, "boundaries"))
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len([n for n in notices(app) if "leadership" in n.lower()]) == 2, "both told")
        told = notices(app)
        assert any("A note from leadership (sam)" in n and "we miss the kind you" in n for n in told)
        assert any("paused your posting until" in n and "(UTC)" in n for n in told)
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not any("leadership" in n.lower() for n in notices(app))  # once


async def test_a_private_talk_opens_with_talk_name_and_shows_both_sides_live_as_written(world):
    services, ids = world
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        while not isinstance(app.screen, MainScreen):
            app.pop_screen()
        await pilot.press(*"/talk ann", "enter")
        await until(pilot, lambda: isinstance(app.screen, PrivateTalkScreen), "the conversation opens")
        talk = app.screen
        assert isinstance(talk, PrivateTalkScreen)
        await pilot.press(*"are you [bold]ok[/bold]?", "enter")
        await until(pilot, lambda: "are you [bold]ok[/bold]?" in text_of(talk), "sam's line, as written")
        ann = member(services, ids, "ann")
        run_sync(services.private_talk.say(ann, talk.talk.id, "better now, thanks"))
        await until(pilot, lambda: "better now, thanks" in text_of(talk), "ann's answer, live")
        assert "only the two of you can read this" in text_of(talk)
