"""Flood control: one member's fair share of the conversation (issue 11).

A token bucket per member: ``burst`` messages at once, refilled at ``per_minute``. It counts
messages sent, not lines or keys, so a paste (one message, however many lines) counts once. In the
line mode a paste of lines arrives as many lines: those queued behind the first (``continuing``)
pass with it when it passed, and are held back with it when it was held back. The
crisis path never reaches it: SOS words, /sos and anything written in #911 are never limited
(services/messages.py checks them first).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .errors import ServiceError


class Flooded(ServiceError):
    """Sending faster than the group can read; the draft stays in the box."""


class FloodGate:
    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = max(burst, 1)
        self.rate = max(per_minute, 0.1) / 60.0  # tokens a second
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # member id -> (tokens, when)
        self._last_passed: dict[int, bool] = {}  # member id -> whether their last message passed

    def wait(self, member_id: int) -> float:
        """Seconds until ``member_id`` may send again (0: now), without taking a token."""
        tokens, _ = self._refilled(member_id)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, member_id: int, *, continuing: bool = False) -> None:
        """Count one message, or raise ``Flooded`` with kind words (nothing is counted then).
        ``continuing``: a line of a paste after its first (line mode): it goes as the first went."""
        if continuing and self._last_passed.get(member_id, False):
            return
        tokens, now = self._refilled(member_id)
        self._last_passed[member_id] = tokens >= 1
        if tokens < 1:
            seconds = max(int((1 - tokens) / self.rate + 0.999), 1)
            raise Flooded(
                "You're writing faster than the group can read. Take a breath: you can send again in "
                f"{seconds} second{'s' if seconds != 1 else ''}. Your words are still in the box. "
                "If you need help now, Ctrl+S or /sos always works."
            )
        self._buckets[member_id] = (tokens - 1, now)

    def _refilled(self, member_id: int) -> tuple[float, float]:
        now = self.clock()
        tokens, then = self._buckets.get(member_id, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - then) * self.rate), now
