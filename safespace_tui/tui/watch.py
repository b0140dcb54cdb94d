"""The seniors' monitoring pane, kept open beside the conversation: a part of the session
controller (``tui/session.py``), for senior members and admins only (issue 14).

* At 120 columns or more, F3 docks the pane (widgets/watch_pane.py) beside the conversation, in
  place of the member list; the message box keeps the focus. F3 again undocks it. The choice is
  remembered per senior (services/wellbeing.py ``set_docked``) and applied when they next connect.
* Below 120 columns F3 opens the full-screen alerts pane, as before (tui/crisis_care.py).
* The status bar carries a one-line summary ("⚠ 1 waiting · 2 struggling") for senior members.

What it shows comes from the hub (``WellbeingService.topic_for``: senior members only), one
overview per change for every senior. A plain member's session subscribes to none of it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..services.views import MemberView
from ..services.wellbeing import Overview, SharedCheckIn
from .screens.alerts import AlertsScreen
from .session_part import SessionPart
from .widgets.watch_pane import WatchPane, summary_text

DOCK_WIDTH = 120  # columns: narrower, the conversation would be left too little room


class Watch(SessionPart):
    _unsubscribe: Callable[[], None] | None = None
    _overview: Overview | None = None
    _dock_wanted: bool | None = None  # F3 pressed: docked or not, until it is stored and shown

    # -- lifetime ----------------------------------------------------------------------------
    async def start(self) -> None:
        """For a senior, once the conversation is drawn: the overview, the hub, the remembered dock."""
        if not self.member.is_senior or self._unsubscribe is not None:
            return
        wellbeing = self.services.wellbeing
        self._unsubscribe = self.services.hub.subscribe(
            wellbeing.topic_for(self.member), lambda overview: self.app.call_next(self._changed, overview)
        )
        fetched = await wellbeing.overview(self.member)
        if self._overview is None:  # unless a newer one came through the hub meanwhile
            self._changed(fetched)
        if await wellbeing.docked(self.member) and self.app.size.width >= DOCK_WIDTH:
            self._dock()

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def member_changed(self, member: MemberView) -> None:
        """A new role: a senior who is no longer one stops watching at once; a new senior starts."""
        if not member.is_senior and self._unsubscribe is not None:
            self.stop()
            self._overview = None
            self.session.main.undock_watch()
            self.session.main.show_watch_summary(None)
        elif member.is_senior and self._unsubscribe is None:
            self.app.run_worker(self.start(), group="watch")

    # -- what it shows ------------------------------------------------------------------------
    def _changed(self, overview: Overview) -> None:
        if self.session.taken_down() or not self.member.is_senior:
            return
        self._overview = overview
        main = self.session.main
        main.show_watch_summary(summary_text(overview))
        pane = main.watch_pane
        if pane is not None:
            pane.show(overview)

    # -- F3 ------------------------------------------------------------------------------------
    def toggle(self) -> None:
        """F3: dock or undock beside the conversation when wide enough; else the full-screen pane."""
        main = self.session.main
        if self.app.screen is main and self.app.size.width >= DOCK_WIDTH:
            shown = main.watch_pane is not None if self._dock_wanted is None else self._dock_wanted
            self._dock_wanted = not shown  # a second F3 before the first is stored undoes it
            self.app.run_worker(self._set_docked(not shown), group="watch-dock")
            return
        self.session.crisis.toggle_alerts()

    async def _set_docked(self, docked: bool) -> None:
        """Persist first, then show: the choice is stored before the pane moves, so a senior who
        presses F3 and leaves at once finds it as they left it (a test reconnecting at once after
        F3 still found the pane docked: the write came after the screen changed, and the session
        ended first)."""
        await self.services.wellbeing.set_docked(self.member, docked)
        if self.session.taken_down() or self._dock_wanted is not docked:
            return  # the session is closing, or F3 was pressed again meanwhile (its worker shows it)
        self._dock_wanted = None
        main = self.session.main
        if docked == (main.watch_pane is not None):
            return
        if docked:
            self._dock()
        else:
            main.undock_watch()

    def _dock(self) -> None:
        self.session.main.dock_watch(WatchPane(self._overview, timezone=self.member.timezone))

    # -- acting from the pane (a deliberate step: select a line, then a key) ---------------------
    def open_alert(self, alert_id: int) -> None:
        if not any(isinstance(screen, AlertsScreen) for screen in self.app.screen_stack):
            self.app.push_screen(AlertsScreen(self.member.timezone, select=alert_id))

    async def open_checkin(self, member_id: int) -> None:
        shared = await self.services.wellbeing.latest_checkin(self.member, member_id)
        if shared is None:
            self.tell("They haven't shared a check-in with senior members yet.")
            return
        self.session.show_page(f"{shared.member_name}'s latest check-in", checkin_words(shared))


def checkin_words(shared: SharedCheckIn) -> str:
    """A check-in as plain lines (every part already cleaned by the service; shown as plain text)."""
    lines = [
        f"{shared.day:%a} {shared.day.day} {shared.day:%b} · shared with "
        + ("the group" if shared.visibility == "group" else "senior members"),
        f"spoons {shared.spoons} · mood {shared.mood}/5" + (f" · sleep {shared.sleep}" if shared.sleep else ""),
    ]
    if shared.needs:
        lines.append("would like: " + ", ".join(shared.needs))
    if shared.warning_signs:
        lines.append("warning signs noticed: " + shared.warning_signs)
    if shared.win:
        lines.append("a win: " + shared.win)
    if shared.note:
        lines.append("note: " + shared.note)
    return "\n".join(lines)
