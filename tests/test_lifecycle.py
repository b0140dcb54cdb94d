"""Issue 2, sessions' lives: a dropped connection tears its App down completely (no growth in
tasks, memory or file descriptors after 100 connect/disconnect cycles, measured from outside the
server), an exception in one session never reaches another and is logged, never shown, and the
server applies the three Textual fixes itself.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap

import psutil
import pytest

from conftest import running_group
from harness import Terminal, add_members_direct, safespace_here, ssh_connect, wait_until

MiB = 1024 * 1024
CYCLES = 100
AT_ONCE = 4
SIZES = ((80, 24), (100, 30), (120, 40), (132, 43), (90, 25))


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    members = {f"m{i}": "member" for i in range(AT_ONCE)} | {"stay": "member"}
    with running_group(tmp_path_factory.mktemp("lifecycle"), members) as g:
        yield g


async def one_visit(group, name: str, n: int) -> None:
    """Log in with a PTY, wait for the first full frame, type a little (characters, arrow keys,
    Backspace and a paste, all through the driver's parser), leave. Every other visit drops the
    TCP connection without any SSH goodbye. (Raw bytes, no screen emulator: the server's side is
    what is measured, and the client's CPU is better spent on more visits.)"""
    conn = await ssh_connect(group.port, group.keys[name])
    size = SIZES[n % len(SIZES)]  # a few window sizes, all seen during the warm-up
    process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
    seen = b""
    while b"available" not in seen:  # the status bar: the first frame is complete
        chunk = await asyncio.wait_for(process.stdout.read(65536), 15)
        assert chunk, "the session ended before its first frame"
        seen += chunk
    process.stdin.write(b"hi\x1b[A\x1b[Bx\x7f\x1b[200~pasted\x1b[201~")
    while b"pasted" not in seen:
        seen += await asyncio.wait_for(process.stdout.read(65536), 15)
    if n % 2:
        conn.abort()  # dropped: no SSH close, no EOF
    else:
        conn.close()
        await conn.wait_closed()


async def visits(group, count: int) -> None:
    for start in range(0, count, AT_ONCE):
        await asyncio.gather(*(one_visit(group, f"m{i}", start + i) for i in range(min(AT_ONCE, count - start))))


async def settle(
    group, proc: psutil.Process, fds: int | None = None, tasks: int | None = None, timeout: float = 30
) -> dict:
    """Wait until no session, connection or app is left (and, if given, the fd and task counts are
    back). A session's task outlives its count by a moment: after leaving the session set it still
    writes when the member was last seen; waiting for the tasks too keeps that moment out of the
    comparison, while a leaked task still never comes back and fails it."""
    status: dict = {}

    async def settled() -> bool:
        status.update(await group.server.status(collect=True))  # apps freed, objects counted
        idle = status["sessions"] == status["connections"] == status["apps"] == 0
        return idle and (fds is None or proc.num_fds() == fds) and (tasks is None or status["tasks"] <= tasks)

    await wait_until(settled, timeout, lambda: f"never settled: {status}, fds {proc.num_fds()} (baseline {fds})", 0.2)
    return status


# 140 real SSH visits: ~30 s alone on 2 cores, over 120 s (the suite's hang guard) with the cores
# shared 4 ways (CPU burners plus other work, load 8). A hang guard, not a timed assert: room to finish.
@pytest.mark.timeout(600)
async def test_100_connect_disconnect_cycles_leave_nothing_behind(group, capsys):
    """Promise: a dropped connection tears its App down completely. After a warm-up, 100 visits
    (half closed cleanly, half dropped) leave exactly the tasks, sessions, connections and file
    descriptors there were before, no App alive and the same number of Python objects (within
    5,000; a single leaked session is over 10,000: bench/cycle_diag.py found 10.7-11.1 k in one
    closed session's cycles). Measured from outside: psutil on the server
    process, and the server's own counts (SIGUSR2: after a full collection).

    RSS is only a sanity bound (< 20 MiB): with nothing leaking it still moved by -1 to +16 MiB
    over 100 cycles on this machine (pymalloc arenas, the gc policy's timing), even with
    malloc_trim. The exact counts are the proof: with textual_fixes' parser fix undone, 20 apps
    stay alive after the cycles and this test fails on them."""
    proc = psutil.Process(group.server.pid)
    await visits(group, 40)  # warm-up: imports, bounded caches, the allocator's high-water mark
    before = await settle(group, proc)
    fds_before, rss_before = proc.num_fds(), proc.memory_info().rss

    await visits(group, CYCLES)

    after = await settle(group, proc, fds=fds_before, tasks=before["tasks"])
    rss_after = proc.memory_info().rss
    growth = (rss_after - rss_before) / MiB
    with capsys.disabled():
        print(
            f"\n[lifecycle] {CYCLES} cycles: tasks {before['tasks']} -> {after['tasks']}, "
            f"sessions {before['sessions']} -> {after['sessions']}, apps {before['apps']} -> {after['apps']}, "
            f"fds {fds_before} -> {proc.num_fds()}, objects {before['objects']} -> {after['objects']}, "
            f"RSS {rss_before / MiB:.1f} -> {rss_after / MiB:.1f} MiB ({growth:+.1f} MiB)"
        )
    assert after["tasks"] <= before["tasks"]  # fewer: a moment's task was still running before
    # One leaked session would be over 10,000 objects; 100 of them, a million. With nothing leaking
    # the count still moves by a few thousand either way between two looks (what is in flight, and
    # the bounded caches of lines and updates shared between sessions): +942 to +2,635 over these
    # 100 visits, and -2,432 over the next 100 in an in-process run. 2,000 was inside that noise.
    # So was 5,000 (2026-12-02, the same code: +637 to +2,994 in four runs, +5,262 once in a full
    # suite, where the first look came 1,700 objects lower than usual). Leaked sessions are also
    # caught directly: the apps and sessions still in memory must be back to 0 (settle, above).
    assert after["objects"] - before["objects"] < 8000, (before["objects"], after["objects"])
    assert proc.num_fds() == fds_before
    assert growth < 20, f"RSS grew {growth:.1f} MiB over {CYCLES} cycles"
    # and the server still serves
    stay = await Terminal.connect(group.port, group.keys["stay"])
    await stay.close()


def test_the_server_applies_the_textual_fixes_itself(tmp_path):
    """Promise: the three Textual fixes are in force in the real server. A fresh interpreter (no
    test has patched anything) starts SafeSpaceServer and looks at the patched attributes."""
    script = textwrap.dedent(
        f"""
        import asyncio, textual.app
        from textual._xterm_parser import XTermParser
        from textual.strip import Strip
        from safespace_tui.config import load_config
        from safespace_tui.ssh.server import SafeSpaceServer
        from safespace_tui.tui import textual_fixes

        before = Strip.render is textual_fixes._render

        async def main():
            server = SafeSpaceServer(load_config({str(tmp_path / "data")!r}, host="127.0.0.1", port=0))
            await server.start()
            print("before", before)
            print("parser", not hasattr(XTermParser._parse_extended_key, "cache_info"))
            print("stdout", textual.app.redirect_stdout is textual_fixes._no_redirect)
            print("colour", Strip.render is textual_fixes._render)
            await server.close()

        asyncio.run(main())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["before", "False", "parser", "True", "stdout", "True", "colour", "True"]


# --- an exception in one session ----------------------------------------------------------------


@pytest.fixture
def in_process(tmp_path):
    """Config and members for a SafeSpaceServer run inside the test's own event loop, logging to
    its server.log the way ``safespace serve`` does."""
    from safespace_tui.config import load_config
    from safespace_tui.logs import setup_logging

    data_dir = tmp_path / "data"
    safespace_here(data_dir, "init")
    keys = add_members_direct(data_dir, {"ann": "member", "bea": "member"})
    config = load_config(data_dir, host="127.0.0.1", port=0)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    setup_logging(config.log_path)
    yield config, keys
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


async def test_an_exception_in_one_session_is_logged_and_reaches_no_one_else(in_process):
    """Promise: an exception in one session never affects another, is logged to the server log
    (with its traceback) and is never shown to the member as a traceback.

    No real input is known to raise, so this test runs SafeSpaceServer in its own event loop and
    replaces one live session's ``Session.send`` with a function that raises (a test
    double, in this process only; production code has no such hook). The member presses Enter:
    they get a calm message and a clean exit; the other member carries on; the log has the
    traceback but not the words the member was sending."""
    from safespace_tui.ssh.server import SafeSpaceServer

    config, keys = in_process
    server = SafeSpaceServer(config)
    port = await server.start()
    ann = bea = None
    try:
        ann = await Terminal.connect(port, keys["ann"])
        bea = await Terminal.connect(port, keys["bea"])
        session = next(s for s in server.sessions if s.member.handle == "ann")
        controller = session._app.session

        async def broken_send(text: str, **_options) -> bool:
            raise RuntimeError("a bug in one session")

        controller.send = broken_send
        await ann.type_line("private words that must stay out of the log")
        await ann.wait_closed(15)
        shown = bytes(ann.raw).decode("utf-8", errors="replace")
        assert "Something went wrong on our side" in shown
        assert "Traceback" not in shown and "RuntimeError" not in shown and "a bug in one session" not in shown
        assert ann.process.exit_status == 0

        await bea.type_line("bea is fine")
        await bea.wait_for_message("bea", "bea is fine")
        assert not bea.closed.is_set()
        assert len(server.sessions) == 1

        log_text = config.log_path.read_text()
        assert "Traceback" in log_text and "RuntimeError: a bug in one session" in log_text
        assert "private words" not in log_text
    finally:
        for terminal in (ann, bea):
            if terminal is not None:
                await terminal.close()
        await server.close()
