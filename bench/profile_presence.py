"""Diagnostic, not a bench: where the server's CPU goes when members arrive and leave while N others
are connected (every other session hears of each presence change).

    .venv/bin/python bench/profile_presence.py [--sessions 50] [--changes 5] [--gap 1.0] [--top 30]

Like profile_fanout.py, the SafeSpaceServer runs *in* this process and the SSH clients in a child
process (``--client``), so the profile holds only the server's work. Once N clients are connected and
quiet (nothing blinking), --changes more members connect one at a time (--gap apart, each waiting for
its first frame), then leave one at a time. Arrivals and departures are profiled separately; it
prints the server CPU (process time) per arrival and per departure and the functions with the most own and
cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import shutil
import sys
import time

from common import close_all, connect, focus_out, in_process_port_and_keys, start_in_process


# ---------------------------------------------------------------- the client side (child process)
async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    if args.first:  # the members who come and go sort first: the lines that move are on every screen
        keys = keys[args.changes :] + keys[: args.changes]
    terminals = []
    for i in range(args.sessions):
        t, _, _ = await connect(port, keys[i])
        focus_out(t)
        terminals.append(t)
    await asyncio.sleep(3)
    print("client: arrivals", flush=True)
    await asyncio.sleep(0.5)
    extra = []
    for i in range(args.changes):
        t, first, _ = await connect(port, keys[args.sessions + i])
        focus_out(t)
        extra.append(t)
        print(f"client: first frame {first:.0f} ms", flush=True)
        await asyncio.sleep(args.gap)
    print("client: departures", flush=True)
    await asyncio.sleep(0.5)
    for t in extra:
        await t.close()
        await asyncio.sleep(args.gap)
    print("client: done", flush=True)
    await close_all(terminals)


# ---------------------------------------------------------------- the server side (this process)
def report(name: str, profile: cProfile.Profile, changes: int, top: int) -> None:
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\n==== {name}: {total * 1000:.0f} ms profiled CPU, {total * 1000 / changes:.1f} ms per change")
    for key in ("tottime", "cumulative"):
        print(f"\n---- {name}, by {key}")
        stats.sort_stats(key).print_stats(top)
    print(f"\n---- {name}: who asks the member list to redraw")
    stats.print_callers("member_list.py.*_redraw")


async def server(args) -> None:
    srv, work = await start_in_process(args.sessions + args.changes, "p", args.history, tag="presence")
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        "--dir",
        str(work),
        "--sessions",
        str(args.sessions),
        "--changes",
        str(args.changes),
        "--gap",
        str(args.gap),
        *(["--first"] if args.first else []),
        stdout=asyncio.subprocess.PIPE,
    )
    arrivals, departures = cProfile.Profile(time.process_time), cProfile.Profile(time.process_time)
    cpu: dict[str, float] = {}
    while line := await child.stdout.readline():
        text = line.decode().strip()
        print(text, flush=True)
        if text == "client: arrivals":
            cpu["a"] = time.process_time()
            arrivals.enable()
        elif text == "client: departures":
            arrivals.disable()
            cpu["d"] = time.process_time()
            departures.enable()
        elif text == "client: done":
            departures.disable()
            cpu["e"] = time.process_time()
            break
    await child.wait()
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nprocess CPU (unprofiled time included, profiler overhead too): arrivals "
        f"{(cpu['d'] - cpu['a']) * 1000 / args.changes:.0f} ms each, departures "
        f"{(cpu['e'] - cpu['d']) * 1000 / args.changes:.0f} ms each, with {args.sessions} others connected"
    )
    report("arrivals", arrivals, args.changes, args.top)
    if args.dump:  # for pstats/snakeviz: DUMP.arrivals and DUMP.departures
        arrivals.dump_stats(f"{args.dump}.arrivals")
        departures.dump_stats(f"{args.dump}.departures")
    report("departures", departures, args.changes, args.top)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--changes", type=int, default=5)
    p.add_argument("--gap", type=float, default=1.0)
    p.add_argument("--history", type=int, default=0)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--first", action="store_true", help="those who come and go sort first (on screen)")
    p.add_argument("--dump", help="also write the two profiles to DUMP.arrivals and DUMP.departures")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
