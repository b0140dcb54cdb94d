"""Issue 10 in the app (Textual's pilot, real services on a real SQLite file): a click on a name in
the member list opens that member's profile; the deletion dialog's safe choice is the one Enter
presses; Esc in the message-selection mode gives the keys back to the message box."""

from __future__ import annotations

import pytest

from appkit import build_services, make_app, seed
from safespace_tui.store.models import DeletionRequest
from safespace_tui.tui.screens.own_data import DeleteDataScreen
from safespace_tui.tui.screens.profile import ProfileScreen
from safespace_tui.tui.widgets.member_list import MemberList
from safespace_tui.tui.widgets.message_box import MessageBox
from safespace_tui.tui.widgets.message_log import MessageLog


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member"})
    yield services, ids
    services.store.close()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def test_a_click_on_a_name_in_the_member_list_opens_their_profile(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        members = app.screen.query_one(MemberList)
        row = next(i for i, line in enumerate(members.plain_lines()) if "bea" in line)
        await pilot.click(MemberList, offset=(2, row))
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.member_id == ids["bea"]


async def test_enter_in_the_deletion_dialog_keeps_the_data(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/delete-my-data", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DeleteDataScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DeleteDataScreen)
        assert services.store.read_sync(lambda: DeletionRequest.select().count()) == 0


async def test_esc_in_selection_mode_returns_to_the_message_box(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.focused, MessageLog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.focused, MessageBox)


async def test_after_choosing_a_message_the_title_line_is_the_channels_again(world):
    """The selection hint borrows the title line; Esc gives it back even after a page was opened
    and closed on the way (it stayed behind once the title learnt to skip redrawing itself)."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in ("h", "i", "enter", "f10", "1", "w", "escape", "1", "escape"):
            await pilot.press(key)
            await settle(pilot)
        assert isinstance(app.focused, MessageBox)
        title = str(app.screen.query_one("#channel-title").render())
        assert "Up/Down choose" not in title and "#living-room" in title, title
