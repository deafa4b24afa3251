"""Every committed change ends here: at once to the board and the console, batched to phones.

One batch a second per workshop costs N deliveries for N phones, however many notes arrive, where
a broadcast per note would cost N x N.

With several server processes (a Redis message queue), every process batches the changes it
committed itself: its batches carry its `process` id, and a phone follows one chain of batches
per process. Each process counts the phones connected to it, and says so again every half
minute, so that a screen adds up the counts of the processes alive.

A table's grid goes only to the phones sitting at it, in a `grid_batch` a second to the room of
that table: at a thousand phones in tables of ten, each phone gets a hundredth of the grid.

The same presence message tells the console how many phones wrote in each step, counts only:
which phone wrote which note is never stored, and these counts live in memory alone.
"""

import secrets
import threading
import time
from collections import defaultdict

from . import views
from .workshop import Change

SERVER_EVENTS = (
    "note_added",
    "notes_pending",
    "notes_revealed",
    "note_hidden",
    "notes_hold_changed",
    "phase_changed",
    "timer_changed",
    "volunteers_changed",
    "themes_changed",
    "votes_progress",
    "votes_revealed",
    "decision_changed",
    "session_closed",
    "grid_added",
    "grid_changed",
    "grid_replaced",
    "tables_changed",
    "grid_view_changed",
    "note_changed",
    "actions_changed",
    "records_changed",
    "minutes_published",
    "board_blanked",
    "batch",
    "grid_batch",
    "presence",
)
PRESENCE_REFRESH_SECONDS = 30
# Batch changes that carry a whole list, or only ask for one: within a batch the last one is
# enough (a hundred tables opened in a second would otherwise carry the list a hundred times).
SUPERSEDING = {"tables_changed", "actions_changed", "records_changed", "grid_refresh", "ballot"}


def room(code: str, role: str) -> str:
    """The Socket.IO room of one role in one workshop."""
    return f"{code}:{role}"


def table_room(code: str, phase: str, table: str) -> str:
    """The room of the phones sitting at one table of a grid phase."""
    return f"{code}:table:{phase}:{table}"


class Pusher:
    """Sends changes to the rooms; holds the phones' pending batches between two ticks."""

    def __init__(self, socketio, interval: float) -> None:
        self.socketio = socketio
        self.interval = interval
        self.changes: dict[str, list[dict]] = defaultdict(list)
        self.table_changes: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        self.batch_rev: dict[str, int] = {}
        self.sent_rev: dict[str, int] = {}
        self.presence: dict[str, int] = {}  # counts changed since the last tick
        self.phones: dict[str, int] = {}  # every count this process knows, said again now and then
        # code -> phase -> the seats (participant tokens) that wrote there, through this process
        self.writers: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.presence_said = time.monotonic()
        self.process = secrets.token_hex(4)
        self.started = False
        self.lock = threading.Lock()  # push (handlers) and flush (the ticker) share the batches

    def push(self, code: str, change: Change) -> None:
        """Deliver one committed change to every screen whose view shows it."""
        emit, now = self.socketio.emit, time.time()
        for event, roles in views.screen_updates(change, now):  # one packet per event
            emit(*event, to=[room(code, role) for role in roles])
        direct = views.phone_now(change, now)
        if direct:
            emit(*direct, to=room(code, views.PARTICIPANT))
        later = views.phone_change(change)
        if later:
            with self.lock:
                self.sent_rev.setdefault(code, change.rev - 1)
                pending = self.changes[code]
                if later["type"] in SUPERSEDING:
                    pending[:] = [c for c in pending if c["type"] != later["type"]]
                pending.append(later)
                self.batch_rev[code] = change.rev
        at_table = views.table_change(change)
        if at_table:
            phase, table, item = at_table
            with self.lock:
                self.table_changes[code, phase, table].append(item)
        self._ensure_ticking()

    def count_phones(self, code: str, phones: int) -> None:
        """Note the number of phones connected; the board hears of it at the next tick."""
        with self.lock:
            self.presence[code] = self.phones[code] = phones
        self._ensure_ticking()

    def count_writer(self, code: str, phase: str, token: str) -> None:
        """Note that a phone wrote in a step; the console hears how many at the next tick."""
        with self.lock:
            seen = self.writers[code][phase]
            if token in seen:
                return
            seen.add(token)
            self.presence[code] = self.phones.get(code, 0)
        self._ensure_ticking()

    def forget_writers(self, code: str) -> None:
        """The session is closed: nobody writes any more."""
        with self.lock:
            self.writers.pop(code, None)

    def _writer_counts(self, code: str) -> dict[str, int]:
        return {phase: len(seen) for phase, seen in self.writers.get(code, {}).items()}

    def flush(self) -> None:
        """Send every pending batch and presence count now."""
        with self.lock:
            changes, self.changes = self.changes, defaultdict(list)
            batches = [(code, self._batch(code, items)) for code, items in changes.items()]
            tables, self.table_changes = self.table_changes, defaultdict(list)
            presence, self.presence = self.presence, {}
            if time.monotonic() - self.presence_said > PRESENCE_REFRESH_SECONDS:
                presence, self.presence_said = dict(self.phones), time.monotonic()
                self.phones = {code: n for code, n in self.phones.items() if n}
            writers = {code: self._writer_counts(code) for code in presence}
        for code, payload in batches:
            self.socketio.emit("batch", payload, to=room(code, views.PARTICIPANT))
        for (code, phase, table), items in tables.items():
            payload = {"phase": phase, "table": table, "changes": items, "process": self.process}
            self.socketio.emit("grid_batch", payload, to=table_room(code, phase, table))
        for code, phones in presence.items():
            count = {"participants": phones, "writers": writers[code], "process": self.process}
            for role in (views.BOARD, views.FACILITATOR):
                self.socketio.emit("presence", count, to=room(code, role))

    def _batch(self, code: str, items: list[dict]) -> dict:
        since, self.sent_rev[code] = self.sent_rev[code], self.batch_rev[code]
        rev = self.batch_rev[code]
        return {"since": since, "rev": rev, "changes": items, "process": self.process}

    def _ensure_ticking(self) -> None:
        if not self.started:
            self.started = True
            self.socketio.start_background_task(self._tick)

    def _tick(self) -> None:
        while True:
            self.socketio.sleep(self.interval)
            self.flush()
