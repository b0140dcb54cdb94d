"""Crisis care: SOS alerts, the 911 channel, escalation, and who may take an alert.

The charter's promise: a member who uses the words "SOS" or "Emergency" (or the
SOS key, or ``/sos``) reaches a senior member as soon as one can come. So:

* An alert is committed to the store (fsync) before anyone is told it exists;
  only then is it published on the hub's ``ALERTS`` topic.
* The member is told honestly how many senior members were alerted, including
  "none right now"; an alert nobody has acknowledged in ``sos_escalate_after``
  seconds is published again, louder (``AlertEscalated``), until someone takes it.
* One rule raises an alert (``post_crisis_message``): the SOS key, ``/sos``, the SOS words
  anywhere, and any message posted in #911 (the care check's choice too). A member with an
  open alert joins it rather than raising a second. A message written elsewhere goes to #911
  in the same transaction as its alert and leaves its author a line "moved to #911" where it
  was written; withdrawing the alert moves it back.
* Only senior members and admins take (acknowledge), hand on, close or reopen alerts, and
  never their own. A plain member sees only their own alerts, and never a resolution note.
* Nobody holds an alert they cannot answer: when the senior who took it goes offline, away or
  recharging, it returns to waiting at once (``AlertReturned``) and escalates as a new one
  would. A senior holds at most ``max_alerts_held`` alerts at once.

Logs carry ids only: never a note, a message or a name.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import NoReturn

from .. import crisis_words as words
from ..config import Config
from ..errors import TellMember
from ..hub import ALERTS, MEMBERS, PRESENCE, Hub, channel_topic, member_topic
from ..store.db import CannotSave, Store
from ..store.models import Alert, Channel, Member, Message, SafetyPlan, utcnow
from ..text import MAX_NOTE_CHARS, TextRejected, clean_for_display, clean_line, clean_text
from . import audit
from .channels import CRISIS_CHANNEL, DEFAULT_CHANNELS, MessagePosted, message_view, record_read
from .errors import Invalid, NotAllowed, NotFound, ServiceError
from .members import to_view
from .presence import Presence, PresenceChanged
from .spoons import spoons_today
from .views import MemberView, MessageView

log = logging.getLogger("safespace.crisis")

SOURCES = ("key", "command", "words", "911")
# A member's line left where a message was written before it went to #911 (only they see it).
MOVED_LINE = "moved to #911"
MOVED_KIND = "moved"
# Closed alerts stay in the seniors' pane this long, so one closed by mistake can be reopened.
CLOSED_KEPT_IN_PANE = timedelta(hours=24)
# An SOS message is published to #911's viewers this long after its alert reaches the senior
# sessions: the fan-out of a message to every session (measured: ~0.5 s of CPU with 50 sessions)
# would otherwise compete with the seniors' alert (bench/sos_latency.py). The author's own
# session shows the message at once (it reloads #911 from the store); nothing is lost if the
# process dies in between, since the message is committed before the alert is announced.
MESSAGE_AFTER_ALERT = 0.3
MAX_RESOLUTION_CHARS = 2000

# Whole words, any case: "SOS!", "emergency." and "Emergency's" count; "sosa" and "emergencyroom" do not.
_SOS_WORDS = re.compile(r"(?<!\w)(?:sos|emergency)(?!\w)", re.IGNORECASE)


def has_sos_words(text: str) -> bool:
    """True when ``text`` holds the word "SOS" or "Emergency" (whole word, any case)."""
    return _SOS_WORDS.search(text) is not None


# How a phrase's words may be written: contractions with or without the apostrophe, or in full.
_CONTRACTIONS = {
    "don't": r"(?:don['\u2019]?t|do\s+not)",
    "can't": r"(?:can['\u2019]?t|cannot|can\s+not)",
    "i'm": r"(?:i['\u2019]?m|i\s+am)",
    "i've": r"(?:i['\u2019]?ve|i\s+have)",
    "myself": r"my[\s\-]*self",
}
# Words whose other forms would only find ordinary talk ("agains", "heres").
_AS_WRITTEN = {"the", "and", "all", "not", "again", "anymore", "here", "dead", "off", "without"}
_VOWELS = "aeiou"


def _word_forms(word: str) -> str:
    """The regex for one word and its forms: cut, cuts, cutting; hurt, hurting; die, died, dying."""
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if "'" in word or "\u2019" in word:
        return re.escape(word).replace("'", "['\u2019]?").replace("\u2019", "['\u2019]?")
    if len(word) < 3 or not word.isalpha() or word in _AS_WRITTEN:
        return re.escape(word)
    forms = {word, word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("ie"):
        forms |= {word + "d", word[:-2] + "ying"}
    elif word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    elif word[-1] not in _VOWELS + "wxy" and word[-2] in _VOWELS and word[-3] not in _VOWELS:
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed"}  # cut -> cutting, stab -> stabbed
    return "(?:" + "|".join(sorted(map(re.escape, forms), key=len, reverse=True)) + ")"


@functools.lru_cache(maxsize=8)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for phrase in phrases:
        words = [w for w in re.split(r"[\s\-]+", phrase.strip().lower()) if w]
        if words:
            parts.append(r"[\s\-]*".join(_word_forms(w) for w in words))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def looks_like_self_harm(text: str, phrases: tuple[str, ...]) -> bool:
    """True when ``text`` holds one of the configured phrases in any of its word forms.

    Whole words, any case; "self harm" = "self-harm" = "selfharm"; "cut myself" also finds
    "cutting myself"; "don't" also "dont" and "do not". It only ever leads to the gentle care
    check (the member decides), so a phrase list errs towards asking; tests/test_self_harm_words.py
    holds the corpus it is judged by (phrases that should ask, ordinary sentences that must not).
    """
    pattern = _phrase_pattern(tuple(phrases))
    return pattern is not None and pattern.search(text) is not None


def clean_sos_note(note: str) -> str:
    """An SOS note never stops an SOS: text we would refuse elsewhere is shortened or dropped here."""
    if not note or not note.strip():
        return ""
    try:
        return clean_line(note, max_chars=MAX_NOTE_CHARS)
    except TextRejected:
        pass
    try:
        return clean_line(note[: MAX_NOTE_CHARS * 2], max_chars=MAX_NOTE_CHARS * 2)[:MAX_NOTE_CHARS].rstrip()
    except TextRejected:
        return ""


# -- what services hand to the TUI ------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    id: int
    member_id: int
    member_handle: str
    member_name: str
    created_at: datetime
    source: str
    note: str
    message_id: int | None
    message_excerpt: str
    seniors_notified: int
    acknowledged_by_id: int | None = None
    acknowledged_by_name: str = ""
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    escalations: int = 0
    resolved_by_id: int | None = None
    resolved_by_name: str = ""
    resolved_at: datetime | None = None
    resolution_note: str = ""  # senior members and admins only; always "" in hub events
    member_status: str = "available"
    member_spoons: int | None = None  # today's spoons, None when not set today
    has_plan: bool = False
    # False: an SOS the store could not write (a full or read-only disk), told from memory to the
    # senior sessions online in this process; it has no row (id 0), so it cannot be taken or listed.
    saved: bool = True

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def state(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "acknowledged" if self.acknowledged_at is not None else "open"

    @property
    def withdrawn(self) -> bool:
        """The member took it back themselves ("I'm okay now" / "that wasn't an SOS")."""
        return self.resolved_at is not None and self.resolved_by_id == self.member_id

    @property
    def urgency(self) -> int:
        """0 escalated and waiting, 1 waiting, 2 taken, 3 closed: the pane's order."""
        if self.resolved_at is not None:
            return 3
        if self.acknowledged_at is not None:
            return 2
        return 0 if self.escalations else 1


