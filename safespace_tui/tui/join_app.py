"""The invite-code door (``ssh join@host``): one screen that knows nothing of the group.

Anyone with any key reaches it, so it shows no member, no channel, no count; it holds no
services at all, only ``redeem`` (given by the SSH side), which answers whether a code opened
the door. When one does, the app ends and the SSH side starts the member's own app for the new
member, whose first screens are the onboarding (``tui/onboarding.py``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.console import Console
from textual import on
from textual.binding import Binding
from textual.driver import Driver

from .screens.join_code import CodeEntered, CodeScreen
from .textual_fixes import ReportingApp, set_color_system

log = logging.getLogger("safespace.tui")


@dataclass(frozen=True)
class JoinAnswer:
    """What a code came to: it opened the door, or words to show (``final``: no more tries here)."""

    opened: bool
    words: str = ""
    final: bool = False


Redeem = Callable[[str], Awaitable[JoinAnswer]]


class JoinApp(ReportingApp[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Safe Space"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+x", "quick_exit", "Quick exit", priority=True),
        Binding("ctrl+q", "quit", "Leave", priority=True),
    ]

    def __init__(self, redeem: Redeem, *, color_system: str = "256", driver_class: type[Driver] | None = None) -> None:
        super().__init__(driver_class=driver_class)
        set_color_system(self.console, color_system)
        self.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
        self._redeem = redeem
        self.opened = False  # read by the SSH side: start the new member's app
        self.quick_exited = False

    def on_mount(self) -> None:
        self.push_screen(CodeScreen())

    def action_quick_exit(self) -> None:
        self.quick_exited = True
        self.exit(result=None, return_code=0)

    @on(CodeEntered)
    async def _code_entered(self, event: CodeEntered) -> None:
        answer = await self._redeem(event.code)
        if answer.opened:
            self.opened = True
            self.exit(result=None, return_code=0)
            return
        screen = self.screen
        if isinstance(screen, CodeScreen):
            screen.refused(answer.words, final=answer.final)
        if answer.final:
            self.set_timer(4, lambda: self.exit(result=None, return_code=0))

    def report_exception(self, error: Exception) -> None:
        log.error("join session raised", exc_info=(type(error), error, error.__traceback__))
