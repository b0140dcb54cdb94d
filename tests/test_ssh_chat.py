"""Issue 2, the app over real SSH: channels, history, hostile text, bad bytes, big pastes.

One server for the module. Before it starts, a channel ``archive`` is filled with 100,000
messages written straight into the SQLite file (one transaction), as years of talk would be.
Each test uses its own members or channel, so tests do not see each other's messages.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from conftest import Group, running_group
from harness import Terminal, wait_until

ARCHIVE_SIZE = 100_000
MEMBERS = ["ann", "bea", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "kim", "old", "raw"]


def seed(data_dir, count: int) -> None:
    """Straight into the SQLite file, before the server starts, in one transaction:

    * ``count`` messages by ``old`` in #archive (years of talk), with executemany;
    * in #stored, one message and one display name holding raw terminal escapes, as a row written
      by an older version, a restored backup or a path that forgot to clean would hold them.
    """
    from safespace_tui.store.db import Store
    from safespace_tui.store.models import Channel, Member, Message

    store = Store(data_dir / "safespace.db")
    try:

        def write():
            archive = Channel.get(Channel.name == "archive")
            author = Member.get(Member.handle == "old")
            start = datetime(2024, 1, 1)
            given = {"channel": archive.id, "author": author.id, "body": None, "created_at": None}
            # every other column that needs a value gets the model's default (the schema may grow)
            fixed = {}
            for f in Message._meta.sorted_fields:
                if f.primary_key or f.name in given or f.null:
                    continue
                fixed[f.column_name] = f.db_value(f.default() if callable(f.default) else f.default)
            columns = [Message._meta.fields[name].column_name for name in given] + list(fixed)
            sql = f"INSERT INTO message ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            created = Message.created_at
            rows = (
                (
                    archive.id,
                    author.id,
                    f"archived note {i:06d}",
                    created.db_value(start + timedelta(minutes=i)),
                    *fixed.values(),
                )
                for i in range(count)
            )
            store.db.connection().executemany(sql, rows)
            stored = Channel.get(Channel.name == "stored")
            raw = Member.get(Member.handle == "raw")
            Member.update(display_name=RAW_NAME).where(Member.id == raw.id).execute()
            Message.create(channel=stored, author=raw, body=INJECTION + " stored-end")

        store.write_sync(write)
    finally:
        store.close()


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("chat"), dict.fromkeys(MEMBERS, "member"), prepare=prepare) as g:
        yield g


def prepare(group: Group) -> None:
    """Before the server starts: the module's own channels, and #archive filled."""
    group.cli("channel", "add", "archive", "--topic", "Years of talk")
    for name in ("quiet", "stored", "typed"):
        group.cli("channel", "add", name)
    seed(group.data_dir, ARCHIVE_SIZE)


def messages_in_db(group, needle: str) -> int:
    """How many stored messages contain ``needle`` (read-only look at the real file)."""
    with sqlite3.connect(f"file:{group.data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM message WHERE body LIKE ?", (f"%{needle}%",)).fetchone()[0]


def find(terminal: Terminal, needle: str) -> tuple[int, int]:
    """1-based (column, row) of ``needle`` on screen, for mouse clicks."""
    for row, line in enumerate(terminal.rows()):
        col = line.find(needle)
        if col >= 0:
            return col + 1, row + 1
    raise AssertionError(f"{needle!r} is not on screen:\n{terminal.text()}")


def click(terminal: Terminal, col: int, row: int) -> None:
    terminal.send(f"\x1b[<0;{col};{row}M\x1b[<0;{col};{row}m")


def box_text(terminal: Terminal) -> str:
    """What is in the message box (the rows between its ╭ and ╰ borders)."""
    rows = terminal.rows()
    top = next(i for i, line in enumerate(rows) if "╭" in line)
    inside = []
    for line in rows[top + 1 :]:
        if "╰" in line:
            break
        row = line[line.index("│") + 1 :]
        inside.append(re.split("[│▌]", row)[0].strip())  # up to the right border, or a notice over it
    return " ".join(part for part in inside if part)