def most_urgent_first(alerts: list[AlertView]) -> list[AlertView]:
    """Escalated, waiting, taken, closed; the longest waiting first, the latest closed first."""

    def key(alert: AlertView) -> tuple[int, float]:
        if alert.resolved_at is not None:
            return alert.urgency, -alert.resolved_at.timestamp()
        return alert.urgency, alert.created_at.timestamp()

    return sorted(alerts, key=key)


class SosNotSaved(TellMember):
    """The SOS could not be written; ``seniors_alerted`` senior sessions online were told from memory."""

    def __init__(self, seniors_alerted: int) -> None:
        super().__init__(words.unsaved_for_member(seniors_alerted))
        self.seniors_alerted = seniors_alerted


@dataclass(frozen=True)
class RaiseResult:
    """What the member is told: the committed alert and how many senior members were alerted.

    ``joined``: the member already had an open alert; this message joined it (no new alert).
    """

    alert: AlertView
    seniors_alerted: int
    joined: bool = False


class ReturnReason(Enum):
    """Why a taken alert went back to waiting."""

    LEFT = "left"  # the senior's last session ended
    AWAY = "away"
    RECHARGING = "recharging"
    HANDED_BACK = "handed back"  # the senior gave it back to everyone


class WithdrawReason(Enum):
    """The member's own words for taking their SOS back."""

    OKAY_NOW = "I'm okay now"
    NOT_AN_SOS = "that wasn't an SOS"


