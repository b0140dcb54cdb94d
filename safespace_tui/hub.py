"""The one place sessions meet: publish / subscribe by topic, in process.

Kept deliberately small so a multi-process hub (PostgreSQL LISTEN/NOTIFY, say)
can replace it without touching the TUI. Publishers must have committed to the
store before publishing: the hub never holds state of its own.

Each callback runs in the context (contextvars) of the code that subscribed.
Textual finds "the current app" through a context variable, so without this a
callback would run inside the *publisher's* session and ``self.app`` would name
the wrong member's app.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger("safespace.hub")

Callback = Callable[[Any], None]

PRESENCE = "presence"
ALERTS = "alerts"
MEMBERS = "members"
ON_CALL = "on-call"  # a senior member went on or off call (services/notices.py)
WELLBEING = "wellbeing"  # the group at a glance, for senior members only (services/wellbeing.py)


def channel_topic(channel_id: int) -> str:
    return f"channel:{channel_id}"


def member_topic(member_id: int) -> str:
    return f"member:{member_id}"


class Hub:
    """Synchronous fan-out on the event loop; a failing subscriber never affects others."""

    def __init__(self) -> None:
        self._subscribers: dict[str, dict[int, tuple[Callback, contextvars.Context]]] = defaultdict(dict)
        self._next_id = 0

    def subscribe(self, topic: str, callback: Callback) -> Callable[[], None]:
        """Register ``callback`` for ``topic``; returns a function that unsubscribes."""
        self._next_id += 1
        token = self._next_id
        self._subscribers[topic][token] = (callback, contextvars.copy_context())

        def unsubscribe() -> None:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.pop(token, None)
                if not subscribers:
                    del self._subscribers[topic]

        return unsubscribe

    def publish(self, topic: str, event: Any) -> int:
        """Deliver ``event`` to every subscriber of ``topic``; returns how many received it."""
        delivered = 0
        for callback, context in list(self._subscribers.get(topic, {}).values()):
            try:
                context.run(callback, event)
                delivered += 1
            except Exception:
                log.exception("subscriber of %s failed", topic)
        return delivered

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))
