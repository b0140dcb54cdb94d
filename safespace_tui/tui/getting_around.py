"""Getting around, a part of the session controller (issue 12): the channel switcher, search and
/mentions results jumped to in context, and leaving without losing a draft.

Composed by ``tui/session.py`` like crisis care and a member's day (``session_part.py``).
"""

from __future__ import annotations

from enum import Enum

from ..services.search import Found
from ..services.spoons import zone
from .screens.crisis import ChoiceScreen
from .screens.finding import ChannelSwitcher, FoundScreen
from .session_part import SessionPart
from .widgets.channel_list import ChannelList


class LeaveAnswer(Enum):
    LEAVE = "leave"
    STAY = "stay"


class GettingAround(SessionPart):
    def open_switcher(self) -> None:
        """Ctrl+K: every channel and its unread count; the chosen one is shown."""
        if any(isinstance(screen, ChannelSwitcher) for screen in self.app.screen_stack):
            return
        main = self.session.main
        listing = main.query_one(ChannelList)
        unread = {c.id: listing.unread(c.id) for c in main.channels}
        current = main.current.id if main.current is not None else None

        async def chosen(channel_id: int | None) -> None:
            channel = next((c for c in main.channels if c.id == channel_id), None)
            if channel is not None and not self.session.taken_down():
                await self.session.join_channel(channel)
            main.focus_box()

        self.app.push_screen(ChannelSwitcher(main.channels, unread, current), chosen)

    def show_found(self, title: str, found: list[Found], *, empty: str) -> None:
        """Results (search, mentions); the one chosen is shown in its channel, in context."""

        async def chosen(result: Found | None) -> None:
            if result is not None and not self.session.taken_down():
                await self.session.told(self.session.jump_to(result.message.id))
            self.session.main.focus_box()

        self.app.push_screen(FoundScreen(title, found, zone(self.member.timezone), empty=empty), chosen)

    def ask_leave(self) -> None:
        """Ctrl+C, or Ctrl+Q with words in the box: Safe Space's own question, in its own words."""
        if any(isinstance(screen, ChoiceScreen) and screen.id == "leave" for screen in self.app.screen_stack):
            return
        draft = self.session.main.draft
        body = (
            "What you've written in the box isn't sent yet; leaving now loses it."
            if draft.strip()
            else "You can come back any time."
        )

        def answered(answer: LeaveAnswer | None) -> None:
            if answer is LeaveAnswer.LEAVE:
                self.app.exit(result=None, return_code=0)

        screen = ChoiceScreen(
            "Leave Safe Space?",
            body,
            [("1", LeaveAnswer.LEAVE, "Leave"), ("2", LeaveAnswer.STAY, "Stay")],
            escape=LeaveAnswer.STAY,
            dialog_id="leave-dialog",
        )
        screen.id = "leave"
        self.app.push_screen(screen, answered)
