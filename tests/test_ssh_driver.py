"""Issue 2, the per-session Textual driver over real SSH: resize, Esc, mouse, TERM/COLORTERM, and
colour depth kept per session (the third Textual fix, seen from outside)."""

from __future__ import annotations

import asyncio
import re

import pytest
from textual.constants import ESCAPE_DELAY

from conftest import running_group
from harness import Terminal, ssh_connect


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("driver"), {"ann": "member", "bea": "member", "cat": "senior"}) as g:
        yield g


_SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colour_kinds(raw: bytes) -> set[str]:
    """Which colour encodings the SGR sequences in ``raw`` use: 'truecolor' (38/48;2;r;g;b),
    '256' (38/48;5;n) and 'standard' (30-37, 40-47, 90-97, 100-107)."""
    kinds: set[str] = set()
    for match in _SGR.finditer(raw):
        params = [int(p) if p else 0 for p in re.split(rb"[;:]", match.group(1))]
        i = 0
        while i < len(params):
            p = params[i]
            if p in (38, 48, 58) and i + 1 < len(params):
                mode = params[i + 1]
                if mode == 2:
                    kinds.add("truecolor")
                    i += 5
                    continue
                if mode == 5:
                    kinds.add("256")
                    i += 3
                    continue
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                kinds.add("standard")
            i += 1
    return kinds


def test_colour_kinds_reads_sgr_sequences():
    """The helper itself: each encoding is recognised, and 256-colour indexes are not misread."""
    assert colour_kinds(b"\x1b[1;38;2;255;136;0;48;2;1;2;3m") == {"truecolor"}
    assert colour_kinds(b"\x1b[38;5;238;48;5;17m\x1b[2;38;5;138m") == {"256"}
    assert colour_kinds(b"\x1b[91;44m\x1b[0m") == {"standard"}


def find(terminal: Terminal, needle: str) -> tuple[int, int]:
    for row, line in enumerate(terminal.rows()):
        col = line.find(needle)
        if col >= 0:
            return col + 1, row + 1
    raise AssertionError(f"{needle!r} is not on screen:\n{terminal.text()}")


async def test_resize_lays_the_screen_out_again(group):
    """Promise: resize works. The window grows from 100x30 to 140x40 and back to 80x24; the
    member pane moves to the new right edge and the footer to the new last row each time."""
    ann = await Terminal.connect(group.port, group.keys["ann"], width=100, height=30)
    try:
        col, _ = find(ann, "Members")
        assert 80 < col <= 100
        for width, height in ((140, 40), (80, 24)):
            await ann.resize(width, height)
            await ann.wait_screen(lambda w=width: w - 20 < find_or_zero(ann, "Members") <= w, f"no relayout at {width}")
            await ann.wait_screen(lambda h=height: "SOS" in ann.rows()[h - 1], f"footer not on row {height}")
    finally:
        await ann.close()


def find_or_zero(terminal: Terminal, needle: str) -> int:
    try:
        return find(terminal, needle)[0]
    except AssertionError:
        return 0


async def test_escape_key_closes_help(group):
    """Promise: Esc works. A lone Esc (no sequence after it) is recognised after the escape delay:
    F1 opens help, Esc closes it; and Esc followed quickly by typing is still Esc and then the
    typing: the line is typed soon after the escape delay, without waiting to see the help close,
    so it passes only if the server resolves the lone Esc on its own clock (not merged into
    Alt+key by the next byte) and applies the typing after the help has closed."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        ann.press("f1")
        await ann.wait_for("this help")
        ann.press("escape")
        await ann.wait_gone("this help")
        ann.press("f1")
        await ann.wait_for("this help")
        ann.press("escape")
        # The gap is the stimulus (a quick typist), not a wait for the server: it only has to be
        # past the escape delay, after which a terminal's byte stream is unambiguous.
        await asyncio.sleep(ESCAPE_DELAY * 1.5)
        await ann.type_line("typed after escape")
        await ann.wait_for_message("ann", "typed after escape")
        assert "this help" not in ann.text()
    finally:
        await ann.close()


async def test_mouse_click_on_a_channel_opens_it(group):
    """Promise: mouse works. An SGR mouse click on '#wins' in the channel list opens #wins, and a
    click on '#911' then opens #911."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.wait_for("#wins")
        for name in ("wins", "911"):
            col, row = find(ann, f"#{name}")
            ann.send(f"\x1b[<0;{col + 1};{row}M\x1b[<0;{col + 1};{row}m")
            await ann.wait_screen(lambda n=name: f"#{n} " in ann.rows()[0], f"#{name} did not open")
    finally:
        await ann.close()


