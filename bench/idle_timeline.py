"""Diagnostic, not a bench: the server's idle CPU in windows after N members arrive, and what its
keepalives cost.

    .venv/bin/python bench/idle_timeline.py [--sessions 200] [--spacing 0.2] [--window 5] [--total 60]

Like profile_fanout.py, the SafeSpaceServer runs *in* this process and the SSH clients in a child
process (``--client``). The clients connect one after another, --spacing seconds apart (members
arriving at moments of their own), then stay quiet. For each --window seconds after the last
arrival it prints the server process's CPU (% of one core), how many keepalives went out, and the
time spent in the loop's callbacks for them (sending the request, reading the reply), per
keepalive. The rest of the loop's busiest callbacks follow.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import sys
import time
from collections import Counter

import psutil

from common import close_all, connect_one_by_one, in_process_port_and_keys, start_client_child, start_in_process

KEEPALIVE = "task:SSHConnection._make_keepalive_request"
KEEPALIVE_PARTS = (KEEPALIVE, "SSHConnection._keepalive_timer_callback", "_SelectorSocketTransport._read_ready")


def callback_name(handle: asyncio.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    name = getattr(callback, "__qualname__", None) or repr(callback)[:60]
    if "Task" in name:  # a task's step: named by its coroutine
        coroutine = getattr(getattr(callback, "__self__", None), "get_coro", lambda: None)()
        name = "task:" + (getattr(coroutine, "__qualname__", None) or repr(coroutine)[:40])
    return name


async def server(args) -> None:
    srv, work = await start_in_process(args.sessions, "i", 0, tag="idle")
    child = await start_client_child(
        __file__, work, "--sessions", str(args.sessions), "--spacing", str(args.spacing), stdin=True
    )
    me = psutil.Process()
    counts: Counter[str] = Counter()
    costs: Counter[str] = Counter()
    run = asyncio.events.Handle._run

    def timed_run(handle: asyncio.Handle) -> None:
        name = callback_name(handle)
        started = time.perf_counter()
        run(handle)
        costs[name] += time.perf_counter() - started
        counts[name] += 1

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
    try:
        assert child.stdout is not None and child.stdin is not None
        assert (await child.stdout.readline()).decode().strip() == "connected"
        print(f"{args.sessions} sessions, arriving {args.spacing} s apart; windows of {args.window} s from the last")
        start = time.monotonic()
        while time.monotonic() - start < args.total:
            counts.clear()
            costs.clear()
            cpu0, wall0 = sum(me.cpu_times()[:2]), time.monotonic()
            await asyncio.sleep(args.window)
            cpu1, wall1 = sum(me.cpu_times()[:2]), time.monotonic()
            keepalives = counts[KEEPALIVE] // 2  # a request's task runs twice: send, then the reply
            spent = sum(costs[name] for name in KEEPALIVE_PARTS)
            others = [(name, counts[name], round(cost * 1000, 1)) for name, cost in costs.most_common(8)]
            others = [row for row in others if row[0] not in KEEPALIVE_PARTS][:3]
            print(
                f"{wall0 - start:5.0f} s  CPU {100 * (cpu1 - cpu0) / (wall1 - wall0):5.2f}%  "
                f"keepalives {keepalives:4d}, {1000 * spent / max(keepalives, 1):.2f} ms each  others: {others}",
                flush=True,
            )
        child.stdin.write(b"quit\n")
        await child.stdin.drain()
        await child.wait()
    finally:
        asyncio.events.Handle._run = run  # type: ignore[method-assign]
        await srv.close()


async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    terminals = await connect_one_by_one(port, keys[: args.sessions], args.spacing)
    print("connected", flush=True)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()
    await close_all(terminals)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=200)
    p.add_argument("--spacing", type=float, default=0.2, help="seconds between two arrivals")
    p.add_argument("--window", type=float, default=5.0)
    p.add_argument("--total", type=float, default=60.0, help="seconds watched after the last arrival")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
