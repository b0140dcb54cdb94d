"""Issue 10, coming and going and your own data, end to end: the real CLI in its own process, the
real server on loopback, real SSH clients (asyncssh with a PTY, and OpenSSH for ``ssh host export``)
against a real SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import subprocess

from harness import Terminal, make_key, openssh_args, safespace


async def _say(group, name: str, words: str) -> None:
    """``name`` connects, writes ``words`` in the first channel (#living-room), and leaves."""
    term = await Terminal.connect(group.port, group.keys[name])
    try:
        await term.type_line(words)
        await term.wait_for_message(name, words)
    finally:
        await term.close()


async def test_removed_then_restored_member_logs_in_with_their_history(group):
    """``member remove`` asks first (no answer: nothing changes; --yes for scripts); ``member restore``
    brings the same member back: their old key opens again and their words are theirs, on screen."""
    await _say(group, "ann", "tea and biscuits before I go")
    refused = group.cli("member", "remove", "ann", check=False)  # stdin closed: no answer is a no
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
    assert "ann" in group.cli("member", "list").stdout
    asked = safespace(group.data_dir, "member", "remove", "ann", input="y\n")
    assert "Remove ann?" in asked.stdout and "Removed ann" in asked.stdout
    assert "ann" not in group.cli("member", "list").stdout

    assert "Restored ann with their history" in group.cli("member", "restore", "ann").stdout
    term = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await term.wait_for_message("ann", "tea and biscuits before I go")
    finally:
        await term.close()


def test_removing_the_only_admin_is_refused_before_the_question(group):
    """``member remove`` on the group's only admin says so at once: no "Remove boss?" that a "y"
    answers only to hear no; nothing changes. With a second admin, the question comes as usual."""
    group.add("boss", role="admin")
    refused = safespace(group.data_dir, "member", "remove", "boss", input="y\n", check=False)
    assert refused.returncode == 1 and "only admin" in refused.stderr
    assert "Remove boss?" not in refused.stdout
    assert "boss" in group.cli("member", "list").stdout
    group.add("deputy", role="admin")
    asked = safespace(group.data_dir, "member", "remove", "boss", input="y\n")
    assert "Remove boss?" in asked.stdout and "Removed boss" in asked.stdout


async def test_a_member_who_left_can_be_invited_back_with_a_new_key(group):
    """The hole the issue names: after ``member remove bea --yes``, ``member add bea`` said the name
    exists and ``member key add bea`` said it did not. Now adding bea again brings her back (same
    member, her history) with the new key, and a key added while she is removed says when it opens."""
    await _say(group, "bea", "see you all in spring")
    group.cli("member", "remove", "bea", "--yes")
    spare = make_key(group.data_dir.parent, "bea_spare")
    added = group.cli("member", "key", "add", "bea", "--key", str(spare.with_suffix(".pub")))
    assert "the key opens once you run: safespace member restore bea" in added.stdout
    new_key = make_key(group.data_dir.parent, "bea_new")
    back = group.cli("member", "add", "bea", "--key", str(new_key.with_suffix(".pub")))
    assert "Welcome back: bea is a member again" in back.stdout
    term = await Terminal.connect(group.port, new_key)
    try:
        await term.wait_for_message("bea", "see you all in spring")
    finally:
        await term.close()


async def _set_boundaries(
    group, name: str, trigger: str, *, mute: str, filter_off: bool = False, held: str = ""
) -> None:
    """``name`` adds a trigger word, mutes someone, maybe turns the filter off and writes a message
    the no-money rule holds, as a member does, over SSH."""
    term = await Terminal.connect(group.port, group.keys[name])
    try:
        await term.type_line(f"/triggers add {trigger}")
        await term.wait_for("Added.")
        await term.type_line(f"/mute {mute}")
        await term.wait_for(f"Muted {mute}.")
        if filter_off:
            await term.type_line("/triggers off")
            await term.wait_for("Your trigger filter is off")
        if held:
            await term.type_line(held)
            await term.wait_for("asks for money")
    finally:
        await term.close()


def _openssh_export(group, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        openssh_args(group.port, group.keys[name], "127.0.0.1", "export"),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


async def test_ssh_export_gives_a_member_their_own_data_only(group):
    """``ssh -p PORT host export > my.json`` (real OpenSSH): JSON with the member's own messages and
    key, nothing another member wrote or holds; any other command is still refused; the export is
    in the audit log (ids and fixed words only)."""
    await _say(group, "bea", "bea's private worry about the weekend")
    await _say(group, "ann", "thinking of you @bea")
    await _set_boundaries(group, "bea", "storms", mute="ann")  # bea's own: never in ann's export
    await _set_boundaries(group, "ann", "knives", mute="bea", filter_off=True, held="Venmo me for rent please")
    result = await asyncio.to_thread(_openssh_export, group, "ann")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["member"]["handle"] == "ann"
    assert [m["body"] for m in data["messages"]] == ["thinking of you @bea"]
    assert "worry about the weekend" not in result.stdout
    # her own boundaries: trigger words, the filter's switch, whom she muted, what was held
    boundaries = data["boundaries"]
    assert boundaries["trigger_words"] == ["knives"] and boundaries["trigger_filter_on"] is False
    assert boundaries["muted"] == ["bea"]
    assert [(h["body"], h["status"], h["channel"]) for h in boundaries["held_messages"]] == [
        ("Venmo me for rent please", "held", "living-room")
    ]
    assert "storms" not in result.stdout
    from harness import fingerprint

    assert [k["fingerprint"] for k in data["keys"]] == [fingerprint(group.keys["ann"])]
    assert fingerprint(group.keys["bea"]) not in result.stdout and "sam" not in result.stdout
    other = subprocess.run(
        openssh_args(group.port, group.keys["ann"], "127.0.0.1", "ls"),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert other.returncode != 0 and other.stdout == ""
    audit = group.cli("audit", "list").stdout
    assert "ann exported the data of ann" in audit


async def test_admin_exports_a_member_and_the_group(group):
    """``safespace export --member NAME``: that member's export; ``safespace export``: the group, only
    what the whole group could read (no safety plans, no check-ins)."""
    await _say(group, "ann", "hello everyone")
    import sqlite3

    db = sqlite3.connect(group.data_dir / "safespace.db")
    with db:  # a check-in card's warning signs, as one is kept: senior members only
        db.execute(
            "INSERT INTO message (channel_id, author_id, body, created_at, kind, visibility) SELECT c.id, m.id, "
            "'ann-for-seniors-only', '2026-11-30 09:00:00', 'checkin', 'seniors' FROM channel c, member m "
            "WHERE c.name = 'check-ins' AND m.handle = 'ann'"
        )
    db.close()
    mine = json.loads(group.cli("export", "--member", "ann").stdout)
    assert mine["member"]["handle"] == "ann"
    assert [m["body"] for m in mine["messages"]] == ["hello everyone", "ann-for-seniors-only"]
    whole = json.loads(group.cli("export").stdout)
    assert {m["handle"] for m in whole["members"]} == {"ann", "bea", "sam"}
    assert [(m["author"], m["body"]) for m in whole["messages"]] == [("ann", "hello everyone")]
    assert "safety_plan" not in whole and "checkins" not in whole
    assert "ann-for-seniors-only" not in json.dumps(whole)
    missing = group.cli("export", "--member", "nobody", check=False)
    assert missing.returncode == 1 and "No member called 'nobody'" in missing.stderr


async def test_away_until_a_date_ends_by_itself_on_that_date(tmp_path):
    """``/away`` until a date (3 days, typed in the dialog over SSH): when the date comes (moved to
    today in the file, as the clock would), the running server brings ann back by itself: bea sees
    "is back." in #living-room and ann's status is available again."""
    import sqlite3
    from datetime import UTC, datetime

    from conftest import running_group

    with running_group(tmp_path, {"ann": "member", "bea": "member"}, "housekeeping_interval = 0.2\n") as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        try:
            await ann.type_line("/away")
            await ann.wait_for("Stepping away")
            ann.press("tab")  # to "Until"
            ann.send("3")
            ann.press("ctrl+o")
            await bea.wait_for("ann  is stepping away for a while, until")
            db = sqlite3.connect(group.data_dir / "safespace.db")
            with db:
                db.execute(
                    "UPDATE member SET away_until = ? WHERE handle = 'ann'", (datetime.now(UTC).date().isoformat(),)
                )
            db.close()
            await bea.wait_for("ann  is back.")
        finally:
            await ann.close()
            await bea.close()
        with sqlite3.connect(f"file:{group.data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT status, away_until FROM member WHERE handle = 'ann'").fetchall() == [
                ("available", None)
            ]
