"""Sessions start one at a time (ssh/session.py ``StartTurn``): the turn is always given back,
once the app has settled, when the start is abandoned, or after the limit."""

from __future__ import annotations

import asyncio

from harness import wait_until
from safespace_tui.ssh import session as ssh_session
from safespace_tui.ssh.session import StartTurn


async def test_the_turn_is_given_back_once_the_app_has_settled() -> None:
    lock = asyncio.Lock()
    turn = StartTurn(lock)
    await turn.take()
    settled = asyncio.Event()
    holder = asyncio.create_task(turn.until_settled(settled))
    await asyncio.sleep(0)
    assert lock.locked()  # the next session waits while this one starts
    settled.set()
    await holder
    assert not lock.locked()
    turn.give_back()  # (the session's own give_back after the app ends changes nothing)
    assert not lock.locked()


async def test_a_start_abandoned_before_its_holder_ran_still_gives_the_turn_back() -> None:
    """The app ended at once (the member's connection dropped): the holder is cancelled before it
    ever ran, and the session's give_back is what frees the next start."""
    lock = asyncio.Lock()
    turn = StartTurn(lock)
    await turn.take()
    holder = asyncio.create_task(turn.until_settled(asyncio.Event()))
    holder.cancel()
    turn.give_back()
    assert not lock.locked()
    next_turn = StartTurn(lock)
    await asyncio.wait_for(next_turn.take(), 5)


async def test_a_start_that_never_settles_gives_the_turn_back_after_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(ssh_session, "START_TURN_LIMIT", 0.05)
    lock = asyncio.Lock()
    turn = StartTurn(lock)
    await turn.take()
    holder = asyncio.create_task(turn.until_settled(asyncio.Event()))
    await wait_until(lambda: not lock.locked(), 10, "the turn was kept past its limit")
    await holder
