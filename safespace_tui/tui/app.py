"""One Textual app per SSH session: composition and key bindings, nothing more.

What the member's session does lives in its controller (``tui/session.py``); every key of a
command comes from the one command table (``safespace_tui/commands.py``). Screens and widgets
post requests (``tui/messages.py``) that bubble here and are handed to the controller.
"""

from __future__ import annotations

import asyncio
import io
import logging

from rich.console import Console
from textual import on
from textual.binding import Binding
from textual.driver import Driver

from .. import commands
from ..services import Services
from ..services.views import MemberView
from .messages import Request
from .session import Session
from .textual_fixes import ReportingApp, set_color_system

log = logging.getLogger("safespace.tui")


def command_bindings() -> list[Binding]:
    """A binding for every key in the command table, in its order (crisis care first)."""
    return [
        Binding(key.key, f"run({command.name!r}, {key.argument!r})", key.label, priority=key.over_everything)
        for command, key in commands.keys_of(commands.COMMANDS)
    ]


class SafeSpaceApp(ReportingApp[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Safe Space"
    ENABLE_COMMAND_PALETTE = False
    # Ctrl+X, the quick exit, is an App binding rather than a command: it is a way out, never
    # something to type (/exit then Enter is not quick) or to offer in Tab completion, and it must
    # win over every widget and dialog (priority) on every screen, first on the key line.
    BINDINGS = [
        Binding("ctrl+x", "quick_exit", "Quick exit", priority=True),
        *command_bindings(),
        Binding("ctrl+q", "quit", "Leave", priority=True),
        # Textual's own Ctrl+C says "Do you want to quit? Press ctrl+q": ours asks in our words.
        Binding("ctrl+c", "ask_leave", "Leave", show=False, priority=True),
    ]

    def __init__(
        self,
        services: Services,
        member: MemberView,
        *,
        color_system: str = "256",
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        # Each session has its own colour depth (see textual_fixes for why that needs care).
        set_color_system(self.console, color_system)
        # Textual prints tracebacks (with local variables, which may hold members' words)
        # to error_console at exit; ours go to the server log without locals instead.
        self.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
        self.session = Session(self, services, member)
        self.quick_exited = False  # read by the SSH session: clear the screen, scrollback and title
        self.takes_keys = asyncio.Event()  # a screen of ours has the focus: the driver may hand keys over

    def action_quick_exit(self) -> None:
        """Ctrl+X: at once, no question, no farewell (see ``Session.quick_exit``)."""
        self.quick_exited = True
        self.session.quick_exit()

    async def action_quit(self) -> None:
        """Ctrl+Q: leave at once, unless there are unsent words in the box: then ask first."""
        if self.session.main.draft.strip():
            self.session.around.ask_leave()
        else:
            await super().action_quit()

    def action_ask_leave(self) -> None:
        self.session.around.ask_leave()

    def on_mount(self) -> None:
        self.session.start()

    def on_descendant_focus(self) -> None:
        """The first screen has taken its focus: keys typed before now (an SOS typed on arrival)
        would have gone to Textual's empty default screen."""
        self.takes_keys.set()

    def on_unmount(self) -> None:
        self.session.stop()

    @on(Request)
    async def _request(self, request: Request) -> None:
        await self.session.handle(request)

    async def action_run(self, name: str, argument: str) -> None:
        """A key from the command table."""
        await self.session.run_key(name, argument)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys of commands this member may not use are neither shown nor run."""
        if action == "run" and parameters:
            return commands.find(str(parameters[0]), self.session.member) is not None
        return True

    def bell(self) -> None:
        """Any other bell (Textual's own too) keeps quiet while recharging; SOS rings through."""
        if self.session.may_interrupt("bell"):
            super().bell()

    def report_exception(self, error: Exception) -> None:
        """Into the server log (never to the member, never with local variables)."""
        log.error(
            "session for member %s raised", self.session.member.id, exc_info=(type(error), error, error.__traceback__)
        )
