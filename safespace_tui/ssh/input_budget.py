"""A fair share of the one event loop for each member's keys.

Every session's keys are handled on the same event loop, one at a time (ssh/driver.py), and a
key costs the app a few milliseconds (the box, a frame). A client that sends a million keys
without paste markers used to stall every other member for up to 9.2 s (issue 15) and queue
every key in memory. Two bounds fix that:

* a token bucket per session: ``rate`` keys a second, with a ``burst`` on top, so a fast typist
  (10-15 keys a second) and an unbracketed paste of a few hundred characters never wait, while a
  flood is handed to the app no faster than ``rate``. A bracketed paste is one event, so it
  counts once, whatever its length (the paste guard bounds that);
* back-pressure: once ``high`` events wait, the driver stops reading the channel (asyncssh's
  ``pause_reading``: the SSH window closes and the client's own buffers fill), and reads again
  below ``low``. Nothing a member typed is dropped; nothing piles up in the server.
"""

from __future__ import annotations

import asyncio
import time

DEFAULT_RATE = 30.0  # keys a second, sustained: twice a fast typist
DEFAULT_BURST = 50  # keys at once: a fast typist's burst; a bracketed paste is one
INBOX_HIGH = 2_000  # events waiting: stop reading the channel
INBOX_LOW = 500  # events waiting: read again


class KeyBudget:
    """Tokens that refill at ``rate`` a second up to ``burst``; ``take`` waits for one."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self) -> None:
        """Spend one token, first waiting until there is one (never more than 1/rate s)."""
        self._refill()
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / self.rate)
            self._refill()
        self._tokens -= 1


EARLY_INPUT_LIMIT = 4096
"""Characters kept from before the app takes keys (an SOS typed on arrival); more is a flood."""


def keep_early(kept: list[str], data: str) -> None:
    """Keep what was typed before the app could take it, up to ``EARLY_INPUT_LIMIT`` characters."""
    room = EARLY_INPUT_LIMIT - sum(len(part) for part in kept)
    if room > 0:
        kept.append(data[:room])
