"""What each part of the session controller shares: its session, the app, who and with what.

Crisis care and a member's day are parts that ``tui/session.py`` composes (not mixins): each
keeps its own area and reaches the member, the services and ``tell`` through its session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..services import Services
from ..services.views import MemberView

if TYPE_CHECKING:
    from .session import Session


class SessionPart:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.app = session.app

    @property
    def member(self) -> MemberView:
        return self.session.member

    @property
    def services(self) -> Services:
        return self.session.services

    def tell(self, words: str, **options: Any) -> None:
        self.session.tell(words, **options)
