"""One member's PTY session: an SSH channel on one side, a Textual app on the other.

asyncssh calls these methods on the event loop (see asyncssh's SSHServerSession);
every one of them must return quickly. The app runs as its own task; whatever
happens inside it is logged and never reaches another session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING

import asyncssh

from ..services.views import MemberView
from .input_budget import KeyBudget, keep_early

if TYPE_CHECKING:
    from asyncssh.editor import SSHLineEditorChannel

    from ..line.session import LineSession
    from ..tui.app import SafeSpaceApp
    from .driver import SSHDriver
    from .server import SafeSpaceServer

log = logging.getLogger("safespace.session")

NEEDS_PTY = (
    "Safe Space is an interactive app and needs a terminal.\r\n"
    "Please connect without a command, or add -t: ssh -t -p <port> <host>\r\n"
)
SOMETHING_WENT_WRONG = (
    "\r\nSomething went wrong on our side and this window had to close.\r\n"
    "Everything you sent before this is saved. Please reconnect when you're ready.\r\n"
)
# Ctrl+X, the quick exit: home, clear the screen, clear the scrollback (CSI 3J), and an empty
# window title (OSC 0). Nothing else: no farewell that would say where the member was.
QUICK_EXIT = "\x1b[H\x1b[2J\x1b[3J\x1b]0;\x07"
EXPORT_COMMAND = "export"
EXPORT_FAILED = "Your export could not be made just now. Nothing was changed; please try again later.\n"
LINE_FAREWELL = "Take care. Safe Space is here whenever you need it.\r\n"
TOO_SLOW = "\r\nThe connection got too slow to keep up, so this window closed. Please reconnect.\r\n"


def color_system_for(term: str, env: dict[str, str]) -> str:
    """Honour COLORTERM/TERM; 256 colours when unknown (OpenSSH forwards no COLORTERM)."""
    colorterm = env.get("COLORTERM", "").lower()
    term = term.lower()
    if colorterm in ("truecolor", "24bit") or term.endswith("-direct"):
        return "truecolor"
    if term in ("linux", "vt100", "vt102", "vt220", "xterm", "ansi", "screen", "tmux", "cons25") or term.endswith(
        "-16color"
    ):
        return "standard"
    return "256"


class TerminalSession(asyncssh.SSHServerSession):
    def __init__(self, server: SafeSpaceServer, member: MemberView, key_id: int, address: str) -> None:
        self.server = server
        self.member = member
        self.key_id = key_id
        self.address = address
        self.size = (80, 24)
        self.term = ""
        self._chan: asyncssh.SSHServerChannel | None = None
        self._has_pty = False
        self._app: SafeSpaceApp | None = None
        self._driver: SSHDriver | None = None  # set by the driver once the app has made it
        self._task: asyncio.Task | None = None
        self._closing = False
        self._drop_output = False
        self._farewell = ""
        self._export = False  # `ssh host export`: no app, the member's data as JSON
        # The plain line mode (ssh/line_channel.py): lines instead of the app, through an editor.
        self._editor: SSHLineEditorChannel | None = None
        self._line: LineSession | None = None
        self._early_lines: list[str] = []  # typed while the store was still asked about the key
        self._early_input: list[str] = []  # typed before the app's driver existed
        config = server.config
        self.key_budget = KeyBudget(config.input_keys_per_second, config.input_key_burst)

    @property
    def finished(self) -> bool:
        """The channel is gone (closed by either side): the connection may open another session."""
        return self._closing or self._chan is None

    def _clamped(self, width: int, height: int) -> tuple[int, int]:
        """A window no larger than the app ever needs: a 10000x10000 one stalled every member for
        13.4 s and grew the server by ~960 MB (issue 15). 0 means "unknown" in SSH."""
        config = self.server.config
        return min(width or 80, config.max_window_width), min(height or 24, config.max_window_height)

    # -- asyncssh callbacks
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes) -> bool:
        self._has_pty = True
        self.term = term_type or ""
        self.size = self._clamped(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        """``export`` is the one command accepted: the member's own data as JSON, then the end."""
        if command.strip() == EXPORT_COMMAND:
            self._export = True
            return True
        log.info("refused exec for member %s", self.member.id)
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        log.info("refused subsystem %r for member %s", subsystem[:40], self.member.id)
        return False

    def session_started(self) -> None:
        assert self._chan is not None
        if self._export:
            self._task = asyncio.create_task(self._send_export(), name=f"export-{self.member.id}")
            return
        if not self._has_pty:
            self._chan.write(NEEDS_PTY)
            self._chan.exit(1)
            return
        env = dict(self._chan.get_environment())
        self._task = asyncio.create_task(
            self._run(color_system_for(self.term, env)), name=f"session-{self.member.handle}"
        )

    def data_received(self, data: str, datatype) -> None:
        self.server.gc_policy.note_activity()  # a full collection waits for a quiet moment
        if self._editor is not None:  # line mode: the editor hands over one whole line at a time
            line = data.removesuffix("\n")
            if self._line is not None:
                self._line.received(line)
            else:
                self._early_lines.append(line)
        elif self._driver is not None:
            self._driver.feed(data)
        else:
            keep_early(self._early_input, data)  # typed before the app has made its driver

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        size = self._clamped(width, height)
        if size == self.size:
            return  # resizes above the cap change nothing: no new frame
        self.size = size
        if self._driver is not None:
            self._driver.resize(*self.size)

    def break_received(self, msec: int) -> bool:
        return True

    def signal_received(self, signal: str) -> None:
        pass

    def eof_received(self) -> bool:
        if self._export:
            return True  # `ssh host export </dev/null`: the export still goes out
        self.close()
        return False

    def soft_eof_received(self) -> None:
        """Ctrl+D on an empty line, in line mode: the member leaves."""
        self.close(LINE_FAREWELL)

    async def _send_export(self) -> None:
        """Write the member's own data (services/export.py) and close with status 0."""
        try:
            data = await self.server.services.export.own(self.member)
            text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
            status = 0
        except Exception:
            log.exception("export for member %s failed", self.member.id)
            text, status = EXPORT_FAILED, 1
        chan = self._chan
        if chan is not None:
            chan.write(text)
            chan.exit(status)
        log.info("export sent to member %s", self.member.id)

    def connection_lost(self, exc: Exception | None) -> None:
        self._chan = None
        self.close()

    # -- used by the driver
    def attach(self, driver: SSHDriver) -> None:
        """The app's driver exists: keys and window sizes go to it from now on."""
        self._driver = driver
        for data in self._early_input:
            driver.feed(data)
        self._early_input.clear()

    def pause_input(self) -> None:
        """Too many keys wait for the app: stop reading (the client's SSH window fills)."""
        if self._chan is not None:
            log.info("pausing input of member %s: keys arrive faster than their share", self.member.id)
            self._chan.pause_reading()

    def resume_input(self) -> None:
        if self._chan is not None:
            self._chan.resume_reading()

    def use_line_editor(self, editor: SSHLineEditorChannel) -> None:
        """This session is the plain line mode: lines in and out go through ``editor``."""
        self._editor = editor

    def quick_exit(self) -> None:
        """Line mode, Ctrl+X: end now, no question, no farewell; the window, scrollback and title cleared."""
        self.close(QUICK_EXIT)

    def unused_key(self) -> None:
        """Line mode: a key or escape code the editor does not use was typed (and left out)."""
        from .line_channel import UNUSED_KEY

        if self._line is not None:
            self._line.tell(UNUSED_KEY, severity="warning")

    def ring(self) -> None:
        """The terminal bell, beside the line editor (it takes no column of the input line)."""
        if self._chan is not None and not self._drop_output:
            self._chan.write("\a")

    def write_output(self, data: str) -> None:
        chan = self._editor or self._chan
        if chan is None or self._drop_output:
            return
        if chan.get_write_buffer_size() > self.server.config.max_output_buffer:
            log.warning("session for member %s closed: client not reading output", self.member.id)
            self._drop_output = True
            self.close(TOO_SLOW)
            return
        try:
            chan.write(data)
        except (BrokenPipeError, ConnectionError):
            # The client closed between a frame and asyncssh telling us (connection_lost follows).
            self._drop_output = True
            self.close()

    # -- life of the app
    async def _run(self, color_system: str) -> None:
        from ..tui.textual_fixes import forget_cancelled_timers, release_app_gradually
        from .driver import detach_terminal

        server = self.server
        server.sessions.add(self)
        server.services.presence.connected(self.member.id, self.member.role)
        failed = False
        try:
            failed = await (self._run_lines() if self._editor is not None else self._run_app(color_system))
        except Exception:
            log.exception("session for member %s failed", self.member.id)
            failed = True
        finally:
            app = self._app
            server.sessions.discard(self)
            server.gc_policy.session_closed()
            server.services.presence.disconnected(self.member.id)
            self._app = None
            self._driver = None
            self._line = None
            chan = self._chan
            if chan is not None:
                chan.write(SOMETHING_WENT_WRONG if failed else self._farewell)
                chan.exit(0)
            # Closing cancelled the app's timers; asyncio would keep them (and the app) till due.
            forget_cancelled_timers(asyncio.get_running_loop())
            if app is not None:
                detach_terminal(app)
                # freed now by reference counting, not by a full collection later; in steps, so
                # the others' screens and keys are not held up while it is walked
                await release_app_gradually(app)
            del app
            await server.services.members.note_seen(self.member.id)  # the seniors' quiet-members list

    async def _run_app(self, color_system: str) -> bool:
        """The full-screen app until it ends; True if it failed."""
        from ..tui.app import SafeSpaceApp
        from .driver import SSHDriver, attach_terminal

        app = SafeSpaceApp(self.server.services, self.member, color_system=color_system, driver_class=SSHDriver)
        attach_terminal(app, self)
        self._app = app
        self.server.apps.add(app)  # weakly: lets `status` count apps that outlive their session
        turn = StartTurn(self.server.starting)
        await turn.take()
        if self._closing:  # gone (or closed by us) while waiting for the turn: nothing to start
            turn.give_back()
            return False
        holder = asyncio.create_task(turn.until_settled(app.session.settled), name="start-turn")
        try:
            await app.run_async(size=self.size, mouse=True)
        finally:
            holder.cancel()
            turn.give_back()
        if app.quick_exited:
            self._farewell = QUICK_EXIT
        return app.return_code not in (0, None)

    async def _run_lines(self) -> bool:
        """The plain line mode (line/session.py) until the member leaves or the session is closed."""
        from ..line.session import LineSession
        from .line_channel import LineOutput

        line = LineSession(self.server.services, self.member, LineOutput(self))
        self._line = line
        for early in self._early_lines:
            line.received(early)
        self._early_lines.clear()
        if self._closing:
            line.stop()
        await line.run()
        return False

    def close(self, farewell: str | None = None) -> None:
        """End the session from our side (revoked key, slow client, shutdown, lost link)."""
        if self._closing:
            return
        self._closing = True
        self._farewell = farewell or ""
        app = self._app
        if app is not None:
            app.exit()
        elif self._line is not None:
            self._line.stop()
        elif self._chan is not None:
            self._chan.close()

    async def wait_closed(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)


START_TURN_LIMIT = 2.0
"""Seconds one session's start may keep the next waiting (a start takes ~0.15 s on a quiet machine)."""


class StartTurn:
    """One session's app starts at a time, until its first screen and lists are drawn.

    A start is a chain of 2-150 ms steps (compose, styles, the first frame, the lists). Three
    attackers connecting together ran three chains at once, and every other member's keystroke
    waited behind a step of each at every hop of its way to the screen: all five typists stalled
    840 ms at the attack's start (bench/hostile.py). Keys typed while waiting are kept.
    """

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    async def take(self) -> None:
        await self._lock.acquire()
        self._held = True

    async def until_settled(self, settled: asyncio.Event) -> None:
        """Give the turn back once the app has settled, or after ``START_TURN_LIMIT``."""
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(settled.wait(), START_TURN_LIMIT)
        finally:
            self.give_back()

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()
