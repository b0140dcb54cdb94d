"""Snapshots of the seniors' monitoring pane docked beside the conversation (140x40) and of the
status bar's one-line summary (80x24), issue 14. Same world and helpers as test_screen_snapshots:
real services on a real SQLite file, the day's clock fixed to DAY, alerts stamped later than any
run (their ages read "just now").
"""

from __future__ import annotations

from datetime import datetime

import pytest

from appkit import build_services, make_app, run_sync, seed
from safespace_tui.store.models import Member
from safespace_tui.tui.screens.main import MainScreen
from test_screen_snapshots import DAY, World, online, settle, two_open_alerts


@pytest.fixture
def world(tmp_path):
    """As in test_screen_snapshots: ann and bea (members), sam and kit (senior members); the day is DAY."""
    services = build_services(tmp_path)
    services.spoons.clock = lambda: DAY
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior", "kit": "senior"})
    yield World(services, ids)
    services.store.close()


def hard_day(world: World) -> None:
    """ann is down to 1 spoon; bea is low and has not said a word since she joined on 10 Nov."""
    services = world.services
    run_sync(services.spoons.set(world.member("ann"), 1))
    run_sync(services.members.set_status(world.member("bea"), "low", ""))
    bea = world.ids["bea"]
    services.store.write_sync(
        lambda: Member.update(created_at=datetime(2026, 11, 10, 8, 0)).where(Member.id == bea).execute()
    )
    online(world, "sam")
    run_sync(services.notices.set_on_call(world.member("kit"), True))


def main_screen(snap_compare, world: World, viewer: str, size: tuple[int, int], *keys: str) -> bool:
    app = make_app(world.services, world.ids[viewer])

    async def ready(pilot) -> None:
        await settle(pilot)
        while not isinstance(app.screen, MainScreen):  # a senior's session opens its notice of waiting alerts
            app.pop_screen()
        app.clear_notifications()  # the notice of the waiting alert is a toast: it would hide the status bar
        await pilot.press(*keys)
        await settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=ready)


def test_watch_pane_docked_140x40(world, snap_compare):
    two_open_alerts(world)
    hard_day(world)
    assert main_screen(snap_compare, world, "sam", (140, 40), "f3")


def test_watch_summary_line_80x24(world, snap_compare):
    two_open_alerts(world)
    hard_day(world)
    assert main_screen(snap_compare, world, "sam", (80, 24))
