"""Memory of one session that stays open while a busy channel runs on (issue 15).

    .venv/bin/python bench/long_session.py [--messages 20000] [--unbounded]

In-process: the real services on a real SQLite file in a temp dir and the real app, headless
(Textual's ``run_test``), open on #living-room while another member sends ``--messages`` messages
through ``services.messages.send`` (the path a typed message takes; the hub hands each to the open
session's log). Prints the process's RSS (psutil) and the Python heap in use (tracemalloc off; the
heap is read with ``sys.getallocatedblocks``) before and after, and how many messages and lines the
log holds. ``--unbounded`` lifts the log's bound (MAX_MESSAGES) to show what it was before.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from appkit import build_services, make_app, seed
from common import header
from safespace_tui.tui.widgets import message_log
from safespace_tui.tui.widgets.message_log import MessageLog


def mib() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def run(args) -> None:
    if args.unbounded:
        message_log.MAX_MESSAGES = 10**9
    work = Path(tempfile.mkdtemp(prefix="long-session-"))
    services = build_services(work)
    ids = seed(services, work, {"ann": "member", "bea": "member"})
    app = make_app(services, ids["ann"])
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            log = app.screen.query_one(MessageLog)
            channel = app.screen.current.id
            bea = await services.members.get(ids["bea"])
            warm = 200  # caches and first-use costs out of the figure
            for i in range(warm):
                await services.messages.send(bea, channel, f"warm-up {i}: how is everyone doing today?")
            await pilot.pause()
            before, blocks_before = mib(), sys.getallocatedblocks()
            started = time.perf_counter()
            for i in range(args.messages):
                await services.messages.send(bea, channel, f"message {i}: a line of ordinary chat, about this long.")
                if i % 100 == 99:
                    await pilot.pause()
                if i % 5000 == 4999:
                    print(f"  {i + 1:>6} sent, RSS {mib():.1f} MiB, log holds {len(log.messages)}", flush=True)
            await pilot.pause()
            seconds = time.perf_counter() - started
            after, blocks_after = mib(), sys.getallocatedblocks()
            print(f"bound (MAX_MESSAGES): {message_log.MAX_MESSAGES if not args.unbounded else 'none'}")
            print(f"messages sent while open: {args.messages:,} in {seconds:.0f} s")
            print(f"log holds: {len(log.messages):,} messages, {log.virtual_size.height:,} lines")
            print(f"RSS: {before:.1f} MiB before, {after:.1f} MiB after (+{after - before:.1f} MiB)")
            print(f"Python blocks allocated: {blocks_before:,} before, {blocks_after:,} after")
    finally:
        services.store.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--unbounded", action="store_true")
    args = parser.parse_args()
    header("one session open through a busy channel: memory")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
