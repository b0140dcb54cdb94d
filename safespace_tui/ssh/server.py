"""The SSH front door: keys only, nothing but an interactive session, and limits.

asyncssh has no MaxAuthTries or MaxStartups, so failed key attempts and
connections per address are counted here. Every other SSH feature (passwords,
keyboard-interactive, GSS, exec, sftp/scp, port and agent forwarding, X11) is
refused.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import signal
import weakref
from collections import Counter
from collections.abc import Callable

import asyncssh

from ..config import Config
from ..gc_policy import GCPolicy
from ..hub import Hub
from ..services import Services
from ..services.access import ACCESS_REVOKED, AccessRevoked
from ..services.views import MemberView
from ..store.db import Store
from .host_key import load_or_create_host_key
from .session import TerminalSession

log = logging.getLogger("safespace.ssh")

REVOKED = "\r\nYour access to Safe Space has changed, so this session has closed. Take care.\r\n"
SHUTTING_DOWN = "\r\nSafe Space is restarting for a moment. Everything you sent is saved.\r\n"


class _Connection(asyncssh.SSHServer):
    """One TCP connection: authenticates a key, then hands out terminal sessions."""

    def __init__(self, server: SafeSpaceServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.failures = 0
        self.member: MemberView | None = None
        self.key_id: int | None = None
        self._counted = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        counts = self.server.connections_by_address
        if counts[self.address] >= self.server.config.max_connections_per_address or (
            sum(counts.values()) >= self.server.config.max_sessions
        ):
            log.warning("refused connection from %s: too many connections", self.address)
            conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, "Too many connections from your address")
            return
        counts[self.address] += 1
        self._counted = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            counts = self.server.connections_by_address
            counts[self.address] -= 1
            if counts[self.address] <= 0:
                del counts[self.address]
            self._counted = False

    def begin_auth(self, username: str) -> bool:
        return True  # always authenticate; the user name means nothing here

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Called for the key query and again for the signed attempt; asyncssh checks the signature."""
        found = await self.server.services.members.for_key(key.get_fingerprint("sha256"))
        if found is None:
            self.failures += 1
            if self.failures >= self.server.config.max_auth_failures and self.conn is not None:
                log.warning("closing connection from %s after %d unknown keys", self.address, self.failures)
                self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many keys tried")
            return False
        self.member, self.key_id = found
        return True

    def auth_completed(self) -> None:
        log.info("member %s connected from %s", self.member.id if self.member else "?", self.address)

    def session_requested(self) -> TerminalSession | bool:
        if self.member is None or self.key_id is None:
            return False
        return TerminalSession(self.server, self.member, self.key_id, self.address)

    def connection_requested(self, *args) -> bool:
        return False

    def server_requested(self, *args) -> bool:
        return False

    def unix_connection_requested(self, *args) -> bool:
        return False

    def unix_server_requested(self, *args) -> bool:
        return False


