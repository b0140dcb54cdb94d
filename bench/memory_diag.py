"""Diagnostic, not a bench: what one session costs in Python objects, by where they were allocated.

    .venv/bin/python bench/memory_diag.py [--sessions 20] [--history 0] [--top 30] [--depth 1]

Like heap_diag.py, the SafeSpaceServer runs *in* this process and the SSH clients in a child
process (``--client``). One session connects and leaves first (one-time costs: imports, caches),
then tracemalloc compares the heap before and after --sessions sessions connect and settle (after
a full collection), and prints the growth per session by file and by line. sessions.py measures
the same cost from outside as RSS; this says which code it comes from.
"""

import argparse
import asyncio
import gc
import shutil
import sys
import tracemalloc

from common import close_all, connect, focus_out, in_process_port_and_keys, start_in_process


async def client(args):
    port, keys = in_process_port_and_keys(args.dir)
    ts = []
    for i in range(args.sessions):
        t, _, _ = await connect(port, keys[i])
        focus_out(t)
        ts.append(t)
    print("client: connected", flush=True)
    await asyncio.sleep(8)
    print("client: closing", flush=True)
    await close_all(ts)


async def server(args):
    srv, work = await start_in_process(args.sessions + 1, "p", args.history, tag="mem")
    # one warm-up session so one-time costs are out of the diff
    child0 = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", "--dir", str(work), "--sessions", "1", stdout=asyncio.subprocess.PIPE
    )
    while (line := await child0.stdout.readline()) and b"closing" not in line:
        pass
    await child0.wait()
    await asyncio.sleep(2)
    gc.collect()
    tracemalloc.start(args.depth)
    gc.unfreeze()
    gc.collect()
    s0 = tracemalloc.take_snapshot()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        "--dir",
        str(work),
        "--sessions",
        str(args.sessions),
        stdout=asyncio.subprocess.PIPE,
    )
    while line := await child.stdout.readline():
        if b"connected" in line:
            await asyncio.sleep(4)
            gc.unfreeze()
            gc.collect()
            s1 = tracemalloc.take_snapshot()
            break
    await child.wait()
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)
    filt = [tracemalloc.Filter(False, tracemalloc.__file__)]
    s0, s1 = s0.filter_traces(filt), s1.filter_traces(filt)
    total = sum(st.size_diff for st in s1.compare_to(s0, "filename"))
    print(
        f"\ntotal traced growth {total / 2**20:.2f} MiB for {args.sessions} sessions "
        f"= {total / args.sessions / 1024:.0f} KiB per session"
    )
    for key in ("filename", "lineno"):
        print(f"\n--- by {key}")
        for st in s1.compare_to(s0, key)[: args.top]:
            print(
                f"{st.size_diff / args.sessions / 1024:8.1f} KiB/session "
                f"{st.count_diff / args.sessions:8.0f} blocks/session  {st.traceback[0]}"
            )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--history", type=int, default=0)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--depth", type=int, default=1)
    p.add_argument("--client", action="store_true")
    p.add_argument("--dir")
    a = p.parse_args()
    asyncio.run(client(a) if a.client else server(a))
