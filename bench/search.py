"""Search over a 100,000-message group (issue 12): /search and /mentions as a member runs them.

    .venv/bin/python bench/search.py [--messages 100000] [--runs 200]

In-process: the real SearchService on a real SQLite file (the product's pragmas, FTS5 index kept by
the triggers) in a temp dir. The messages are written through the ORM in one transaction, so the
index is filled by the same triggers a live post fires; a tenth are "senior members only", which a
member's search must skip. Words come from a vocabulary of 2,000 with a skewed (Zipf-like) choice,
as chat is. Then ``--runs`` searches of each kind, as the member ``ann`` (who may not read the
seniors-only tenth), timed end to end through ``await services.search.search`` (the store's reader
thread, the query, the views made): a common word, a rare word, two words, a prefix, and /mentions.
Target: p50 under 100 ms for each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from appkit import build_services, seed
from common import dist, header, pct, verdict
from safespace_tui.store.models import Channel, Message

TARGET_MS = 100.0


def vocabulary(size: int, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size * 2)}
    return sorted(words)[:size]


def fill(services, ids: dict[str, int], count: int, words: list[str], rng: random.Random) -> None:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    authors = [ids["bea"], ids["sam"], ids["cat"]]

    def write() -> None:
        channels = list(Channel.select())
        start = datetime(2025, 1, 1)
        rows = []
        for i in range(count):
            body = " ".join(rng.choices(words, weights, k=rng.randint(4, 24)))
            if i % 500 == 0:
                body += " @ann"
            rows.append(
                {
                    "channel": channels[i % len(channels)].id,
                    "author": authors[i % len(authors)],
                    "body": body,
                    "created_at": start + timedelta(minutes=i),
                    "visibility": "seniors" if i % 10 == 0 else "group",
                }
            )
        for batch in range(0, len(rows), 1000):
            Message.insert_many(rows[batch : batch + 1000]).execute()

    services.store.write_sync(write)


async def timed(action) -> float:
    started = time.perf_counter()
    await action
    return (time.perf_counter() - started) * 1000


async def run(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    rng = random.Random(12)
    services = build_services(work)
    try:
        ids = seed(services, work, {"ann": "member", "bea": "member", "cat": "member", "sam": "senior"})
        words = vocabulary(2000, rng)
        started = time.perf_counter()
        fill(services, ids, args.messages, words, rng)
        print(f"{args.messages:,} messages written (with the FTS5 triggers) in {time.perf_counter() - started:.1f} s")
        ann = await services.members.get(ids["ann"])
        kinds = {
            "a common word": lambda: words[0],
            "a rare word": lambda: rng.choice(words[1500:]),
            "two words": lambda: f"{rng.choice(words[:50])} {rng.choice(words[:200])}",
            "a prefix": lambda: rng.choice(words[:300])[:3],
        }
        await services.search.search(ann, words[0])  # first use out of the figure
        ok = True
        for kind, query in kinds.items():
            figures, found = [], []
            for _ in range(args.runs):
                typed = query()
                started = time.perf_counter()
                results = await services.search.search(ann, typed)
                figures.append((time.perf_counter() - started) * 1000)
                found.append(len(results))
            ok &= pct(figures, 50) < TARGET_MS
            print(f"/search {kind:14} {dist(figures)}  results p50 {pct(found, 50):.0f}")
        figures = [await timed(services.search.mentions(ann)) for _ in range(args.runs)]
        ok &= pct(figures, 50) < TARGET_MS
        print(f"/mentions {'':12} {dist(figures)}")
        print(f"target: p50 under {TARGET_MS:.0f} ms for each: {verdict(ok)}")
    finally:
        services.store.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header(f"search over {args.messages:,} messages, {args.runs} runs of each kind (in-process, real SQLite + FTS5)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
