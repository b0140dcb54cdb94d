"""Issue 2, durability over real SSH: history after a clean restart, a message the sender saw
accepted survives ``kill -9``, and a full disk gives the member a kind word, keeps their draft,
and keeps the server running.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest

from conftest import running_group
from harness import Terminal

TWO = {"ann": "member", "bea": "member"}


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("persistence"), TWO) as g:
        yield g


async def test_history_after_a_clean_restart(group):
    """Promise: history survives a restart. Sessions open and close out of order (A, B, A leaves,
    B leaves: the pattern that broke the process-wide stdout before textual_fixes), then SIGTERM:
    the live member is told calmly, the server says it is closing and exits 0, and after the
    restart the member sees the messages again."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    await ann.type_line("said before a clean restart")
    await bea.wait_for("said before a clean restart")
    await ann.close()
    ann = await Terminal.connect(group.port, group.keys["ann"])  # A again, B still open
    await bea.close()
    try:
        assert group.server.stop() == 0
        await ann.wait_closed(15)
        assert b"restarting for a moment" in ann.raw
        assert any("Closing sessions" in line for line in group.server.output), "".join(group.server.output)
    finally:
        await ann.close()
    group.server.start()
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.wait_for("said before a clean restart")
    finally:
        await ann.close()


async def test_what_a_member_read_just_before_a_clean_stop_stays_read(group):
    """Promise: read markers are saved about a second late, all sessions' together; a clean stop
    saves the ones still waiting, so nobody comes back to messages marked unread that they saw."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        await ann.type_line("read just before a stop")
        await bea.wait_for("read just before a stop")
        assert group.server.stop() == 0
    finally:
        await ann.close()
        await bea.close()
    try:
        read_id, message_id = bea_read_marker(group, "read just before a stop")
    finally:
        group.server.start()
    assert read_id >= message_id


def bea_read_marker(group, body):
    with sqlite3.connect(group.data_dir / "safespace.db") as db:
        (message_id,) = db.execute("SELECT id FROM message WHERE body = ?", (body,)).fetchone()
        (read_id,) = db.execute(
            "SELECT last_read_id FROM read_marker JOIN member ON member.id = read_marker.member_id"
            " WHERE member.handle = 'bea' AND read_marker.channel_id = ("
            "SELECT channel_id FROM message WHERE id = ?)",
            (message_id,),
        ).fetchone()
    return read_id, message_id


async def test_a_message_the_sender_saw_accepted_survives_kill_9(group):
    """Promise: persist first, then publish. As soon as the sender sees their message on their own
    screen, the server is killed with SIGKILL (no chance to flush anything); after a restart the
    message is there, and the file passes SQLite's integrity check."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.type_line("said just before kill -9")
        await ann.wait_for_message("ann", "said just before kill -9")
        group.server.kill9()
    finally:
        await ann.close()
    with sqlite3.connect(group.data_dir / "safespace.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    group.server.start()
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        await bea.wait_for("said just before kill -9")
    finally:
        await bea.close()


# --- a real full disk ---------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MiB tmpfs to keep the data dir on (needs root: mount)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}); test_store.py covers StoreFull")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.fixture
def tiny_group(tiny_disk):
    """A running server whose data dir is on the tiny disk."""
    with running_group(tiny_disk, TWO) as g:
        yield g


def fill(directory) -> os.PathLike:
    """Write a file until the filesystem has no room left; return its path."""
    path = directory / "filler"
    with open(path, "wb", buffering=0) as handle:
        chunk = b"\0" * 65536
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
        try:
            while True:  # the last few bytes
                handle.write(b"\0" * 512)
        except OSError:
            pass
    return path


async def test_full_disk_gives_a_kind_message_keeps_the_draft_and_the_server(tiny_disk, tiny_group):
    """Bad condition: the disk holding the database is full (a real tmpfs, filled up). Posting
    gives the member a kind message, nothing is sent, the draft stays in the box, the session and
    the server carry on, and once there is room again Enter sends the same draft."""
    group = tiny_group
    ann = bea = None
    try:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        bea = await Terminal.connect(group.port, group.keys["bea"])
        await ann.type_line("said while there was room")
        await bea.wait_for("said while there was room")
        filler = fill(tiny_disk)
        draft = "draft written when the disk was full"
        ann.send(draft)
        await ann.wait_for(draft)
        ann.press("enter")
        await ann.wait_for("the server is out of")  # the notice wraps: "…out of / room, so…"
        await ann.wait_gone("the server is out of", timeout=40)  # it stands over the box a while
        await ann.wait_for(draft)  # the draft is still in the box
        assert not ann.closed.is_set() and group.server.proc.poll() is None

        os.unlink(filler)
        ann.press("enter")
        await bea.wait_for("draft written when the disk was full")
        await ann.type_line("and life goes on")
        await bea.wait_for("and life goes on")
        # nothing was sent while the disk was full: had the refused try reached bea, it would have
        # arrived before these two later messages, so the draft would be on her screen twice
        assert bea.text().count(draft) == 1, bea.text()
        with sqlite3.connect(f"file:{group.data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT COUNT(*) FROM message WHERE body = ?", (draft,)).fetchone()[0] == 1
    finally:
        for terminal in (ann, bea):
            if terminal is not None:
                await terminal.close()
