"""Issue 11, your own words and reports, end to end over SSH with a real server and SQLite file.

ann edits her message from the message-selection mode (F10, e: the words come into her box behind
``/edit N``; Enter saves) and bea sees it "(edited)" live; bea cannot edit or delete it (refused as
"not found", by key and by typing /edit); ann deletes it (d, then 1 to confirm) and a "(message
deleted)" line replaces it on bea's screen, live, and neither the first nor the edited words are
left in the database file, its -wal or its -shm (raw bytes). Then bea reports a message of sam's
(r, a reason, a note); ann, a senior member, is told a report waits, reads it in context with
/reports and hides it; the "(hidden by leadership)" line replaces it everywhere, live; bea is
thanked and told the outcome only; each step is an audit row `safespace audit list` shows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import running_group
from harness import Terminal, wait_until

FIRST = "quokkaveil seeds"  # one plain word each: the search index keeps words one by one
EDITED = " zephyrmoss"
MEMBERS = {"ann": "senior", "bea": "member", "sam": "member"}


def _raw(data_dir: Path) -> bytes:
    db = data_dir / "safespace.db"
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def _query(data_dir: Path, sql: str, *args) -> list[tuple]:
    db = sqlite3.connect(f"file:{data_dir / 'safespace.db'}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()  # no reader left behind to hold back the server's checkpoint


async def test_edit_and_delete_are_live_only_for_the_author_and_leave_no_words_on_disk(tmp_path):
    with running_group(tmp_path, MEMBERS) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        try:
            await ann.type_line(FIRST)
            await bea.wait_for_message("ann", FIRST)
            (message_id,) = _query(group.data_dir, "SELECT id FROM message WHERE body = ?", FIRST)[0]

            # someone else's message: e is refused as "not found", and so is typing /edit
            bea.press("f10")
            await bea.wait_for("e edit")
            bea.send("e")
            await bea.wait_for("There's no such message.")
            bea.press("escape")
            await bea.wait_gone("Up/Down choose a message")
            await bea.type_line(f"/edit {message_id} taken over")
            await bea.wait_screen(lambda: bea.text().count("There's no such message.") >= 1, "refused")
            await bea.wait_for(f"/edit {message_id} taken over")  # refused, the words are back in the box
            assert _query(group.data_dir, "SELECT body FROM message WHERE id = ?", message_id) == [(FIRST,)]

            # ann, halfway through a draft, starts an edit and cancels it with Esc: the draft is back
            ann.send("half a thought")
            ann.press("f10")
            await ann.wait_for("e edit")
            ann.send("e")
            await ann.wait_for(f"/edit {message_id} {FIRST}")
            assert "half a thought" not in ann.text()
            ann.press("escape")
            await ann.wait_for("half a thought")
            await ann.wait_gone(f"/edit {message_id}")
            # ann edits: her words come into the box behind the marker; Enter saves; her draft comes back
            ann.press("f10")
            await ann.wait_for("e edit")
            ann.send("e")
            await ann.wait_for(f"/edit {message_id} {FIRST}")
            await ann.type_line(EDITED)
            await bea.wait_for_message("ann", FIRST + EDITED + "  (edited)")
            await ann.wait_for_message("ann", FIRST + EDITED + "  (edited)")
            await ann.wait_for("half a thought")
            assert _query(group.data_dir, "SELECT body FROM message WHERE id = ?", message_id) == [(FIRST + EDITED,)]

            # bea cannot delete it either
            bea.press("f10")
            await bea.wait_for("d delete")
            bea.send("d")
            await bea.wait_for("Delete your message?")
            bea.send("1")
            await bea.wait_for("There's no such message.")
            assert _query(group.data_dir, "SELECT removed FROM message WHERE id = ?", message_id) == [("",)]
            bea.press("escape")

            # ann deletes it, after a confirm
            ann.press("f10")
            await ann.wait_for("d delete")
            ann.send("d")
            await ann.wait_for("Delete your message?")
            ann.send("1")
            await bea.wait_for_message("ann", "(message deleted)")
            await ann.wait_for_message("ann", "(message deleted)")
            assert "quokkaveil" not in bea.text()
        finally:
            await ann.close()
            await bea.close()
        assert _query(group.data_dir, "SELECT body, removed FROM message WHERE id = ?", message_id) == [("", "author")]
        await wait_until(
            lambda: not any(w in _raw(group.data_dir) for w in (b"quokkaveil", b"zephyrmoss")),
            timeout=30,
            what=lambda: "the deleted words are still in the raw files",
        )


async def test_a_report_reaches_leadership_who_hide_it_and_the_reporter_is_told(tmp_path):
    with running_group(tmp_path, MEMBERS) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])  # senior
        bea = await Terminal.connect(group.port, group.keys["bea"])
        sam = await Terminal.connect(group.port, group.keys["sam"])
        try:
            await sam.type_line("nobody here cares about you")
            await bea.wait_for_message("sam", "nobody here cares about you")

            bea.press("f10")
            await bea.wait_for("r report")
            bea.send("r")
            await bea.wait_for("Report this message")
            bea.send("1")  # unkind or hurtful
            await bea.wait_for("Anything leadership should know?")
            await bea.type_line("this hurt to read")
            await bea.wait_for("Thank you for telling us.")
            await ann.wait_for("A message was reported and waits for leadership")

            await ann.type_line("/reports")  # the reports pane (test_moderation_e2e acts from it)
            await ann.wait_for("Reported by bea: unkind or hurtful")
            await ann.wait_for("Their note: this hurt to read")
            await ann.wait_for(">> sam: nobody here cares about you")
            ann.press("escape")
            await ann.wait_gone("Reported by bea")
            (report_id,) = _query(group.data_dir, "SELECT id FROM report")[0]
            await ann.type_line(f"/reports hide {report_id} unkind to a member")

            for term in (ann, bea, sam):
                await term.wait_for_message("sam", "(hidden by leadership)")
                assert "nobody here cares about you" not in term.text()
            await bea.wait_for("Thank you for your report.")  # (the notice wraps: its parts, one by one)
            await bea.wait_for("hid it.")
            assert "unkind to a member" not in bea.text()  # the outcome only, never the details

            await bea.type_line("/reports")  # not for members: not offered, not run
            await bea.wait_for("/reports is for senior members")
        finally:
            for term in (ann, bea, sam):
                await term.close()
        assert _query(group.data_dir, "SELECT status, told FROM report") == [("hidden", 1)]
        audit = group.cli("audit", "list").stdout
        assert "bea reported a message by sam" in audit
        assert "ann read the open reports" in audit
        assert "ann hid, after a report, a message by sam" in audit


async def test_the_line_mode_sees_edits_deletes_and_hiding_live_and_a_reporter_is_told_there(tmp_path):
    """bea reads in the line mode (``ssh line@host``): ann's edit and delete arrive as new plain
    lines; bea reports from the app, then reads in the line mode when ann hides it, and is told there."""
    with running_group(tmp_path, MEMBERS) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])  # senior
        bea_app = await Terminal.connect(group.port, group.keys["bea"])
        bea = await Terminal.connect(
            group.port, group.keys["bea"], username="line", wait_for="What you type goes here.", height=24
        )
        try:
            await ann.type_line("a plain hello")
            await bea.wait_for("ann: a plain hello")
            (message_id,) = _query(group.data_dir, "SELECT id FROM message WHERE body = ?", "a plain hello")[0]
            await ann.type_line(f"/edit {message_id} a plainer hello")
            await bea.wait_for("ann: a plainer hello (edited)")
            ann.press("f10")
            await ann.wait_for("d delete")
            ann.send("d")
            await ann.wait_for("Delete your message?")
            ann.send("1")
            await bea.wait_for("ann: (message deleted)")

            await bea_app.type_line("/join living-room")  # (any line, so sam's arrives after it)
            await ann.type_line("you are too much")
            await bea_app.wait_for_message("ann", "you are too much")
            bea_app.press("f10")
            await bea_app.wait_for("r report")
            bea_app.send("r")
            await bea_app.wait_for("Report this message")
            bea_app.send("4")
            await bea_app.wait_for("Anything leadership should know?")
            bea_app.press("enter")  # no note
            await bea_app.wait_for("Thank you for telling us.")
            await bea_app.close()
            (report_id,) = _query(group.data_dir, "SELECT id FROM report")[0]
            await ann.type_line(f"/reports dismiss {report_id}")
            await bea.wait_for("decided to leave it up.")
            await wait_until(  # told once: not again at her next session
                lambda: _query(group.data_dir, "SELECT status, told, note FROM report") == [("dismissed", 1, "")],
                what="the report marked told",
            )
        finally:
            for term in (ann, bea_app, bea):
                await term.close()
        assert "ann left up, after a report, a message by ann" in group.cli("audit", "list").stdout
