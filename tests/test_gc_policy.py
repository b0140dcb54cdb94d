"""The GC policy: routine collections skip frozen survivors, and closed sessions are still freed."""

from __future__ import annotations

import asyncio
import gc
import weakref

from safespace_tui.gc_policy import GCPolicy


class Node:
    """Stands in for a closed session's objects: a reference cycle only the cycle collector frees."""

    def __init__(self) -> None:
        self.me = self


async def test_frozen_cycles_wait_for_a_closed_session_then_are_freed():
    open_sessions = [3]
    policy = GCPolicy(lambda: open_sessions[0], tick=0.0, seconds_per_session=0.0)
    try:
        node = Node()
        ref = weakref.ref(node)
        policy.step()  # nothing closed yet: only a freeze
        del node
        gc.collect()
        assert ref() is not None, "a frozen object is skipped by routine collections"
        policy.session_closed()  # cheap now (seconds_per_session=0): collects on the next loop turn
        await asyncio.sleep(0)
        assert ref() is None, "after a session closes, the full collection frees it"
        assert policy.full_collections == 1
    finally:
        gc.unfreeze()


def test_with_many_sessions_open_full_collections_wait_longer():
    policy = GCPolicy(lambda: 50, tick=2.0, seconds_per_session=1.0)
    policy._closed_since_full = 1
    start = policy._last_full
    assert not policy.full_collection_due(start + 10)
    assert policy.full_collection_due(start + 50)


def test_nothing_closed_waits_for_the_longest_interval():
    policy = GCPolicy(lambda: 0, tick=0.0, max_interval=600)
    # whole seconds either side: (t + 600) - t is not exactly 600 in floating point for every t
    assert not policy.full_collection_due(policy._last_full + 599)
    assert policy.full_collection_due(policy._last_full + 601)


def test_a_due_full_collection_waits_for_a_quiet_moment_but_not_forever():
    """A full collection stops every screen (~1 s with 50 sessions): once due, it waits until
    nobody has typed for quiet_for seconds, and runs anyway after four times its usual wait."""
    policy = GCPolicy(lambda: 20, tick=2.0, seconds_per_session=1.0, quiet_for=1.0)  # usual wait: 20 s
    policy._closed_since_full = 1
    start = policy._last_full
    policy.note_activity(start + 20.5)  # someone typing as it becomes due
    assert not policy.full_collection_due(start + 21)
    assert policy.full_collection_due(start + 21.6)  # a quiet second
    policy.note_activity(start + 79.9)  # a busy group: never a quiet second
    assert not policy.full_collection_due(start + 79.95)
    assert policy.full_collection_due(start + 80.5)  # four times the wait: runs regardless


async def test_the_status_line_is_cheap_and_only_diagnostics_collect(tmp_path):
    """Promise (issue 8): ``server.status()`` (SIGUSR1) never runs a full collection; the
    diagnostic ``status(collect=True)`` (SIGUSR2) does, and only it counts every object."""
    from safespace_tui.config import load_config
    from safespace_tui.ssh.server import SafeSpaceServer

    server = SafeSpaceServer(load_config(tmp_path, host="127.0.0.1", port=0))
    try:
        cheap = server.status()
        assert server.gc_policy.full_collections == 0
        assert set(cheap) == {"tasks", "sessions", "connections", "waiting", "slowed", "apps"}
        full = server.status(collect=True)
        assert server.gc_policy.full_collections == 1 and full["objects"] > 0
    finally:
        server.store.close()
