"""Issue 11, mediation, in the app (Textual's pilot, real services on a real SQLite file): the
small form of ``/mediation`` asks, keeps what was typed when refused and says why in place; a
senior member hears at session start that a request waits; the form's picture (snapshots)."""

from __future__ import annotations

import pytest

from appkit import build_services, make_app, run_sync, seed
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.mediation import MediationScreen


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    yield services, ids
    services.store.close()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_form_asks_and_a_refusal_keeps_what_was_typed(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/mediation", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MediationScreen)
        await pilot.press(*"nobody", "enter", *"we clash", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MediationScreen)  # refused: still here, and says why
        answer = str(app.screen.query_one("#mediation-answer").render())
        assert "no member called 'nobody'" in answer
        assert app.screen.query_one("#mediation-words").value == "we clash"  # nothing lost
        await pilot.press("shift+tab", *["backspace"] * 6, *"bea", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert any(n.startswith("Asked (mediation 1)") for n in notices(app))
    ann = run_sync(services.members.get(ids["ann"]))
    (asked,) = run_sync(services.mediation.mine(ann))
    assert (asked.other, asked.words, asked.state) == ("bea", "we clash", "requested")
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "A request for mediation waits for leadership: /mediation list" in notices(app)


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((48, 20), id="48x20")]


@pytest.mark.parametrize("size", SIZES)
def test_the_mediation_form(world, snap_compare, size):
    services, ids = world
    app = make_app(services, ids["ann"])

    async def no_ask(with_whom: str, words: str) -> str | None:
        return None

    async def open_form(pilot) -> None:
        for _ in range(2):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        app.push_screen(MediationScreen(["1. ann and bea, mediated by sam: picking a time"], no_ask))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_form)
