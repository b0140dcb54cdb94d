"""What screens and widgets ask of the session: the app's vocabulary in one file.

Messages go up, methods come down: a screen or widget posts one of these requests and never
reaches into the app or the services. Each bubbles to the App, which hands every ``Request``
to the session controller (``tui/session.py``); the controller answers by calling methods on
the screens and widgets it owns. Read this file to see how the parts talk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual.message import Message


@dataclass(frozen=True)
class Refused:
    """What a member's action came to when a service said no: its kind words (``TellMember``)."""

    message: str


class Request(Message):
    """Something only the session can do: it holds the member, the services and the hub.

    ``answered`` is set once the session has dealt with it, for the one poster that must wait
    (the message box: see ``Submitted``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.answered = asyncio.Event()


# -- the conversation (main screen, message box, message log) -------------------------------
class Submitted(Request):
    """The member pressed Enter in the message box: send it, or run it as a /command.

    The box waits for ``answered`` before it takes the next key. A widget hands its repaint to
    the screen only when it is idle, so the emptied box and the sent line share one frame; when
    the box went idle at once, its empty frame went first and the sender's own line waited behind
    the fan-out to everyone (bench/fanout.py, 50 receivers: sender's screen p90 404 ms, against
    p50 52 ms).
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CommandsOffered(Request):
    """Tab after ``/typed`` matched several commands (or none): say which there are.
    ``mentions``: it was ``@typed`` and the names are members' handles."""

    def __init__(self, typed: str, names: list[str], *, mentions: bool = False) -> None:
        super().__init__()
        self.typed = typed
        self.names = names
        self.mentions = mentions


class ChannelChosen(Request):
    """Show this channel (from the channel list, Ctrl+N / Ctrl+B)."""

    def __init__(self, channel_id: int) -> None:
        super().__init__()
        self.channel_id = channel_id


class OlderWanted(Request):
    """The conversation was scrolled to its top: load the page before ``before_id``."""

    def __init__(self, before_id: int) -> None:
        super().__init__()
        self.before_id = before_id


class PasteRefused(Request):
    """A paste bigger than a message was refused whole (the draft is unchanged)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size


# -- a member's day ---------------------------------------------------------------------------
class StatusClicked(Request):
    """The member clicked their own name or status at the bottom: open the status menu."""


class SpoonNudged(Request):
    """A click on the spoon meter's [-] or [+] (the same as F8 / F9)."""

    def __init__(self, delta: int) -> None:
        super().__init__()
        self.delta = delta


# -- crisis care (the seniors' alerts pane) --------------------------------------------------
class AlertsWanted(Request):
    """The alerts pane wants its list (when it opens, and every time an alert changes)."""


class TakeAlert(Request):
    """A senior says "I'm with you" for this alert."""

    def __init__(self, alert_id: int) -> None:
        super().__init__()
        self.alert_id = alert_id


class HandOverWanted(Request):
    """A senior who holds this alert wants to hand it on: to whom? (the session asks)."""

    def __init__(self, alert_id: int) -> None:
        super().__init__()
        self.alert_id = alert_id


class ReopenAlert(Request):
    """A senior opens a closed alert again."""

    def __init__(self, alert_id: int) -> None:
        super().__init__()
        self.alert_id = alert_id


class ResolveAlert(Request):
    """A senior closes this alert, with a private note (they have confirmed it)."""

    def __init__(self, alert_id: int, note: str) -> None:
        super().__init__()
        self.alert_id = alert_id
        self.note = note


class ReadPlan(Request):
    """A senior opens the safety plan of the member who raised ``alert_id`` (recorded)."""

    def __init__(self, member_id: int, alert_id: int, name: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.alert_id = alert_id
        self.name = name


class OpenCrisisThread(Request):
    """Go to #911, closing whatever is open over the conversation."""


class SwitcherWanted(Request):
    """Ctrl+K on the main screen: the channel switcher, with unread counts (issue 12)."""


# -- the seniors' monitoring pane, docked (widgets/watch_pane.py, tui/watch.py) ---------------
class WatchAlertWanted(Request):
    """A senior chose an alert in the docked pane: open it in the alerts pane, selected."""

    def __init__(self, alert_id: int) -> None:
        super().__init__()
        self.alert_id = alert_id


class SharedCheckInWanted(Request):
    """A senior wants a member's latest check-in they may see (the read is recorded)."""

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id


class ProfileWanted(Request):
    """Open this member's profile (the member list, the directory, the seniors' pane)."""

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id


class MessageActed(Request):
    """A key of the message-selection mode on the selected message (``action``: "cheer:heart", …)."""

    def __init__(self, message_id: int, action: str) -> None:
        super().__init__()
        self.message_id = message_id
        self.action = action


# -- joining: a newcomer's onboarding (tui/joining.py) -----------------------------------------
class TypedWhileJoining(Request):
    """A newcomer typed a /command (``/sos``, ``/crisis``) in an onboarding box: run it, save nothing."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


# -- moderation: the reports pane for leadership (tui/moderation.py, issue 11) -------------------
class ReportActed(Request):
    """A key of the reports pane on report ``report_id`` (``action``: refresh, hide, dismiss, warn,
    timeout or remove); ``refresh`` (report 0) asks for the open reports."""

    def __init__(self, report_id: int, action: str) -> None:
        super().__init__()
        self.report_id = report_id
        self.action = action


class TalkSaid(Request):
    """Enter in a private conversation (``screens/private_talk.py``): send ``text`` in ``talk_id``."""

    def __init__(self, talk_id: int, text: str) -> None:
        super().__init__()
        self.talk_id = talk_id
        self.text = text
