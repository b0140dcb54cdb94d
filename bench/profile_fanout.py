"""Diagnostic, not a bench: where the server's CPU goes when one message fans out to N sessions.

    .venv/bin/python bench/profile_fanout.py [--sessions 50] [--messages 10] [--top 40]

Like heap_diag.py, the SafeSpaceServer runs *in* this process and the SSH clients in a child
process (``--client``), so the profile holds only the server's work. Once every client is
connected and quiet, cProfile runs while the sender posts --messages messages, --gap seconds apart.
It prints the functions with the most own time and the most cumulative time, per message.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import shutil
import sys
import time
from collections import Counter

from common import close_all, connect, focus_out, in_process_port_and_keys, seed_boundaries, start_in_process


# ---------------------------------------------------------------- the client side (child process)
async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    terminals = []
    for i in range(args.sessions + 1):
        t, _, _ = await connect(port, keys[i])
        focus_out(t)  # no blinking: only the fan-out is profiled
        terminals.append(t)
    sender = terminals[-1]
    await asyncio.sleep(3)
    print("client: ready", flush=True)
    await asyncio.sleep(1)
    for n in range(args.messages):
        sender.send(f"profile message {n}\r")
        await asyncio.sleep(args.gap)
    print("client: sent", flush=True)
    await close_all(terminals)


# ---------------------------------------------------------------- the server side (this process)
async def server(args) -> None:
    srv, work = await start_in_process(args.sessions + 1, "p", args.history, tag="prof")
    if args.boundaries:
        print(seed_boundaries(work / "data" / "safespace.db", [f"p{i:02d}" for i in range(args.sessions)]))
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        "--dir",
        str(work),
        "--sessions",
        str(args.sessions),
        "--messages",
        str(args.messages),
        "--gap",
        str(args.gap),
        stdout=asyncio.subprocess.PIPE,
    )
    profile = cProfile.Profile(time.process_time) if args.cpu_clock else cProfile.Profile()
    renders: Counter[str] = Counter()
    if args.count_renders:
        from textual.widget import Widget

        original = Widget.render_lines

        def counted(self, crop):
            if profile_on:
                renders[type(self).__name__] += 1
            return original(self, crop)

        Widget.render_lines = counted  # type: ignore[method-assign]
    messages: Counter[str] = Counter()
    if args.count_messages:
        from textual.message_pump import MessagePump

        original_post = MessagePump.post_message

        def posted(self, message):
            if profile_on:
                messages[f"{type(message).__qualname__} -> {type(self).__name__}"] += 1
            return original_post(self, message)

        MessagePump.post_message = posted  # type: ignore[method-assign]
    profile_on = False
    started = 0.0
    while line := await child.stdout.readline():
        text = line.decode().strip()
        print(text, flush=True)
        if text == "client: ready":
            started = time.perf_counter()
            profile_on = True
            profile.enable()
        elif text == "client: sent":
            profile.disable()
            profile_on = False
            break
    elapsed = time.perf_counter() - started
    await child.wait()
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)

    if args.save:
        profile.dump_stats(args.save)
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    idle = sum(
        tt
        for (_, _, name), (_, _, tt, _, _) in stats.stats.items()
        if name == "<method 'poll' of 'select.epoll' objects>"
    )  # type: ignore[attr-defined]
    print(
        f"busy (profiled CPU less the loop's wait in epoll): {(total - idle) * 1000 / args.messages:.1f} ms per message"
    )
    print(
        f"\n{args.messages} messages to {args.sessions} receivers over {elapsed:.1f} s: "
        f"{total * 1000:.0f} ms profiled CPU, {total * 1000 / args.messages:.1f} ms per message"
    )
    if renders:
        print(
            "widgets drawn per message per receiver:",
            {k: round(v / (args.messages * args.sessions), 2) for k, v in renders.most_common()},
        )
    if messages:
        print("messages posted per message per receiver:")
        for name, count in messages.most_common(25):
            print(f"  {count / (args.messages * args.sessions):6.2f}  {name}")
    for key in ("tottime", "cumulative"):
        print(f"\n---- by {key}")
        stats.sort_stats(key).print_stats(args.top)
    print("\n---- the per-reader boundaries decision (issue 11)")
    stats.sort_stats("cumulative").print_stats("boundaries")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--messages", type=int, default=10)
    p.add_argument("--gap", type=float, default=1.5)
    p.add_argument("--history", type=int, default=40, help="earlier messages in #living-room (40 fill the log)")
    p.add_argument("--top", type=int, default=40)
    p.add_argument(
        "--cpu-clock", action="store_true", help="time with the process CPU clock (less noise on a busy machine)"
    )
    p.add_argument("--count-renders", action="store_true", help="count the widgets drawn, by class")
    p.add_argument("--count-messages", action="store_true", help="count the Textual messages posted, by class")
    p.add_argument("--save", help="also write the raw profile here (pstats)")
    p.add_argument("--boundaries", action="store_true", help="trigger lists and mutes in use (issue 11)")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
