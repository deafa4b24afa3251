"""Rate limits on Socket.IO events: a flood gets `slow_down`, people writing at human speed never.

Flask-Limiter does not see Socket.IO events, so the handlers count for themselves. The counting
is a sliding window per key, pruned when the key is used: no background thread walks the keys
(the `limits` package's memory storage does, a hundred times a second, which cost a sixth of
the server's time under a thousand phones). Keys are a connection's id and a phone's token:
nothing is keyed by, or stores, an address. Counts live in one process's memory.
"""

import time
from collections import deque

from .errors import Refusal

# (how many, in how many seconds). A phone: five grid cells in a row, three dots and a change of
# mind, or an outbox emptied after a dead spot all stay far below this; a script does not.
PARTICIPANT_WRITES = ((30, 10.0), (300, 600.0))
# A phone's reads (`sync`, `grid_follow`), per connection, apart from its writes: a phone that
# wrote a lot may still fetch its table's grid when the facilitator reorders it; a loop does not.
PARTICIPANT_READS = ((60, 10.0),)
# Join attempts per connection: a flaky phone reconnects on a new connection each time.
JOINS = ((10, 60.0),)
# Wrong codes or keys, whatever the connection: bounds guessing server-wide. A room never makes
# fifty mistakes a second; an attack slows joins down by a second at most, and locks no one out.
FAILED_JOINS = ((50, 1.0),)
FORGET_AFTER = 600.0  # a key unused this long is dropped: its windows are all empty by then


class Throttle:
    """The counters of one process."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.hits: dict[tuple, deque] = {}
        self.swept = clock()

    def write(self, sid: str, token: str | None) -> None:
        """Count one write by a participant, on its connection and on its token."""
        self._hit(PARTICIPANT_WRITES, ("sid", sid), ("token", token))

    def read(self, sid: str) -> None:
        """Count one read by a participant, on its connection."""
        self._hit(PARTICIPANT_READS, ("read", sid))

    def join(self, sid: str) -> None:
        """Count one join attempt on this connection; refuse while wrong guesses pour in."""
        self._hit(JOINS, ("join", sid))
        if not self._allows(FAILED_JOINS, ("failed",), self.clock()):
            raise Refusal("slow_down")

    def failed_join(self) -> None:
        """Count a join refused for a wrong code or key."""
        self._hits(("failed",)).append(self.clock())

    def _hit(self, rates, *keys: tuple) -> None:
        now = self.clock()
        if not all(self._allows(rates, key, now) for key in keys):
            raise Refusal("slow_down")
        for key in keys:
            self._hits(key).append(now)
        self._sweep(now)

    def _allows(self, rates, key: tuple, now: float) -> bool:
        """Whether one more hit on `key` stays within every (limit, seconds) of `rates`."""
        hits = self._hits(key)
        longest = max(seconds for _, seconds in rates)
        while hits and hits[0] <= now - longest:
            hits.popleft()
        return all(_count_since(hits, now - seconds) < limit for limit, seconds in rates)

    def _hits(self, key: tuple) -> deque:
        return self.hits.setdefault(key, deque())

    def _sweep(self, now: float) -> None:
        """Now and then, drop the keys of phones and connections long gone."""
        if now - self.swept < FORGET_AFTER:
            return
        self.swept = now
        for key in [
            k for k, hits in self.hits.items() if not hits or hits[-1] < now - FORGET_AFTER
        ]:
            del self.hits[key]


def _count_since(hits: deque, since: float) -> int:
    """How many hits came after `since`, counted from the newest (short windows stop early)."""
    count = 0
    for moment in reversed(hits):
        if moment <= since:
            break
        count += 1
    return count
