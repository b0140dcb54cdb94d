"""The invite door: ``ssh join@host`` with any strong key reaches the invite-code screen, and only it.

Every other user name keeps the rule of the front door: unknown keys are refused at auth. A
joiner's connection holds their public key (``newcomer_key``) but no member; its one session
runs ``JoinApp`` (tui/join_app.py), which holds no services and shows nothing of the group.
A code that opens binds that key to a new member (services/invites.py); the same session then
runs the member's own app, which begins with onboarding.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import asyncssh

from ..errors import TellMember
from ..services.views import MemberView, PublicKey
from .keys import fingerprint
from .session import NEEDS_PTY, QUICK_EXIT, SOMETHING_WENT_WRONG, TerminalSession, color_system_for

if TYPE_CHECKING:
    from ..tui.join_app import JoinAnswer

log = logging.getLogger("safespace.join")

JOIN_USER = "join"
# Until a code opens the door, the session stands for nobody (id 0 is never a member's).
NEWCOMER = MemberView(id=0, handle="newcomer", display_name="newcomer", role="member", joining=True)
GOODBYE = "\r\nTake care. This door stays here whenever you have a code.\r\n"


def is_join_door(username: str) -> bool:
    """What an SSH user name means for auth: ``join`` is the invite door (any key), any other name
    a member's door (their key only)."""
    return username == JOIN_USER


def newcomer_key(key: asyncssh.SSHKey) -> PublicKey:
    """The joiner's key as services store it once a code binds it to a new member."""
    return PublicKey(
        fingerprint=fingerprint(key),
        algorithm=key.get_algorithm(),
        text=key.export_public_key("openssh").decode().strip(),
    )


class JoinSession(TerminalSession):
    """The one session of a joiner's connection: the code screen, then (if a code opened) the app."""

    def __init__(self, connection: Any) -> None:  # ssh/server.py's _Connection (it imports us)
        super().__init__(connection.server, NEWCOMER, 0, connection.address)
        self.connection = connection
        self.ended = False

    def session_started(self) -> None:
        assert self._chan is not None
        if not self._has_pty:
            self._chan.write(NEEDS_PTY)
            self._chan.exit(1)
            return
        colors = color_system_for(self.term, dict(self._chan.get_environment()))
        self._task = asyncio.create_task(self._join_then_run(colors), name="join-session")

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        super().connection_lost(exc)
        self.connection.session_ended()

    async def _redeem(self, code: str) -> JoinAnswer:
        from ..tui.join_app import JoinAnswer

        invites = self.server.services.invites
        key = self.connection.joiner
        try:
            member, key_id = await invites.redeem(code, key, self.address, self.connection)
        except TellMember as refusal:
            log.info("an invite code did not open the door for a connection from %s", self.address)
            limit = invites.guesses.exhausted(self.address, self.connection)
            if limit is None:
                return JoinAnswer(False, refusal.message)
            words = refusal.message if refusal.message == limit else f"{refusal.message} {limit}"
            return JoinAnswer(False, words, final=True)
        log.info("an invite was redeemed: new member %s", member.id)
        self.member, self.key_id = member, key_id
        self.connection.member, self.connection.key_id = member, key_id
        self.connection.fingerprint = key.fingerprint
        return JoinAnswer(True)

    async def _join_then_run(self, color_system: str) -> None:
        from ..tui.join_app import JoinApp
        from ..tui.textual_fixes import forget_cancelled_timers, release_app
        from .driver import SSHDriver, attach_terminal, detach_terminal

        server = self.server
        app = JoinApp(self._redeem, color_system=color_system, driver_class=SSHDriver)
        attach_terminal(app, self)
        self._app = app  # type: ignore[assignment]  # close() ends it like a member's app
        server.sessions.add(self)
        server.apps.add(app)
        failed = False
        try:
            await app.run_async(size=self.size, mouse=True)
            failed = app.return_code not in (0, None)
        except Exception:
            log.exception("join session from %s failed", self.address)
            failed = True
        finally:
            server.sessions.discard(self)
            self._app = None
            self._driver = None
            forget_cancelled_timers(asyncio.get_running_loop())
            detach_terminal(app)
        opened, quick_exited = app.opened, app.quick_exited
        release_app(app)  # freed by reference counting, as a member's app is (ssh/session.py)
        del app
        if opened and not failed and not self._closing and self._chan is not None:
            await self._run(color_system)  # the new member's own app: onboarding first
            return
        if self._chan is not None:
            self._chan.write(SOMETHING_WENT_WRONG if failed else QUICK_EXIT if quick_exited else GOODBYE)
            self._chan.exit(0)
