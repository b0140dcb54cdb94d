"""Keep Python's full garbage collection from freezing every session at once.

All sessions share one event loop. With 50 sessions the heap holds ~1.3 M
tracked objects (Textual keeps several cache objects per rendered line), and a
full collection walks them all: 0.4-1.7 s during which no screen updates and no
SOS is shown, about every 25 s (bench/heap_diag.py).

So, every couple of seconds, the objects made since the last step are
collected (cheap: frozen objects are not scanned) and whatever survived is
frozen (``gc.freeze``): routine collections then only look at new objects. Frozen objects are never
collected, so a full collection (unfreeze, collect) still runs after a session
closes — waiting longer the more sessions are open, since it costs ~20 ms per
open session — and at least every ``max_interval`` seconds regardless, so
memory is always given back.

A full collection stops every screen for as long as it takes (0.5 s with 30
sessions, ~1 s with 50), so once one is due it waits for a moment when nobody
has typed for ``quiet_for`` seconds; if none comes it runs anyway after four
times its usual wait.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger("safespace.gc")


class GCPolicy:
    def __init__(
        self,
        open_sessions: Callable[[], int],
        *,
        tick: float = 2.0,
        seconds_per_session: float = 0.5,
        max_interval: float = 600.0,
        quiet_for: float = 1.0,
    ) -> None:
        self._open_sessions = open_sessions
        self._tick = tick
        self._max_interval = max_interval
        self._seconds_per_session = seconds_per_session
        self._quiet_for = quiet_for
        self._closed_since_full = 0
        self._last_full = time.monotonic()
        self._last_activity = float("-inf")
        self.full_collections = 0

    def note_activity(self, now: float | None = None) -> None:
        """A member typed something: not the moment to stop every screen."""
        self._last_activity = time.monotonic() if now is None else now

    def session_closed(self) -> None:
        """Count it, and free it at once if that is cheap now (few sessions open)."""
        self._closed_since_full += 1
        if self.full_collection_due(time.monotonic()):
            asyncio.get_running_loop().call_soon(self.step)

    def full_collection_due(self, now: float) -> bool:
        """Closed sessions wait to be freed and enough time passed for the heap we have (at a quiet
        moment if one comes), or it has been long."""
        since = now - self._last_full
        if since >= self._max_interval:
            return True
        wait = self._seconds_per_session * self._open_sessions()
        if self._closed_since_full == 0 or since < wait:
            return False
        return now - self._last_activity >= self._quiet_for or since >= 4 * wait

    def collect_everything(self) -> int:
        """Unfreeze and run a full collection now (also used by the status report)."""
        gc.unfreeze()
        found = gc.collect()
        self._closed_since_full = 0
        self._last_full = time.monotonic()
        self.full_collections += 1
        return found

    def step(self) -> None:
        now = time.monotonic()
        if self.full_collection_due(now):
            started = time.perf_counter()
            self.collect_everything()
            log.info("full collection took %.0f ms", (time.perf_counter() - started) * 1000)
        else:
            gc.collect()  # frozen objects are not scanned: this only sees what is new since the last step
        gc.freeze()  # what survived is kept out of routine collections

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self._tick)
                self.step()
        finally:
            gc.unfreeze()
