"""Seniors reached outside the app: a short notice through apprise when an SOS waits.

An SOS reaches senior members' screens in about 0.2 s, but only the screens that are open.
So a senior member may give one or more notification addresses (any apprise URL: email,
ntfy, Matrix, Signal, Telegram, Pushover, …) and quiet hours, and a notice goes out:

* when an SOS is raised and no senior member is online (``AlertRaised`` with nobody alerted),
* again when an alert is still not taken at the escalation time (the first ``AlertEscalated``),
* at start, for every alert still waiting (an SOS survives ``kill -9``; its seniors hear of it).

The notice says only "An SOS is waiting in Safe Space": no member's words, no name. Senior
members who are online are not sent one (their screen already rang), nor the member whose
alert it is, nor anyone in their own quiet hours.

Addresses are secrets: never logged, never shown to anyone but their owner, and to them only
masked. Apprise's own log (which may name a host) is silenced here. A failure is recorded as
ids and a status word (``AlertNotice``), logged without the address, and listed for admins
(``safespace alerts list``).

Sending never runs on the event loop: each address is sent from a worker thread, started
from a task the hub callback only schedules, so the in-app alert goes first. Measured with
bench/notice_latency.py (2 shared cores, other test runs busy): Enter on an SOS to the notice at
a loopback json:// receiver, p50 66 ms over 10 runs and 103 ms over 20 (min 30 ms, max 760-1000 ms).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..hub import ALERTS, ON_CALL, Hub
from ..store.db import Store
from ..store.models import Alert, AlertNotice, CareSettings, Member, NoticeAddress, utcnow
from ..text import clean_for_display
from .crisis import AlertEscalated, AlertRaised
from .errors import Invalid, NotFound
from .presence import Presence
from .spoons import utc_clock, zone
from .views import SENIOR_ROLES, MemberView

log = logging.getLogger("safespace.notices")

# Apprise logs a failing service with its host and sometimes more: addresses must never reach a log.
_apprise_log = logging.getLogger("apprise")
_apprise_log.propagate = False
_apprise_log.addHandler(logging.NullHandler())

NOTICE_TITLE = "Safe Space"
NOTICE_BODY = "An SOS is waiting in Safe Space"
MAX_ADDRESSES = 5
MAX_URL_CHARS = 1000
SEND_TIMEOUT = 20.0  # seconds apprise may spend on one address


@dataclass(frozen=True)
class AddressView:
    """One notification address as its owner sees it: masked, never whole."""

    id: int
    masked: str
    added_at: datetime


@dataclass(frozen=True)
class CareView:
    """A senior member's own settings for crisis care."""

    on_call: bool
    quiet_from: int | None  # minutes after local midnight
    quiet_until: int | None
    addresses: tuple[AddressView, ...]

    @property
    def quiet_words(self) -> str:
        if self.quiet_from is None or self.quiet_until is None:
            return "no quiet hours"
        return f"quiet {clock_words(self.quiet_from)}-{clock_words(self.quiet_until)}"


@dataclass(frozen=True)
class Reach:
    """Who an SOS would reach right now, for the member about to press it (names of seniors on call only)."""

    online: int
    on_call_online: tuple[str, ...]
    on_call_notified: tuple[str, ...]  # on call, not online, and would get a notice now
    notified: int  # senior members not online who would get a notice now


@dataclass(frozen=True)
class NoticeFailure:
    at: datetime
    alert_id: int
    senior_handle: str
    address_id: int
    reason: str
    error: str


@dataclass(frozen=True)
class _Target:
    member_id: int
    address_id: int
    url: str


