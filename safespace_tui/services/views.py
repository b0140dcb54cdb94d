"""Plain, frozen snapshots that services hand to the TUI.

The TUI never touches a peewee model: a lazy attribute on a model would run SQL
on the event loop. Services convert rows to these before returning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

SENIOR_ROLES = ("senior", "admin")
# Each status a member may choose: a symbol (so colour is never the only signal) and its words.
STATUSES = {
    "available": ("●", "available"),
    "low": ("◐", "low energy"),
    "recharging": ("☾", "recharging"),
    "away": ("→", "away"),
}


def status_words(status: str) -> str:
    """ "◐ low energy": the symbol and words of a status, as every front end says it."""
    symbol, words = STATUSES.get(status, STATUSES["available"])
    return f"{symbol} {words}"


@dataclass(frozen=True)
class MemberView:
    id: int
    handle: str
    display_name: str
    role: str
    status: str = "available"
    status_note: str = ""
    spoons: int = 12
    spoons_start: int = 12
    timezone: str = "UTC"
    away_until: date | None = None
    spoons_day: date | None = None  # the member's local day ``spoons`` belongs to
    removed: bool = False  # removed by an admin: lists drop them (their words stay, attributed)
    pronouns: str = ""
    joining: bool = False  # redeemed an invite, still in onboarding: the group does not list them yet

    @property
    def is_senior(self) -> bool:
        """Senior members and admins care for alerts and may read shared safety plans."""
        return self.role in SENIOR_ROLES


@dataclass(frozen=True)
class PublicKey:
    """An OpenSSH public key already read and checked by ssh/keys.py (services never parse keys).

    ``comment`` is as the key file gave it: services clean it before it is stored.
    """

    fingerprint: str  # SHA256:…
    algorithm: str  # ssh-ed25519, …
    text: str  # the OpenSSH line, as stored
    comment: str = ""


@dataclass(frozen=True)
class KeyView:
    id: int
    member_handle: str
    fingerprint: str
    comment: str
    added_at: datetime
    revoked_at: datetime | None
    member_removed: bool = False  # a key added for a member who left opens once they are restored


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    topic: str
    unread: int = 0


@dataclass(frozen=True)
class MessageView:
    id: int
    channel_id: int
    author_id: int
    author_handle: str
    author_name: str
    body: str
    created_at: datetime
    kind: str = "chat"
    visibility: str = "group"
    content_warning: str = ""  # the author's CW topic: readers see it folded (services/boundaries.py)
    edited: bool = False  # its author changed it (issue 11): shown "(edited)"
    removed: str = ""  # "author": deleted by its author; "leadership": hidden; either way no words
