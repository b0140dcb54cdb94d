"""One Textual app per SSH session: the member's whole view of Safe Space."""

from __future__ import annotations

import io
import logging

from rich.console import COLOR_SYSTEMS, Console
from textual.app import App
from textual.binding import Binding

from ..services import Services
from ..ssh.driver import SSHDriver
from ..services.views import MemberView
from .day_commands import DAY_BINDINGS, DayCommands
from .crisis_care import CrisisCare
from .crisis_keys import ALERTS_KEY, CRISIS_KEY, PLAN_KEY, SOS_KEY
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.text_page import TextPage

log = logging.getLogger("safespace.tui")


class SafeSpaceApp(CrisisCare, DayCommands, App):
    CSS_PATH = "app.tcss"
    TITLE = "Safe Space"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        # crisis care (tui/crisis_care.py) first, so the footer shows SOS even at 80 columns;
        # on every screen, over any widget
        Binding(SOS_KEY, "sos", "SOS", priority=True),
        Binding(CRISIS_KEY, "crisis_lines", "Crisis lines", priority=True),
        Binding(ALERTS_KEY, "alerts", "Alerts", priority=True),
        Binding(PLAN_KEY, "safety_plan", "My plan"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Leave", priority=True),
        *DAY_BINDINGS,  # a member's day (tui/day_commands.py): status, check-in, my days, spoons
    ]

    def __init__(self, services: Services, member: MemberView, *, color_system: str = "256") -> None:
        super().__init__(driver_class=SSHDriver)
        self.services = services
        self.member = member
        # Each session has its own colour depth (see textual_fixes for why that needs care).
        self.console._color_system = COLOR_SYSTEMS[color_system]
        # Textual prints tracebacks (with local variables, which may hold members' words)
        # to error_console at exit; ours go to the server log without locals instead.
        self.error_console = Console(file=io.StringIO(), markup=False, highlight=False)
        self.terminal = None  # set by the SSH session before run_async

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        self.start_day()
        self.start_crisis_care()

    def on_unmount(self) -> None:
        self.stop_crisis_care()

    # -- things every screen may ask of the app
    def tell(self, message: str, *, severity: str = "information", timeout: float = 8) -> None:
        """A calm notification; never markup, since it may quote a member's words."""
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    # -- interruptions: the one rule for bells and pop-ups a member did not ask for
    @property
    def quiet(self) -> bool:
        """Recharging means do not disturb."""
        return self.member.status == "recharging"

    def may_interrupt(self, kind: str) -> bool:
        """May something this member did not just do ring the bell or pop up now?

        The one place this rule lives: check it (or use ``interrupt``) for every bell or pop-up
        someone else causes (a mention, a notice about the group, a reminder).
        * ``kind="sos"``: an SOS alert. Senior members are always interrupted, even while
          recharging, since answering SOS is their role; for anyone else the rule below holds.
        * any other kind: never while the member is recharging.
        A reply to the member's own action (``tell`` after their command or key) is not an interruption.
        """
        if kind == "sos" and self.member.is_senior:
            return True
        return not self.quiet

    def interrupt(self, kind: str, message: str, *, bell: bool = True, severity: str = "information", timeout: float = 8) -> bool:
        """Ring and pop up ``message`` only if ``may_interrupt(kind)``; returns whether it did."""
        if not self.may_interrupt(kind):
            return False
        if bell:
            App.bell(self)
        self.tell(message, severity=severity, timeout=timeout)
        return True

    def bell(self) -> None:
        """Any other bell (Textual's own too) keeps quiet while recharging. SOS calls App.bell directly."""
        if self.may_interrupt("bell"):
            super().bell()

    def member_changed(self, member: MemberView) -> None:
        """Our own member row changed (role, status, spoons): keep every view in step."""
        self.member = member
        for screen in self.screen_stack:  # the bar may sit under a form or dialog just now
            for bar in screen.query("StatusBar"):
                bar.show(member)

    async def command_charter(self, argument: str) -> bool:
        self.push_screen(TextPage("Our charter", await self.services.texts.get("charter")))
        return True

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _handle_exception(self, error: Exception) -> None:
        log.error("session for member %s raised", self.member.id, exc_info=(type(error), error, error.__traceback__))
        super()._handle_exception(error)
