"""The plain line mode over SSH (``ssh line@host``): lines, no boxes, no cursor positioning.

Real server, real SQLite file, asyncssh clients with a PTY: a line-mode member and a
full-screen member talk to each other; an SOS crosses between the two modes both ways; bad
input gets kind words and loses nothing (Up brings back what was entered).

One server for the module (a server start is ~1 s of CPU) and each story its own members, so no
story sees another's sessions, messages, saved mode or removal. The SOS stories have a server of
their own each (``own``): an open alert and the count of seniors online are the whole group's.
"""

from __future__ import annotations

import re

import pytest

from conftest import THREE, Group, running_group
from harness import Terminal, wait_until
from safespace_tui.line.render import plain
from safespace_tui.ssh.line_channel import without_unused_keys
from safespace_tui.ssh.server import session_kind
from safespace_tui.ssh.session import QUICK_EXIT

CURSOR_POSITION = re.compile(rb"\x1b\[\d*;\d*[Hf]")
BOX_DRAWING = re.compile("[\u2500-\u257f\u2580-\u259f]")
GREETED = "What you type goes here."
# each story's own members on the module's server (the SOS stories use ann, bea and sam of ``own``)
MEMBERS = dict.fromkeys(
    ("ann", "bea", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lou", "max"), "member"
)


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("line_mode"), MEMBERS) as g:
        yield g


@pytest.fixture
def own(tmp_path):
    """A server of this test's own: ann, bea (members) and sam (senior)."""
    with running_group(tmp_path, THREE) as g:
        yield g


async def line(port: int, key, *, width: int = 80) -> Terminal:
    """A member in line mode: the user name ``line``, any key of theirs."""
    return await Terminal.connect(port, key, username="line", wait_for=GREETED, width=width, height=24)


def stream(terminal: Terminal) -> str:
    return terminal.raw.decode("utf-8", "replace")


def assert_plain_stream(terminal: Terminal) -> None:
    """What a screen reader or braille display reads: no cursor positioning, no box drawing."""
    found = CURSOR_POSITION.search(bytes(terminal.raw))
    assert found is None, f"cursor positioning in the line-mode stream: {found}"
    boxes = BOX_DRAWING.findall(stream(terminal))
    assert not boxes, f"box-drawing characters in the line-mode stream: {boxes}"


async def close_all(*terminals: Terminal | None) -> None:
    for terminal in terminals:
        if terminal is not None:
            await terminal.close()