def mask(url: str) -> str:
    """``ntfy://…c9f2``: the kind of address and its last four characters, enough to tell two apart."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "…"
    return f"{scheme}://…{rest[-4:]}" if len(rest) > 8 else f"{scheme}://…"


def clock_words(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_QUIET = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:-|\u2013|to)\s*(\d{1,2})(?::(\d{2}))?\s*$")


def parse_quiet_hours(text: str) -> tuple[int | None, int | None]:
    """ "22:00-07:00" or "22-7" → minutes after midnight; "off" or "" → no quiet hours."""
    if text.strip().lower() in ("", "off", "none", "no"):
        return None, None
    match = _QUIET.match(text)
    if match:
        h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) != (h2, m2):
            return h1 * 60 + m1, h2 * 60 + m2
    raise Invalid("Quiet hours look like 22:00-07:00 (your own time), or 'off'.")


def in_quiet_hours(quiet_from: int | None, quiet_until: int | None, timezone: str, now: datetime) -> bool:
    """True when ``now`` falls in the quiet hours (which may cross midnight) in the member's own zone."""
    if quiet_from is None or quiet_until is None:
        return False
    local = now.astimezone(zone(timezone))
    minute = local.hour * 60 + local.minute
    if quiet_from < quiet_until:
        return quiet_from <= minute < quiet_until
    return minute >= quiet_from or minute < quiet_until


def _apprise():  # the module, imported on first use (~0.17 s): off the event loop, see NoticeService.start
    return importlib.import_module("apprise")


def usable_address(url: str) -> bool:
    """True when apprise knows how to send to ``url`` (parsing only; nothing is sent)."""
    return bool(_apprise().Apprise().add(url))


def send_one(url: str) -> str:
    """Send the notice to one address (blocking: call from a thread). Returns "" or a status word."""
    try:
        notifier = _apprise().Apprise()
        if not notifier.add(url):
            return "unusable"
        result = notifier.notify(title=NOTICE_TITLE, body=NOTICE_BODY, timeout=SEND_TIMEOUT)
    except Exception:  # noqa: BLE001 - any failure of any apprise plugin is one failed notice, never a crash
        return "error"
    if result:
        return ""
    status = getattr(result, "status", None)
    return str(getattr(status, "name", "failed")).lower()[:40]


def _settings_row(member_id: int) -> CareSettings | None:
    return CareSettings.get_or_none(CareSettings.member == member_id)


def _care_view(member_id: int) -> CareView:
    row = _settings_row(member_id)
    addresses = tuple(
        AddressView(a.id, mask(a.url), a.added_at)
        for a in NoticeAddress.select().where(NoticeAddress.member == member_id).order_by(NoticeAddress.id)
    )
    if row is None:
        return CareView(False, None, None, addresses)
    return CareView(row.on_call, row.quiet_from, row.quiet_until, addresses)


def _seniors() -> list[Member]:
    return list(Member.select().where(Member.role.in_(SENIOR_ROLES), Member.removed_at.is_null()))