class HoldingEnough(ServiceError):
    """A senior already holds ``max_alerts_held`` alerts: ask another senior instead."""


# -- hub events (published on ALERTS after the commit) --------------------------------------------


@dataclass(frozen=True)
class AlertRaised:
    alert: AlertView
    seniors_alerted: int


@dataclass(frozen=True)
class AlertAcknowledged:
    alert: AlertView


@dataclass(frozen=True)
class AlertResolved:
    alert: AlertView


@dataclass(frozen=True)
class AlertEscalated:
    alert: AlertView
    seniors_online: int


@dataclass(frozen=True)
class AlertReturned:
    """A taken alert is waiting again: its senior left, stepped away, or gave it back."""

    alert: AlertView
    held_by_name: str
    reason: ReturnReason
    seniors_online: int


@dataclass(frozen=True)
class AlertHanded:
    """The senior who held it asked another senior (``alert.acknowledged_by``) to take over."""

    alert: AlertView
    from_name: str


@dataclass(frozen=True)
class AlertReopened:
    alert: AlertView
    by_name: str


@dataclass(frozen=True)
class AlertWithdrawn:
    """The member took their own SOS back; a message moved to #911 went back where it was written."""

    alert: AlertView
    reason: WithdrawReason


@dataclass(frozen=True)
class MessageMoved:
    """Published on both channels' topics and on the author's member topic."""

    message: MessageView
    from_channel_id: int
    moved_by_id: int


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _line(text: str) -> str:
    return clean_for_display(text, multiline=False)


