"""Diagnostic, not a bench: the server's Python heap as sessions come and go (in-process view).

    .venv/bin/python bench/heap_diag.py [--sessions 50] [--cycles 60]

The benches watch the server from outside; this one runs the same SafeSpaceServer *inside* this
process (so it can count objects and time the garbage collector), while the SSH clients run in a
child process (``--client``) so their objects are not counted. It prints, as N sessions connect,
stay, and then as --cycles connect/disconnect cycles run:

- gc-tracked objects in the server process, and how long full (generation 2) collections take:
  every one of them stops the one event loop, i.e. every session at once;
- live ``textual._styles_cache.StylesCache`` objects and the ``StylesCache.get_inner_outer``
  lru_cache: an ``@lru_cache(1024)`` on an *instance* method, so it keeps dead sessions' widgets'
  StylesCaches (and every Strip they cached) alive, up to 1,024 of them; at the end the cache is
  cleared to show what it alone was holding.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import subprocess
import sys
import time

from common import close_all, connect, focus_out, in_process_port_and_keys, start_in_process


# ---------------------------------------------------------------- the client side (child process)
async def client(args) -> None:
    port, keys = in_process_port_and_keys(args.dir)
    terminals = []
    for i in range(args.sessions):
        t, _, _ = await connect(port, keys[i])
        focus_out(t)  # no blinking: a quiet heap
        terminals.append(t)
    print("client: all connected", flush=True)
    await asyncio.sleep(args.hold)
    await close_all(terminals)
    print("client: all closed", flush=True)
    await asyncio.sleep(4)
    for i in range(args.cycles):
        t, _, _ = await connect(port, keys[args.sessions + i % 5])
        await t.close()
        await asyncio.sleep(0.1)
    print("client: cycles done", flush=True)


# ---------------------------------------------------------------- the server side (this process)
_pauses: list[tuple[int, float]] = []
_started: list[float] = []


def _lru_size(method) -> int:
    """Entries in an lru_cache (-1 where textual_fixes replaced it with one keyed on colours only)."""
    info = getattr(method, "cache_info", None)
    return info().currsize if info else -1


def _gc_callback(phase: str, info: dict) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        _pauses.append((info["generation"], (time.perf_counter() - _started[0]) * 1000))


async def server(args) -> None:
    from textual._styles_cache import StylesCache

    srv, work = await start_in_process(args.sessions + 5, "h", tag="heap")
    gc.callbacks.append(_gc_callback)
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--client",
            "--dir",
            str(work),
            "--sessions",
            str(args.sessions),
            "--cycles",
            str(args.cycles),
            "--hold",
            str(args.hold),
        ],
    )

    def live_styles_caches() -> int:
        return sum(1 for o in gc.get_objects() if isinstance(o, StylesCache))

    print(f"{'t':>5} {'sessions':>8} {'gc objects':>10} {'StylesCache':>11} {'lru':>5}  full-GC pauses in the last 2 s")
    t0 = time.perf_counter()
    while child.poll() is None:
        await asyncio.sleep(2)
        full = [d for g, d in _pauses if g == 2]
        _pauses.clear()
        print(
            f"{time.perf_counter() - t0:5.0f} {len(srv.sessions):8d} {len(gc.get_objects()):10d} "
            f"{live_styles_caches():11d} {_lru_size(StylesCache.get_inner_outer):5d}  "
            + (", ".join(f"{d:.0f} ms" for d in full) or "-"),
            flush=True,
        )
    await asyncio.sleep(3)
    gc.collect()
    before = len(gc.get_objects())
    print(
        f"\nafter everyone left: {before} gc objects, {live_styles_caches()} live StylesCache, "
        f"get_inner_outer cache {_lru_size(StylesCache.get_inner_outer)}"
    )
    t = time.perf_counter()
    gc.collect()
    print(f"one full gc.collect() now takes {(time.perf_counter() - t) * 1000:.0f} ms")
    getattr(StylesCache.get_inner_outer, "cache_clear", lambda: None)()
    gc.collect()
    print(
        f"after StylesCache.get_inner_outer.cache_clear(): {len(gc.get_objects())} gc objects "
        f"({before - len(gc.get_objects())} freed), {live_styles_caches()} live StylesCache"
    )
    await srv.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--cycles", type=int, default=60)
    p.add_argument("--hold", type=float, default=12.0, help="seconds all sessions stay connected")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    asyncio.run(client(args) if args.client else server(args))
