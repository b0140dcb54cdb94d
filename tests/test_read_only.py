"""Issue 15, failure 7: a read-only data dir or database is said plainly, never as "out of room"
or a traceback. (The member's words for a database that cannot be written are in
test_day_tui.py: the read-only disk test.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness import ServerProcess, safespace


@pytest.fixture
def read_only_disk(tmp_path):
    """A tmpfs holding a data dir made by ``safespace init``, then remounted read-only (needs root)."""
    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()})")
    try:
        safespace(mount_point / "data", "init")
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
        yield mount_point / "data"
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_serve_on_a_read_only_data_dir_is_a_clear_error_not_a_traceback(read_only_disk: Path):
    """Bad condition: the data dir's disk is read-only. `safespace serve` says so in one sentence
    and exits 1; it used to end in a traceback (the log file could not be opened)."""
    server = ServerProcess(read_only_disk)
    result = subprocess.run(server.command(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "cannot be written" in result.stderr and "read-only" in result.stderr, result.stderr
