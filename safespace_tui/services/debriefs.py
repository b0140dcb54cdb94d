"""Responder care: a senior's short private debrief to leadership after closing an alert.

Being with someone in crisis takes something out of the one who helps. After closing an alert
the senior is offered a few words for leadership (what it was like, what they need); it is kept
apart from the resolution note (which every senior reads) and only admins read it: in the app
through ``for_alert`` (recorded in the audit trail), and the operator with ``safespace alerts
show ID``. Logs carry ids only, never the note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..store.db import Store
from ..store.models import Alert, DebriefNote, Member
from ..text import clean_for_display, clean_text
from . import audit
from .errors import Invalid, NotFound
from .views import MemberView

log = logging.getLogger("safespace.debriefs")

MAX_DEBRIEF_CHARS = 2000


@dataclass(frozen=True)
class DebriefView:
    id: int
    alert_id: int
    author_id: int
    author_handle: str
    body: str
    created_at: datetime


def _view(note: DebriefNote) -> DebriefView:
    author = Member.get_by_id(note.author_id)
    return DebriefView(
        id=note.id,
        alert_id=note.alert_id,
        author_id=author.id,
        author_handle=clean_for_display(author.handle, multiline=False),
        body=clean_for_display(note.body),
        created_at=note.created_at,
    )


def _notes_on(alert_id: int) -> list[DebriefView]:
    rows = DebriefNote.select().where(DebriefNote.alert == alert_id).order_by(DebriefNote.id)
    return [_view(note) for note in rows]


class DebriefService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, actor: MemberView, alert_id: int, body: str) -> DebriefView:
        """The senior who closed (or was with them in) a closed alert leaves a note; anyone else: not found."""
        text = clean_text(body, max_chars=MAX_DEBRIEF_CHARS) if body.strip() else ""
        if not text:
            raise Invalid("A debrief needs a few words; Esc skips it.")

        def write() -> DebriefView:
            alert = Alert.get_or_none(Alert.id == alert_id)
            responders = (alert.resolved_by_id, alert.acknowledged_by_id) if alert else ()
            if alert is None or not actor.is_senior or actor.id not in responders or alert.resolved_at is None:
                raise NotFound("There's no such alert.")
            return _view(DebriefNote.create(alert=alert.id, author=actor.id, body=text))

        view = await self.store.write(write)
        log.info("debrief %s on alert %s by member %s", view.id, alert_id, actor.id)
        return view

    async def for_alert(self, actor: MemberView, alert_id: int) -> list[DebriefView]:
        """Admins only (recorded); a senior, even the author, or a member gets "not found"."""

        def write() -> list[DebriefView]:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None or actor.role != "admin":
                raise NotFound("There's no such alert.")
            audit.record(actor.id, audit.DEBRIEF_READ, subject_id=alert.member_id, alert_id=alert.id)
            return _notes_on(alert.id)

        return await self.store.write(write)

    async def admin_for_alert(self, alert_id: int) -> list[DebriefView]:
        """The operator's read (``safespace alerts show ID``), as the CLI's other admin reads."""
        return await self.store.read(lambda: _notes_on(alert_id))