async def send_line(terminal: Terminal, text: str, timeout: float = 15) -> None:
    """Type a line, see it in the box, press Enter, and wait until the box has let go of it (the
    message is sent), as a person would before typing the next one."""
    terminal.send(text)
    await in_box(terminal, text, timeout)
    terminal.press("enter")
    await terminal.wait_screen(lambda: text[:20] not in box_text(terminal), f"{text!r} was never sent", timeout)


async def in_box(terminal: Terminal, text: str, timeout: float = 15) -> None:
    """Wait until (the start of) ``text`` shows in the message box."""
    await terminal.wait_screen(lambda: text[:20] in box_text(terminal), f"{text!r} never showed in the box", timeout)


async def pair(group, first: str, second: str) -> tuple[Terminal, Terminal]:
    a = await Terminal.connect(group.port, group.keys[first])
    b = await Terminal.connect(group.port, group.keys[second])
    await a.wait_for("#living-room ")
    await b.wait_for("#living-room ")
    return a, b


async def test_bad_utf8_from_a_client_crashes_nothing(group):
    """Bad input: invalid UTF-8 bytes typed into the message box (and inside an escape
    sequence). The session and the server survive, and the member can still talk."""
    ann, bea = await pair(group, "ann", "bea")
    try:
        ann.send(b"caf\xc3 \xff\xfe\xc3( ok \x1b[\xff~ \xed\xa0\x80 \xf8\x88\x80\x80\x80")
        await in_box(ann, "caf")
        ann.press("enter")
        await bea.wait_for("caf")  # sent, with the bad bytes replaced
        await ann.type_line("still talking after bad bytes")
        await bea.wait_for("still talking after bad bytes")
        assert not ann.closed.is_set() and not bea.closed.is_set()
        assert "Traceback" not in group.server.log_text()
    finally:
        await ann.close()
        await bea.close()


INJECTION = (
    "esc-start"
    " \u202eevil\u202c \u2066iso\u2069 zero\u200bwidth\ufeff joiner\u2060"  # bidi, zero-width
    "\u009b31m\u009d0;CONETITLE\u009c"  # 8-bit CSI (red) and 8-bit OSC title
    "\u0085\u008d\u0090DCSJUNK\u009c"  # C1: NEL, RI, DCS string
    "\x07\x08\x7f"  # BEL, BS, DEL
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]52;c;U0VDUkVUQ0xJUEJPQVJE\x07"  # OSC 52: write "SECRETCLIPBOARD" to the clipboard
    "\x1b]0;EVILTITLE\x07\x1b]2;EVILTITLE2\x1b\\"  # set the window title (BEL and ST ended)
    "\x1bc"  # full reset
)
RAW_NAME = "raw\x1b]0;NAMETITLE\x07\u202e\u009b2J"
# What must never reach a reader's terminal from member text: escape sequences, 7- and 8-bit.
SEQUENCES = ["\x1b]52", "\x1b]0;", "\x1b]2;", "\x1b[2J", "\x1bc", "\x1b]8;", "\x1bP"]
CONTROLS = [
    "\u009b",
    "\u009d",
    "\u009c",
    "\u0085",
    "\u008d",
    "\u0090",
    "\x07",
    "\x08",
    "\x7f",
    "\u202e",
    "\u202c",
    "\u2066",
    "\u2069",
    "\u200b",
    "\ufeff",
    "\u2060",
]
# The payloads of those sequences: gone with them when the sanitiser removes a whole sequence.
PAYLOADS = ["U0VDUkVUQ0xJUEJPQVJE", "SECRETCLIPBOARD", "EVILTITLE", "CONETITLE", "DCSJUNK", "NAMETITLE"]


def leaks(received: bytes, forbidden: list[str]) -> list[str]:
    text = bytes(received).decode("utf-8", errors="replace")
    return [repr(item) for item in forbidden if item in text]


