"""Diagnostic, not a bench: what a closed session leaves for Python's cycle collector (in-process).

    .venv/bin/python bench/cycle_diag.py [--sessions 3] [--history 0] [--top 15]

Why: a closed Textual app was freed only by the cycle collector, so the server ran a full garbage
collection (gc_policy.py) after someone left that stopped every screen for ~20 ms per open session.
Since issue 13 a closed session is freed by reference counting (textual_fixes.release_app): this
shows what is still left in cycles (a few dozen objects per departure), so a regression shows.

The server runs *in* this process with its GC policy stopped and automatic collection off; the
SSH clients run in a child process. Every second the script collects with ``gc.DEBUG_SAVEALL``
and prints how many objects were only reachable through reference cycles, the most common
types among them and which Textual message pumps (app, screens, widgets) were in them. The
clients connect, one sends a message, and then they leave one at a time, 4 s apart.

Plain ``DOMNode`` objects in the output are the "virtual" nodes Textual makes for each
component class of each widget (textual/css/stylesheet.py, ``_process_component_classes``);
it made new ones every time a widget's styles were applied again (focus, hover), the old ones
cyclic garbage too, until textual_fixes fix 6 reused them. The count of live ones per session is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import shutil
import subprocess
import sys
import time

from common import connect, focus_out, in_process_port_and_keys, start_in_process


# ---------------------------------------------------------------- the client side (child process)
async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    terminals = []
    for key in keys[: args.sessions]:
        terminal, _, _ = await connect(port, key)
        focus_out(terminal)
        terminals.append(terminal)
    terminals[0].send("hello, everyone\r")
    await asyncio.sleep(4)
    print("client: everyone connected", flush=True)
    for terminal in terminals:
        await terminal.close()
        print("client: one member left", flush=True)
        await asyncio.sleep(4)


# ---------------------------------------------------------------- the server side (this process)
def _name(o: object) -> str:
    return f"{type(o).__module__}.{type(o).__qualname__}"


def collect_and_describe(top: int) -> None:
    from textual.message_pump import MessagePump

    gc.set_debug(gc.DEBUG_SAVEALL)  # what would be freed is kept in gc.garbage, to look at
    started = time.perf_counter()
    found = gc.collect()
    took = (time.perf_counter() - started) * 1000
    print(f"  cycle garbage: {found} objects (collection {took:.0f} ms)", flush=True)
    if found:
        kinds = collections.Counter(_name(o) for o in gc.garbage)
        print("    " + ", ".join(f"{n} {k}" for k, n in kinds.most_common(top)))
        pumps = collections.Counter(type(o).__qualname__ for o in gc.garbage if isinstance(o, MessagePump))
        print("    message pumps: " + ", ".join(f"{n} {k}" for k, n in pumps.most_common()))
    gc.garbage.clear()
    gc.set_debug(0)
    gc.collect()  # now really free them


async def server(args) -> None:
    from textual.dom import DOMNode

    srv, work = await start_in_process(args.sessions, "c", history=args.history, tag="cycles")
    srv._gc.cancel()  # the GC policy would freeze and collect on its own schedule,
    srv.gc_policy.step = lambda: None  # (and a step the cancel races)
    gc.collect()
    gc.disable()
    child = subprocess.Popen(
        [sys.executable, __file__, "--client", "--dir", str(work), "--sessions", str(args.sessions)],
    )
    reported = False
    while child.poll() is None:
        await asyncio.sleep(1)
        if not reported and len(srv.sessions) == args.sessions:
            await asyncio.sleep(3)
            collect_and_describe(args.top)
            virtual = sum(1 for o in gc.get_objects() if type(o) is DOMNode)
            print(
                f"{args.sessions} sessions: {len(gc.get_objects())} gc-tracked objects, "
                f"{virtual / args.sessions:.0f} virtual component nodes per session",
                flush=True,
            )
            reported = True
            continue
        print(f"{len(srv.sessions)} sessions open:", flush=True)
        collect_and_describe(args.top)
    gc.enable()
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=3)
    p.add_argument("--history", type=int, default=0, help="messages already in #living-room")
    p.add_argument("--top", type=int, default=15, help="how many object types to name")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
