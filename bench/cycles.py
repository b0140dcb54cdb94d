"""Connect/disconnect cycles: does a closed session give back its memory, fds and tasks?

    .venv/bin/python bench/cycles.py [--cycles 100] [--warmup 10] [--rounds 2]

One bystander session stays connected the whole time (it sees every presence change, as a real
member would). Each cycle: connect with a PTY, wait for the first frame ("Channels" on the pyte
screen), close the SSH connection, wait until the server holds no TCP connection but the
bystander's. Members m01..m05 take turns. After --warmup cycles the server is allowed to settle
and is measured; then --rounds x --cycles cycles, each round followed by the same measurement.
The server is seen through psutil (RSS, USS, fds, threads, established TCP sockets) and, when this
checkout's server supports it (SIGUSR1 -> "status tasks=… sessions=…" in server.log), its own
asyncio task and session counts. A last measurement follows --late more seconds of idling.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from common import Probe, close_all, connect, dist, header, others_cpu, server_status, start_group, status_supported


async def wait_tcp(probe: Probe, expected: int, timeout: float = 20) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if probe.tcp_established() <= expected:
            return True
        await asyncio.sleep(0.02)
    return False


async def measure(group, probe: Probe, label: str) -> dict:
    await asyncio.sleep(2)
    await probe.settle()
    snap = probe.snapshot()
    snap["status"] = await server_status(group)
    st = snap["status"] or {}
    print(
        f"  {label:<28} RSS {snap['rss']:7.2f} MiB  USS {snap['uss']:7.2f} MiB  fds {snap['fds']:3d}  "
        f"threads {snap['threads']:2d}  tcp {snap['tcp']}"
        + (
            f"  tasks {st.get('tasks')}  sessions {st.get('sessions')}  connections {st.get('connections')}"
            if st
            else ""
        ),
        flush=True,
    )
    return snap


def growth(a: dict, b: dict, cycles: int) -> str:
    out = (
        f"RSS {b['rss'] - a['rss']:+.2f} MiB ({(b['rss'] - a['rss']) * 1024 / cycles:+.1f} KiB/cycle)  "
        f"USS {b['uss'] - a['uss']:+.2f} MiB  fds {b['fds'] - a['fds']:+d}  threads {b['threads'] - a['threads']:+d}"
    )
    if a["status"] and b["status"]:
        tasks = b["status"]["tasks"] - a["status"]["tasks"]
        sessions = b["status"]["sessions"] - a["status"]["sessions"]
        out += f"  tasks {tasks:+d}  sessions {sessions:+d}"
    return out


async def cycle(group, probe: Probe, i: int) -> float:
    t, first, _ = await connect(group.port, group.keys[1 + i % 5])
    await t.close()
    if not await wait_tcp(probe, 1):
        print(f"  !! cycle {i}: server still holds {probe.tcp_established()} TCP connections after 20 s")
    return first


async def main(args) -> None:
    group = await start_group(6)
    probe = Probe(group.pid)
    bystander = None
    try:
        header(
            f"bench/cycles.py: {args.warmup} warm-up + {args.rounds} x {args.cycles} connect/disconnect cycles, "
            f"server pid {group.pid}"
        )
        print(others_cpu())
        if not status_supported():
            print("  (this server has no SIGUSR1 status line: asyncio task count unavailable; RSS, fds, threads only)")
        await measure(group, probe, "idle, nothing connected")  # the printed baseline
        bystander, _, _ = await connect(group.port, group.keys[0])
        firsts = []
        for i in range(args.warmup):
            firsts.append(await cycle(group, probe, i))
        base = await measure(group, probe, f"after {args.warmup} warm-up cycles")
        prev, snaps = base, []
        for r in range(args.rounds):
            for i in range(args.cycles):
                firsts.append(await cycle(group, probe, i))
                if i % 25 == 24:
                    bystander.sync()  # keep the bystander's pending output small
            snap = await measure(group, probe, f"after {(r + 1) * args.cycles} cycles")
            snaps.append((prev, snap))
            prev = snap
        await asyncio.sleep(args.late)
        late = await measure(group, probe, f"{args.late:.0f} s later")
        bystander.sync("Channels")
        alive = "Channels" in bystander.text() and not bystander.closed.is_set()
        print(f"\ngrowth (first frame per cycle: {dist(firsts)})")
        for r, (a, b) in enumerate(snaps):
            print(f"  round {r + 1} ({args.cycles} cycles): {growth(a, b, args.cycles)}")
        total = args.rounds * args.cycles
        print(f"  all {total} cycles, settled:  {growth(base, snaps[-1][1], total)}")
        print(f"  all {total} cycles, +{args.late:.0f} s:    {growth(base, late, total)}")
        print(f"  bystander session still alive and drawing: {alive}")
        if not status_supported():
            print("  asyncio task count: not available from this server (RSS/fds/threads only)")
        rss_growth = late["rss"] - base["rss"]
        print(
            f"  target no growth after the cycles: RSS {rss_growth:+.2f} MiB over {total} cycles, fds "
            f"{late['fds'] - base['fds']:+d}"
            + (
                f", tasks {late['status']['tasks'] - base['status']['tasks']:+d}"
                if late["status"] and base["status"]
                else ""
            )
        )
        print(others_cpu())
    finally:
        await close_all([bystander] if bystander else [])
        group.stop(keep=args.keep)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cycles", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument(
        "--rounds", type=int, default=3, help="rounds of --cycles (is growth per round constant, or a plateau?)"
    )
    p.add_argument("--late", type=float, default=10.0, help="seconds to idle before the last measurement")
    p.add_argument("--sessions", type=int, default=None, help="ignored (accepted for a uniform command line)")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = p.parse_args()
    t0 = time.perf_counter()
    asyncio.run(main(args))
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
