"""Deleting one's own message in a 100,000-message group (issue 11): what it costs, and what the one
writer thread (every post and every SOS waits behind it) is held for.

    .venv/bin/python bench/own_words.py [--messages 100000] [--runs 20]

In-process: the real OwnWordsService on a real SQLite file (the product's pragmas, the FTS5 index
kept by the triggers) in a temp dir, filled as bench/search.py fills it. A delete empties the body,
then ``Store.checkpoint`` merges the search index ('optimize': without it the deleted words stay in
the index's pages) and empties the -wal. Timed end to end through ``await own_words.delete``, and an
edit for comparison (no checkpoint). The first delete after filling merges every segment the bulk
fill left; the ones after it find one segment and rewrite it, so they are the figure that matters.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from appkit import build_services, seed
from common import dist, header
from safespace_tui.services.channels import LIVING_ROOM
from search import fill, vocabulary


async def run(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="own-words-bench-"))
    rng = random.Random(11)
    services = build_services(work)
    try:
        ids = seed(services, work, {"ann": "member", "bea": "member", "cat": "member", "sam": "senior"})
        fill(services, ids, args.messages, vocabulary(2000, rng), rng)
        ann = await services.members.get(ids["ann"])
        room = await services.channels.by_name(LIVING_ROOM)
        posted = [await services.channels.post(ann, room.id, f"my words {i}") for i in range(2 * args.runs + 1)]
        started = time.perf_counter()
        await services.own_words.delete(ann, posted.pop().id)
        first = (time.perf_counter() - started) * 1000
        print(f"first delete after the bulk fill (merges every segment): {first:.0f} ms")
        edits, deletes = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            await services.own_words.edit(ann, posted.pop().id, "changed words")
            edits.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await services.own_words.delete(ann, posted.pop().id)
            deletes.append((time.perf_counter() - started) * 1000)
        print(f"edit   {dist(edits)}")
        print(f"delete {dist(deletes)}  (the writer thread is held for the index merge and the checkpoint)")
        size = services.store.size() / 1024 / 1024
        print(f"database + wal: {size:.1f} MiB")
    finally:
        services.store.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header(f"edit and delete among {args.messages:,} messages, {args.runs} runs (in-process, real SQLite + FTS5)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
