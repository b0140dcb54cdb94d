"""One member's keystroke-to-screen while others leave (issue 13: no freeze when people leave).

N members are connected (`--sessions`, default 50) with nothing blinking; one more member types a
fresh 5-character word every 250 ms and we time how long until it is in the bytes their terminal
receives (their message box redrawn), as bench/hostile.py does. First `--calm` seconds with nobody
leaving, then `--leave` members (default 10) close their SSH connection one a second, and the
typing goes on `--after` seconds more. Prints p50/p99/max per phase, the server's CPU time in each
phase, and how many full collections the server ran (its status line: 0 means departures were
freed by reference counting). Target: p99 while people leave within 2x of calm.

    .venv/bin/python bench/departures.py [--sessions 50] [--leave 10] [--calm 10] [--after 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import BenchTerminal, Probe, close_all, dist, focus_out, header, pct, server_status, start_group, verdict
from hostile import typist


async def phase(typing: BenchTerminal, seconds: float) -> list[float]:
    samples: list[float] = []
    await typist(typing, time.perf_counter() + seconds, samples)
    return samples


async def leave(terminals: list[BenchTerminal]) -> None:
    for t in terminals:
        t.conn.close()  # a member closes their terminal
        await asyncio.sleep(1.0)


async def main(args) -> None:
    header(f"bench/departures.py: keystroke-to-screen while {args.leave} of {args.sessions} members leave")
    group = await start_group(args.sessions + 1)
    probe = Probe(group.pid)
    others: list[BenchTerminal] = []
    try:
        typing = await BenchTerminal.open(group.port, group.keys[0])
        await typing.first_frame()
        for key in group.keys[1:]:
            t = await BenchTerminal.open(group.port, key)
            await t.first_frame()
            focus_out(t)
            t.pending.clear()
            others.append(t)
        await probe.settle()
        before = await server_status(group)
        cpu0 = probe.cpu()
        calm = await phase(typing, args.calm)
        cpu1 = probe.cpu()
        leaving = asyncio.create_task(leave(others[: args.leave]))
        departing = await phase(typing, args.leave + args.after)
        await leaving
        cpu2 = probe.cpu()
        after = await server_status(group)
        print(f"calm      ({len(calm):4d} keys): {dist([s * 1000 for s in calm])}   server CPU {cpu1 - cpu0:.2f} s")
        print(
            f"departures ({len(departing):3d} keys): {dist([s * 1000 for s in departing])}   "
            f"server CPU {cpu2 - cpu1:.2f} s"
        )
        if before and after:
            print(
                f"full collections in the server while they left: {after.get('collections', '?')} "
                f"(before: {before.get('collections', '?')}; no count = older code without it)"
            )
        ratio = pct(departing, 99) / max(pct(calm, 99), 1e-6)
        print(f"p99 during departures / calm p99 = {ratio:.1f} (target <= 2): {verdict(ratio <= 2)}")
    finally:
        await close_all([typing, *others[args.leave :]])
        group.stop(keep=args.keep)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--leave", type=int, default=10)
    parser.add_argument("--calm", type=float, default=10)
    parser.add_argument("--after", type=float, default=5)
    parser.add_argument("--keep", action="store_true")
    asyncio.run(main(parser.parse_args()))
