"""Other members' keystroke-to-screen latency while one member attacks the server (issue 15).

Five members type a few characters every 250 ms each and we time how long until those characters
are in the bytes their own terminal receives (their message box redrawn). First 10 s with no
attack, then 20 s while three members attack at once, as the probe did:
* a huge window: 10000x10000, then resized to 20000x20000 and back every 2 s;
* a key flood: a million keys without paste markers, written as fast as SSH takes them;
* a session flood: 300 PTY sessions asked for on one connection.
Prints p50/p99/max per phase and the server's RSS. Target: p99 < 250 ms under attack.

    .venv/bin/python bench/hostile.py [--calm 10] [--attack 20] [--attacks window,keys,sessions]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sys
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from common import HOST, BenchTerminal, Probe, close_all, dist, header, pct, start_group, verdict

OTHERS = 5
STAMPS: list[tuple[float, float]] = []  # (when a word was typed, how long until it was on screen)
_serial = itertools.count()


async def typist(t: BenchTerminal, until: float, samples: list[float]) -> None:
    """Type a fresh 5-character word, time it to the screen, rub it out; again every 250 ms."""
    while time.perf_counter() < until:
        word = f"k{next(_serial):04d}"
        t.watch(word)
        sent = time.perf_counter()
        t.send(word)
        while not t.raw_seen(word):
            if t.closed.is_set() or time.perf_counter() - sent > 30:
                samples.append(30.0)
                return
            await asyncio.sleep(0.002)
        samples.append(time.perf_counter() - sent)
        STAMPS.append((sent, samples[-1]))
        t.unwatch(word)
        t.send("\x7f" * len(word))
        t.pending.clear()  # nobody reads these screens: keep the client small
        await asyncio.sleep(0.25)


async def connect_raw(port: int, key: asyncssh.SSHKey) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        HOST, port, username="member", client_keys=[key], known_hosts=None, agent_path=None, preferred_auth="publickey"
    )


async def huge_window(port: int, key: asyncssh.SSHKey, until: float) -> None:
    conn = await connect_raw(port, key)
    try:
        process = await conn.create_process(term_type="xterm-256color", term_size=(10_000, 10_000), encoding=None)
        drain = asyncio.create_task(_drain(process))
        big = False
        while time.perf_counter() < until:
            await asyncio.sleep(2)
            big = not big
            process.change_terminal_size(*((20_000, 20_000) if big else (10_000, 10_000)))
        drain.cancel()
    finally:
        conn.abort()


async def key_flood(port: int, key: asyncssh.SSHKey, until: float) -> None:
    conn = await connect_raw(port, key)
    try:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        drain = asyncio.create_task(_drain(process))
        for _ in range(16):
            process.stdin.write(b"x" * 65_536)  # ~1 M keys
        while time.perf_counter() < until:
            await asyncio.sleep(0.5)
        drain.cancel()
    finally:
        conn.abort()


async def session_flood(port: int, key: asyncssh.SSHKey, until: float) -> int:
    """Ask for 300 sessions on one connection; returns how many the server opened."""
    conn = await connect_raw(port, key)
    opened = 0
    drains: list[asyncio.Task] = []
    try:
        for _ in range(300):
            if time.perf_counter() > until:
                break
            try:
                process = await conn.create_process(term_type="xterm", term_size=(100, 30), encoding=None)
            except asyncssh.ChannelOpenError:
                continue
            opened += 1
            drains.append(asyncio.create_task(_drain(process)))
        while time.perf_counter() < until:
            await asyncio.sleep(0.5)
    finally:
        for drain in drains:
            drain.cancel()
        conn.abort()
    return opened


async def _drain(process) -> None:
    with contextlib.suppress(asyncssh.Error, ConnectionError, asyncio.CancelledError):
        while await process.stdout.read(65536):
            pass


async def phase(others: list[BenchTerminal], seconds: float) -> list[float]:
    samples: list[float] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(typist(t, until, samples) for t in others))
    return samples


async def main(args) -> None:
    header("bench/hostile.py: other members' keystroke-to-screen while one member attacks")
    group = await start_group(OTHERS + 3)
    probe = Probe(group.pid)
    others: list[BenchTerminal] = []
    try:
        for key in group.keys[:OTHERS]:
            t = await BenchTerminal.open(group.port, key)
            await t.first_frame()
            others.append(t)
        rss_calm = probe.rss_mib()
        cpu_start = probe.cpu()
        calm = await phase(others, args.calm)
        cpu_calm = probe.cpu() - cpu_start
        until = time.perf_counter() + args.attack
        keys = group.keys[OTHERS:]
        chosen = {
            "window": huge_window(group.port, keys[0], until),
            "keys": key_flood(group.port, keys[1], until),
            "sessions": session_flood(group.port, keys[2], until),
        }
        for name in set(chosen) - set(args.attacks.split(",")):
            chosen[name].close()  # not awaited: never started
            chosen[name] = asyncio.sleep(0, -1)
        attacks = asyncio.gather(*chosen.values(), return_exceptions=True)
        cpu_start = probe.cpu()
        attack_start = time.perf_counter()
        hostile = await phase(others, args.attack)
        cpu_attack = probe.cpu() - cpu_start
        rss_attack = probe.rss_mib()
        results = await attacks
        print(f"calm    ({len(calm):4d} keys): {dist([s * 1000 for s in calm])}   server RSS {rss_calm:.0f} MiB")
        print(
            f"server CPU: calm {cpu_calm / args.calm * 100:.0f}% of a core, "
            f"attack {cpu_attack / args.attack * 100:.0f}%"
        )
        print(
            f"attack  ({len(hostile):4d} keys): {dist([s * 1000 for s in hostile])}   server RSS {rss_attack:.0f} MiB"
        )
        worst = sorted((s for s in STAMPS if s[0] >= attack_start), key=lambda s: -s[1])[:8]
        print(
            "slowest under attack (s after the attack began: ms):",
            ", ".join(f"{w - attack_start:.1f}: {d * 1000:.0f}" for w, d in worst),
        )
        print(f"sessions the server opened on the flooding connection: {results[2]}")
        print(
            f"p99 under attack {pct(hostile, 99) * 1000:.0f} ms (target < 250 ms): {verdict(pct(hostile, 99) < 0.25)}"
        )
    finally:
        await close_all(others)
        group.stop(keep=args.keep)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calm", type=float, default=10)
    parser.add_argument("--attack", type=float, default=20)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--attacks", default="window,keys,sessions", help="which to run, comma-separated")
    asyncio.run(main(parser.parse_args()))
