"""Keep Python's full garbage collection from freezing every session at once.

All sessions share one event loop. With 50 sessions the heap holds ~1.3 M
tracked objects (Textual keeps several cache objects per rendered line), and a
full collection walks them all: 0.4-1.7 s during which no screen updates and no
SOS is shown, about every 25 s (bench/heap_diag.py).

So, every couple of seconds, the objects made since the last step are
collected (cheap: frozen objects are not scanned) and whatever survived is
frozen (``gc.freeze``): routine collections then only look at new objects.
Frozen objects are never collected by those, so a full collection (unfreeze,
collect) runs every ``max_interval`` seconds, at a moment when nobody has typed
for ``quiet_for`` seconds (or anyway after twice the interval), so memory held
in cycles is always given back.

Members leaving no longer need one. A closed session used to be a web of
reference cycles (10.7-11.1 k objects each) that only a full collection freed,
so one ran soon after every departure and stopped every screen (p99 134 ms,
max 296 ms keystroke to frame with 50 sessions and 10 leaving). Its cycles are
now broken at close (``textual_fixes.release_app``, ``release_connection``):
reference counting frees it at once and 25-40 objects are left in cycles per
departure (bench/cycle_diag.py), which wait for the periodic collection.

Python's own collections are off while the policy runs: the steps do their work. They ran
at whatever moment allocations crossed a threshold, most often in the middle of a fan-out,
which allocates the most: with 200 sessions, 8 messages brought 64 young, 3 middle and 7
"full" collections (of what was not frozen) on top of the steps, up to 71 ms each, about
40 ms per message (measured with ``gc.callbacks``). A step comes sooner than its tick
when ``young_limit`` new objects were made (200 members connecting at once), so what one
step has to look at stays bounded.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger("safespace.gc")

YOUNG_LIMIT = 20_000
"""Objects made since the last step (``gc.get_count()[0]``) that bring the next one forward."""
CHECK_EVERY = 0.25
"""Seconds between looks at that count (four a second: nothing measurable at idle)."""


class GCPolicy:
    def __init__(
        self,
        *,
        tick: float = 2.0,
        max_interval: float = 600.0,
        quiet_for: float = 1.0,
        young_limit: int = YOUNG_LIMIT,
    ) -> None:
        self._tick = tick
        self._young_limit = young_limit
        self.steps = 0
        self._max_interval = max_interval
        self._quiet_for = quiet_for
        self._last_full = time.monotonic()
        self._last_activity = float("-inf")
        self.full_collections = 0
        self.sessions_closed = 0

    def note_activity(self, now: float | None = None) -> None:
        """A member typed something: not the moment to stop every screen."""
        self._last_activity = time.monotonic() if now is None else now

    def session_closed(self) -> None:
        """Counted only: a closed session is freed by reference counting (see the module note)."""
        self.sessions_closed += 1

    def full_collection_due(self, now: float) -> bool:
        """Every ``max_interval`` seconds, at a quiet moment if one comes within as long again."""
        since = now - self._last_full
        if since < self._max_interval:
            return False
        return now - self._last_activity >= self._quiet_for or since >= 2 * self._max_interval

    def collect_everything(self) -> int:
        """Unfreeze and run a full collection now (also used by the status report); returns how
        many objects it found only in reference cycles among those that had been frozen: what
        only a full collection frees. What became garbage since the last step is collected first,
        as the next step would have (Python's own collections are off, so it waits for one)."""
        gc.collect()
        gc.unfreeze()
        found = gc.collect()
        self._last_full = time.monotonic()
        self.full_collections += 1
        return found

    def step(self) -> None:
        self.steps += 1
        now = time.monotonic()
        if self.full_collection_due(now):
            started = time.perf_counter()
            self.collect_everything()
            log.info("full collection took %.0f ms", (time.perf_counter() - started) * 1000)
        else:
            gc.collect()  # frozen objects are not scanned: this only sees what is new since the last step
        gc.freeze()  # what survived is kept out of routine collections

    def step_due(self, since_step: float) -> bool:
        """Every ``tick`` seconds, or sooner when ``young_limit`` objects were made since the last
        step (members connecting at once): a step's cost grows with what is new since the last."""
        return since_step >= self._tick or gc.get_count()[0] >= self._young_limit

    async def run(self) -> None:
        """Steps in place of Python's own collections, which are off while this runs."""
        was_enabled = gc.isenabled()
        gc.disable()
        last_step = time.monotonic()
        try:
            while True:
                await asyncio.sleep(min(CHECK_EVERY, self._tick))
                now = time.monotonic()
                if self.step_due(now - last_step):
                    self.step()
                    last_step = now
        finally:
            gc.unfreeze()
            if was_enabled:
                gc.enable()
