"""One way through the app: the command table and the session controller, with a real store.

Stories a member would tell: Tab finishes a command, a typo is answered with what was meant,
help and the key line offer only what this member may use, and a request from a screen is
answered by the controller (messages up, methods down).
"""

from __future__ import annotations

import asyncio

import pytest

from appkit import add_messages, build_services, make_app, seed
from harness import wait_until
from safespace_tui import commands
from safespace_tui.services.views import MemberView
from safespace_tui.tui.app import SafeSpaceApp
from safespace_tui.tui.messages import Request, Submitted
from safespace_tui.tui.screens.help import HelpScreen
from safespace_tui.tui.widgets.key_bar import KeyBar
from safespace_tui.tui.widgets.message_box import MessageBox
from safespace_tui.tui.widgets.message_log import MessageLog

ANN = MemberView(1, "ann", "ann", "member")
SAM = MemberView(2, "sam", "sam", "senior")


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "sam": "senior"})
    add_messages(services, "living-room", ids["sam"], ["Morning, all."])  # at 09:30 UTC
    yield services, ids
    services.store.close()


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def notes(app: SafeSpaceApp) -> list[str]:
    return [n.message for n in app._notifications]


def box(app: SafeSpaceApp) -> MessageBox:
    return app.screen.query_one(MessageBox)


# -- the table itself ------------------------------------------------------------------------------


def test_a_mistyped_command_finds_the_one_meant_among_those_the_member_may_use():
    assert commands.nearest("stauts", ANN) == ["status"]
    assert commands.nearest("alert", ANN) == []  # /alerts is for senior members: never suggested to ann
    assert commands.nearest("alert", SAM) == ["alerts"]
    assert "Did you mean /status?" in commands.unknown_words("stauts", ANN)


def test_completion_offers_only_what_the_member_may_use():
    assert commands.complete("qu", ANN) == []
    assert commands.complete("qu", SAM) == ["quiet-members"]
    assert commands.complete("s", ANN) == ["sos", "status", "spoons", "search", "share-plan", "show"]
    assert commands.complete("no", ANN) == ["nominate"] and commands.complete("no", SAM) == [
        "notify",
        "nominate",
        "nominations",
    ]


def test_every_command_has_one_entry_and_every_key_one_command():
    names = [command.name for command in commands.COMMANDS]
    keys = [key.key for _command, key in commands.keys_of(commands.COMMANDS)]
    assert len(names) == len(set(names)) and len(keys) == len(set(keys))


def test_the_apps_keys_are_the_tables_keys():
    """F-keys and Ctrl+S are bound from the table, each running its command, and nothing else is."""
    bound = {binding.key: binding.action for binding in SafeSpaceApp.BINDINGS if binding.action.startswith("run(")}
    expected = {
        key.key: f"run({command.name!r}, {key.argument!r})" for command, key in commands.keys_of(commands.COMMANDS)
    }
    assert bound == expected


# -- in the app ------------------------------------------------------------------------------------