class SafeSpaceServer:
    """Owns the store, the hub, the services and every live session of one process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.hub = Hub()
        self.services = Services(config, self.store, self.hub)
        self.sessions: set[TerminalSession] = set()
        self.apps: weakref.WeakSet = weakref.WeakSet()  # every SafeSpaceApp still in memory
        self.connections_by_address: Counter[str] = Counter()
        self.host_key = load_or_create_host_key(config.host_key_path)
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._watcher: asyncio.Task | None = None
        self._unsubscribe_revoked: Callable[[], None] = lambda: None
        self._gc: asyncio.Task | None = None
        self.gc_policy = GCPolicy(lambda: len(self.sessions))
        self._escalator: asyncio.Task | None = None

    async def start(self) -> int:
        """Listen; returns the port (useful with port 0 in tests)."""
        from ..tui import textual_fixes

        textual_fixes.apply()
        await self.services.channels.ensure_defaults()
        self._acceptor = await asyncssh.create_server(
            lambda: _Connection(self),
            self.config.host,
            self.config.port,
            server_host_keys=[self.host_key],
            public_key_auth=True,
            password_auth=False,
            kbdint_auth=False,
            gss_host=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            line_editor=False,
            encoding="utf-8",
            errors="replace",
            utf8_decode_errors="replace",
            login_timeout=self.config.login_timeout,
            keepalive_interval=self.config.keepalive_interval,
            keepalive_count_max=self.config.keepalive_count_max,
        )
        # Keys revoked and members removed from the CLI: the access service notices, we close.
        self._unsubscribe_revoked = self.hub.subscribe(ACCESS_REVOKED, self._close_revoked)
        self._watcher = asyncio.create_task(self.services.access.run(self._live_key_ids), name="access-watcher")
        self._gc = asyncio.create_task(self.gc_policy.run(), name="gc-policy")
        # Alerts nobody has taken in time are raised again, louder (services/crisis.py).
        self._escalator = asyncio.create_task(self.services.crisis.run_escalation(), name="sos-escalation")
        # ... and seniors who are not connected hear of them (services/notices.py), also of alerts
        # still waiting from before a restart.
        await self.services.notices.start()
        # `kill -USR1 <pid>` writes a status line to the log (counts only, no member data);
        # `kill -USR2 <pid>` the same after a full collection, with the object count (diagnostics).
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGUSR1, self.log_status)
            loop.add_signal_handler(signal.SIGUSR2, functools.partial(self.log_status, collect=True))
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signals on this platform
        return self._acceptor.sockets[0].getsockname()[1]

    def status(self, *, collect: bool = False) -> dict[str, int]:
        """What an admin may see of the running server: counts, never who or what. Cheap.

        ``apps`` counts Textual apps still in memory, including closed ones the gc policy has
        not freed yet (it does so soon after a session closes). ``collect=True`` is for
        diagnostics only (SIGUSR2): a full collection first (a pause of up to a second with
        many sessions), so ``apps`` with no sessions open must be 0, and ``objects`` (every
        Python object gc tracks: a leak shows here) is added.
        """
        if collect:
            self.gc_policy.collect_everything()
        counts = {
            "tasks": len(asyncio.all_tasks()),
            "sessions": len(self.sessions),
            "connections": sum(self.connections_by_address.values()),
            "apps": len(self.apps),
        }
        if collect:
            counts["objects"] = len(gc.get_objects())
        return counts

    def log_status(self, *, collect: bool = False) -> None:
        counts = self.status(collect=collect)
        log.info("status %s", " ".join(f"{key}={value}" for key, value in counts.items()))

    def _live_key_ids(self) -> set[int]:
        return {session.key_id for session in self.sessions}

    def _close_revoked(self, event: AccessRevoked) -> None:
        """Hub callback (services/access.py): close every session opened with a key that no longer opens the door."""
        for session in list(self.sessions):
            if session.key_id in event.key_ids:
                log.info("closing session of member %s: access revoked", session.member.id)
                session.close(REVOKED)

    async def close(self) -> None:
        try:
            for sig in (signal.SIGUSR1, signal.SIGUSR2):
                asyncio.get_running_loop().remove_signal_handler(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        if self._watcher is not None:
            self._watcher.cancel()
        self._unsubscribe_revoked()
        if self._gc is not None:
            self._gc.cancel()
        if self._escalator is not None:
            self._escalator.cancel()
        if self._acceptor is not None:
            self._acceptor.close()
        for session in list(self.sessions):
            session.close(SHUTTING_DOWN)
        for session in list(self.sessions):
            try:
                await asyncio.wait_for(session.wait_closed(), 5)
            except TimeoutError:  # the app's own errors are logged by the session; this one hangs
                log.warning("session of member %s did not close within 5 s at shutdown", session.member.id)
        if self._acceptor is not None:
            await self._acceptor.wait_closed()
        await self.services.channels.save_read_markers()
        await self.services.notices.close()
        self.store.close()
