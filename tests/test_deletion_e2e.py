"""Issue 10, deleting your own data, end to end: asked for in the app over SSH, a week's grace that
can be cancelled, then the words gone from the database file, its -wal and its -shm (read as raw
bytes), the member's keys gone (their session closes), and the audit log keeping only that it
happened. The week passing is the one thing simulated: the request's due date is moved into the
past in the file, as the clock would; the running server's housekeeping (every 0.2 s here) does
the rest.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import running_group
from harness import Terminal, run_in_own_loop, wait_until

# Words only ann ever wrote, one per place her data lives.
SECRETS = {
    "message": "zebraquartz-message",
    "profile": "zebraquartz-profile",
    "plan": "zebraquartz-plan",
    "checkin": "zebraquartz-checkin",
    "alert": "zebraquartz-sosnote",
    # one plain word: the search index (FTS5) keeps words one by one, so a hyphenated phrase
    # above would never be found there even if the index still held it
    "word": "quokkaveil",
}


def _ann_gives_the_group_her_words(group) -> None:
    """Before the server starts: ann's profile, safety plan, a check-in and an SOS note, saved through
    the services as her own forms would."""
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.services.checkins import CheckInDraft
    from safespace_tui.store.db import Store

    config = load_config(group.data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())

        async def write() -> None:
            ann = await services.members.by_handle("ann")
            await services.profiles.save_own(ann, {"triggers": (SECRETS["profile"], "seniors")})
            await services.safety_plans.save_own(ann, warning_signs=SECRETS["plan"])
            await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note=SECRETS["checkin"]))
            await services.crisis.raise_alert(ann, "command", SECRETS["alert"])

        run_in_own_loop(write())
    finally:
        store.close()


def _raw(data_dir: Path) -> bytes:
    """The database file, its -wal and its -shm, as bytes (what someone with the disk could read)."""
    db = data_dir / "safespace.db"
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def _query(data_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(f"file:{data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


def _a_week_passes(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "safespace.db") as db:
        db.execute("UPDATE deletion_request SET due_at = '2000-01-01 00:00:00'")
    # (a with-block commits but does not close: close it, so no reader holds back the checkpoint)
    db.close()


async def _ask_for_deletion(term: Terminal) -> None:
    await term.type_line("/delete-my-data")
    await term.wait_for("Deleting your data")
    await term.wait_for("Keep my data")
    term.press("shift+tab", "enter")  # from "Keep my data" (focused: the safe choice) to "Delete"
    await term.wait_for("Your data will be deleted on")


async def test_deletion_after_the_grace_week_leaves_no_words_in_the_raw_files(tmp_path):
    members = {"ann": "member", "bea": "member", "sam": "senior"}
    config = "housekeeping_interval = 0.2\n"
    with running_group(tmp_path, members, config, prepare=_ann_gives_the_group_her_words) as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])  # watching #living-room throughout
        try:
            await ann.type_line(f"to say {SECRETS['message']} {SECRETS['word']}")
            await ann.wait_for_message("ann", f"to say {SECRETS['message']} {SECRETS['word']}")
            await bea.wait_for_message("ann", f"to say {SECRETS['message']} {SECRETS['word']}")
            await _ask_for_deletion(ann)
            assert _query(group.data_dir, "SELECT count(*) FROM deletion_request") == [(1,)]
            raw = _raw(group.data_dir)
            assert all(words.encode() in raw for words in SECRETS.values())  # there before
            _a_week_passes(group.data_dir)
            await ann.wait_closed(timeout=30)  # her keys are gone: the session ends
            await bea.wait_for_message("ann", "removed at the member's request")  # off bea's screen too
            assert SECRETS["message"] not in bea.text()
        finally:
            await ann.close()
            await bea.close()
        await wait_until(
            lambda: not any(w.encode() in _raw(group.data_dir) for w in SECRETS.values()),
            timeout=30,
            what=lambda: (
                f"still in the raw files: {[k for k, w in SECRETS.items() if w.encode() in _raw(group.data_dir)]}"
            ),
        )
        ann_id = _query(group.data_dir, "SELECT id FROM member WHERE handle = 'ann'")[0][0]
        bodies = {b for (b,) in _query(group.data_dir, "SELECT body FROM message WHERE author_id = ?", ann_id)}
        assert bodies == {"removed at the member's request"}
        for table in ("profile", "safety_plan", "check_in", "spoon_log", "member_key", "deletion_request"):
            assert _query(group.data_dir, f"SELECT count(*) FROM {table} WHERE member_id = ?", ann_id) == [(0,)]
        audit = _query(group.data_dir, "SELECT action, detail FROM audit_entry WHERE subject_id = ?", ann_id)
        assert ("data.deleted", "") in audit
        refused = group.cli("export", "--member", "bea").stdout
        assert "zebraquartz" not in refused


async def test_a_deletion_can_be_cancelled_within_the_week(tmp_path):
    members = {"ann": "member", "sam": "senior"}
    with running_group(tmp_path, members, "housekeeping_interval = 0.2\n") as group:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        try:
            await ann.type_line("still here, still mine")
            await ann.wait_for_message("ann", "still here, still mine")
            await _ask_for_deletion(ann)
            await ann.type_line("/delete-my-data")
            await ann.wait_for("Cancel the deletion")
            ann.press("shift+tab", "enter")
            await ann.wait_for("Cancelled. Nothing will be deleted.")
        finally:
            await ann.close()
        assert _query(group.data_dir, "SELECT count(*) FROM deletion_request") == [(0,)]
        assert _query(group.data_dir, "SELECT body FROM message WHERE body = 'still here, still mine'") != []