async def test_tab_after_a_slash_completes_a_command_name(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/che", "tab")
        assert box(app).text == "/checkin "
        box(app).clear()
        await pilot.press(*"/s", "tab")  # /sos /status /spoons: said, and the box keeps "/s"
        await settle(pilot)
        assert box(app).text == "/s"
        assert any("/sos  /status  /spoons" in note for note in notes(app))
        box(app).clear()
        await pilot.press(*"/quiet", "tab")  # a senior's command is not offered to ann
        await settle(pilot)
        assert box(app).text == "/quiet"
        box(app).clear()
        await pilot.press(*"hello", "tab")  # not a command: Tab still moves on from the box
        assert not box(app).has_focus


async def test_tab_completes_a_seniors_command_for_a_senior(world):
    services, ids = world
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        while len(app.screen_stack) > 2:  # no waiting alerts here, but be sure the box is in front
            app.pop_screen()
        await pilot.press(*"/quiet", "tab")
        assert box(app).text == "/quiet-members "


async def test_a_mistyped_command_names_the_nearest_and_up_brings_it_back(world):
    """Issue 12: the refused text used to stay in the box and the next words were glued to it;
    the box is now empty for what comes next, and Up brings the command back to be mended."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/stauts low", "enter")
        await settle(pilot)
        assert any("There's no /stauts command. Did you mean /status?" in note for note in notes(app))
        assert box(app).text == ""
        await pilot.press("up")
        assert box(app).text == "/stauts low"
        assert app.session.member.status == "available"


async def test_a_seniors_command_typed_by_a_member_is_refused_kindly(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/alerts", "enter")
        await settle(pilot)
        assert any("/alerts is for senior members" in note and "Ctrl+S" in note for note in notes(app))
        assert len(app.screen_stack) == 2  # the main screen only: no pane opened


@pytest.mark.parametrize(("who", "offered"), [("ann", False), ("sam", True)])
async def test_help_and_the_key_line_offer_seniors_commands_only_to_seniors(world, who, offered):
    services, ids = world
    app = make_app(services, ids[who])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert ("Alerts" in app.screen.query_one(KeyBar).shown_descriptions) is offered
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("Static").render())
        assert ("/alerts" in shown) is offered and ("/move" in shown) is offered
        assert "/join CHANNEL" in shown and "Ctrl+S" in shown


async def test_timezone_changes_the_times_in_the_open_conversation_at_once(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        assert "09:30" in log.render_line(0).text
        await pilot.press(*"/timezone Asia/Tokyo", "enter")
        await settle(pilot)
        assert app.session.member.timezone == "Asia/Tokyo"
        assert "18:30" in log.render_line(0).text


async def test_a_screen_asks_and_the_session_answers(world):
    """Messages up, methods down: Enter in the box posts one Submitted request, the App hands it
    to the session, and the session draws the sent line on the screen it owns."""
    services, ids = world
    app = make_app(services, ids["ann"])
    seen: list[Request] = []
    async with app.run_test(
        size=(100, 30), message_hook=lambda m: seen.append(m) if isinstance(m, Request) else None
    ) as pilot:
        await settle(pilot)
        await pilot.press(*"hi all", "enter")
        await settle(pilot)
        asked = {id(r): r for r in seen}.values()  # the hook sees a message at each step as it bubbles
        assert [(type(r), r.text) for r in asked if isinstance(r, Submitted)] == [(Submitted, "hi all")]
        assert app.screen.query_one(MessageLog).messages[-1].body == "hi all"


async def test_a_channel_chosen_while_the_lists_load_stays_chosen(world):
    """Found under load (CI-like, 1 run in 7): /join typed the moment the screen appeared was undone
    when the first channel finished loading. The loading is held open here with a gate around the
    real service, so the order is certain: the member's choice wins."""
    services, ids = world
    gate = asyncio.Event()
    real_list_for = services.channels.list_for

    async def held_list_for(actor):
        await gate.wait()
        return await real_list_for(actor)

    services.channels.list_for = held_list_for
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"/join wins", "enter")
        await wait_until(lambda: app.session.main.current is not None, 10, "/join did nothing")
        gate.set()
        await settle(pilot)
        assert app.session.main.current.name == "wins"
        assert [m.body for m in app.screen.query_one(MessageLog).messages] == []  # wins is empty here
        assert "#wins" in str(app.screen.query_one("#channel-title").render())


async def test_an_sos_sent_before_the_first_channel_opens_waits_for_it_and_reaches_seniors(world):
    """Words sent the moment the screen appears, before the first channel is open (its history
    still being read), wait for it instead of going nowhere. An "SOS" typed on arrival used to be
    given back to the box without a word and reached nobody (CI, under load). The moment is made
    here by hand: no channel shown yet, then the channel opens while the SOS waits."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        session = app.session
        channel = session.main.current
        assert channel is not None
        session.main.current = None  # as on arrival: the conversation not shown yet
        session._channel_shown.clear()
        sending = asyncio.create_task(session.send("SOS"))
        await pilot.pause()
        assert not sending.done()  # it waits for a channel rather than giving up
        await session._show(channel)
        assert await sending is True
        alerts = await services.crisis.admin_list(open_only=True)
        assert [a.member_name for a in alerts] == ["ann"]
