"""Issue 15, failure 2: no member can freeze everyone or exhaust the server's memory.

The probe's attacks, over real SSH against the real server: a 10000x10000 window and resizes to
20000x20000, a second (and hundredth) session on one connection, thousands of large environment
variables, and a million keys typed without paste markers. Each time the server stays small and
the other members keep chatting. (Latency figures under these attacks: bench/hostile.py.)
"""

from __future__ import annotations

import asyncio
import re

import asyncssh
import psutil
import pytest

from conftest import running_group
from harness import Terminal, ssh_connect, wait_until

MiB = 1024 * 1024
MEMBERS = {"ann": "member", "bea": "member", "cat": "member", "eve": "member"}
CURSOR = re.compile(rb"\x1b\[(\d+);(\d+)H")


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("hardening"), MEMBERS) as g:
        yield g


def rss(group) -> int:
    return psutil.Process(group.server.pid).memory_info().rss


async def raw_session(group, name: str, size: tuple[int, int], env: dict | None = None):
    """A session read as raw bytes (no screen emulator: a 10000-line pyte screen is the client's
    problem, not the server's); returns the connection, the process and the bytes so far."""
    conn = await ssh_connect(group.port, group.keys[name])
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None, env=env or {})
    seen = bytearray()
    while b"available" not in seen:  # the status bar: the first frame is complete
        chunk = await asyncio.wait_for(process.stdout.read(65536), 60)
        assert chunk, "the session ended before its first frame"
        seen += chunk
    return conn, process, seen


async def others_still_chat(group, words: str) -> None:
    """bea says something and cat sees it: the loop is not frozen for the others."""
    bea = await Terminal.connect(group.port, group.keys["bea"])
    cat = await Terminal.connect(group.port, group.keys["cat"])
    try:
        await bea.type_line(words)
        await cat.wait_for_message("bea", words, timeout=30)
    finally:
        await bea.close()
        await cat.close()


async def test_the_environment_is_bounded(group):
    """Attack: 3,000 environment variables of 30 kB each (all were kept: +300 MB for 10,000). First
    in the module: memory freed by a later attack would hide growth here.
    Only the few names the app reads are kept, with short values: the server grows by less than
    40 MiB, and COLORTERM is still honoured (truecolor escapes in the frames)."""
    before = rss(group)
    env = {f"JUNK_{n}": "x" * 30_000 for n in range(3_000)} | {"COLORTERM": "truecolor"}
    conn, _, seen = await raw_session(group, "eve", (100, 30), env=env)
    try:
        assert b"\x1b[38;2;" in seen or b"\x1b[48;2;" in seen  # truecolor SGR: COLORTERM was read
        assert rss(group) - before < 40 * MiB, (rss(group) - before) / MiB
    finally:
        conn.close()
        await conn.wait_closed()


async def test_a_huge_window_is_drawn_at_the_cap_and_the_server_stays_small(group):
    """Attack: a 10000x10000 window, then resizes to 20000x20000 and back. The app lays out no
    more than 500x200 (no cursor is ever placed beyond), the server grows by less than 100 MiB
    (it grew by ~960 MB), and the others keep chatting."""
    before = rss(group)
    conn, process, seen = await raw_session(group, "eve", (10_000, 10_000))
    try:
        for n in range(6):
            process.change_terminal_size(*((20_000, 20_000) if n % 2 == 0 else (10_000, 9_999)))
        await others_still_chat(group, "still here beside a huge window")
        process.stdin.write(b"x")  # one more frame from eve's app, after every resize
        while b"x" not in seen[-4096:]:
            chunk = await asyncio.wait_for(process.stdout.read(65536), 30)
            assert chunk, "eve's session ended"
            seen += chunk
        rows = [int(row) for row, _ in CURSOR.findall(bytes(seen))]
        columns = [int(column) for _, column in CURSOR.findall(bytes(seen))]
        assert rows and max(rows) <= 200 and max(columns) <= 500, (max(rows), max(columns))
        assert rss(group) - before < 100 * MiB, (rss(group) - before) / MiB
    finally:
        conn.close()
        await conn.wait_closed()


async def test_one_session_per_connection(group):
    """Attack: many sessions on one authenticated connection (300 all reached the app). The
    second is refused while the first is open; after it closes, a new one may open."""
    conn, first, _ = await raw_session(group, "eve", (80, 24))
    try:
        for _ in range(3):
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_process(term_type="xterm", term_size=(80, 24))
        first.close()
        await first.wait_closed()

        async def reopened() -> bool:
            try:
                again = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            except asyncssh.ChannelOpenError:
                return False  # the first channel's close is still on its way
            again.close()
            return True

        await wait_until(reopened, 15, "no new session after the first closed")
    finally:
        conn.close()
        await conn.wait_closed()


async def test_a_key_flood_is_paced_and_never_piles_up(group):
    """Attack: a million keys typed without paste markers (they stalled the others up to 9.2 s and
    were all queued). The flooder's keys are handed to the app at their fair rate and the channel
    is not read while too many wait: the server grows by less than 100 MiB, the others chat."""
    before = rss(group)
    conn, process, _ = await raw_session(group, "eve", (100, 30))
    try:
        for _ in range(16):
            process.stdin.write(b"x" * 65_536)  # ~1 M keys, without waiting for the server
        await others_still_chat(group, "still here beside a key flood")
        assert rss(group) - before < 100 * MiB, (rss(group) - before) / MiB
    finally:
        conn.abort()
