"""Issue 11, moderation end to end over SSH with a real server and SQLite file: ann (a member) is
reported by bea (a member); sam (a senior member) has the reports pane open (F12) and the report
appears in it live; sam hides the message and bea is told the outcome only; sam warns ann from the
pane and ann reads it at once; sam gives ann a timeout: her posts are refused kindly with the end
time, and nothing reaches anyone, while her SOS still reaches sam; it ends by itself (a timeout
whose end has passed, written through the service's own API: no one waits hours); ada (an admin)
removes ann from the pane and her session closes. sam talks with ann privately from the pane, in
her timeout; bea cannot see that the conversation exists. Every step is an audit row, and so are the
operator's role and key changes at the command line (`safespace audit list`). The line mode sees
its timeout and is refused there too."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from conftest import running_group
from harness import Terminal, make_key, run_in_own_loop, wait_until

MEMBERS = {"ann": "member", "bea": "member", "sam": "senior", "ada": "admin"}


def _query(data_dir: Path, sql: str, *args) -> list[tuple]:
    db = sqlite3.connect(f"file:{data_dir / 'safespace.db'}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def _timeout_already_over(data_dir: Path, by: str, whom: str) -> None:
    """Through the service's own API, in this process, on the server's file: a new timeout for
    ``whom`` that began three hours ago and lasted one, so its end has passed (nobody waits hours)."""
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.store.db import Store
    from safespace_tui.store.models import utcnow

    config = load_config(data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())

        async def give() -> None:
            leader = await services.members.by_handle(by)
            member = await services.members.by_handle(whom)
            started = utcnow() - timedelta(hours=3)
            await services.moderation.timeout(leader, member.id, 1, "respect", now=started)

        run_in_own_loop(give())
    finally:
        store.close()


async def _report(bea: Terminal, data_dir: Path, author: str, words: str) -> None:
    """bea chooses the newest message (F10, then Down to the newest: the selection stays where it
    was last) and reports it as unkind, with no note; it is there once the report is stored."""
    await bea.wait_for_message(author, words)
    reports = len(_query(data_dir, "SELECT id FROM report"))
    bea.press("f10")
    await bea.wait_for("r report")
    bea.press(*["down"] * 4)
    bea.send("r")
    await bea.wait_for("Report this message")
    bea.send("1")
    await bea.wait_for("Anything leadership should know?")
    bea.press("enter")
    await wait_until(lambda: len(_query(data_dir, "SELECT id FROM report")) == reports + 1, what="reported")


async def test_report_pane_hide_warn_timeout_sos_and_removal(tmp_path):
    with running_group(tmp_path, MEMBERS) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        sam = await Terminal.connect(group.port, group.keys["sam"])
        ada = None
        try:
            sam.press("f12")  # the pane is open before anything is reported
            await sam.wait_for("No report is waiting")

            await ann.type_line("nobody wants you here")
            await _report(bea, group.data_dir, "ann", "nobody wants you here")
            await sam.wait_for("ann in #living-room: unkind or hurtful")  # live, in the open pane
            await sam.wait_for(">> ann: nobody wants you here")
            sam.send("h")
            for term in (bea, ann):
                await term.wait_for_message("ann", "(hidden by leadership)")
            await bea.wait_for("hid it.")  # the outcome only
            await sam.wait_for("No report is waiting")

            # a second report: sam warns ann from the pane, naming a charter rule
            await ann.type_line("whatever, you're all fake")
            await _report(bea, group.data_dir, "ann", "whatever, you're all fake")
            await sam.wait_for("ann in #living-room: unkind or hurtful")
            sam.send("w")
            await sam.wait_for("Which part of our charter?")
            sam.send("1")
            await sam.wait_for("Your own words to them")
            await sam.type_line("we care about you too")
            await ann.wait_for("A note from leadership")
            await ann.wait_for("each person's path")

            # a timeout from the pane: 1 hour, the respect rule, no words of sam's own
            sam.send("t")
            await sam.wait_for("How long?")
            sam.send("1")
            await sam.wait_for("Which part of our charter?")
            sam.send("1")
            await sam.wait_for("Your own words to them")
            sam.press("enter")
            await ann.wait_for("paused your posting")
            await ann.wait_for("(UTC)")
            await ann.type_line("this is so unfair")
            await ann.wait_for("nothing was sent")
            await ann.wait_for("this is so unfai")  # her words stay in her box (a notice covers its end)
            assert "this is so unfai" not in bea.text()
            assert _query(group.data_dir, "SELECT count(*) FROM message WHERE body LIKE 'this is so%'") == [(0,)]
            ann.press(*["backspace"] * len("this is so unfair"))
            await ann.wait_gone("this is so unfai")
            # sam talks with ann privately from the pane; in her timeout she can still answer
            sam.send("p")
            await sam.wait_for("Talking privately with ann")
            await sam.type_line("can we talk about earlier?")
            await ann.wait_for("sam wrote to you privately: /talk sam")
            await ann.type_line("/talk sam")
            await ann.wait_for("Talking privately with sam")
            await ann.wait_for("can we talk about earlier?")
            await ann.type_line("yes. I was having a bad day")
            await sam.wait_for("yes. I was having a bad day")
            ann.press("escape")
            await ann.wait_gone("Talking privately with sam")
            await bea.type_line("/talk sam")  # nobody else can see that it exists
            await bea.wait_for("There's no such private conversation.")
            assert "bad day" not in bea.text()
            # SOS is never blocked: it reaches sam
            await ann.type_line("SOS I am not okay")
            await sam.wait_for("ann (@ann) needs help now")
            assert _query(group.data_dir, "SELECT count(*) FROM alert") == [(1,)]

            # it ends by itself: a timeout whose end has passed replaces it; ann posts again
            _timeout_already_over(group.data_dir, "sam", "ann")
            await ann.wait_for("Your message is in #911")  # what was done, for her: Esc closes it
            ann.press("escape")
            await ann.wait_gone("Your message is in #911")
            await ann.type_line("/join living-room")
            await ann.wait_for("#living-room  Everyday talk")
            await ann.type_line("sorry, everyone")
            await bea.wait_for_message("ann", "sorry, everyone")

            # an admin removes ann from the pane, after a confirmation; her session closes
            await _report(bea, group.data_dir, "ann", "sorry, everyone")
            ada = await Terminal.connect(group.port, group.keys["ada"])
            ada.press("f12")
            await ada.wait_for("ann in #living-room: unkind or hurtful")
            ada.send("x")
            await ada.wait_for("Remove ann from the group?")
            ada.send("1")
            await ada.wait_for("is removed from the group")
            await ann.wait_closed()
        finally:
            for term in (ann, bea, sam, ada):
                if term is not None:
                    await term.close()

        # the operator's changes at the command line
        group.cli("member", "role", "bea", "senior")
        key = make_key(tmp_path, "bea2")
        group.cli("member", "key", "add", "bea", "--key", str(key.with_suffix(".pub")))
        fingerprint = _query(group.data_dir, "SELECT fingerprint FROM member_key ORDER BY id DESC LIMIT 1")[0][0]
        group.cli("member", "key", "revoke", "bea", fingerprint)
        audit = group.cli("audit", "list").stdout
        for line in (
            "bea reported a message by ann",
            "sam hid, after a report, a message by ann",
            "sam warned ann — rule respect",
            "sam gave a timeout to ann — rule respect, 1 h",
            "sam opened a private conversation with ann — talk 1",
            "ada removed the member ann — report 3",
            "the operator changed the role of bea — member -> senior",
            f"the operator added a key for bea — {fingerprint}",
            f"the operator revoked a key of bea — {fingerprint}",
            "the operator added the member ada — as admin",
        ):
            assert line in audit, f"{line!r} not in:\n{audit}"


async def test_the_line_mode_is_told_its_warning_and_timeout_and_refused_there_too(tmp_path):
    """sam types the commands (/warn, /timeout, /timeout lift); ann reads in the line mode."""
    with running_group(tmp_path, MEMBERS) as group:
        ann = await Terminal.connect(
            group.port, group.keys["ann"], username="line", wait_for="What you type goes here.", height=24
        )
        sam = await Terminal.connect(group.port, group.keys["sam"])
        try:
            await sam.type_line("/warn ann money no shop links here, please")
            await ann.wait_for("A note from leadership (sam)")
            await ann.wait_for("no shop links here, please")
            await sam.type_line("/timeout ann 2 boundaries please take a breather")
            await sam.wait_for("can read but not post until")
            await ann.wait_for("Leadership has paused your posting until")
            await ann.wait_for("please take a breather")
            await ann.type_line("but why")
            await ann.wait_for("Your posting is paused by leadership until")
            assert "but why" not in sam.text()
            await ann.type_line("SOS I am scared")  # never blocked: it reaches sam
            await sam.wait_for("ann (@ann) needs help now")
            await sam.type_line("/timeout lift ann")
            await ann.wait_for("you can post again")
        finally:
            await ann.close()
            await sam.close()
