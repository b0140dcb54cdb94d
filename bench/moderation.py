"""Moderation (issue 11): what the timeout check adds to every post, and what a reports pane costs
when a report comes in.

    .venv/bin/python bench/moderation.py [--runs 500] [--moderations 2000] [--reports 20] [--panes 5]

In-process: the real services on a real SQLite file in a temp dir. The timeout check is one read
(``check_may_post``: the member's newest timeout, through the index on the moderation row's member)
on every message, cheer and edit; it is timed alone, and a whole ``MessageService.send`` is timed
with it, in a group where ``--moderations`` warnings and timeouts have already been given to other
members (a busy, long-lived group). A reports pane refreshes from the store whenever a report is
made or decided (one ``open_reports``: every open report with its context, and its audit row);
timed with ``--reports`` open reports, and a post timed while ``--panes`` panes refresh at once
(every post and SOS waits behind the one writer thread). The fan-out of a message to other
screens is untouched.
"""

from __future__ import annotations

import argparse
import asyncio
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
from safespace_tui.services.moderation import check_may_post
from safespace_tui.store.models import Moderation, utcnow


async def run(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="moderation-bench-"))
    services = build_services(work, flood_burst=1_000_000, flood_per_minute=1_000_000.0)
    try:
        people = {f"m{i}": "member" for i in range(40)} | {"ann": "member", "bea": "member", "sam": "senior"}
        ids = seed(services, work, people)
        others = [ids[f"m{i}"] for i in range(40)]

        def fill() -> None:  # a long-lived group: warnings and (ended) timeouts given to others
            rows = [
                {
                    "member": others[i % len(others)],
                    "by": ids["sam"],
                    "kind": "timeout" if i % 2 else "warning",
                    "rule": "respect",
                    "until": utcnow() if i % 2 else None,
                    "told": True,
                }
                for i in range(args.moderations)
            ]
            for start in range(0, len(rows), 500):
                Moderation.insert_many(rows[start : start + 500]).execute()

        services.store.write_sync(fill)
        ann = await services.members.get(ids["ann"])
        bea = await services.members.get(ids["bea"])
        room = await services.channels.by_name(LIVING_ROOM)
        checks, sends = [], []
        for i in range(args.runs):
            started = time.perf_counter()
            await services.store.read(lambda: check_may_post(ann))
            checks.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await services.messages.send(ann, room.id, f"an ordinary message {i}")
            sends.append((time.perf_counter() - started) * 1000)
        print(f"timeout check alone (a reader thread)  {dist(checks)}")
        print(f"a whole send, check included            {dist(sends)}")
        history = await services.channels.history(ann, room.id)
        for message in history[-args.reports :]:
            await services.reports.report(bea, message.id, "unkind")
        sam = await services.members.get(ids["sam"])
        refreshes = []
        for _ in range(50):
            started = time.perf_counter()
            await services.reports.open_reports(sam)
            refreshes.append((time.perf_counter() - started) * 1000)
        print(f"a pane's refresh, {args.reports} open reports    {dist(refreshes)}")
        behind = []  # a post while every open pane refreshes (a report came in): what the writer makes it wait
        for i in range(30):
            panes = [asyncio.create_task(services.reports.open_reports(sam)) for _ in range(args.panes)]
            await asyncio.sleep(0)
            started = time.perf_counter()
            await services.messages.send(bea, room.id, f"meanwhile {i}")
            behind.append((time.perf_counter() - started) * 1000)
            await asyncio.gather(*panes)
        print(f"a send while {args.panes} panes refresh          {dist(behind)}")
    finally:
        services.store.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--moderations", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--panes", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header(
        f"the timeout check on {args.runs} sends ({args.moderations:,} earlier moderations), "
        f"a pane's refresh with {args.reports} open reports (in-process, real SQLite)"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