class NoticeService:
    def __init__(
        self,
        config: Config,
        store: Store,
        hub: Hub,
        presence: Presence,
        clock: Callable[[], datetime] = utc_clock,
        sender: Callable[[str], str] = send_one,
    ) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = presence
        self.clock = clock
        self.sender = sender
        self._tasks: set[asyncio.Task] = set()
        self._unsubscribe: Callable[[], None] = lambda: None

    # -- a senior member's own settings --------------------------------------------------------
    @staticmethod
    def _require_senior(actor: MemberView) -> None:
        if not actor.is_senior:
            raise NotFound("Notices outside the app are for senior members.")

    async def settings(self, actor: MemberView) -> CareView:
        self._require_senior(actor)
        return await self.store.read(lambda: _care_view(actor.id))

    async def add_address(self, actor: MemberView, url: str) -> CareView:
        """Keep a new address for ``actor`` (checked with apprise first; nothing is sent)."""
        self._require_senior(actor)
        return await self._add(actor.id, url)

    async def remove_address(self, actor: MemberView, address_id: int) -> CareView:
        self._require_senior(actor)
        return await self._remove(actor.id, address_id)

    async def set_quiet_hours(self, actor: MemberView, text: str) -> CareView:
        self._require_senior(actor)
        quiet_from, quiet_until = parse_quiet_hours(text)
        return await self._update_settings(actor.id, quiet_from=quiet_from, quiet_until=quiet_until)

    async def set_on_call(self, actor: MemberView, on_call: bool) -> CareView:
        self._require_senior(actor)
        view = await self._update_settings(actor.id, on_call=on_call)
        log.info("member %s is %s", actor.id, "on call" if on_call else "no longer on call")
        self.hub.publish(ON_CALL, actor.id)  # the seniors' monitoring pane shows who is on call
        return view

    async def _add(self, member_id: int, url: str) -> CareView:
        url = url.strip()
        if not url or len(url) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in url):
            raise Invalid("That doesn't look like a notification address (for example ntfy://my-topic).")
        if not await asyncio.to_thread(usable_address, url):
            raise Invalid("Safe Space can't send to that address. Apprise's list of services shows the forms.")

        def write() -> CareView:
            count = NoticeAddress.select().where(NoticeAddress.member == member_id).count()
            if count >= MAX_ADDRESSES:
                raise Invalid(f"You can keep up to {MAX_ADDRESSES} addresses; remove one first.")
            NoticeAddress.create(member=member_id, url=url)
            return _care_view(member_id)

        view = await self.store.write(write)
        log.info("member %s added a notice address", member_id)
        return view

    async def _remove(self, member_id: int, address_id: int) -> CareView:
        def write() -> CareView:
            removed = (
                NoticeAddress.delete()
                .where(NoticeAddress.id == address_id, NoticeAddress.member == member_id)
                .execute()
            )
            if not removed:
                raise NotFound("There's no such address.")
            return _care_view(member_id)

        view = await self.store.write(write)
        log.info("member %s removed notice address %s", member_id, address_id)
        return view

    async def _update_settings(self, member_id: int, **values: object) -> CareView:
        def write() -> CareView:
            row = _settings_row(member_id) or CareSettings(member=member_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            return _care_view(member_id)

        return await self.store.write(write)

    # -- the operator (CLI) ----------------------------------------------------------------------
    async def _senior_id(self, handle: str) -> int:
        handle = handle.strip().lstrip("@").lower()

        def query() -> int:
            member = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null())
            if member is None:
                raise NotFound(f"There's no member called {handle}.")
            if member.role not in SENIOR_ROLES:
                raise Invalid(f"{handle} is not a senior member; notices outside the app are for senior members.")
            return member.id

        return await self.store.read(query)

    async def admin_settings(self, handle: str) -> CareView:
        member_id = await self._senior_id(handle)
        return await self.store.read(lambda: _care_view(member_id))

    async def admin_add(self, handle: str, url: str) -> CareView:
        return await self._add(await self._senior_id(handle), url)

    async def admin_remove(self, handle: str, address_id: int) -> CareView:
        return await self._remove(await self._senior_id(handle), address_id)

    async def admin_set_quiet_hours(self, handle: str, text: str) -> CareView:
        quiet_from, quiet_until = parse_quiet_hours(text)
        member_id = await self._senior_id(handle)
        return await self._update_settings(member_id, quiet_from=quiet_from, quiet_until=quiet_until)

    async def failures(self, limit: int = 50, alert_id: int | None = None) -> list[NoticeFailure]:
        """Notices that could not be sent, newest first: ids, a handle and a status word, never an address."""

        def query() -> list[NoticeFailure]:
            rows = AlertNotice.select(AlertNotice, Member).join(Member).where(AlertNotice.ok == False)  # noqa: E712
            if alert_id is not None:
                rows = rows.where(AlertNotice.alert == alert_id)
            return [
                NoticeFailure(r.at, r.alert_id, r.member.handle, r.address_id, r.reason, r.error)
                for r in rows.order_by(AlertNotice.id.desc()).limit(limit)
            ]

        return await self.store.read(query)

    async def sent_count(self, alert_id: int) -> int:
        def query() -> int:
            return AlertNotice.select().where(AlertNotice.alert == alert_id, AlertNotice.ok == True).count()  # noqa: E712

        return await self.store.read(query)

    # -- who an SOS would reach now --------------------------------------------------------------
    async def reach(self, actor: MemberView) -> Reach:
        """Honest words before the member presses: seniors online (and who is on call), and notices."""
        online = self.presence.online_seniors() - {actor.id}
        now = self.clock()

        def query() -> Reach:
            on_call_online: list[str] = []
            on_call_notified: list[str] = []
            notified = 0
            addressed = {a.member_id for a in NoticeAddress.select(NoticeAddress.member)}
            settings = {s.member_id: s for s in CareSettings.select()}
            for senior in _seniors():
                if senior.id == actor.id:
                    continue
                care = settings.get(senior.id)
                name = clean_for_display(senior.display_name, multiline=False) or senior.handle
                if senior.id in online:
                    if care is not None and care.on_call:
                        on_call_online.append(name)
                    continue
                quiet = care is not None and in_quiet_hours(care.quiet_from, care.quiet_until, senior.timezone, now)
                if senior.id in addressed and not quiet:
                    notified += 1
                    if care is not None and care.on_call:
                        on_call_notified.append(name)
            return Reach(len(online), tuple(sorted(on_call_online)), tuple(sorted(on_call_notified)), notified)

        return await self.store.read(query)

    # -- sending ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen for alerts, and tell seniors of every alert still waiting (after a restart, a kill -9)."""
        await asyncio.to_thread(_apprise)
        self._unsubscribe = self.hub.subscribe(ALERTS, self._alert_event)

        def waiting() -> list[int]:
            rows = Alert.select(Alert.id).where(Alert.resolved_at.is_null(), Alert.acknowledged_at.is_null())
            return [a.id for a in rows]

        alert_ids = await self.store.read(waiting)
        if alert_ids:
            log.warning("%d alerts are still waiting at start; sending notices", len(alert_ids))
            self._spawn(self.notify(alert_ids, "restart"))

    async def close(self) -> None:
        self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _alert_event(self, event: object) -> None:
        """Hub callback: only schedules (the in-app alert is not kept waiting)."""
        if isinstance(event, AlertRaised) and event.seniors_alerted == 0:
            self._spawn(self.notify([event.alert.id], "raised"))
        elif isinstance(event, AlertEscalated) and event.alert.escalations == 1:
            self._spawn(self.notify([event.alert.id], "escalated"))

    def _spawn(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work, name="sos-notice")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, alert_ids: list[int], reason: str) -> int:
        """Send the notice to every senior member who should get it; returns how many addresses took it."""
        try:
            targets, alert_ids = await self.store.read(lambda: self._targets(alert_ids))
            if not targets:
                log.info("alerts %s: no senior member to send a notice to (%s)", alert_ids, reason)
                return 0
            errors = await asyncio.gather(*(asyncio.to_thread(self.sender, t.url) for t in targets))
            await self.store.write(lambda: self._record(alert_ids, reason, targets, errors))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("notices for alerts %s (%s) could not be sent", alert_ids, reason)
            return 0
        for target, error in zip(targets, errors, strict=True):
            if error:
                log.warning(
                    "notice for alerts %s to member %s (address %s) failed: %s",
                    alert_ids,
                    target.member_id,
                    target.address_id,
                    error,
                )
        sent = sum(1 for e in errors if not e)
        log.info("alerts %s (%s): notice sent to %d of %d addresses", alert_ids, reason, sent, len(targets))
        return sent

    def _targets(self, alert_ids: Iterable[int]) -> tuple[list[_Target], list[int]]:
        """Addresses of senior members who are not online, not in quiet hours, and not whose alert it is."""
        alerts = list(Alert.select().where(Alert.id.in_(list(alert_ids)), Alert.resolved_at.is_null()))
        if not alerts:
            return [], []
        raisers = {a.member_id for a in alerts}
        online = self.presence.online_seniors()
        now = self.clock()
        settings = {s.member_id: s for s in CareSettings.select()}
        targets = []
        for senior in _seniors():
            if senior.id in online or (senior.id in raisers and len(raisers) == 1):
                continue
            care = settings.get(senior.id)
            if care is not None and in_quiet_hours(care.quiet_from, care.quiet_until, senior.timezone, now):
                continue
            for address in NoticeAddress.select().where(NoticeAddress.member == senior.id):
                targets.append(_Target(senior.id, address.id, address.url))
        return targets, [a.id for a in alerts]

    @staticmethod
    def _record(alert_ids: list[int], reason: str, targets: list[_Target], errors: list[str]) -> None:
        at = utcnow()
        for alert_id in alert_ids:
            for target, error in zip(targets, errors, strict=True):
                AlertNotice.create(
                    alert=alert_id,
                    member=target.member_id,
                    address_id=target.address_id,
                    reason=reason,
                    at=at,
                    ok=not error,
                    error=error,
                )
