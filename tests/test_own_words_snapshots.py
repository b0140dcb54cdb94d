"""Snapshots for issue 11, your own words and reports: the conversation with a message edited, one
deleted by its author and one hidden by leadership (as bea sees it), and the two report dialogs,
drawn with the product stylesheet on a real SafeSpaceApp at 80x24 and 48x20. The messages are
changed through the real services on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.screen import Screen

from appkit import add_messages, build_services, make_app, run_sync, seed
from safespace_tui.services.channels import LIVING_ROOM
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.report import ReportNoteScreen, reason_screen


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    add_messages(services, LIVING_ROOM, ids["ann"], ["slept a little better", "this one I take back"])
    add_messages(services, LIVING_ROOM, ids["sam"], ["something unkind"])
    add_messages(services, LIVING_ROOM, ids["bea"], ["glad to hear it, ann"])

    async def change() -> None:
        ann, bea, sam = [await services.members.get(ids[n]) for n in ("ann", "bea", "sam")]
        room = await services.channels.by_name(LIVING_ROOM)
        first, second, unkind, _ = await services.channels.history(ann, room.id)
        await services.own_words.edit(ann, first.id, "slept a little better, six hours")
        await services.own_words.delete(ann, second.id)
        report = await services.reports.report(bea, unkind.id, "unkind")
        await services.reports.decide(sam, report, hide=True)
        await services.reports.mark_told(bea, report)  # (else the outcome's notice is in every picture)

    run_sync(change())
    yield services, ids
    services.store.close()


def snapshot(snap_compare, world, screen: Callable[[], Screen] | None, size) -> bool:
    services, ids = world
    app = make_app(services, ids["bea"])

    async def open_screen(pilot) -> None:
        for _ in range(2):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        while not isinstance(app.screen, MainScreen):
            app.pop_screen()
        if screen is not None:
            app.push_screen(screen())
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=open_screen)


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((48, 20), id="48x20")]


@pytest.mark.parametrize("size", SIZES)
def test_edited_deleted_and_hidden_in_the_conversation(world, snap_compare, size):
    assert snapshot(snap_compare, world, None, size)


@pytest.mark.parametrize("size", SIZES)
def test_report_reason(world, snap_compare, size):
    assert snapshot(snap_compare, world, reason_screen, size)


@pytest.mark.parametrize("size", SIZES)
def test_report_note(world, snap_compare, size):
    assert snapshot(snap_compare, world, ReportNoteScreen, size)
