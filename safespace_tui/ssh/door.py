"""The front door's bookkeeping: who may start a connection, and who has been knocking too much.

asyncssh has no MaxStartups, PerSourcePenalties or MaxAuthTries, so the server keeps these
itself. Plain Python, no I/O: ``server.py`` asks and acts.

- ``SourceThrottle``: new connections per source address, a token bucket. ssh-audit's DHEat rate
  test (CVE-2002-20001: every key exchange costs the server a Diffie-Hellman computation) opened
  38 connections in 6 ms from one address before; it wants fewer than 20 per second.
- ``Waiting``: connections that have not logged in yet share a small budget, fairly between
  addresses. When it is full, a newcomer takes the place of the oldest waiting connection of the
  address holding the most, so an attacker holding the whole budget from many addresses can never
  keep a member out (before: 10 idle connections from each of 30 addresses refused every login).
- ``Knocks``: key queries and failed key attempts per address, logged in few lines (the first
  one at once, then one summary per address a minute) and answered more slowly as they pile up.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("safespace.ssh")

MAX_ADDRESSES = 4096
"""Addresses remembered by each table: an attacker with many addresses cannot grow them without
bound; the least recently seen is forgotten first."""

Conn = TypeVar("Conn")


class _Recent(OrderedDict):
    """An OrderedDict that forgets its least recently touched entry beyond MAX_ADDRESSES."""

    def touch(self, key: str, default):
        value = self.pop(key, default)
        self[key] = value
        while len(self) > MAX_ADDRESSES:
            self.popitem(last=False)
        return value


class Sparse:
    """Log lines about one address at most once a ``every`` seconds, saying how many were held back."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._seen: _Recent = _Recent()  # address -> (logged at, held back since)

    def due(self, address: str, now: float) -> int | None:
        """None: stay quiet. Otherwise log now; the number is how many lines were held back."""
        logged_at, held = self._seen.touch(address, (-math.inf, 0))
        if now - logged_at < self.every:
            self._seen[address] = (logged_at, held + 1)
            return None
        self._seen[address] = (now, 0)
        return held


class SourceThrottle:
    """New connections per source address: ``burst`` at once, then ``rate`` per second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: _Recent = _Recent()  # address -> (tokens, when)

    def allow(self, address: str, now: float) -> bool:
        """Take a token for a new connection from ``address``; False when it has none left."""
        tokens, when = self._buckets.touch(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[address] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


class Waiting(Generic[Conn]):
    """Connections not logged in yet: at most ``budget`` in all and ``per_address`` from one address."""

    def __init__(self, budget: int, per_address: int) -> None:
        self.budget = budget
        self.per_address = per_address
        self._by_address: dict[str, list[Conn]] = {}

    def __len__(self) -> int:
        return sum(len(conns) for conns in self._by_address.values())

    def admit(self, address: str, conn: Conn) -> tuple[bool, Conn | None]:
        """Let ``conn`` wait to log in. Returns (admitted, the connection it displaces, to close).

        Refused only when its own address already holds its share; otherwise a full budget makes
        room by displacing the oldest connection of the address that holds the most.
        """
        mine = self._by_address.setdefault(address, [])
        if len(mine) >= self.per_address:
            return False, None
        displaced = self._oldest_of_heaviest() if len(self) >= self.budget else None
        mine.append(conn)
        return True, displaced

    def _oldest_of_heaviest(self) -> Conn | None:
        heaviest = max(self._by_address.values(), key=len, default=[])
        return heaviest[0] if heaviest else None

    def leave(self, address: str, conn: Conn) -> None:
        """``conn`` logged in or closed: it no longer waits."""
        conns = self._by_address.get(address, [])
        if conn in conns:
            conns.remove(conn)
        if not conns:
            self._by_address.pop(address, None)


@dataclass
class _Tally:
    score: float = 0.0  # attempts, decaying with HALF_LIFE
    when: float = 0.0
    unlogged: int = 0  # failures since the last log line
    last_fingerprint: str = ""
    logged_at: float = -math.inf


class Knocks:
    """Failed key attempts per address (a wrong key or signature, or a key asked about and never
    used): counted, logged sparingly, and answered more slowly as they pile up.

    ``free`` failures (decaying over a minute) are answered at once: a member whose agent holds
    a few keys never waits. Beyond that each answer waits ``step`` seconds more per attempt, up
    to ``max_delay`` (bounded: a connection also has its login timeout).
    """

    HALF_LIFE = 60.0
    LOG_EVERY = 60.0

    def __init__(self, free: int, step: float, max_delay: float) -> None:
        self.free = free
        self.step = step
        self.max_delay = max_delay
        self._tallies: _Recent = _Recent()

    def _tally(self, address: str, now: float) -> _Tally:
        tally = self._tallies.touch(address, _Tally(when=now))
        tally.score *= 0.5 ** ((now - tally.when) / self.HALF_LIFE)
        tally.when = now
        return tally

    def delay_for(self, address: str, now: float) -> float:
        """How long to wait before answering ``address`` (seconds): 0 until it has failed often."""
        return self.delay(self._tally(address, now))

    def slowed(self, now: float) -> int:
        """How many addresses are answered with a delay now (for the server's status: counts only)."""
        return sum(1 for address in list(self._tallies) if self.delay_for(address, now) > 0)

    def delay(self, tally: _Tally) -> float:
        return min(self.max_delay, max(0.0, (tally.score - self.free) * self.step))

    def failed(self, address: str, fingerprint: str, why: str, now: float) -> None:
        """A key that did not open the door: logged at once the first time, then a line a minute."""
        tally = self._tally(address, now)
        tally.score += 1
        tally.unlogged += 1
        tally.last_fingerprint = fingerprint
        if now - tally.logged_at < self.LOG_EVERY:
            return
        if tally.unlogged == 1:
            log.warning("refused key %s from %s: %s", fingerprint, address, why)
        else:
            log.warning(
                "%d keys refused from %s in the last minute (last %s: %s); answers delayed %.1f s",
                tally.unlogged,
                address,
                fingerprint,
                why,
                self.delay(tally),
            )
        tally.unlogged = 0
        tally.logged_at = now
