"""Cheers: one cheer (a key in the message-selection mode) until it is under the message on every screen.

    .venv/bin/python bench/cheers.py [--sessions 20] [--rounds 10] [--history 40]

N receivers, one sender and one cheerer view #living-room (100x30 PTYs). Each round the sender posts
a message with a unique token (not timed) and every screen shows it; the cheerer, whose focus is in
the conversation (F10), presses Down (the newest message) and then 1, and we stamp t0. A receiver's
latency is (arrival of the chunk after which the line under the token's line shows "💜 1") - t0.
A cheer redraws the whole log of every session showing the channel (``MessageLog.cheers_changed``:
the other messages' lines come from the shared cache), so this is the figure to watch as logs grow.
Server CPU per cheer = server CPU from t0 over --gap seconds, minus the idle rate measured before.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import string
import time

from common import BenchTerminal, Probe, close_all, connect, dist, header, others_cpu, pct, start_group

HEART = "💜 1"


def cheer_under(term: BenchTerminal, token: str) -> bool:
    lines = term.rows()
    for row, line in enumerate(lines[:-1]):
        if token in line:
            return HEART in lines[row + 1]
    return False


def sync_until(term: BenchTerminal, token: str) -> float | None:
    """Feed pending chunks to pyte one by one; the stamp of the chunk that showed the cheer."""
    pending, term.pending = term.pending, []
    for i, (stamp, data) in enumerate(pending):
        term.show(data)
        if cheer_under(term, token):
            term.show(b"".join(d for _, d in pending[i + 1 :]))
            return stamp
    return None


async def main(args) -> None:
    n = args.sessions
    group = await start_group(n + 2, history=args.history)
    probe = Probe(group.pid)
    terms: list[BenchTerminal] = []
    try:
        header(f"bench/cheers.py: 1 cheerer -> {n} receivers, {args.rounds} cheers, server pid {group.pid}")
        if args.keep:
            print(f"data dir kept: {group.data_dir}")
        print(others_cpu())
        for key in group.keys:
            t, _, _ = await connect(group.port, key)
            terms.append(t)
        receivers, sender, cheerer = terms[:n], terms[n], terms[n + 1]
        for t in terms:
            await t.wait_shown("Everyday talk")
        cheerer.send("\x1b[21~")  # F10: choose a message
        await cheerer.wait_shown("Up/Down choose a message")
        await asyncio.sleep(2)
        await probe.settle(quiet=0.5)
        base_cpu, _ = await probe.cpu_over(5)
        print(f"{n + 2} sessions viewing #living-room; background server CPU {base_cpu * 100:.1f}% of a core")
        until_last: list[float] = []
        per_receiver: list[float] = []
        cpu_ms: list[float] = []
        tag = "".join(random.choices(string.ascii_lowercase, k=3))
        for i in range(args.rounds):
            token = f"chr{tag}{i:03d}"
            sender.send(token + "\r")
            for t in [*receivers, cheerer]:
                await t.wait_shown(token)
            await asyncio.sleep(0.3)
            for t in receivers:
                t.sync()
            cheerer.send("\x1b[B")  # Down: the newest message
            await asyncio.sleep(0.3)
            c0 = probe.cpu()
            t0 = time.perf_counter()
            cheerer.send("1")  # a heart
            stamps: dict[int, float] = {}
            deadline = t0 + 30
            while len(stamps) < n:
                for k, r in enumerate(receivers):
                    if k not in stamps and (stamp := sync_until(r, token)) is not None:
                        stamps[k] = stamp
                if time.perf_counter() > deadline:
                    cheerer.sync()
                    receivers[0].sync()
                    raise RuntimeError(
                        f"cheer {i} not shown on {n - len(stamps)} screens after 30 s:\n"
                        f"{cheerer.text()}\n{receivers[0].text()}"
                    )
                await asyncio.sleep(0.005)
            lat = [(s - t0) * 1000 for s in stamps.values()]
            per_receiver.extend(lat)
            until_last.append(max(lat))
            remaining = t0 + args.gap - time.perf_counter()
            if remaining > 0:
                await asyncio.sleep(remaining)
            window = time.perf_counter() - t0
            cpu_ms.append((probe.cpu() - c0 - base_cpu * window) * 1000)
            print(
                f"  cheer {i:2d}: all {n} shown after {max(lat):6.1f} ms (p50 {pct(lat, 50):6.1f}); "
                f"server CPU {cpu_ms[-1]:6.1f} ms",
                flush=True,
            )
        print(f"\none cheer to {n} receivers, {args.rounds} times (ms from the key):")
        print(f"  every screen (per receiver) {dist(per_receiver)}")
        print(f"  until the LAST receiver     {dist(until_last)}")
        print(f"  server CPU per cheer        {dist(cpu_ms)}  (minus idle {base_cpu * 100:.1f}%)")
        print(f"  = {pct(cpu_ms, 50) / n:.2f} ms of server CPU per receiving session (p50 / {n})")
        print(others_cpu())
    finally:
        await close_all(terms)
        group.stop(keep=args.keep)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=20, help="receivers (the sender and the cheerer are two more)")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--gap", type=float, default=1.5, help="seconds from one cheer to the next message")
    p.add_argument("--history", type=int, default=40, help="earlier messages in #living-room (40 fill the log)")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = p.parse_args()
    t0 = time.perf_counter()
    asyncio.run(main(args))
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
