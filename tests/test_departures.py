"""Issue 13, no freeze when members leave: a closed session is freed by reference counting as it
closes, so the server needs no full garbage collection (which stops every screen: 0.9-1.0 s with
50 sessions) when someone leaves. Measured from outside over real SSH, with the server's own
counts (SIGUSR1/SIGUSR2 status lines): deterministic, no timing.
"""

from __future__ import annotations

import pytest

from conftest import running_group
from harness import Terminal, ssh_connect

# What a departure may leave in reference cycles: measured 39 for 3 departures (the closed
# socket's transport, a few layout closures); before, 10.7-11.1 k per departure (the whole app).
CYCLIC_PER_DEPARTURE = 300
# A connection that logged in and closed: measured 36 for 5 (the closed socket's transport);
# 276 for 5 with asyncssh's connection left in its cycles.
CYCLIC_PER_CONNECTION = 20


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("departures"), {"ann": "member", "bea": "member"}) as g:
        yield g


async def visit(group, how: str) -> None:
    """bea connects, says something ann sees, and leaves: with Ctrl+Q, by closing SSH, or by
    dropping the TCP connection without a word."""
    bea = await Terminal.connect(group.port, group.keys["bea"])
    await bea.type_line(f"leaving by {how}")
    await bea.wait_for_message("bea", f"leaving by {how}")  # posted before leaving
    if how == "ctrl+q":
        bea.send("\x11")
        await bea.wait_closed()
        await bea.close()
    elif how == "close":
        await bea.close()
    else:
        bea.conn.abort()


async def test_members_who_leave_are_freed_without_a_full_collection(group):
    """Promise: every way of leaving frees the session's app by reference counting (``apps`` back
    to the one still open without any full collection having run), and a full collection after
    three departures finds next to nothing in cycles (was ~11 k objects per departure)."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        # Warm-up visit: the first session makes one-time caches; then a clean slate.
        await visit(group, "close")
        await group.server.wait_status(sessions=1, connections=1)
        before = await group.server.status(collect=True)
        for how in ("ctrl+q", "close", "drop"):
            await visit(group, how)
            await ann.wait_for(f"leaving by {how}")
        after_leaving = await group.server.wait_status(sessions=1, connections=1, apps=1)
        assert after_leaving["collections"] == before["collections"], "freed by reference counting alone"
        collected = await group.server.status(collect=True)
        assert collected["cyclic"] < 3 * CYCLIC_PER_DEPARTURE, collected
        assert collected["apps"] == 1
    finally:
        await ann.close()


async def test_a_connection_that_never_opened_a_session_leaves_nothing_in_cycles(group):
    """The SSH side alone (login, no session, close): asyncssh's connection kept itself in a
    cycle (its packet reader, our key check) until a full collection."""
    await group.server.wait_status(sessions=0, connections=0)
    before = await group.server.status(collect=True)
    for _ in range(5):
        conn = await ssh_connect(group.port, group.keys["ann"])
        conn.close()
        await conn.wait_closed()
    await group.server.wait_status(connections=0)
    collected = await group.server.status(collect=True)
    assert collected["collections"] == before["collections"] + 1
    assert collected["cyclic"] < 5 * CYCLIC_PER_CONNECTION, collected


async def test_a_closed_app_is_released_in_steps_that_let_other_sessions_run(tmp_path):
    """Walking a closed session to break its cycles (~11 k objects) ran in one go: no other
    session drew a frame or took a key meanwhile (in-process, 50 sessions: 340 ms of profiled CPU
    per departure). Released in steps, others run between them, and the app is emptied all the
    same."""
    import asyncio

    from appkit import build_services, make_app, seed
    from safespace_tui.tui.textual_fixes import release_app_gradually

    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member"})
    try:
        app = make_app(services, ids["ann"])
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.screen_stack[0] if app.screen_stack else None
        others_ran = 0

        async def another_session() -> None:
            nonlocal others_ran
            while True:
                others_ran += 1
                await asyncio.sleep(0)

        other = asyncio.create_task(another_session())
        await asyncio.sleep(0)
        ran_before = others_ran
        emptied = await release_app_gradually(app)
        other.cancel()
        assert emptied > 20 and vars(app) == {}
        assert screen is None or vars(screen) == {}
        assert others_ran - ran_before >= 3, "the walk gave the loop back along the way"
    finally:
        services.store.close()
