"""The one place asyncssh is patched: a bounded environment per session, keepalives on a grid.

asyncssh keeps every ``env`` request of a session in the channel (``SSHServerChannel._env``)
and has no hook to refuse one: 10,000 requests of 30 kB each were all kept (+300 MB, issue
15). The app reads only COLORTERM (``session.color_system_for``; TERM comes with the PTY) and
a few locale names may be useful later, so only those are kept, each with a short value; any
other request is refused (OpenSSH's ``SendEnv`` treats a refusal as harmless).

Keepalives fall on a shared grid. asyncssh times each connection's keepalive on its own
(every 30 s, and again from each packet received), so with members arriving at their own moments
the loop woke alone for each one: with 200 connected, ~6.7 wakeups a second at ~1.2 ms of server
CPU each, most of the server's idle CPU (bench/idle_timeline.py: 200 arriving 0.2 s apart). Rounded
up to a grid of a sixth of the interval (5 s), those due together go out in one wakeup (0.2-0.5 ms
each); a silent client is found at most one grid step later.

``apply()`` is idempotent and refuses to run if asyncssh's names have gone; it is listed in
textual_fixes' table of library internals; ``tests/test_ssh_hardening.py`` checks the bound and
``tests/test_ssh_limits.py`` the grid. asyncssh is pinned to its 2.24 releases for both.
"""

from __future__ import annotations

import math
from typing import Any

from asyncssh.channel import SSHServerChannel
from asyncssh.connection import SSHConnection

KEPT_NAMES = frozenset({b"COLORTERM", b"LANG", b"LC_ALL", b"LC_CTYPE"})
MAX_VALUE = 64  # bytes: "truecolor", "en_GB.UTF-8"
KEEPALIVE_GRID_SHARE = 6
"""Keepalives are due on a grid of the keepalive interval / this: 5 s with the default 30 s."""


def _bounded_env_request(channel: Any, packet: Any) -> bool:
    """asyncssh's own handler, keeping only the names the app reads, with short values."""
    name = packet.get_string()
    value = packet.get_string()
    packet.check_end()
    if name not in KEPT_NAMES or len(value) > MAX_VALUE:
        return False
    channel._env[name] = value
    return True


def keepalive_grid(interval: float) -> float:
    """Seconds between the moments keepalives may fall due (the test reads it too)."""
    return interval / KEEPALIVE_GRID_SHARE


def _set_keepalive_timer_on_grid(conn: Any) -> None:
    """asyncssh's ``_set_keepalive_timer``, its moment rounded up to the grid."""
    interval = conn._keepalive_interval
    if interval:
        grid = keepalive_grid(interval)
        when = math.ceil((conn._loop.time() + interval) / grid) * grid
        conn._keepalive_timer = conn._loop.call_at(when, conn._keepalive_timer_callback)


def apply() -> None:
    if not hasattr(SSHServerChannel, "_process_env_request"):
        raise RuntimeError("asyncssh_fixes: SSHServerChannel._process_env_request is gone; re-check this patch")
    if not all(hasattr(SSHConnection, name) for name in ("_set_keepalive_timer", "_keepalive_timer_callback")):
        raise RuntimeError("asyncssh_fixes: SSHConnection's keepalive timer is gone; re-check this patch")
    SSHServerChannel._process_env_request = _bounded_env_request  # type: ignore[method-assign,assignment]
    SSHConnection._set_keepalive_timer = _set_keepalive_timer_on_grid  # type: ignore[method-assign,assignment]
