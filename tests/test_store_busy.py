"""Issue 15, failure 5: "database is locked" never ends a session.

Another process (the CLI, a backup, an admin's sqlite3) may hold SQLite's one write lock. The
server waits for it a while and tries again; a write that still cannot happen is a kind notice
that keeps the member's draft, never the end of their session. The CLI never shows a traceback.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conftest import running_group
from harness import Terminal, make_key, safespace

TWO = {"ann": "member", "bea": "member"}
SHORT_WAIT = "store_busy_timeout = 0.2\n"  # per attempt, so a refused write is told in about a second


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("busy"), TWO, extra_config=SHORT_WAIT) as g:
        yield g


@contextmanager
def write_lock(group) -> Iterator[sqlite3.Connection]:
    """Another process's writer: a plain sqlite3 connection holding BEGIN IMMEDIATE."""
    db = sqlite3.connect(group.data_dir / "safespace.db", isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield db
    finally:
        db.rollback()
        db.close()


async def test_a_send_while_another_process_holds_the_lock_is_told_kindly_and_keeps_the_draft(group):
    """Bad condition: another process holds the write lock for longer than the server waits. The
    member is told in kind words that nothing was sent, the draft stays in the box and the session
    goes on; once the lock is let go, Enter sends the same draft, once."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    draft = "written while the file was locked"
    try:
        await ann.type_line("said before the lock")
        await bea.wait_for_message("ann", "said before the lock")
        with write_lock(group):
            ann.send(draft)
            await ann.wait_for(draft)
            ann.press("enter")
            await ann.wait_for("saved just now")
            await ann.wait_for(draft[:20])  # still in the box (its end may be under the notice)
            assert not ann.closed.is_set(), ann.text()
        ann.press("enter")
        await bea.wait_for_message("ann", draft)
        await ann.type_line("and the chat goes on")
        await bea.wait_for_message("ann", "and the chat goes on")
        assert bea.text().count(draft) == 1, bea.text()
        assert group.server.proc.poll() is None
        assert "failed" not in group.server.log_text()  # "session for member N failed": never
    finally:
        await ann.close()
        await bea.close()


async def test_a_send_waits_for_a_short_lock_and_goes_through(group):
    """A lock held for a moment (a CLI command's own write) is waited for: the message is sent,
    with no notice at all. The lock is let go as soon as the member has pressed Enter."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        with write_lock(group):
            await ann.type_line("sent across a short lock")
            await asyncio.sleep(0.1)  # not an assert: the lock is let go at any time within the wait
        await bea.wait_for_message("ann", "sent across a short lock")
        assert "nothing was sent" not in ann.text()
    finally:
        await ann.close()
        await bea.close()


def test_member_add_while_the_lock_is_held_is_a_clear_error_never_a_traceback(group, tmp_path):
    """`safespace member add` during a chat, while another process holds the lock: a clear sentence
    and exit 1, no traceback; once the lock is gone the same command works."""
    key = make_key(tmp_path, "cat")
    with write_lock(group):
        result = safespace(group.data_dir, "member", "add", "cat", "--key", str(key.with_suffix(".pub")), check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "Another process held the database" in result.stderr, result.stderr
    safespace(group.data_dir, "member", "add", "cat", "--key", str(key.with_suffix(".pub")))
    assert "cat" in safespace(group.data_dir, "member", "list").stdout
