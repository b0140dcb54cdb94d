"""The plain line mode (``ssh line@host``): first line, memory per session, fan-out, bytes per message.

    .venv/bin/python bench/line_mode.py [--sessions 20] [--messages 10]

N line-mode members connect one after another (80x24 PTYs); per connect, from the TCP connect start
until the greeting's last line ("What you type goes here.") is on the pyte screen. Then 5 full-screen
members connect the same way, for comparison (until "#living-room" is shown). With the N settled:
server RSS per line session = (RSS_N - RSS_idle) / N. Then one more line-mode member sends
``--messages`` messages, one at a time (each only after the last reached everyone): latency from
Enter until the token is on each of the N screens (the largest is the fan-out figure), and the bytes
each line-mode client received per message (a slow link's cost). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import string
import time

import asyncssh

from common import HOST, BenchTerminal, Probe, close_all, connect, dist, header, pct, start_group

GREETED = "What you type goes here."


async def open_line(port: int, key: asyncssh.SSHKey) -> BenchTerminal:
    """A line-mode member (user name ``line``); stamps as ``BenchTerminal.open``."""
    t = BenchTerminal(80, 24)
    t.t_start = time.perf_counter()
    t.conn = await asyncssh.connect(
        HOST, port, username="line", client_keys=[key], known_hosts=None, agent_path=None, preferred_auth="publickey"
    )
    t.process = await t.conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
    t._reader = asyncio.create_task(t._read())
    return t


async def main(sessions: int, messages: int) -> None:
    header(f"line mode: {sessions} line-mode sessions, {messages} messages")
    group = await start_group(sessions + 6, prefix="l")
    probe = Probe(group.pid)
    terminals: list[BenchTerminal] = []
    try:
        await probe.settle()
        idle = probe.rss_mib()
        firsts = []
        for key in group.keys[:sessions]:
            t = await open_line(group.port, key)
            firsts.append((await t.wait_shown(GREETED) - t.t_start) * 1000)
            terminals.append(t)
            await asyncio.sleep(0.2)
        await probe.settle()
        rss = probe.rss_mib()
        print(f"first line, line mode ({sessions} connects): {dist(firsts)}")
        print(f"server RSS idle {idle:.1f} MiB, with {sessions} line sessions {rss:.1f} MiB")
        print(f"per line session: {(rss - idle) / sessions * 1024:.0f} KiB")
        apps = []
        app_firsts = []
        for key in group.keys[sessions : sessions + 5]:
            t, _, loaded = await connect(group.port, key)
            app_firsts.append(loaded)
            apps.append(t)
        print(f"for comparison, full-screen app until #living-room (5 connects): {dist(app_firsts)}")
        await close_all(apps)
        await probe.settle()

        sender = await open_line(group.port, group.keys[-1])
        await sender.wait_shown(GREETED)
        latencies, worst, per_message = [], [], []
        for _ in range(messages):
            token = "tok" + "".join(random.choices(string.ascii_lowercase, k=10))
            before = [t.bytes_in for t in terminals]
            t0 = time.perf_counter()
            sender.send(token + "\r")
            arrivals = [await t.wait_shown(token) for t in terminals]
            each = [(a - t0) * 1000 for a in arrivals]
            latencies += each
            worst.append(max(each))
            per_message += [t.bytes_in - b for t, b in zip(terminals, before, strict=True)]
            await asyncio.sleep(0.5)
        print(f"fan-out to {sessions} line screens, every receiver: {dist(latencies)}")
        print(f"until the last of {sessions}, per message: p50 {pct(worst, 50):.1f} ms, max {max(worst):.1f} ms")
        print(f"bytes a line-mode client receives per message: {dist([float(b) for b in per_message], 'B')}")
        terminals.append(sender)
    finally:
        await close_all(terminals)
        group.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.messages))