async def test_escape_sequences_typed_by_a_member_never_reach_another_members_terminal(group):
    """Bad input: a member pastes a message full of ESC/OSC/CSI sequences (clear screen, OSC 52
    clipboard, window title), 8-bit CSI/OSC, C1 controls, bidi overrides and zero-width characters.
    The other member sees the words, and no escape sequence, C1, bidi or zero-width character
    reaches their terminal. (Textual's input parser already turns a pasted ESC into a visible
    '^['; the C1, bidi and zero-width characters are the sanitiser's to remove.)"""
    ann, bea = await pair(group, "cat", "dan")
    try:
        for member in (ann, bea):
            await member.type_line("/join typed")
            await wait_title(member, "typed")
        start, title_before = len(bea.raw), bea.screen.title
        ann.paste(INJECTION)
        await ann.wait_screen(lambda: box_text(ann), "the paste never showed in the box")  # one event: all of it
        ann.press("enter")
        await bea.wait_for("esc-start")
        # Textual's input parser mangles whatever follows the first ESC in a paste, so the end is
        # marked by a second, plain message
        await send_line(ann, "typed-end")
        await bea.wait_for("typed-end")
        shown = bea.text()
        assert "evil" in shown and "zerowidth" in shown  # the words survive; the invisibles do not
        await bea.type_line("reader still here")  # more frames after the message, for good measure
        await bea.wait_for_message("dan", "reader still here")
        assert leaks(bea.raw[start:], SEQUENCES + CONTROLS) == []
        assert bea.screen.title == title_before  # pyte's view of the window title
        assert messages_in_db(group, "esc-start") == 2  # this one and the stored one
    finally:
        await ann.close()
        await bea.close()


async def test_escape_sequences_already_stored_are_cleaned_before_they_are_shown(group):
    """Bad input already in the file: a message body and a display name holding raw escape
    sequences, C1, bidi and zero-width characters (written into SQLite directly, as an older
    version or a restored backup could hold them). Text is cleaned before it is shown too: the
    reader sees the words, and neither the sequences nor their payloads reach the terminal."""
    bea = await Terminal.connect(group.port, group.keys["eve"])
    try:
        start, title_before = len(bea.raw), bea.screen.title
        await bea.type_line("/join stored")
        await bea.wait_for("stored-end")
        await bea.wait_for("raw")
        assert "evil" in bea.text() and "zerowidth" in bea.text()
        assert leaks(bea.raw[start:], SEQUENCES + CONTROLS + PAYLOADS) == []
        assert bea.screen.title == title_before
    finally:
        await bea.close()


MARKUP = [
    "[@click=app.quit]press me[/]",
    "[link=https://evil.example]a link[/link]",
    "[b]notbold[/b] [red]notred[/red]",
]


async def test_markup_shows_as_literal_text_and_does_nothing(group):
    """Bad input: Textual/Rich markup in messages (``[@click=app.quit]``, ``[link=…]``, styles).
    It shows to the other member exactly as typed, clicking it does nothing, no hyperlink escape
    is sent, and the session stays open."""
    ann, bea = await pair(group, "eve", "fay")
    try:
        start = len(bea.raw)
        for text in MARKUP:
            await ann.type_line(text)
            await bea.wait_for(text)
        col, row = find(bea, "press me")
        click(bea, col + 2, row)  # on the would-be action link (input is applied in order)
        box_col, box_row = find(bea, "╭")
        click(bea, box_col + 5, box_row + 1)  # back into the message box
        await bea.type_line("clicked and still here")
        await ann.wait_for("clicked and still here")
        assert not bea.closed.is_set()
        received = bytes(bea.raw[start:]).decode("utf-8", errors="replace")
        assert "\x1b]8;" not in received and "evil.example" in received  # shown, never a link
    finally:
        await ann.close()
        await bea.close()


