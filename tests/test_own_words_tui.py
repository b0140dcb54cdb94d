"""Issue 11 in the app (Textual's pilot, real services on a real SQLite file): what waits is said
when a session starts: a reporter away when leadership decided hears the outcome (once), and a
senior member hears how many reports wait."""

from __future__ import annotations

import pytest

from appkit import add_messages, build_services, make_app, run_sync, seed
from safespace_tui.services.channels import LIVING_ROOM
from safespace_tui.services.reports import OUTCOME_WORDS


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior", "tom": "senior"})
    add_messages(services, LIVING_ROOM, ids["ann"], ["first", "second"])
    yield services, ids
    services.store.close()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _report_both(services, ids) -> list[int]:
    async def run() -> list[int]:
        bea = await services.members.get(ids["bea"])
        room = await services.channels.by_name(LIVING_ROOM)
        return [
            await services.reports.report(bea, m.id, "unkind") for m in await services.channels.history(bea, room.id)
        ]

    return run_sync(run())


async def test_a_reporter_away_hears_the_outcome_once_and_leadership_how_many_wait(world):
    services, ids = world
    first, _second = _report_both(services, ids)
    sam = run_sync(services.members.get(ids["sam"]))
    run_sync(services.reports.decide(sam, first, hide=False))
    app = make_app(services, ids["tom"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "1 report waits for leadership: /reports" in notices(app)
    app = make_app(services, ids["bea"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert OUTCOME_WORDS["dismissed"] in notices(app)
        assert not any("waits for leadership" in n for n in notices(app))  # not for members
    app = make_app(services, ids["bea"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert OUTCOME_WORDS["dismissed"] not in notices(app)  # told once
