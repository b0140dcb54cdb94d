"""Diagnostic, not a bench: where the server's CPU goes when a member connects.

    .venv/bin/python bench/profile_connect.py [--others 2] [--connects 20] [--top 30]

Like profile_fanout.py, the SafeSpaceServer runs *in* this process and the SSH clients in a child
process (``--client``). Once --others members are connected and quiet, cProfile runs while
--connects more connect one after another (100x30, 0.3 s apart), each until its first frame. It
prints the server's CPU per connect (profiled, so inflated), how often per connect the stylesheet
was applied to a node and a node's styles were updated (Textual restyles a subtree then), and the
functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import shutil

import psutil

from common import close_all, connect_one_by_one, in_process_port_and_keys, start_client_child, start_in_process


async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    terminals = await connect_one_by_one(port, keys[: args.others])
    await asyncio.sleep(2)
    print("client: ready", flush=True)
    await asyncio.sleep(0.5)
    terminals += await connect_one_by_one(port, keys[args.others :], 0.3)
    print("client: connected", flush=True)
    await close_all(terminals)


def calls(stats: pstats.Stats, path_end: str, function: str) -> int:
    """How often ``function`` of the file ending in ``path_end`` ran (recursive calls included)."""
    return sum(
        total
        for (path, _, name), (_primitive, total, *_rest) in stats.stats.items()  # type: ignore[attr-defined]
        if path.endswith(path_end) and name == function
    )


async def server(args) -> None:
    srv, work = await start_in_process(args.others + args.connects, "c", 40, tag="connect")
    child = await start_client_child(__file__, work, "--others", str(args.others))
    profile = cProfile.Profile()
    me = psutil.Process()
    cpu0 = cpu1 = 0.0
    assert child.stdout is not None
    while line := await child.stdout.readline():
        text = line.decode().strip()
        if text == "client: ready":
            cpu0 = sum(me.cpu_times()[:2])
            profile.enable()
        elif text == "client: connected":
            profile.disable()
            cpu1 = sum(me.cpu_times()[:2])
            break
    await child.wait()
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)

    stats = pstats.Stats(profile)
    n = args.connects
    print(f"server process CPU per connect (profiled): {(cpu1 - cpu0) * 1000 / n:.1f} ms")
    print(f"stylesheet applied to a node, per connect: {calls(stats, 'css/stylesheet.py', 'apply') / n:.0f}")
    print(f"a node's styles updated, per connect: {calls(stats, 'textual/dom.py', 'update_node_styles') / n:.1f}")
    print(f"full screen updates, per connect: {calls(stats, 'textual/_compositor.py', 'render_full_update') / n:.1f}")
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--others", type=int, default=2, help="members connected before the profile starts")
    p.add_argument("--connects", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
