"""Fan-out: one message until it is on every other screen, and what a broadcast costs the server.

    .venv/bin/python bench/fanout.py [--sessions 50] [--messages 30] [--history 40] [--blur] [--seniors 10]

N receivers (distinct members) and one sender all view #living-room (100x30 PTYs). For each message:
the sender types a unique token, we wait until it shows in the sender's message box, then press
Enter and stamp t0. A receiver's latency is (arrival stamp of the chunk after which the token is on
that receiver's pyte screen) - t0; "all delivered" is the largest of the N. The next message is sent
only after complete delivery plus a pause (--gap) so broadcasts do not overlap.

Server cost per broadcast = server CPU (user+sys, all threads: event loop + SQLite writer) from t0
to t0+--gap, minus the idle rate measured just before (blinking cursors) x the same window; also
the server's write syscalls per broadcast (read markers are SQLite writes with synchronous=FULL).

--boundaries (issue 11) gives every receiver a private trigger list of 20 words (none in the
tokens sent, so every message is still shown and every receiver pays the per-reader fold decision)
and 3 mutes of other receivers, written into the file before anyone connects.
--seniors K makes the first K receivers senior members, connected at 140x40 with the monitoring pane
docked beside the conversation (F3, issue 14): what a docked pane adds to an ordinary message.

--blur first sends focus-out to every client so no cursor blinks (a quieter server); the default
leaves every message box focused, i.e. 2N cursor blinks per second in the background.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import string
import time

from common import (
    Probe,
    bench_cpu,
    close_all,
    connect,
    dist,
    focus_out,
    header,
    others_cpu,
    pct,
    seed_boundaries,
    start_group,
    verdict,
)
from harness import safespace


async def main(args) -> None:
    n = args.sessions
    group = await start_group(n + 1, history=args.history)
    probe = Probe(group.pid)
    receivers, sender = [], None
    try:
        header(
            f"bench/fanout.py: 1 sender -> {n} receivers, {args.messages} messages, {args.history} earlier messages, "
            f"{'cursors not blinking (--blur)' if args.blur else 'all cursors blinking'}, server pid {group.pid}"
        )
        print(others_cpu())
        if args.boundaries:
            print(seed_boundaries(group.data_dir / "safespace.db", group.handles[:n]))
        firsts = []
        for i in range(args.seniors):  # before they connect: the role is read at login
            safespace(group.data_dir, "member", "role", group.handles[i], "senior")
        for i in range(n):
            wide = {"width": 140, "height": 40} if i < args.seniors else {}
            t, f, _ = await connect(group.port, group.keys[i], **wide)
            receivers.append(t)
            firsts.append(f)
        sender, f, _ = await connect(group.port, group.keys[n])
        sender_handle = group.handles[n]
        for t in [*receivers, sender]:
            await t.wait_shown("Everyday talk")  # the #living-room title: they all view living-room
        print(f"{n + 1} sessions connected, all viewing #living-room (first frames: {dist(firsts)})")
        for t in receivers[: args.seniors]:
            t.send("\x1bOR")  # F3: dock the monitoring pane
        for t in receivers[: args.seniors]:
            await t.wait_shown("The group today")
        if args.seniors:
            print(f"{args.seniors} of the receivers are senior members with the monitoring pane docked (140x40)")
        if args.blur:
            for t in [*receivers, sender]:
                focus_out(t)
        await asyncio.sleep(2)
        await probe.settle(quiet=0.5)
        for t in receivers:
            t.sync()
        base_cpu, base_me = await probe.cpu_over(5)
        print(f"background before sending: server {base_cpu * 100:.1f}% of a core, bench {base_me * 100:.1f}%")

        per_receiver: list[float] = []
        until_last: list[float] = []
        own_screen: list[float] = []
        cpu_ms: list[float] = []
        cpu_raw_ms: list[float] = []
        writes: list[int] = []
        me_ms: list[float] = []
        raw_same_chunk = raw_total = 0
        tag = "".join(random.choices(string.ascii_lowercase, k=3))
        for i in range(args.messages):
            token = f"fan{tag}{i:03d}"
            for r in receivers:
                r.watch(token)
            sender.send(token)
            await sender.wait_shown(token)
            await asyncio.sleep(0.2)
            own = f"{sender_handle}  {token}"  # the log line, not the box: "HH:MM m50  token"
            w0, _ = probe.io()
            c0, m0 = probe.cpu(), bench_cpu()
            t0 = time.perf_counter()
            sender.send("\r")
            # cheap wait: raw bytes only, until every receiver has the token (or 3 s)
            while time.perf_counter() - t0 < 3 and not all(r.raw_seen(token) for r in receivers):
                await asyncio.sleep(0.002)
            # decide with pyte; poll those that the raw check missed
            deadline = t0 + 30
            todo = list(receivers)
            while todo:
                for r in list(todo):
                    r.sync(token)
                    if token in r.found:
                        todo.remove(r)
                if todo:
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"message {i} not shown on {len(todo)} screens after 30 s")
                    await asyncio.sleep(0.05)
            await sender.wait_shown(own)
            lat = [(r.found[token] - t0) * 1000 for r in receivers]
            for r in receivers:
                raw_total += 1
                raw = r.raw_watch.get(token.encode())
                raw_same_chunk += raw is not None and abs(raw - r.found[token]) < 1e-9
                r.unwatch(token)
            per_receiver.extend(lat)
            until_last.append(max(lat))
            own_screen.append((sender.found[own] - t0) * 1000)
            # cost: let read markers and redraws finish, then take the window
            remaining = t0 + args.gap - time.perf_counter()
            if remaining > 0:
                await asyncio.sleep(remaining)
            window = time.perf_counter() - t0
            c1, m1 = probe.cpu(), bench_cpu()
            w1, _ = probe.io()
            cpu_raw_ms.append((c1 - c0) * 1000)
            cpu_ms.append((c1 - c0 - base_cpu * window) * 1000)
            me_ms.append((m1 - m0) * 1000)
            writes.append(w1 - w0)
            print(
                f"  msg {i:2d}: all {n} shown after {max(lat):6.1f} ms "
                f"(p50 {pct(lat, 50):6.1f}, first {min(lat):6.1f}); "
                f"sender's own screen {own_screen[-1]:6.1f} ms; server CPU {cpu_raw_ms[-1]:6.1f} ms "
                f"(-idle {cpu_ms[-1]:6.1f}); writes {writes[-1]}",
                flush=True,
            )
            for t in [*receivers, sender]:
                t.sync()
        print(f"\nfan-out to {n} receivers, {args.messages} messages sent one at a time (ms from Enter):")
        print(f"  every screen (per receiver) {dist(per_receiver)}")
        print(f"  until the LAST receiver     {dist(until_last)}")
        print(f"  sender's own screen         {dist(own_screen)}")
        print(f"  server CPU per broadcast    {dist(cpu_raw_ms)}  (raw, window {args.gap:.1f} s)")
        print(f"  server CPU per broadcast    {dist(cpu_ms)}  (minus idle/blink rate {base_cpu * 100:.1f}%)")
        print(f"  = {pct(cpu_ms, 50) / n:.2f} ms of server CPU per receiving session (p50 / {n})")
        print(f"  server write syscalls per broadcast: p50 {pct(writes, 50):.0f} (max {max(writes)})")
        print(f"  bench process CPU per broadcast: p50 {pct(me_ms, 50):.1f} ms (clients: SSH decrypt + pyte)")
        print(f"  raw-bytes pre-check fired on the same chunk pyte chose: {raw_same_chunk}/{raw_total}")
        print(
            f"  target p99 until the last of {n} < 250 ms: {verdict(pct(until_last, 99) < 250)} "
            f"(p99 {pct(until_last, 99):.1f} ms; per-receiver p99 {pct(per_receiver, 99):.1f} ms)"
        )
        print(others_cpu())
    finally:
        await close_all(receivers + ([sender] if sender else []))
        group.stop(keep=args.keep)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50, help="receivers (the sender is one more)")
    p.add_argument("--messages", type=int, default=30)
    p.add_argument("--gap", type=float, default=1.5, help="seconds from one Enter to the next message's typing")
    p.add_argument(
        "--history",
        type=int,
        default=40,
        help="earlier messages in #living-room: 40 fill the log, so every new message scrolls it (0: an empty channel)",
    )
    p.add_argument("--seniors", type=int, default=0, help="the first K receivers: seniors, pane docked at 140x40")
    p.add_argument("--blur", action="store_true", help="focus-out every client first: no cursor blinking")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir")
    p.add_argument("--boundaries", action="store_true", help="trigger lists and mutes in use (issue 11)")
    args = p.parse_args()
    t0 = time.perf_counter()
    asyncio.run(main(args))
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