async def test_a_line_mode_member_and_a_full_screen_member_talk(group):
    ann = bea = None
    try:
        ann = await line(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        await ann.type_line("hello from the line mode")
        await bea.wait_for_message("ann", "hello from the line mode")
        await bea.type_line("hi ann, I can read you")
        await ann.wait_screen(
            lambda: re.search(r"#living-room \d\d:\d\d bea: hi ann, I can read you", ann.text()),
            "bea's message as one plain line",
        )
        # half a line typed stays under the real cursor while others' lines arrive above it
        ann.send("half typed")
        await ann.wait_screen(lambda: ann.rows()[ann.screen.cursor.y].rstrip() == "half typed", "typing")
        await bea.type_line("another one")
        await ann.wait_for("bea: another one")

        def cursor_after_draft() -> bool:
            cursor = ann.screen.cursor
            row = ann.rows()[cursor.y].rstrip()
            return row == "half typed" and cursor.x == len(row) and "bea: another one" in ann.rows()[cursor.y - 1]

        await ann.wait_screen(cursor_after_draft, "the draft redrawn below the new line, the cursor after it")
        ann.press("ctrl+u")  # the editor's own: erase the line
        # my own line is shown once, as the others see it
        await ann.wait_screen(
            lambda: re.search(r"#living-room \d\d:\d\d ann: hello from the line mode", ann.text()), ""
        )
        assert stream(ann).count("ann: hello from the line mode") == 1
        # commands come from the same table
        await ann.type_line("/spoons 5")
        await ann.type_line("/spoons")
        await ann.wait_for("You have 5 of")
        await ann.type_line("/here")
        await ann.wait_for("(end of Who is here)")
        assert "(@bea): online" in ann.text()
        await ann.type_line("/help")
        await ann.wait_for("(end of Commands)")
        assert "/sos [note]: ask a senior member for help now" in stream(ann) and "/alerts" not in stream(ann)
        await ann.type_line("/members")
        await ann.wait_for("(end of Members)")
        await ann.type_line("/profile bea")
        await ann.wait_for("(end of bea's profile)")
        await ann.type_line("/stauts low")
        await ann.wait_for("Did you mean /status?")
        assert_plain_stream(ann)
    finally:
        await close_all(ann, bea)


async def test_sos_from_line_mode_reaches_a_full_screen_senior(own):
    ann = sam = None
    try:
        sam = await Terminal.connect(own.port, own.keys["sam"])
        ann = await line(own.port, own.keys["ann"])
        await ann.type_line("/sos can't cope tonight")
        await ann.wait_for("Send an SOS to the senior members now?")
        assert "1 senior member is online and will be alerted right away." in stream(ann)
        await ann.type_line("yes")
        await ann.wait_for("1 senior member was alerted")
        await sam.wait_for("ann (@ann) needs help now")
        await wait_until(lambda: sam.bells >= 1, what="the senior's bell")
        assert "OPEN" in own.cli("alerts", "list", "--open").stdout or "ann" in own.cli("alerts", "list").stdout
        assert_plain_stream(ann)
    finally:
        await close_all(ann, sam)


async def test_sos_in_words_with_no_senior_online_gives_the_crisis_lines_as_lines(groups):
    g = groups({"ann": "member", "sam": "senior"})
    ann = await line(g.port, g.keys["ann"])
    try:
        await ann.type_line("Emergency. I don't feel safe")  # the SOS words: the same rules as the app
        await ann.wait_for("No senior member is online right now")
        await ann.wait_for("988")
        await ann.wait_for("You're in #911")
        assert "needs help" not in stream(ann)
        assert "ann" in g.cli("alerts", "list", "--open").stdout
        assert_plain_stream(ann)
    finally:
        await ann.close()
    sam = await line(g.port, g.keys["sam"])  # the first senior to connect hears of it first
    try:
        await sam.wait_for("Type /alerts to be with them.")
        assert "SOS waiting since" in sam.text() and sam.bells >= 1
    finally:
        await sam.close()


async def test_sos_from_full_screen_reaches_a_line_mode_senior_who_takes_it(own):
    ann = sam = None
    try:
        sam = await line(own.port, own.keys["sam"])
        ann = await Terminal.connect(own.port, own.keys["ann"])
        await ann.type_line("/sos alone tonight")
        await ann.wait_for("SOS: ask a senior member for help now?")
        ann.press("enter")
        await ann.wait_for("1 senior member was alerted")
        # the alert arrives as a line, with the bell
        await sam.wait_screen(lambda: "SOS " in sam.text() and "ann (@ann) needs help now" in sam.text(), "alert line")
        await wait_until(lambda: sam.bells >= 1, what="the line-mode senior's bell")
        assert "“alone tonight”" in sam.text()
        # and the senior takes it with a command, in words
        await sam.type_line("/alerts")
        await sam.wait_for("WAITING for a senior member")
        await sam.type_line("t 1")
        await sam.wait_for("You're with ann now")
        await ann.wait_for("sam has seen your SOS and is with you now")
        assert_plain_stream(sam)
    finally:
        await close_all(ann, sam)


async def test_many_lines_at_once_wait_their_turn_and_all_arrive_in_order(group):
    """A paste of 80 lines is 80 Enters: the server stops reading while many wait (the rest stay in
    the client's SSH window), reads again as they are answered, and loses none."""
    cat = dan = None
    try:
        cat = await line(group.port, group.keys["cat"])
        dan = await line(group.port, group.keys["dan"])
        cat.send("".join(f"line {n:03d} of the paste\r" for n in range(80)))
        await wait_until(lambda: "line 079 of the paste" in stream(dan), 60, "the last pasted line")
        received = re.findall(r"cat: line (\d{3}) of the paste", stream(dan))
        assert received == [f"{n:03d}" for n in range(80)]
        assert "pausing input of member" in group.server.log_text()
        await cat.type_line("and after it")
        await dan.wait_for("cat: and after it")
    finally:
        await close_all(cat, dan)


async def test_an_alert_reaches_a_line_mode_senior_mid_dialogue_and_is_closed_from_alerts(own):
    ann = sam = None
    try:
        sam = await line(own.port, own.keys["sam"])
        ann = await line(own.port, own.keys["ann"])
        await sam.type_line("/checkin")  # the senior is in the middle of their own check-in
        await sam.wait_for("Spoons: how many do you have")
        bells = sam.bells
        await ann.type_line("/sos")
        await ann.wait_for("Send an SOS")
        await ann.type_line("yes")
        await sam.wait_for("ann (@ann) needs help now")  # at once, not after the check-in
        await wait_until(lambda: sam.bells > bells, what="the bell mid-dialogue")
        await sam.type_line("cancel")
        await sam.wait_for("Check-in cancelled")
        await sam.type_line("/alerts")
        await sam.wait_for("WAITING for a senior member")
        await sam.type_line("c 1")
        await sam.wait_for("Close ann's alert?")
        await sam.type_line("1")
        await sam.wait_for("ann's alert is closed. Thank you for being there.")
        await ann.wait_for("sam marked your SOS as looked after")
        assert "OPEN" not in own.cli("alerts", "list").stdout
    finally:
        await close_all(ann, sam)


async def test_status_away_and_back_as_questions(group):
    eve = fay = None
    try:
        eve = await line(group.port, group.keys["eve"])
        fay = await line(group.port, group.keys["fay"])
        await eve.type_line("/status")
        await eve.wait_for("How are you? Type available, low, recharging or away")
        await eve.type_line("low")
        await eve.wait_for("low energy.")
        await eve.type_line("/away taking a bath")
        await eve.wait_for("Step away for a while?")
        await eve.type_line("1")
        await eve.wait_for("Type /back when you're here again")
        await fay.wait_screen(lambda: re.search(r"eve: .*stepping away.*taking a bath", fay.text()), "eve's note")
        await fay.type_line("/here")
        await fay.wait_for("(end of Who is here)")
        assert re.search(r"\(@eve\): online, . away, “stepping away: taking a bath”", fay.text()), fay.text()
        await eve.type_line("/back")
        await eve.wait_for("Welcome back. The group can see you're here.")
    finally:
        await close_all(eve, fay)


async def test_goals_progress_shared_in_wins_and_delete_my_data_as_questions(group):
    gus = None
    try:
        gus = await line(group.port, group.keys["gus"])
        await gus.type_line("/goals add walk every day")
        await gus.type_line("/progress 1 walked to the shop")
        await gus.wait_for("Share this step in #wins?")
        await gus.type_line("yes")
        await gus.wait_screen(lambda: re.search(r"#wins \d\d:\d\d gus: .*walked to the shop", gus.text()), "the win")
        await gus.type_line("/delete-my-data")
        await gus.wait_for("Type delete to ask for it")
        await gus.type_line("delete")
        await gus.wait_screen(lambda: "You can cancel until then with /del" in stream(gus), "the deletion asked for")
        await gus.type_line("/delete-my-data")
        await gus.wait_for("Type cancel to keep everything")
        await gus.type_line("cancel")
        await gus.wait_for("Cancelled. Nothing will be deleted.")
        assert_plain_stream(gus)
    finally:
        await close_all(gus)


async def test_checkin_is_a_dialogue_of_questions(group):
    hal = None
    try:
        hal = await line(group.port, group.keys["hal"])
        await hal.type_line("/checkin")
        await hal.wait_for("Spoons: how many do you have")
        await hal.type_line("seven")
        await hal.wait_for("Please give a number from 0 to")
        await hal.type_line("7")
        await hal.wait_for("Mood:")
        await hal.type_line("4")
        for _ in range(4):  # sleep, needs, a win, a note: Enter skips
            await hal.type_line("")
        await hal.wait_for("Who may see it")
        await hal.type_line("")
        await hal.wait_for("Thank you for checking in.")
        await hal.wait_screen(
            lambda: re.search(r"#check-ins \d\d:\d\d hal: checked in", hal.text()), "the check-in card"
        )
        assert_plain_stream(hal)
    finally:
        await close_all(hal)


async def test_bad_input_gets_kind_words_and_loses_nothing(group):
    ivy = jon = None
    try:
        ivy = await line(group.port, group.keys["ivy"])
        jon = await Terminal.connect(group.port, group.keys["jon"])
        # escape sequences typed: left out, the member told, the words kept and sent
        ivy.send("colour \x1b[31mred\x1b[0m and a title \x1b]0;owned\x07 here")
        await ivy.wait_for("That key does nothing in line mode")
        ivy.press("enter")
        await jon.wait_for_message("ivy", "colour red and a title  here")
        # bytes that are not UTF-8: nothing sent, and Up brings the line back whole
        ivy.send(b"caf\xe9 latte\r")
        await ivy.wait_for("could not be read as text, so nothing was sent")
        # a very long line: refused kindly with its size; Up recalls all of it (the same size again)
        ivy.send("x" * 5000 + "\r")
        await ivy.wait_for("(5,000 characters)")
        ivy.press("up")
        ivy.press("enter")
        await wait_until(lambda: stream(ivy).count("(5,000 characters)") == 2, what="the recalled long line")
        ivy.press("up", "up", "up")  # past the long line, entered twice, to the one that was not UTF-8
        ivy.press("enter")
        await wait_until(lambda: stream(ivy).count("could not be read as text") == 2, what="the recalled line")
        # nothing of it reached the others, and the session goes on
        await ivy.type_line("still here")
        await jon.wait_for_message("ivy", "still here")
        assert "xxxxxxxxxx" not in jon.text() and "latte" not in jon.text()
        assert "\x1b]0;owned" not in stream(jon) and "\x1b[31m" not in stream(jon)
        assert_plain_stream(ivy)
    finally:
        await close_all(ivy, jon)


HOSTILE = "look \x1b[2J\x1b[10;10H\x9b31m\u202eevil\u202c \x1b]0;TITLE\x07done\nsecond line"
HOSTILE_NAME = "raw\x1b]0;NAMETITLE\x07\u202e\u009b2J"


def write_hostile_row(group: Group) -> None:
    """Before the server starts, straight into the SQLite file: a message and a display name holding
    raw terminal escapes, as a row from an older version or a restored backup could hold them."""
    from safespace_tui.store.db import Store
    from safespace_tui.store.models import Channel, Member, Message

    store = Store(group.data_dir / "safespace.db")
    try:

        def write() -> None:
            raw = Member.get(Member.handle == "raw")
            Member.update(display_name=HOSTILE_NAME).where(Member.id == raw.id).execute()
            Message.create(channel=Channel.get(Channel.name == "living-room"), author=raw, body=HOSTILE)

        store.write_sync(write)
    finally:
        store.close()


async def test_stored_escape_codes_never_reach_the_line_stream(tmp_path):
    with running_group(tmp_path, {"ann": "member", "raw": "member"}, prepare=write_hostile_row) as g:
        ann = await line(g.port, g.keys["ann"])
        try:
            await ann.wait_for("second line")
            await ann.wait_for("evil done")
            assert_plain_stream(ann)
            written = stream(ann)
            for sequence in ("\x1b[2J", "\x1b[10;10H", "\x1b]0;", "\x9b", "\u202e", "TITLE\x07"):
                assert sequence not in written, f"{sequence!r} reached the line-mode stream"
        finally:
            await ann.close()


async def test_ctrl_x_leaves_at_once_and_clears_the_window(group):
    kim = await line(group.port, group.keys["kim"])
    try:
        kim.send("half a thought")
        kim.press("ctrl+x")
        await kim.wait_closed()
        assert bytes(kim.raw).endswith(QUICK_EXIT.encode())
    finally:
        await kim.close()


async def test_a_removed_member_in_line_mode_is_told_and_the_session_closes(group):
    lou = await line(group.port, group.keys["lou"])
    try:
        group.cli("member", "remove", "lou", "--yes")
        await lou.wait_closed(30)
        assert "Your access to Safe Space has changed" in stream(lou)
    finally:
        await lou.close()


def test_the_user_name_says_which_session_else_the_saved_mode():
    assert session_kind("line") == "line" and session_kind("LINE") == "line"
    assert session_kind("member") == "app" and session_kind("ann") == "app"
    assert session_kind("member", "line") == "line" and session_kind("full", "line") == "app"


def test_unused_keys_are_taken_out_and_editing_keys_kept():
    assert without_unused_keys("a\x1b[31mb\x1bOPc") == ("abc", True)
    assert without_unused_keys("a\x1b[Db\x1b[3~") == ("a\x1b[Db\x1b[3~", False)
    assert plain("a\x1b[31mb\x07c\u202e") == "abc"


async def test_a_saved_preference_opens_the_line_mode_from_the_next_connection(group):
    key = group.keys["max"]
    max = await Terminal.connect(group.port, key)
    try:
        await max.type_line("/mode line")
        await max.wait_for("From your next connection")
    finally:
        await max.close()
    # any user name now gives lines; `full` still gives the app
    max = await Terminal.connect(group.port, key, wait_for=GREETED)
    try:
        assert_plain_stream(max)
        await max.type_line("/mode sideways")
        await max.wait_for("/mode line gives plain lines")
        await max.type_line("/mode")
        await max.wait_for("Your sessions open in the plain line mode")
    finally:
        await max.close()
    max = await Terminal.connect(group.port, key, username="full")
    try:
        await max.type_line("/mode full")
        await max.wait_for("From your next connection")
    finally:
        await max.close()
    max = await Terminal.connect(group.port, key)  # waits for the app's "Channels"
    await max.close()


def test_a_version_8_file_gets_the_session_preference_table(tmp_path):
    """The migration step (8 -> 9), idempotent: the table is made if missing, and kept if there."""
    import sqlite3

    from safespace_tui.store.db import Store
    from safespace_tui.store.migrations import SCHEMA_VERSION

    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE session_preference")
        db.execute("UPDATE schema_version SET version = 8")
    store = Store(path)
    store.close()
    assert store.schema_version == SCHEMA_VERSION  # 8 -> 9, then on to the newest
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "session_preference" in tables
