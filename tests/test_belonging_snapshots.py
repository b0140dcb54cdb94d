"""Snapshots of a member's profile, the members directory and the profile form (issue 10), drawn
with the product stylesheet on a real SafeSpaceApp over its main screen, at 80x24 and 48x20.

Each profile is saved through ProfileService on a real SQLite file, and each screen is given the
view the service returned for that reader (so a picture also shows what that reader may see).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import pytest
from textual.screen import Screen

from appkit import build_services, make_app, run_sync, seed
from safespace_tui.services import Services
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.profile import DirectoryScreen, ProfileForm, ProfileScreen

DAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
ANN = {
    "pronouns": ("she/her", "group"),
    "about": ("Gardener, cat person, slowly learning to rest.", "group"),
    "diagnoses": ("CPTSD; depression, in remission most days.", "group"),
    "goals": ("Sleep before midnight. Say no without apologising.", "group"),
    "challenges": ("Crowded places; asking for help.", "group"),
    "triggers": ("Raised voices. Doors slammed.", "seniors"),
}


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    services.spoons.clock = lambda: DAY
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    member = partial(_member, services, ids)
    run_sync(services.profiles.save_own(member("ann"), ANN))
    run_sync(services.profiles.save_own(member("sam"), {"pronouns": ("he/they", "group")}))
    yield services, ids
    services.store.close()


def _member(services: Services, ids: dict[str, int], name: str):
    return run_sync(services.members.get(ids[name]))


async def _not_in_a_picture(*_args):
    raise AssertionError("a snapshot saves nothing")


async def _settle(pilot) -> None:
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def snapshot(snap_compare, world, viewer: str, screen: Callable[[], Screen], size) -> bool:
    services, ids = world
    app = make_app(services, ids[viewer])

    async def open_screen(pilot) -> None:
        await _settle(pilot)
        while not isinstance(app.screen, MainScreen):
            app.pop_screen()
        app.push_screen(screen())
        await _settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=open_screen)


def profile_of(world, reader: str, name: str) -> Callable[[], Screen]:
    services, ids = world
    view = run_sync(services.profiles.of(_member(services, ids, reader), ids[name]))
    return partial(ProfileScreen, view, own=reader == name)


def directory(world, reader: str) -> Callable[[], Screen]:
    services, ids = world
    return partial(DirectoryScreen, run_sync(services.profiles.directory(_member(services, ids, reader))))


def own_form(world, name: str) -> Callable[[], Screen]:
    services, ids = world
    view = run_sync(services.profiles.of(_member(services, ids, name), ids[name]))
    return partial(ProfileForm, view, _not_in_a_picture)


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((48, 20), id="48x20")]


@pytest.mark.parametrize("size", SIZES)
def test_profile_as_a_member_sees_it(world, snap_compare, size):
    """bea reads ann's profile: every field but the triggers (senior members only)."""
    assert snapshot(snap_compare, world, "bea", profile_of(world, "bea", "ann"), size)


@pytest.mark.parametrize("size", SIZES)
def test_profile_as_a_senior_sees_it(world, snap_compare, size):
    """sam reads ann's profile: the triggers too, marked as for senior members only."""
    assert snapshot(snap_compare, world, "sam", profile_of(world, "sam", "ann"), size)


@pytest.mark.parametrize("size", SIZES)
def test_directory(world, snap_compare, size):
    assert snapshot(snap_compare, world, "bea", directory(world, "bea"), size)


@pytest.mark.parametrize("size", SIZES)
def test_own_profile_form(world, snap_compare, size):
    assert snapshot(snap_compare, world, "ann", own_form(world, "ann"), size)
