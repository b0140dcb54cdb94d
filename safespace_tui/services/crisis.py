"""Crisis care: SOS alerts, the 911 channel, escalation, and who may take an alert.

The charter's promise: a member who uses the words "SOS" or "Emergency" (or the
SOS key, or ``/sos``) reaches a senior member as soon as one can come. So:

* An alert is committed to the store (fsync) before anyone is told it exists;
  only then is it published on the hub's ``ALERTS`` topic.
* The member is told honestly how many senior members were alerted, including
  "none right now"; an alert nobody has acknowledged in ``sos_escalate_after``
  seconds is published again, louder (``AlertEscalated``), until someone takes it.
* A message with the SOS words goes to #911 in the same transaction as its alert.
* Only senior members and admins take (acknowledge) or resolve alerts, and never
  their own. A plain member sees only their own alerts, and never a resolution note.

Logs carry ids only: never a note, a message or a name.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..config import Config
from ..hub import ALERTS, Hub, channel_topic, member_topic
from ..store.db import Store
from ..store.models import Alert, Channel, Member, Message, SafetyPlan, utcnow
from ..text import MAX_NOTE_CHARS, TextRejected, clean_for_display, clean_line, clean_text
from . import audit
from .channels import CRISIS_CHANNEL, DEFAULT_CHANNELS, MessagePosted, message_view, record_read
from .errors import Invalid, NotAllowed, NotFound
from .members import to_view
from .presence import Presence
from .spoons import spoons_today
from .views import MemberView, MessageView

log = logging.getLogger("safespace.crisis")

SOURCES = ("key", "command", "words")
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


@dataclass(frozen=True)
class RaiseResult:
    """What the member is told: the committed alert and how many senior members were alerted."""

    alert: AlertView
    seniors_alerted: int


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


class CrisisService:
    def __init__(self, config: Config, store: Store, hub: Hub, presence: Presence) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = presence
        self._crisis_channel_id: int | None = None

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
        """Commit an alert, then tell every senior session; returns how many senior members were alerted."""
        if source not in SOURCES:
            raise Invalid(f"Unknown alert source {source!r}.")
        note = clean_sos_note(note)
        seniors = self.seniors_online_except(actor.id)

        def write() -> AlertView:
            message = None
            if message_id is not None:
                row = Message.get_or_none(Message.id == message_id)
                message = row.id if row is not None and row.author_id == actor.id else None
            alert = Alert.create(
                member=actor.id, source=source, note=note, message=message, seniors_notified=len(seniors)
            )
            return _alert_view(alert, private=False)

        view = await self.store.write(write)
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

    async def post_sos_message(self, actor: MemberView, body: str) -> tuple[MessageView, RaiseResult]:
        """A message with the SOS words: into #911 with its alert, in one transaction.

        ``body`` is already clean (services/messages.py cleans a member's message once). The
        seniors hear of the alert first; #911's viewers get the message ``MESSAGE_AFTER_ALERT``
        later (the author's own session shows it at once).
        """
        seniors = self.seniors_online_except(actor.id)

        def write() -> tuple[MessageView, AlertView]:
            channel = _crisis_channel()
            author = Member.get_by_id(actor.id)
            message = Message.create(channel=channel, author=author, body=body, kind="sos")
            record_read(actor.id, channel.id, message.id)
            alert = Alert.create(member=author, source="words", message=message, seniors_notified=len(seniors))
            return message_view(message, author), _alert_view(alert, private=False)

        message, alert = await self.store.write(write)
        result = self._announce(alert, len(seniors))
        asyncio.get_running_loop().call_later(
            MESSAGE_AFTER_ALERT, self.hub.publish, channel_topic(message.channel_id), MessagePosted(message)
        )
        return message, result

    # -- taking care of an alert ----------------------------------------------------------------
    @staticmethod
    def _require_senior(actor: MemberView) -> None:
        if not actor.is_senior:
            raise NotAllowed("Only senior members can take or close an alert.")

    async def acknowledge(self, actor: MemberView, alert_id: int) -> AlertView:
        """ "I'm with you": the first senior to take an alert is recorded and everyone is told.

        Taking an alert someone already took changes nothing and returns it as it is.
        """
        self._require_senior(actor)

        def write() -> tuple[AlertView, bool]:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None:
                raise NotFound("There's no such alert.")
            if alert.member_id == actor.id:
                raise NotAllowed("This is your own alert; another senior member will come for it.")
            if alert.resolved_at is not None:
                raise Invalid("This alert is already resolved.")
            if alert.acknowledged_at is not None:
                return _alert_view(alert, private=False), False
            alert.acknowledged_by_id = actor.id
            alert.acknowledged_at = utcnow()
            alert.save()
            return _alert_view(alert, private=False), True

        view, changed = await self.store.write(write)
        if changed:
            log.info("alert %s acknowledged by member %s", view.id, actor.id)
            self.hub.publish(ALERTS, AlertAcknowledged(view))
        return view

    async def resolve(self, actor: MemberView, alert_id: int, note: str = "") -> AlertView:
        """Close an alert with a private note (kept for senior members and admins)."""
        self._require_senior(actor)
        note = clean_text(note, max_chars=MAX_RESOLUTION_CHARS) if note.strip() else ""

        def write() -> AlertView:
            alert = Alert.get_or_none(Alert.id == alert_id)
            if alert is None:
                raise NotFound("There's no such alert.")
            if alert.member_id == actor.id:
                raise NotAllowed("This is your own alert; another senior member will close it.")
            if alert.resolved_at is not None:
                raise Invalid("This alert is already resolved.")
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
