"""Reports and moderation, first part (issue 11): a member reports a message; leadership hides it
or leaves it up; the reporter is thanked and told which kind of outcome, never the details.

Any member may report a message they can see (a fixed reason, an optional note). Leadership
(senior members and admins) is told live that a report waits (``REPORTS`` on the hub) and reads
the open reports with the message in context (an audit row: a sensitive read). Hiding leaves a
"hidden by leadership" line for everyone, live (``MessageEdited``); the words stay in the store
for leadership's record but are never shown or found by search again. Every action is an audit
row with ids only. Whoever may not see a message, or may not moderate, is told "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from peewee import Database

from ..hub import Hub, channel_topic, member_topic
from ..store.db import Store
from ..store.models import Channel, Member, Message, Report, utcnow
from ..text import clean_for_display, clean_line
from .audit import record
from .channels import MessageEdited, message_view, visible_to
from .errors import Invalid, NotFound
from .rooms import all_rooms
from .views import MemberView, MessageView

REPORTS = "reports"  # hub topic: a report was made or decided (leadership's sessions listen)
REPORT_MADE = "report.made"
REPORTS_READ = "reports.read"
REPORT_HIDDEN = "report.hide"
REPORT_DISMISSED = "report.dismiss"
# the fixed reasons, in the order they are offered: (name, words)
REASONS = (
    ("unkind", "unkind or hurtful"),
    ("unsafe", "unsafe or graphic without a warning"),
    ("selling", "selling or asking for money"),
    ("other", "something else"),
)
REASON_WORDS = dict(REASONS)
NOTE_MAX = 300
CONTEXT = 2  # messages shown before and after the reported one
THANKS = "Thank you for telling us. Leadership will look at it; you'll hear when they have."
OUTCOME_WORDS = {
    "hidden": "Thank you for your report. Leadership looked at the message and hid it.",
    "dismissed": "Thank you for your report. Leadership looked at the message and decided to leave it up.",
}
NOT_FOUND = "There's no such report."
IN_A_ROOM = (
    "Messages in a mediation room stay between the people in it, so they can't be reported to all of "
    "leadership. Please tell your mediator, here in the room or privately."
)


@dataclass(frozen=True)
class ReportView:
    """An open report, for leadership: the message with what was said around it."""

    id: int
    reporter_handle: str
    reason: str  # the reason's words
    note: str
    created_at: datetime
    channel_name: str
    message: MessageView  # the reported message (its words, even if later hidden)
    before: tuple[MessageView, ...]
    after: tuple[MessageView, ...]


@dataclass(frozen=True)
class ReportChanged:
    """On ``REPORTS`` (leadership) when a report is made; on the reporter's ``member_topic`` when
    decided, with the outcome only (``status``: hidden or dismissed)."""

    report_id: int
    status: str


# The neighbours of a reported message, as plain SQL run once per report: built with the query
# builder each time, 40 queries for 20 reports spent most of a pane's refresh compiling SQL
# (bench/moderation.py). The condition is ``channels.visible_to``, written out.
_AROUND = (
    'SELECT id FROM "message" WHERE channel_id = ? AND id {op} ? '
    "AND (visibility = 'group' OR author_id = ? OR (? AND visibility = 'seniors')) "
    "ORDER BY id {order} LIMIT ?"
)


def _around(db: Database, message: Message, actor: MemberView) -> tuple[list[int], list[int]]:
    """The ids of up to CONTEXT messages before and after ``message`` that ``actor`` may read
    (never in a mediation room: a message there cannot be reported, and its neighbours share its
    channel)."""
    args = (message.channel_id, message.id, actor.id, int(actor.is_senior), CONTEXT)
    before = [row[0] for row in db.execute_sql(_AROUND.format(op="<", order="DESC"), args)]
    after = [row[0] for row in db.execute_sql(_AROUND.format(op=">", order="ASC"), args)]
    return list(reversed(before)), after


def _messages(ids: list[int]) -> dict[int, Message]:
    """Messages by id, with their authors, in one query."""
    if not ids:
        return {}
    rows = Message.select(Message, Member).join(Member, on=(Message.author == Member.id)).where(Message.id.in_(ids))
    return {m.id: m for m in rows}


def _reported(message: Message) -> MessageView:
    """The reported message as leadership reads it: its words even when it has been hidden."""
    view = message_view(message, message.author)
    if message.removed == "leadership":
        view = replace(view, body=clean_for_display(message.body))
    return view


class ReportService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    async def report(self, actor: MemberView, message_id: int, reason: str, note: str = "") -> int:
        """``actor`` reports a message they can see; returns the report's id. Reporting one's own
        message, or one already taken back, is refused kindly; a second report by the same member
        of the same message is the same report (nothing new for leadership)."""
        if reason not in REASON_WORDS:
            raise Invalid("Please choose one of the reasons: " + ", ".join(REASON_WORDS) + ".")
        note = clean_line(note, max_chars=NOTE_MAX) if note.strip() else ""

        def write() -> tuple[int, bool]:
            message = Message.select().where(Message.id == message_id, visible_to(actor)).first()
            if message is None:
                raise NotFound("There's no such message.")
            if message.author_id == actor.id:
                raise Invalid("That's your own message: you can edit or delete it instead (e or d).")
            if message.removed:
                raise Invalid("That message has already been taken down. Thank you for looking out.")
            if Message.select().where(Message.id == message_id, Message.channel.in_(all_rooms())).exists():
                raise Invalid(IN_A_ROOM)  # reports go to all of leadership; a room is its people's alone
            existing = Report.get_or_none(
                Report.reporter == actor.id, Report.message == message_id, Report.status == "open"
            )
            if existing is not None:
                return existing.id, False
            row = Report.create(reporter=actor.id, message=message_id, reason=reason, note=note)
            record(actor.id, REPORT_MADE, subject_id=message.author_id, detail=f"report {row.id} message {message_id}")
            return row.id, True

        report_id, new = await self.store.write(write)
        if new:
            self.hub.publish(REPORTS, ReportChanged(report_id, "open"))
        return report_id

    async def open_reports(self, actor: MemberView) -> list[ReportView]:
        """Leadership only: every open report, oldest first, with the message in context. The read
        is an audit row (what members reported is sensitive): the reports are read in a reader
        thread, then the row is written, and nothing is shown unless it was. The writer thread,
        which every post and SOS waits behind, is held for the row only. bench/moderation.py, 20 open
        reports, a busy 2-core machine: a refresh p50 222 -> 6.4 ms, and a post while 5 panes
        refresh p50 701 -> 54 ms (the read was in the writer, its 40 queries built one by one)."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)

        def read() -> list[ReportView]:
            rows = list(Report.select().where(Report.status == "open").order_by(Report.id))
            reported = _messages([row.message_id for row in rows])
            around = {m.id: _around(self.store.db, m, actor) for m in reported.values()}
            shown = _messages([i for ids in around.values() for side in ids for i in side])
            handles = {
                m.id: clean_for_display(m.handle, multiline=False)
                for m in Member.select(Member.id, Member.handle).where(Member.id.in_({r.reporter_id for r in rows}))
            }
            names = {c.id: c.name for c in Channel.select(Channel.id, Channel.name)}
            views = []
            for row in rows:
                message = reported[row.message_id]
                before, after = around[message.id]
                views.append(
                    ReportView(
                        id=row.id,
                        reporter_handle=handles[row.reporter_id],
                        reason=REASON_WORDS.get(row.reason, row.reason),
                        note=clean_for_display(row.note, multiline=False),
                        created_at=row.created_at,
                        channel_name=names[message.channel_id],
                        message=_reported(message),
                        before=tuple(message_view(shown[i], shown[i].author) for i in before),
                        after=tuple(message_view(shown[i], shown[i].author) for i in after),
                    )
                )
            return views

        views = await self.store.read(read)
        await self.store.write(lambda: record(actor.id, REPORTS_READ, detail=f"{len(views)} open"))
        return views

    async def decide(self, actor: MemberView, report_id: int, *, hide: bool, why: str = "") -> str:
        """Leadership hides the reported message (for everyone, live) or leaves it up; every open
        report of that message is decided with it, and each reporter is told the outcome only.
        Returns the status ("hidden" or "dismissed")."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)
        why = clean_line(why, max_chars=150) if why.strip() else ""
        status = "hidden" if hide else "dismissed"

        def write() -> tuple[MessageView | None, list[tuple[int, int]]]:
            report = Report.get_or_none(Report.id == report_id)
            if report is None or report.status != "open":
                raise NotFound(NOT_FOUND)
            message = Message.get_by_id(report.message_id)
            decided = list(Report.select().where(Report.message == message.id, Report.status == "open"))
            Report.update(status=status, decided_by=actor.id, decided_at=utcnow()).where(
                Report.id.in_([row.id for row in decided])
            ).execute()
            edited = None
            if hide and not message.removed:
                message.removed = "leadership"
                message.save()
                edited = message_view(message, message.author)
            detail = f"report {report_id} message {message.id}" + (f": {why}" if why else "")
            record(actor.id, REPORT_HIDDEN if hide else REPORT_DISMISSED, subject_id=message.author_id, detail=detail)
            return edited, [(row.id, row.reporter_id) for row in decided]

        edited, reporters = await self.store.write(write)
        if edited is not None:
            self.hub.publish(channel_topic(edited.channel_id), MessageEdited(edited))
        for decided_id, reporter_id in reporters:
            self.hub.publish(member_topic(reporter_id), ReportChanged(decided_id, status))
        self.hub.publish(REPORTS, ReportChanged(report_id, status))
        return status

    async def mark_told(self, actor: MemberView, report_id: int) -> None:
        """The reporter's session has told them the outcome of their report."""

        def write() -> None:
            Report.update(told=True).where(Report.id == report_id, Report.reporter == actor.id).execute()

        await self.store.write(write)

    async def untold_outcomes(self, actor: MemberView) -> list[tuple[int, str]]:
        """Outcomes of ``actor``'s reports decided while they were away (report id, status)."""

        def query() -> list[tuple[int, str]]:
            rows = Report.select().where(Report.reporter == actor.id, Report.status != "open", Report.told == False)  # noqa: E712
            return [(row.id, row.status) for row in rows]

        return await self.store.read(query)

    async def open_count(self, actor: MemberView) -> int:
        """How many reports wait (leadership only; 0 for anyone else)."""
        if not actor.is_senior:
            return 0
        return await self.store.read(lambda: Report.select().where(Report.status == "open").count())
