"""The GC policy: routine collections skip frozen survivors, and a periodic full collection frees what
was left in cycles."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref

from harness import wait_until
from safespace_tui.gc_policy import GCPolicy


class Node:
    """Stands in for a closed session's objects: a reference cycle only the cycle collector frees."""

    def __init__(self) -> None:
        self.me = self


async def test_frozen_cycles_wait_for_the_periodic_full_collection():
    policy = GCPolicy(tick=0.0, max_interval=600)
    try:
        node = Node()
        ref = weakref.ref(node)
        policy.step()  # nothing due: only a freeze
        del node
        gc.collect()
        assert ref() is not None, "a frozen object is skipped by routine collections"
        policy.session_closed()  # a departure is freed by reference counting: no full collection for it
        await asyncio.sleep(0)
        policy.step()  # the next routine step (every 2 s) still skips the frozen heap
        assert policy.full_collections == 0 and ref() is not None
        policy._last_full -= 601  # the interval has passed, and nobody typed
        policy.step()
        assert ref() is None, "the periodic full collection frees it"
        assert policy.full_collections == 1
    finally:
        gc.unfreeze()


def test_nothing_is_collected_in_full_before_the_interval():
    policy = GCPolicy(tick=0.0, max_interval=600)
    for _ in range(50):
        policy.session_closed()
    # whole seconds either side: (t + 600) - t is not exactly 600 in floating point for every t
    assert not policy.full_collection_due(policy._last_full + 599)
    assert policy.full_collection_due(policy._last_full + 601)


def test_a_due_full_collection_waits_for_a_quiet_moment_but_not_forever():
    """A full collection stops every screen (~1 s with 50 sessions): once due, it waits until
    nobody has typed for quiet_for seconds, and runs anyway after twice the interval."""
    policy = GCPolicy(tick=2.0, max_interval=20.0, quiet_for=1.0)
    start = policy._last_full
    policy.note_activity(start + 20.5)  # someone typing as it becomes due
    assert not policy.full_collection_due(start + 21)
    assert policy.full_collection_due(start + 21.6)  # a quiet second
    policy.note_activity(start + 40.5)  # a busy group: never a quiet second
    assert not policy.full_collection_due(start + 39.9)
    assert policy.full_collection_due(start + 40.6)  # twice the interval: runs regardless


async def test_the_status_line_is_cheap_and_only_diagnostics_collect(tmp_path):
    """Promise (issue 8): ``server.status()`` (SIGUSR1) never runs a full collection; the
    diagnostic ``status(collect=True)`` (SIGUSR2) does, and only it counts every object."""
    from safespace_tui.config import load_config
    from safespace_tui.ssh.server import SafeSpaceServer

    server = SafeSpaceServer(load_config(tmp_path, host="127.0.0.1", port=0))
    try:
        cheap = server.status()
        assert server.gc_policy.full_collections == 0
        assert set(cheap) == {
            "tasks",
            "sessions",
            "connections",
            "waiting",
            "slowed",
            "apps",
            "collections",
            "watch_rounds",
            "watch_looks",
        }
        full = server.status(collect=True)
        assert server.gc_policy.full_collections == 1 and full["objects"] > 0
    finally:
        server.store.close()


async def test_pythons_own_collections_are_off_while_the_policy_runs_and_back_after():
    """The steps replace Python's collections, which ran at random moments inside a fan-out."""
    assert gc.isenabled()
    policy = GCPolicy(tick=600.0)
    task = asyncio.create_task(policy.run())
    try:
        await wait_until(lambda: not gc.isenabled(), what="the policy turned Python's collections off")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert gc.isenabled()


async def test_many_new_objects_bring_the_next_step_forward():
    """Members connecting at once make objects fast: a step comes before its tick when that many
    are new, so no step has to look at an unbounded heap (the tick here never comes)."""
    policy = GCPolicy(tick=600.0, young_limit=20_000)
    task = asyncio.create_task(policy.run())
    try:
        await wait_until(lambda: not gc.isenabled(), what="the policy is running")
        kept = []
        while policy.steps == 0 and len(kept) < 10_000_000:
            kept.extend([] for _ in range(5_000))
            await asyncio.sleep(0.01)  # the policy looks at the count four times a second
        assert policy.steps >= 1, "no step though many objects were made"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()
