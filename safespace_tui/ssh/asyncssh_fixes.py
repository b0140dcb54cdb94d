"""The one place asyncssh is patched: a bounded environment per session.

asyncssh keeps every ``env`` request of a session in the channel (``SSHServerChannel._env``)
and has no hook to refuse one: 10,000 requests of 30 kB each were all kept (+300 MB, issue
15). The app reads only COLORTERM (``session.color_system_for``; TERM comes with the PTY) and
a few locale names may be useful later, so only those are kept, each with a short value; any
other request is refused (OpenSSH's ``SendEnv`` treats a refusal as harmless).

``apply()`` is idempotent and refuses to run if asyncssh's name has gone; it is listed in
textual_fixes' table of library internals, and ``tests/test_ssh_hardening.py`` checks the bound.
"""

from __future__ import annotations

from typing import Any

from asyncssh.channel import SSHServerChannel

KEPT_NAMES = frozenset({b"COLORTERM", b"LANG", b"LC_ALL", b"LC_CTYPE"})
MAX_VALUE = 64  # bytes: "truecolor", "en_GB.UTF-8"


def _bounded_env_request(channel: Any, packet: Any) -> bool:
    """asyncssh's own handler, keeping only the names the app reads, with short values."""
    name = packet.get_string()
    value = packet.get_string()
    packet.check_end()
    if name not in KEPT_NAMES or len(value) > MAX_VALUE:
        return False
    channel._env[name] = value
    return True


def apply() -> None:
    if not hasattr(SSHServerChannel, "_process_env_request"):
        raise RuntimeError("asyncssh_fixes: SSHServerChannel._process_env_request is gone; re-check this patch")
    SSHServerChannel._process_env_request = _bounded_env_request  # type: ignore[method-assign,assignment]
