"""The harness itself: a server that cannot start must fail its test quickly and leave no process.

A stand-in command plays the broken server (one that prints nothing and never listens, one that
exits at once), so no real server has to be broken for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness import ServerProcess, wait_until


class StandIn(ServerProcess):
    """A ServerProcess whose "server" is a small Python script."""

    script: str = ""

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.script]


def stand_in(tmp_path: Path, script: str) -> StandIn:
    server = StandIn(tmp_path / "data")
    server.script = script
    return server


def test_a_silent_server_fails_at_the_deadline_and_is_killed(tmp_path):
    """A server that prints nothing and never listens: start() gives up at its deadline (it
    used to block on the first line for ever) and kills the process."""
    server = stand_in(tmp_path, "import time; time.sleep(600)")
    with pytest.raises(AssertionError, match="not listening after 1 s"):
        server.start(timeout=1)
    assert server.proc is not None and server.proc.poll() is not None  # killed, not left running


def test_a_server_that_exits_fails_with_its_output(tmp_path):
    server = stand_in(tmp_path, "print('no such setting: colour'); raise SystemExit(2)")
    with pytest.raises(AssertionError, match=r"(?s)exited early.*no such setting: colour"):
        server.start(timeout=30)
    assert server.proc is not None and server.proc.returncode == 2


async def test_wait_until_returns_the_value_and_fails_with_what_was_awaited():
    values = iter([0, "", "ready"])
    assert await wait_until(lambda: next(values), timeout=5, interval=0) == "ready"
    with pytest.raises(AssertionError, match="never true"):
        await wait_until(lambda: False, timeout=0.05, what=lambda: "never true")