async def test_mouse_wheel_and_motion_do_not_disturb_the_session(group):
    """Mouse reports a member's terminal sends without being asked to click (motion, wheel,
    out-of-range coordinates) do nothing harmful: the session carries on."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        ann.send("\x1b[<35;10;10M\x1b[<64;50;5M\x1b[<65;50;5M\x1b[<0;999;999M\x1b[<0;999;999m\x1b[<0;0;0M")
        ann.press("f1")  # still answering keys, after those (input is applied in order)
        await ann.wait_for("this help")
        assert not ann.closed.is_set()
    finally:
        await ann.close()


async def connect_with_colours(group, name: str, term: str, colorterm: str | None) -> Terminal:
    env = {"COLORTERM": colorterm} if colorterm else None
    terminal = await Terminal.connect(group.port, group.keys[name], term=term, env=env)
    await terminal.wait_for("available")  # the status bar: the first frame is complete
    return terminal


@pytest.mark.parametrize(
    "term, colorterm, expected",
    [
        ("xterm-256color", "truecolor", "truecolor"),
        ("xterm-256color", "24bit", "truecolor"),
        ("xterm-256color", None, "256"),  # what OpenSSH sends: no COLORTERM
        ("some-new-terminal", None, "256"),  # unknown: 256 colours
        ("linux", None, "standard"),
        ("xterm-direct", None, "truecolor"),
    ],
)
async def test_term_and_colorterm_are_honoured(group, term, colorterm, expected):
    """Promise: TERM/COLORTERM are honoured (sent by the client as the PTY's term type and an
    environment variable), 256 colours when unknown. Only that colour encoding is sent."""
    ann = await connect_with_colours(group, "ann", term, colorterm)
    try:
        assert colour_kinds(bytes(ann.raw)) == {expected}
    finally:
        await ann.close()


async def test_each_session_keeps_its_own_colour_depth(group):
    """Fix 3 (colour depth shared between sessions), seen from outside: truecolor, 256-colour and
    16-colour sessions open at the same time, then all redraw the same things (a message they all
    see, help opened and closed). Each receives only its own colour encoding throughout."""
    sessions = {
        "truecolor": await connect_with_colours(group, "ann", "xterm-256color", "truecolor"),
        "256": await connect_with_colours(group, "bea", "xterm-256color", None),
        "standard": await connect_with_colours(group, "cat", "linux", None),
    }
    try:
        await sessions["256"].type_line("colours for everyone")
        for terminal in sessions.values():  # the line itself, also on the sender's (not her box)
            await terminal.wait_for_message("bea", "colours for everyone")
            terminal.press("f1")
            await terminal.wait_for("this help")
            terminal.press("escape")
            await terminal.wait_gone("this help")
        await sessions["truecolor"].type_line("and once more")
        for terminal in sessions.values():
            await terminal.wait_for_message("ann", "and once more")
        for expected, terminal in sessions.items():
            assert colour_kinds(bytes(terminal.raw)) == {expected}, expected
    finally:
        for terminal in sessions.values():
            await terminal.close()


async def test_words_typed_the_moment_the_session_opens_are_kept(group):
    """Promise: nothing typed is lost. Keys sent at once, before anything is drawn (an SOS typed on
    arrival, or typed while another member's session starts: sessions start one at a time), were
    lost: the driver took input only from its own start, and a key that came before the first
    screen had the focus went to Textual's empty default screen. They are kept, then sent."""
    bea = await Terminal.connect(group.port, group.keys["bea"])
    conn = await ssh_connect(group.port, group.keys["ann"])
    try:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        process.stdin.write(b"typed before the first frame\r")
        await bea.wait_for_message("ann", "typed before the first frame")
    finally:
        conn.abort()
        await bea.close()