def _alert_view(alert: Alert, *, private: bool) -> AlertView:
    """Build a view inside a store transaction; ``private`` includes the resolution note.

    Stored text is cleaned again on the way out (text.clean_for_display), as everywhere.
    """
    member = Member.get_by_id(alert.member_id)
    ack = Member.get_or_none(Member.id == alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    res = Member.get_or_none(Member.id == alert.resolved_by_id) if alert.resolved_by_id else None
    excerpt = ""
    if alert.message_id:
        message = Message.get_or_none(Message.id == alert.message_id)
        excerpt = _one_line(clean_for_display(message.body)) if message else ""
    return AlertView(
        id=alert.id,
        member_id=member.id,
        member_handle=_line(member.handle),
        member_name=_line(member.display_name) or _line(member.handle),
        created_at=alert.created_at,
        source=alert.source,
        note=_line(alert.note),
        message_id=alert.message_id,
        message_excerpt=excerpt,
        seniors_notified=alert.seniors_notified,
        acknowledged_by_id=alert.acknowledged_by_id,
        acknowledged_by_name=_line(ack.display_name) if ack else "",
        acknowledged_at=alert.acknowledged_at,
        escalated_at=alert.escalated_at,
        escalations=alert.escalations,
        resolved_by_id=alert.resolved_by_id,
        resolved_by_name=_line(res.display_name) if res else "",
        resolved_at=alert.resolved_at,
        resolution_note=clean_for_display(alert.resolution_note) if private else "",
        member_status=member.status,
        member_spoons=spoons_today(to_view(member)),
        has_plan=SafetyPlan.select().where(SafetyPlan.member == member.id).exists(),
    )


def _crisis_channel() -> Channel:
    """The 911 channel, made again if an operator ever removed it (inside a write)."""
    channel = Channel.get_or_none(Channel.name == CRISIS_CHANNEL)
    if channel is None:
        topic, position = next((t, p) for n, t, p in DEFAULT_CHANNELS if n == CRISIS_CHANNEL)
        channel = Channel.create(name=CRISIS_CHANNEL, topic=topic, position=position)
    return channel


def _open_alert_of(member_id: int) -> Alert | None:
    """The member's open alert, if any (inside a transaction)."""
    return (
        Alert.select().where(Alert.member == member_id, Alert.resolved_at.is_null()).order_by(Alert.id.desc()).first()
    )


def _held_by(member_id: int):
    """Open alerts ``member_id`` holds (a query, inside a transaction)."""
    return Alert.select().where(Alert.acknowledged_by == member_id, Alert.resolved_at.is_null())


def _alert_to_act_on(alert_id: int, actor: MemberView, verb: str) -> Alert:
    """An open alert that is not the actor's own, or the kind refusal (inside a transaction)."""
    alert = Alert.get_or_none(Alert.id == alert_id)
    if alert is None:
        raise NotFound("There's no such alert.")
    if alert.member_id == actor.id:
        raise NotAllowed(f"This is your own alert; another senior member will {verb} it.")
    if alert.resolved_at is not None:
        raise Invalid("This alert is already closed.")
    return alert


def _move_back(message_id: int | None) -> tuple[MessageView, int] | None:
    """A message moved to #911 goes back where it was written, and its "moved" line goes (in a write)."""
    message = Message.get_or_none(Message.id == message_id) if message_id else None
    if message is None or message.moved_from_id is None:
        return None
    crisis_id, origin = message.channel_id, message.moved_from_id
    line = (
        Message.select()
        .where(
            Message.channel == origin,
            Message.author == message.author_id,
            Message.kind == MOVED_KIND,
            Message.id > message.id,
        )
        .order_by(Message.id)
        .first()
    )
    if line is not None:
        line.delete_instance()
    message.channel_id = origin
    message.moved_from_id = None
    message.kind = "chat"
    message.save()
    return message_view(message, Member.get_by_id(message.author_id)), crisis_id


class CrisisService:
    def __init__(self, config: Config, store: Store, hub: Hub, presence: Presence) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = presence
        self._crisis_channel_id: int | None = None
        self._returning: set[asyncio.Task] = set()
        # A senior who leaves or steps away can no longer answer: noticed here, not by a session.
        hub.subscribe(PRESENCE, self._presence_changed)
        hub.subscribe(MEMBERS, self._member_changed)

    # -- who would hear an alert right now
    def seniors_online_except(self, member_id: int) -> set[int]:
        return self.presence.online_seniors() - {member_id}

    async def crisis_channel_id(self) -> int:
        if self._crisis_channel_id is None:
            self._crisis_channel_id = await self.store.write(lambda: _crisis_channel().id)
        return self._crisis_channel_id

    # -- raising ------------------------------------------------------------------------------
    async def raise_alert(
        self, actor: MemberView, source: str, note: str = "", message_id: int | None = None
    ) -> RaiseResult:
        """Commit an alert, then tell every senior session; returns how many senior members were alerted.

        A member whose alert is still open joins it: no second alert, and if nobody has taken it
        yet the seniors are alerted again (a second press is a real signal).
        """
        if source not in SOURCES:
            raise Invalid(f"Unknown alert source {source!r}.")
        note = clean_sos_note(note)
        seniors = self.seniors_online_except(actor.id)

        def write() -> tuple[AlertView, bool]:
            open_alert = _open_alert_of(actor.id)
            if open_alert is not None:
                return _alert_view(open_alert, private=False), True
            message = None
            if message_id is not None:
                row = Message.get_or_none(Message.id == message_id)
                message = row.id if row is not None and row.author_id == actor.id else None
            alert = Alert.create(
                member=actor.id, source=source, note=note, message=message, seniors_notified=len(seniors)
            )
            return _alert_view(alert, private=False), False

        try:
            view, joined = await self.store.write(write)
        except CannotSave:
            self._announce_unsaved(actor, source, note, len(seniors))  # raises SosNotSaved
        if joined:
            if not view.is_acknowledged:
                self.hub.publish(ALERTS, AlertRaised(view, len(seniors)))
            return RaiseResult(view, len(seniors), joined=True)
        return self._announce(view, len(seniors))

    def _announce(self, view: AlertView, seniors: int) -> RaiseResult:
        log.warning(
            "alert %s raised by member %s (source %s); %d senior sessions online",
            view.id,
            view.member_id,
            view.source,
            seniors,
        )
        self.hub.publish(ALERTS, AlertRaised(view, seniors))
        return RaiseResult(view, seniors)

    def _announce_unsaved(self, actor: MemberView, source: str, note: str, seniors: int) -> NoReturn:
        """The SOS could not be written (full or read-only disk): the senior sessions online in
        this process are still alerted, from memory and marked as unsaved, rather than nobody."""
        log.error(
            "alert of member %s (source %s) could not be saved; told %d senior sessions from memory",
            actor.id,
            source,
            seniors,
        )
        view = AlertView(
            id=0,
            member_id=actor.id,
            member_handle=actor.handle,
            member_name=actor.display_name,
            created_at=utcnow(),
            source=source,
            note=note,
            message_id=None,
            message_excerpt="",
            seniors_notified=seniors,
            saved=False,
        )
        self.hub.publish(ALERTS, AlertRaised(view, seniors))
        raise SosNotSaved(seniors)

    async def answering_in_crisis_channel(self, actor: MemberView) -> bool:
        """A senior member writing in #911 while someone else's alert is open is answering it,
        not asking for help: their message raises nothing (unless it holds the SOS words elsewhere)."""
        if not actor.is_senior:
            return False

        def query() -> bool:
            return Alert.select().where(Alert.resolved_at.is_null(), Alert.member != actor.id).exists()

        return await self.store.read(query)

    async def post_crisis_message(
        self, actor: MemberView, body: str, written_in: int, *, sos_words: bool
    ) -> tuple[MessageView, RaiseResult]:
        """The one rule: a message in #911, or with the SOS words anywhere, raises the member's
        alert (or joins the one already open), in one transaction with the message.

        ``body`` is already clean (services/messages.py cleans a member's message once). A message
        written in another channel (``written_in``) goes to #911 and leaves its author a line
        there, "moved to #911". The seniors hear of the alert first; #911's viewers get the
        message ``MESSAGE_AFTER_ALERT`` later (the author's own session shows it at once).
        """
        seniors = self.seniors_online_except(actor.id)

        def write() -> tuple[MessageView, AlertView, bool]:
            channel = _crisis_channel()
            author = Member.get_by_id(actor.id)
            origin = Channel.get_or_none(Channel.id == written_in) if written_in != channel.id else None
            moved_from = origin.id if origin is not None else None  # an SOS never fails for a stale channel
            kind = "sos" if sos_words else "chat"
            message = Message.create(channel=channel, author=author, body=body, kind=kind, moved_from=moved_from)
            record_read(actor.id, channel.id, message.id)
            if moved_from is not None:
                Message.create(channel=moved_from, author=author, body=MOVED_LINE, kind=MOVED_KIND, visibility="me")
            alert = _open_alert_of(actor.id)
            joined = alert is not None
            if alert is None:
                source = "words" if sos_words else "911"
                alert = Alert.create(member=author, source=source, message=message, seniors_notified=len(seniors))
            elif alert.message_id is None:
                alert.message = message
                alert.save()
            return message_view(message, author), _alert_view(alert, private=False), joined

        message, alert, joined = await self.store.write(write)
        result = RaiseResult(alert, len(seniors), joined=True) if joined else self._announce(alert, len(seniors))
        asyncio.get_running_loop().call_later(
            MESSAGE_AFTER_ALERT, self.hub.publish, channel_topic(message.channel_id), MessagePosted(message)
        )
        return message, result

    async def post_sos_message(self, actor: MemberView, body: str) -> tuple[MessageView, RaiseResult]:
        """A message with the SOS words, written in #911 (see ``post_crisis_message``)."""
        return await self.post_crisis_message(actor, body, await self.crisis_channel_id(), sos_words=True)

    async def withdraw(self, actor: MemberView, reason: WithdrawReason) -> list[AlertView]:
        """The member takes back their own open alert; if it "wasn't an SOS", a message moved to #911 goes back.

        Returns the alerts withdrawn (none when nothing was open: that is not an error).
        """

        def write() -> tuple[list[AlertView], list[tuple[MessageView, int]]]:
            withdrawn, moved_back = [], []
            now = utcnow()
            for alert in Alert.select().where(Alert.member == actor.id, Alert.resolved_at.is_null()):
                alert.resolved_by_id = actor.id
                alert.resolved_at = now
                alert.resolution_note = f"Withdrawn by the member: {reason.value}."
                alert.save()
                # "that wasn't an SOS": the message goes back; "I'm okay now": what was said in
                # crisis stays in #911, where the charter keeps it
                back = _move_back(alert.message_id) if reason is WithdrawReason.NOT_AN_SOS else None
                if back is not None:
                    moved_back.append(back)
                withdrawn.append(_alert_view(alert, private=False))
            return withdrawn, moved_back

        withdrawn, moved_back = await self.store.write(write)
        for view in withdrawn:
            log.info("alert %s withdrawn by its member %s", view.id, actor.id)
            self.hub.publish(ALERTS, AlertWithdrawn(view, reason))
        for message, crisis_id in moved_back:
            event = MessageMoved(message, crisis_id, actor.id)
            self.hub.publish(channel_topic(crisis_id), event)
            self.hub.publish(channel_topic(message.channel_id), event)
        return withdrawn

    # -- taking care of an alert ----------------------------------------------------------------
    @staticmethod
    def _require_senior(actor: MemberView) -> None:
        if not actor.is_senior:
            raise NotAllowed("Only senior members can take or close an alert.")

    async def acknowledge(self, actor: MemberView, alert_id: int) -> AlertView:
        """ "I'm with you": the first senior to take an alert is recorded and everyone is told.

        Taking an alert someone already took changes nothing and returns it as it is. A senior
        who already holds ``max_alerts_held`` open alerts is asked to find another senior.
        """
        self._require_senior(actor)
        limit = self.config.max_alerts_held

        def write() -> tuple[AlertView, bool]:
            alert = _alert_to_act_on(alert_id, actor, "take")
            if alert.acknowledged_at is not None:
                return _alert_view(alert, private=False), False
            if _held_by(actor.id).count() >= limit:
                raise HoldingEnough(
                    f"You're already with {limit} members, and that is plenty to hold. "
                    "Please ask another senior to take this one."
                )
            alert.acknowledged_by_id = actor.id
            alert.acknowledged_at = utcnow()
            alert.save()
            return _alert_view(alert, private=False), True

        view, changed = await self.store.write(write)
        if changed:
            log.info("alert %s acknowledged by member %s", view.id, actor.id)
            self.hub.publish(ALERTS, AlertAcknowledged(view))
        return view

    async def hand_over(self, actor: MemberView, alert_id: int, to_member_id: int | None) -> AlertView:
        """The senior who holds an alert gives it to another senior, or back to everyone (None).

        The other senior must be online, available, and under their own limit.
        """
        self._require_senior(actor)
        if to_member_id is None:
            returned = await self._return(
                lambda: [_alert_to_act_on(alert_id, actor, "hand on")], actor.id, ReturnReason.HANDED_BACK
            )
            return returned[0]
        limit = self.config.max_alerts_held
        online = self.presence.online_seniors()

        def write() -> AlertView:
            alert = _alert_to_act_on(alert_id, actor, "hand on")
            if alert.acknowledged_by_id != actor.id:
                raise NotAllowed("Only the senior member who is with them can hand this alert on.")
            target = Member.get_or_none(Member.id == to_member_id, Member.removed_at.is_null())
            if target is None or target.role not in ("senior", "admin") or target.id == alert.member_id:
                raise NotFound("There's no such senior member.")
            if target.id not in online or target.status in ("away", "recharging"):
                raise Invalid(f"{_line(target.display_name)} can't be reached here just now; please ask someone else.")
            if _held_by(target.id).count() >= limit:
                raise HoldingEnough(f"{_line(target.display_name)} is already with {limit} members.")
            alert.acknowledged_by_id = target.id
            alert.acknowledged_at = utcnow()
            alert.save()
            return _alert_view(alert, private=False)

        view = await self.store.write(write)
        log.info("alert %s handed by member %s to member %s", view.id, actor.id, to_member_id)
        self.hub.publish(ALERTS, AlertHanded(view, actor.display_name))
        return view

    async def _return(self, pick: Callable[[], list[Alert]], held_by: int, reason: ReturnReason) -> list[AlertView]:
        """Put the picked alerts held by ``held_by`` back to waiting, then tell everyone (persist first)."""

        def write() -> tuple[list[AlertView], str]:
            holder = Member.get_or_none(Member.id == held_by)
            views = []
            now = utcnow()
            for alert in pick():
                if alert.acknowledged_by_id != held_by:
                    if reason is ReturnReason.HANDED_BACK:
                        raise NotAllowed("Only the senior member who is with them can hand this alert on.")
                    continue
                alert.acknowledged_by_id = None
                alert.acknowledged_at = None
                alert.escalated_at = now  # it escalates as a new alert would, counted from now
                alert.save()
                views.append(_alert_view(alert, private=False))
            return views, _line(holder.display_name) if holder else ""

        views, name = await self.store.write(write)
        for view in views:
            others = len(self.seniors_online_except(view.member_id) - {held_by})
            log.warning("alert %s back to waiting (%s of member %s)", view.id, reason.value, held_by)
            self.hub.publish(ALERTS, AlertReturned(view, name, reason, others))
        return views

    async def return_held(self, member_id: int, reason: ReturnReason) -> list[AlertView]:
        """Every open alert ``member_id`` holds goes back to waiting (they left or stepped away)."""
        return await self._return(lambda: list(_held_by(member_id)), member_id, reason)

    def _presence_changed(self, event: PresenceChanged) -> None:
        if not event.online:
            self._start_return(event.member_id, ReturnReason.LEFT)

    def _member_changed(self, member: MemberView) -> None:
        if member.status in ("away", "recharging"):
            reason = ReturnReason.AWAY if member.status == "away" else ReturnReason.RECHARGING
            self._start_return(member.id, reason)

    def _start_return(self, member_id: int, reason: ReturnReason) -> None:
        """From a hub callback: return the member's alerts in a task of our own (kept until done)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a hub used outside the server's loop (tests, the CLI): nothing is held
            return
        task = loop.create_task(self._return_logged(member_id, reason))
        self._returning.add(task)
        task.add_done_callback(self._returning.discard)

    async def finish_returns(self) -> None:
        """Wait until alerts being handed back (a senior just left or stepped away) are back.

        The server's shutdown closes the store after this: closing 200 sessions at once, the
        returns of seniors' held alerts ran after it and failed ("cannot schedule new futures
        after shutdown"), leaving them held by someone offline until the next start's sweep.
        """
        while self._returning:
            await asyncio.gather(*list(self._returning), return_exceptions=True)

    async def _return_logged(self, member_id: int, reason: ReturnReason) -> None:
        try:
            await self.return_held(member_id, reason)
        except Exception:  # the escalation loop's sweep tries again (escalate_due)
            log.exception("could not return the alerts member %s held", member_id)

    async def resolve(self, actor: MemberView, alert_id: int, note: str = "") -> AlertView:
        """Close an alert with a short private note (kept for senior members and admins).

        The note is required: closing is a decision, and a word such as "false alarm" says which.
        """
        self._require_senior(actor)
        note = clean_text(note, max_chars=MAX_RESOLUTION_CHARS) if note.strip() else ""
        if not note:
            raise Invalid("Please add a short note before closing, even just “false alarm”.")

        def write() -> AlertView:
            alert = _alert_to_act_on(alert_id, actor, "close")
            now = utcnow()
            if alert.acknowledged_at is None:
                alert.acknowledged_by_id = actor.id
                alert.acknowledged_at = now
            alert.resolved_by_id = actor.id
            alert.resolved_at = now
            alert.resolution_note = note
            alert.save()
            return _alert_view(alert, private=True)

        view = await self.store.write(write)
        log.info("alert %s resolved by member %s", view.id, actor.id)
        self.hub.publish(ALERTS, AlertResolved(replace(view, resolution_note="")))
        return view

    async def reopen(self, actor: MemberView, alert_id: int) -> AlertView:
        """A closed alert opens again, waiting for a senior (closed by mistake, or it isn't over)."""
        self._require_senior(actor)

        def write() -> AlertView:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None:
                raise NotFound("There's no such alert.")
            if alert.member_id == actor.id:
                raise NotAllowed("This is your own alert; another senior member will look after it.")
            if alert.resolved_at is None:
                raise Invalid("This alert is still open.")
            alert.resolved_at = None
            alert.resolved_by_id = None
            alert.acknowledged_at = None
            alert.acknowledged_by_id = None
            alert.escalated_at = utcnow()
            alert.save()
            return _alert_view(alert, private=False)

        view = await self.store.write(write)
        log.info("alert %s reopened by member %s", view.id, actor.id)
        self.hub.publish(ALERTS, AlertReopened(view, actor.display_name))
        return view

    async def move_message_to_crisis(self, actor: MemberView, message_id: int) -> MessageView:
        """A senior member moves any message to #911 (audited); the author is told gently."""
        self._require_senior(actor)

        def write() -> tuple[MessageView, int]:
            message = Message.get_or_none(Message.id == message_id)
            if message is None:
                raise NotFound("That message is gone.")
            crisis = _crisis_channel()
            if message.channel_id == crisis.id:
                raise Invalid("That message is already in #911.")
            old = message.channel_id
            message.channel = crisis
            message.moved_from_id = old
            message.save()
            author = Member.get_by_id(message.author_id)
            audit.record(
                actor.id, audit.MESSAGE_MOVED, subject_id=author.id, detail=f"message {message.id} from channel {old}"
            )
            return message_view(message, author), old

        view, old = await self.store.write(write)
        log.info("message %s moved to #911 from channel %s by member %s", view.id, old, actor.id)
        event = MessageMoved(view, old, actor.id)
        self.hub.publish(channel_topic(old), event)
        self.hub.publish(channel_topic(view.channel_id), event)
        if view.author_id != actor.id:
            self.hub.publish(member_topic(view.author_id), event)
        return view

    # -- reading -------------------------------------------------------------------------------
    async def list_open(self, actor: MemberView) -> list[AlertView]:
        """Open alerts, newest first: all of them for senior members and admins, a member's own otherwise."""

        def query() -> list[AlertView]:
            rows = Alert.select().where(Alert.resolved_at.is_null())
            if not actor.is_senior:
                rows = rows.where(Alert.member == actor.id)
            return [_alert_view(a, private=actor.is_senior) for a in rows.order_by(Alert.id.desc())]

        return await self.store.read(query)

    async def waiting_count(self, actor: MemberView) -> int:
        """How many open alerts nobody has taken, besides the actor's own: one COUNT, for the
        seniors' notice (building every open alert's view for it cost each senior ~5 queries per
        alert on the SOS path: bench/sos_latency.py went from p99 ~0.35 s to ~1.9 s as alerts piled up)."""
        self._require_senior(actor)

        def query() -> int:
            return (
                Alert.select()
                .where(Alert.resolved_at.is_null(), Alert.acknowledged_at.is_null(), Alert.member != actor.id)
                .count()
            )

        return await self.store.read(query)

    async def list_for_pane(self, actor: MemberView, now: datetime | None = None) -> list[AlertView]:
        """The seniors' pane: open alerts and those closed in the last day, most urgent first."""
        self._require_senior(actor)
        since = (now or utcnow()) - CLOSED_KEPT_IN_PANE

        def query() -> list[AlertView]:
            rows = Alert.select().where(Alert.resolved_at.is_null() | (Alert.resolved_at >= since))
            return most_urgent_first([_alert_view(a, private=True) for a in rows])

        return await self.store.read(query)

    async def get(self, actor: MemberView, alert_id: int) -> AlertView:
        def query() -> AlertView:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None or not (actor.is_senior or alert.member_id == actor.id):
                raise NotFound("There's no such alert.")
            return _alert_view(alert, private=actor.is_senior)

        return await self.store.read(query)

    # -- the operator (CLI) --------------------------------------------------------------------
    async def admin_list(self, *, open_only: bool = False, limit: int = 200) -> list[AlertView]:
        def query() -> list[AlertView]:
            rows = Alert.select()
            if open_only:
                rows = rows.where(Alert.resolved_at.is_null())
            return [_alert_view(a, private=True) for a in rows.order_by(Alert.id.desc()).limit(limit)]

        return await self.store.read(query)

    async def admin_get(self, alert_id: int) -> AlertView:
        def query() -> AlertView:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None:
                raise NotFound(f"There's no alert {alert_id}.")
            return _alert_view(alert, private=True)

        return await self.store.read(query)

    # -- escalation ----------------------------------------------------------------------------
    async def escalate_due(self, now: datetime | None = None) -> list[AlertView]:
        """Alert again about every open alert nobody has taken for ``sos_escalate_after`` seconds."""
        now = now or utcnow()
        cutoff = now - timedelta(seconds=self.config.sos_escalate_after)
        await self._return_unreachable()

        def write() -> list[AlertView]:
            rows = Alert.select().where(
                Alert.resolved_at.is_null(),
                Alert.acknowledged_at.is_null(),
                ((Alert.escalated_at.is_null()) & (Alert.created_at <= cutoff)) | (Alert.escalated_at <= cutoff),
            )
            views = []
            for alert in rows.order_by(Alert.id):
                alert.escalated_at = now
                alert.escalations += 1
                alert.save()
                views.append(_alert_view(alert, private=False))
            return views

        due = await self.store.write(write)
        seniors = len(self.presence.online_seniors())
        for view in due:
            log.warning("alert %s escalated (%d) with %d senior sessions online", view.id, view.escalations, seniors)
            self.hub.publish(ALERTS, AlertEscalated(view, len(self.seniors_online_except(view.member_id))))
        return due

    async def _return_unreachable(self) -> None:
        """Alerts held by someone not online (after a restart, say) go back to waiting."""
        online = self.presence.online_ids()

        def query() -> set[int]:
            rows = Alert.select(Alert.acknowledged_by).where(
                Alert.resolved_at.is_null(), Alert.acknowledged_by.is_null(False)
            )
            return {row.acknowledged_by_id for row in rows if row.acknowledged_by_id is not None}

        for holder in await self.store.read(query) - online:
            await self.return_held(holder, ReturnReason.LEFT)

    def escalation_interval(self) -> float:
        return min(max(self.config.sos_escalate_after / 4, 0.2), 15.0)

    async def run_escalation(self) -> None:
        """The server's escalation loop (started by SafeSpaceServer.start); never dies of an error."""
        interval = self.escalation_interval()
        while True:
            await asyncio.sleep(interval)
            try:
                await self.escalate_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("escalation check failed; trying again")
