"""The harness itself: a server that cannot start must fail its test quickly and leave no process,
and the screen a test reads is the one pyte would show.

A stand-in command plays the broken server (one that prints nothing and never listens, one that
exits at once), so no real server has to be broken for it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pyte
import pytest

from harness import ServerProcess, Terminal, _Screen, _Stream, wait_until


class StandIn(ServerProcess):
    """A ServerProcess whose "server" is a small Python script."""

    script: str = ""

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.script]


def stand_in(tmp_path: Path, script: str) -> StandIn:
    server = StandIn(tmp_path / "data")
    server.script = script
    return server


def test_a_silent_server_fails_at_the_deadline_and_is_killed(tmp_path):
    """A server that prints nothing and never listens: start() gives up at its deadline (it
    used to block on the first line for ever) and kills the process."""
    server = stand_in(tmp_path, "import time; time.sleep(600)")
    with pytest.raises(AssertionError, match="not listening after 1 s"):
        server.start(timeout=1)
    assert server.proc is not None and server.proc.poll() is not None  # killed, not left running


def test_a_server_that_exits_fails_with_its_output(tmp_path):
    server = stand_in(tmp_path, "print('no such setting: colour'); raise SystemExit(2)")
    with pytest.raises(AssertionError, match=r"(?s)exited early.*no such setting: colour"):
        server.start(timeout=30)
    assert server.proc is not None and server.proc.returncode == 2


async def test_wait_until_returns_the_value_and_fails_with_what_was_awaited():
    values = iter([0, "", "ready"])
    assert await wait_until(lambda: next(values), timeout=5, interval=0) == "ready"
    with pytest.raises(AssertionError, match="never true"):
        await wait_until(lambda: False, timeout=0.05, what=lambda: "never true")


# Pieces of what a terminal is sent: Textual's colours and cursor moves, wide and combining
# characters, scrolling, and sequences pyte's own parser must still take (a title, a cut sequence,
# colons, an unknown final, "$", a bare ESC, a charset, bytes that are not UTF-8).
PIECES = (
    "abc ", "● ", "─│", "日本", "e\u0301", "x" * 45, "\r\n", "\x07", "\x08", "\t", "q",
    "\x1b[2;5H", "\x1b[K", "\x1b[1;31m", "\x1b[38;2;10;20;30m", "\x1b[m", "\x1b[?25l", "\x1b[?1049h",
    "\x1b[3;39H日", "\x1b[4;1H\x1b[2@", "\x1b[2J", "\x1bM", "\x1b[3;1H\x1b[L", "\x1b]0;title\x07",
    "\x1b[38:2::1:2:3m", "\x1b[>c", "\x1b[12", "345;6H", "\x1b", "[7m", "\x1b[99999C", "\x1b[;5H",
    "\x1b[1$p", "\x1b(B", "\x1b[?1;2;3h", "\x1b[4h", "\x1b[4l", "\x1b[1;2r", "\x1b[r", "\x1b[5X",
    "\x1b[2P", "\x1b[1J", "\x1b[20d", "\x1b[5G", "\xc3", "\xa9", "\x1b#8",
)  # fmt: skip


def _state(screen: pyte.Screen) -> tuple:
    cursor = screen.cursor
    rows = [dict(screen.buffer[y]) for y in range(screen.lines)]
    return rows, cursor.x, cursor.y, cursor.attrs, cursor.hidden, set(screen.mode), screen.margins, screen.title


def _display(screen: pyte.Screen) -> list[str] | None:
    try:
        return screen.display
    except IndexError:  # pyte's own fails on a wide character's half left alone
        return None


def test_the_fast_stream_and_rows_show_what_pyte_shows():
    """Seeded pieces, cut at random places between chunks: the harness's stream and screen leave
    the screen as pyte's parser and screen do, and ``rows()`` (remade for dirty rows only) is
    pyte's ``display``. Red with the fast path's parameters read without their default 0, a row
    not remade, or ASCII drawn past the row's end."""
    rng = random.Random(13)
    compared = 0
    for _ in range(400):
        ours, theirs = _Screen(40, 8), pyte.Screen(40, 8)
        stream, pytes = _Stream(ours), pyte.ByteStream(theirs)
        terminal = Terminal(40, 8)
        terminal.screen, terminal.stream = ours, stream
        for step in range(4):
            data = "".join(rng.choice(PIECES) for _ in range(20)).encode()
            cut = rng.randrange(len(data) + 1)
            for chunk in (data[:cut], data[cut:]):
                stream.feed(chunk)
                pytes.feed(chunk)
                assert _state(ours) == _state(theirs), chunk
            if step == 2:
                ours.resize(10, 30)
                theirs.resize(10, 30)
            shown = _display(theirs)
            if shown is None:
                break
            assert terminal.rows() == shown
            compared += 1
    assert compared > 1000