async def test_a_paste_is_sent_once_as_pasted(group):
    """Promise: a paste (bracketed, with a line break) lands in the box once and is sent exactly as
    pasted, line break included."""
    ann, bea = await pair(group, "ann", "bea")
    try:
        ann.paste("pasted once\nand its second line")
        await in_box(ann, "pasted once")
        ann.press("enter")
        await bea.wait_for("and its second line")
        with sqlite3.connect(f"file:{group.data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
            bodies = [row[0] for row in db.execute("SELECT body FROM message WHERE body LIKE '%pasted once%'")]
        assert bodies == ["pasted once\nand its second line"]
    finally:
        await ann.close()
        await bea.close()


async def test_oversized_paste_is_refused_kindly_and_the_draft_kept(group):
    """Bad input: a paste bigger than a message (5,000 characters). A kind notice, nothing is sent
    or stored, the draft already in the box stays, and Enter then sends that draft."""
    ann, bea = await pair(group, "gus", "hal")
    try:
        ann.send("my careful draft")
        await ann.wait_for("my careful draft")
        ann.paste("pasted-" + "y" * 5000)
        await ann.wait_for("very long")
        await ann.wait_for("my careful draft")
        ann.press("enter")
        await bea.wait_for("my careful draft")
        assert "pasted-" not in bea.text()
        assert messages_in_db(group, "pasted-") == 0
    finally:
        await ann.close()
        await bea.close()


async def test_a_paste_that_does_not_end_is_cut_short_and_nothing_of_it_typed(group):
    """Bad input: a client opens a bracketed paste and sends 300,000 characters before closing it
    (a stuck client, or one trying to fill the server's memory). The server ends the paste itself
    after 64 Ki characters (ssh/paste_guard.py), the member gets the kind too-long notice, the
    rest is dropped, never taken as typed keys, and typing works again after the real end."""
    ann, bea = await pair(group, "kim", "fay")
    try:
        ann.send("draft before the flood")
        await ann.wait_for("draft before the flood")
        ann.send("\x1b[200~" + "L" * 150_000)
        ann.send("M" * 150_000)
        await ann.wait_for("very long")
        ann.send("\x1b[201~")
        ann.send(" and after")
        await ann.wait_for("flood and after")
        assert "LLLL" not in box_text(ann) and "MMMM" not in box_text(ann)
        ann.press("enter")
        await bea.wait_for("draft before the flood and after")
        assert messages_in_db(group, "LLLL") == 0 and messages_in_db(group, "MMMM") == 0
    finally:
        await ann.close()
        await bea.close()


async def test_overlong_typed_message_is_refused_kindly_and_the_draft_kept(group):
    """Bad input: a message over 4,000 characters (a paste that still fits, then more typed).
    Enter gives a kind notice and stores nothing; the draft is still whole in the box, so taking
    back the extra characters and pressing Enter sends it."""
    ann = await Terminal.connect(group.port, group.keys["ivy"])
    try:
        ann.paste("typed-long-" + "z" * 3980)  # 3,991 characters
        await ann.wait_for("zzzzzzzzzz")
        ann.send("q" * 30)
        await ann.wait_for("qqqqqqqqqq")
        ann.press("enter")
        await ann.wait_for("lot to hold")
        assert messages_in_db(group, "typed-long-") == 0
        assert "zzzzzzzzzz" in box_text(ann)
        ann.send("\x7f" * 25)  # backspace: 3,996 characters left (keys are applied in order)
        ann.press("enter")
        await ann.wait_screen(
            lambda: messages_in_db(group, "typed-long-") == 1, "the shortened draft was not stored once"
        )
    finally:
        await ann.close()


async def test_multi_line_message_with_ctrl_j(group):
    """Promise: multi-line input is possible (Ctrl+J adds a line; Enter sends both lines)."""
    ann, bea = await pair(group, "ivy", "hal")
    try:
        ann.send("first line of two")
        ann.press("ctrl+j")
        ann.send("second line of two")
        ann.press("enter")
        await bea.wait_for("second line of two")
        rows = [i for i, line in enumerate(bea.rows()) if "line of two" in line]
        assert len(rows) == 2 and rows[1] == rows[0] + 1
    finally:
        await ann.close()
        await bea.close()


def title(terminal: Terminal) -> str:
    """The conversation's title row: '#channel  topic'."""
    return terminal.rows()[0]


async def wait_title(terminal: Terminal, name: str, timeout: float = 15) -> None:
    await terminal.wait_screen(lambda: f"#{name} " in title(terminal), f"#{name} is not the title", timeout)


async def test_join_command_and_ctrl_n_switch_channels(group):
    """Promise: ``/join wins`` and Ctrl+N switch channels; ``/join`` of an unknown channel is a
    kind notice and leaves you where you were."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await wait_title(ann, "living-room")
        await ann.type_line("/join wins")
        await wait_title(ann, "wins")
        await ann.wait_for("▸ #wins")
        ann.press("ctrl+n")
        await wait_title(ann, "911")
        await ann.wait_for("▸ #911")
        await ann.type_line("/join no-such-room")
        await ann.wait_for("no channel called")
        assert "#911 " in title(ann)
    finally:
        await ann.close()


async def test_unread_counts_for_other_channels(group):
    """Promise: the channel list shows how many messages you have not read in other channels,
    live and again after you reconnect (read markers are stored)."""
    bea = await Terminal.connect(group.port, group.keys["bea"])
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await bea.wait_for("#quiet")
        await ann.type_line("/join quiet")
        await wait_title(ann, "quiet")
        await send_line(ann, "quiet one")
        await send_line(ann, "quiet two")
        await bea.wait_for("#quiet (2)")
        await bea.close()
        bea = await Terminal.connect(group.port, group.keys["bea"])
        await bea.wait_for("#quiet (2)")
        await bea.type_line("/join quiet")
        await bea.wait_for("quiet two")
        await bea.wait_gone("#quiet (2)")
    finally:
        await ann.close()
        await bea.close()


def oldest_note_on_screen(terminal: Terminal) -> int:
    numbers = [int(n) for n in re.findall(r"archived note (\d{6})", terminal.text())]
    return min(numbers) if numbers else ARCHIVE_SIZE


async def scroll_up_until_older_than(terminal: Terminal, number: int, send_up, timeout: float = 60) -> None:
    """Scroll up until a note older than ``number`` is on screen (only the newest page of 100 is
    loaded when the channel opens, so that needs older pages loaded from the store)."""

    def older_in_view() -> bool:
        if oldest_note_on_screen(terminal) < number:
            return True
        send_up()  # not yet: scroll on, as a person keeps turning the wheel
        return False

    await wait_until(
        older_in_view, timeout, lambda: f"nothing older than {number} came into view:\n{terminal.text()}", 0.05
    )


async def test_channel_with_100k_messages_opens_and_loads_older_on_mouse_scroll(group):
    """Promise: a channel holding 100,000 messages opens (showing the newest), and scrolling up
    with the mouse wheel loads older pages from the store on demand."""
    ann = await Terminal.connect(group.port, group.keys["cat"])
    try:
        await ann.type_line("/join archive")
        await ann.wait_for(f"archived note {ARCHIVE_SIZE - 1:06d}", timeout=30)
        assert f"archived note {ARCHIVE_SIZE - 101:06d}" not in ann.text()
        col, row = find(ann, "archived note")

        def wheel_up():
            ann.send(f"\x1b[<64;{col};{row}M" * 5)

        # two pages (of 100) older than what was loaded when the channel opened
        await scroll_up_until_older_than(ann, ARCHIVE_SIZE - 250, wheel_up)
    finally:
        await ann.close()


async def test_keyboard_only_member_can_scroll_back_with_pageup(group):
    """Promise, keyboard only: Shift+Tab moves from the message box to the conversation, and
    PageUp scrolls back, loading older history too."""
    ann = await Terminal.connect(group.port, group.keys["dan"])
    try:
        await ann.type_line("/join archive")
        await ann.wait_for(f"archived note {ARCHIVE_SIZE - 1:06d}", timeout=30)
        ann.press("shift+tab")  # to the conversation; the PageUps after it are applied in order
        await scroll_up_until_older_than(ann, ARCHIVE_SIZE - 150, lambda: ann.press("pageup"))
    finally:
        await ann.close()


async def test_help_command_shows_the_keys(group):
    """Promise: ``/help`` shows the keys and commands; Esc closes it."""
    ann = await Terminal.connect(group.port, group.keys["eve"])
    try:
        await ann.type_line("/help")
        await ann.wait_for("Ctrl+N")
        await ann.wait_for("next channel")
        await ann.wait_for("/join CHANNEL")
        ann.press("escape")
        await ann.wait_gone("/join CHANNEL")
    finally:
        await ann.close()
