"""Rate limits on Socket.IO events: a flood gets `slow_down`, people writing at human speed never.

Flask-Limiter does not see Socket.IO events, so the handlers ask the `limits` package directly
(moving windows, in memory: one process's counts; a phone that reconnects elsewhere starts a new
window, which only makes the limit gentler). Keys are a connection's id and a phone's token:
nothing is keyed by, or stores, an address.
"""

from limits import parse_many, storage, strategies

from .errors import Refusal

# A phone: five grid cells in a row, three dots and a change of mind, or an outbox emptied after
# a dead spot all stay far below this; a script hammering the server does not.
PARTICIPANT_WRITES = parse_many("30 per 10 seconds; 300 per 10 minutes")
# Join attempts per connection: a flaky phone reconnects on a new connection each time.
JOINS = parse_many("10 per minute")
# Wrong codes or keys, whatever the connection: bounds guessing server-wide. A room never makes
# fifty mistakes a second; an attack slows joins down by a second at most, and locks no one out.
FAILED_JOINS = parse_many("50 per second")


class Throttle:
    """The counters of one process."""

    def __init__(self) -> None:
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def write(self, sid: str, token: str | None) -> None:
        """Count one write by a participant, on its connection and on its token."""
        for key in (f"sid:{sid}", f"token:{token}"):
            self._hit(PARTICIPANT_WRITES, "write", key)

    def join(self, sid: str) -> None:
        """Count one join attempt on this connection; refuse while wrong guesses pour in."""
        self._hit(JOINS, "join", sid)
        if not all(self.limiter.test(rate, "failed") for rate in FAILED_JOINS):
            raise Refusal("slow_down")

    def failed_join(self) -> None:
        """Count a join refused for a wrong code or key."""
        for rate in FAILED_JOINS:
            self.limiter.hit(rate, "failed")

    def _hit(self, rates, *keys: str) -> None:
        if not all(self.limiter.hit(rate, *keys) for rate in rates):
            raise Refusal("slow_down")
