"""Issue 10, cheers, end to end over SSH: bea chooses ann's message with the keyboard (F10, the
message-selection mode), gives a cheer with a number key, and it shows under the message in every
session at once (ann's drawn in ASCII, as she asked); "w" says who cheered; the same key takes the
cheer back; Esc returns to writing.
"""

from __future__ import annotations

from conftest import THREE, running_group
from harness import Terminal

WORDS = "I got out of bed and made tea today"


def _a_full_log(group) -> None:
    """40 earlier messages in #living-room: the log is full, so a new line under the newest message
    is below the fold unless the log keeps to the bottom (it did not, at first)."""
    import sqlite3

    with sqlite3.connect(group.data_dir / "safespace.db") as db:
        room = db.execute("SELECT id FROM channel WHERE name = 'living-room'").fetchone()[0]
        sam = db.execute("SELECT id FROM member WHERE handle = 'sam'").fetchone()[0]
        db.executemany(
            "INSERT INTO message (channel_id, author_id, body, created_at, kind, visibility) "
            "VALUES (?, ?, ?, '2026-11-30 09:00:00', 'chat', 'group')",
            [(room, sam, f"earlier {i}") for i in range(40)],
        )
    db.close()


async def test_a_cheer_shows_live_in_every_session_and_can_be_taken_back(tmp_path):
    with running_group(tmp_path, THREE, prepare=_a_full_log) as group:
        await _cheer_story(group)


async def _cheer_story(group) -> None:
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    sam = await Terminal.connect(group.port, group.keys["sam"])
    try:
        await ann.type_line("/reactions ascii")
        await ann.wait_for("Cheers are drawn as plain text")
        await ann.type_line(WORDS)
        for term in (ann, bea, sam):
            await term.wait_for_message("ann", WORDS)
        bea.press("f10")
        await bea.wait_for("Up/Down choose a message")
        bea.send("1")
        await ann.wait_for("<3 1")
        await sam.wait_for("💜 1")
        await bea.wait_for("💜 1")
        sam.press("f10")
        await sam.wait_for("Up/Down choose a message")
        sam.send("2")
        await ann.wait_for("<3 1  (hug) 1")
        bea.send("w")
        await bea.wait_for("Who cheered")
        await bea.wait_for("love: bea")
        await bea.wait_for("a hug: sam")
        bea.press("escape")
        await bea.wait_gone("Who cheered")
        bea.send("1")  # the same cheer again takes it back
        await ann.wait_screen(lambda: "(hug) 1" in ann.text() and "<3" not in ann.text(), "bea's cheer taken back")
        bea.press("escape")  # back to writing
        await bea.wait_gone("Up/Down choose a message")
        await bea.type_line("thank you all")
        await ann.wait_for_message("bea", "thank you all")
    finally:
        for term in (ann, bea, sam):
            await term.close()
