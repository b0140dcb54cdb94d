"""The docked monitoring pane in the app, driven with Textual's pilot (issue 14): who subscribes
to the overview, that keys typed into the message box never act in the pane, and that acting is
a deliberate step (Tab into the pane, choose a line, then a key). Real services, real SQLite.
"""

from __future__ import annotations

import asyncssh
import pytest

from safespace_tui.config import load_config
from safespace_tui.hub import WELLBEING, Hub
from safespace_tui.services import Services
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.models import AuditEntry, Message
from safespace_tui.tui.app import SafeSpaceApp
from safespace_tui.tui.screens.alerts import AlertsScreen
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.text_page import TextPage
from safespace_tui.tui.widgets.message_box import MessageBox
from safespace_tui.tui.widgets.watch_pane import WatchPane

WIDE = (140, 40)


@pytest.fixture
async def world(tmp_path):
    config = load_config(tmp_path)
    store = Store(config.db_path)
    services = Services(config, store, Hub())
    await services.channels.ensure_defaults()
    people = {}
    for name, role in (("ann", "member"), ("bea", "member"), ("sam", "senior")):
        key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
        people[name] = await services.members.add(name, read_public_key(key), role=role)
    yield services, people
    store.close()


async def until(pilot, condition, what: str) -> None:
    for _ in range(500):
        await pilot.pause(0.01)
        if condition():
            return
    raise AssertionError(f"never happened: {what}")


def docked_list(main: MainScreen):
    """The docked pane's list once it can take the focus (F3 stores the choice, then docks)."""
    pane = main.watch_pane
    found = pane.query("#watch-list") if pane is not None else []
    return found[0] if found and found[0].focusable else None


async def ready(pilot) -> MainScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.current is not None, "main screen")
    await app.workers.wait_for_complete()
    return app.screen


async def test_only_a_senior_session_subscribes_to_the_overview(world):
    services, people = world
    async with SafeSpaceApp(services, people["ann"]).run_test(size=WIDE) as pilot:
        main = await ready(pilot)
        assert services.hub.subscriber_count(WELLBEING) == 0
        await pilot.press("f3")
        await pilot.pause()
        assert main.watch_pane is None and not pilot.app.query(AlertsScreen)
    async with SafeSpaceApp(services, people["sam"]).run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert services.hub.subscriber_count(WELLBEING) == 1
    assert services.hub.subscriber_count(WELLBEING) == 0  # and let go when the session ends


async def test_keys_typed_in_the_message_box_never_act_in_the_pane(world):
    services, people = world
    await services.spoons.set(people["ann"], 1)
    async with SafeSpaceApp(services, people["sam"]).run_test(size=WIDE) as pilot:
        main = await ready(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: main.watch_pane is not None, "the pane docked")
        assert isinstance(pilot.app.focused, MessageBox)
        await pilot.press("c", "p", "enter")  # "cp" sent as a message: nothing opened from the pane
        sent = lambda: services.store.read_sync(lambda: Message.select().where(Message.body == "cp").exists())  # noqa: E731
        await until(pilot, sent, "sam's message sent")
        assert pilot.app.screen is main
        reads = AuditEntry.select().where(AuditEntry.action != "member.add")  # (adding members is recorded)
        assert services.store.read_sync(reads.count) == 0


async def test_tab_into_the_pane_choose_a_line_then_a_key(world):
    services, people = world
    await services.spoons.set(people["ann"], 1)
    await services.checkins.save(people["ann"], _draft(mood=2, note="rough week"))
    await services.crisis.raise_alert(people["ann"], "key", "")  # the first waiting: first on both panes
    raised = await services.crisis.raise_alert(people["bea"], "key", "")
    async with SafeSpaceApp(services, people["sam"]).run_test(size=WIDE) as pilot:
        main = await ready(pilot)
        pilot.app.clear_notifications()
        while pilot.app.screen is not main:  # the notice of a waiting alert
            pilot.app.pop_screen()
        await pilot.press("f3")
        await until(pilot, lambda: docked_list(main) is not None, "the pane docked, its list ready for the focus")
        pane = main.watch_pane
        assert pane is not None
        await pilot.press("tab")
        assert pilot.app.focused is pane.query_one("#watch-list")
        await pilot.press("down", "down", "enter")  # the second line is bea's alert (ann's is first)
        await until(pilot, lambda: isinstance(pilot.app.screen, AlertsScreen), "the alert opened")
        screen = pilot.app.screen
        assert isinstance(screen, AlertsScreen)
        await until(pilot, lambda: screen.selected is not None, "the alert listed")
        assert screen.selected is not None and screen.selected.id == raised.alert.id
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is main, "back to the conversation")

        await pilot.press("down", "c")  # ann, struggling: her latest shared check-in
        await until(pilot, lambda: isinstance(pilot.app.screen, TextPage), "the check-in page")
        assert "rough week" in str(pilot.app.screen.query_one("Static").render())
        actions = services.store.read_sync(lambda: [(a.action, a.subject_id) for a in AuditEntry.select()])
        assert ("checkin.read", people["ann"].id) in actions
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is main, "back again")
        await pilot.press("escape")  # out of the pane: the message box has the focus again
        assert isinstance(pilot.app.focused, MessageBox)
        assert isinstance(pane, WatchPane)


def _draft(**values):
    from safespace_tui.services.checkins import CheckInDraft

    return CheckInDraft(spoons=1, **values)


async def test_a_senior_who_is_no_longer_one_stops_watching_at_once(world):
    services, people = world
    async with SafeSpaceApp(services, people["sam"]).run_test(size=WIDE) as pilot:
        main = await ready(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: main.watch_pane is not None, "the pane docked")
        summary = main.query_one("#watch-summary")
        assert summary.display and services.hub.subscriber_count(WELLBEING) == 1
        await services.members.set_role("sam", "member")  # an admin's change, heard through the hub
        await until(pilot, lambda: main.watch_pane is None, "the pane gone")
        assert not summary.display and services.hub.subscriber_count(WELLBEING) == 0
        await services.spoons.set(people["ann"], 0)  # nothing more reaches this session
        await pilot.press("f3")
        await pilot.pause()
        assert main.watch_pane is None and not pilot.app.query(AlertsScreen)
