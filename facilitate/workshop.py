"""The workshop ("séance") domain: pure rules and values, no Flask, no database.

"Workshop" is the one name for a live session in the code, so that it never meets Flask's session
or SQLAlchemy's.
"""

import bisect
import datetime
import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass, field, replace

from .errors import Refusal
from .kits import Kit, Phase

TEXT_LIMIT = 500
TITLE_LIMIT = 120
# No 0/O, 1/I/L: a code read off a projector from the back of a room is typed without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 31^8, some 850 billion codes: with failed joins capped server-wide (throttle.py), guessing a
# live session's code takes years. Codes of 6 made by earlier versions stay valid.
CODE_LENGTH = 8
LEGACY_CODE_LENGTH = 6
ROLES = ("participant", "board", "facilitator")


@dataclass(frozen=True)
class Note:
    """A sticky note. It has no author and no time, by construction."""

    id: str
    text: str
    sort_key: int
    phase: str
    lane: str | None = None
    revealed: bool = True
    hidden: bool = False
    theme: str | None = None


@dataclass(frozen=True)
class Timer:
    """A phase's countdown. Running, it ends at `ends_at` (server clock); paused, `left` stays."""

    left: int
    ends_at: float | None = None

    @classmethod
    def for_phase(cls, phase: Phase) -> "Timer":
        """A paused timer at the phase's planned duration."""
        return cls(left=(phase.minutes or 0) * 60)

    def remaining(self, now: float) -> int:
        """Whole seconds left at `now`."""
        if self.ends_at is None:
            return self.left
        return max(0, math.ceil(self.ends_at - now))

    def apply(self, action: str, now: float, minutes: int = 0) -> "Timer":
        """The timer after a facilitator's action: start, pause, or extend by `minutes`."""
        left = self.remaining(now)
        if action == "start":
            return Timer(left, now + left)
        if action == "pause":
            return Timer(left)
        if action == "extend":
            left += minutes * 60
            return Timer(left, now + left if self.ends_at is not None else None)
        raise Refusal("invalid_payload")


@dataclass(frozen=True)
class Workshop:
    code: str
    title: str
    kit: Kit
    phase: str
    hold: bool
    closed: bool
    rev: int
    timer: Timer = Timer(0)
    volunteers: int = 0
    opened_on: datetime.date | None = None  # the day only: the minutes carry no time
    took_part: int | None = None  # phones that joined, counted when the session closes
    published: bool = False  # minutes readable without the facilitator key
    blank: bool = False  # the facilitator blanked the projector


@dataclass(frozen=True)
class Snapshot:
    """Everything there is to see in a workshop at one revision; views filter it per role."""

    workshop: Workshop
    notes: tuple[Note, ...]
    themes: tuple = ()  # priorities.Theme
    rounds: dict = field(default_factory=dict)  # phase id -> priorities.VoteRound
    decisions: dict = field(default_factory=dict)  # target -> (decision, reason)
    voters: int = 0  # phones that placed a dot in the current vote
    tables: tuple = ()  # grid.Table, of every phase
    grid_rows: tuple = ()  # grid.GridRow
    contributions: tuple = ()  # grid.Contribution
    grid_view: dict = field(default_factory=dict)  # what the projector shows of the grid
    actions: tuple = ()  # plan.Action
    records: tuple = ()  # plan.Record
    story: dict | None = None  # what the session followed left to this one (followup.py)

    def in_view(self) -> str:
        """The phase whose notes the room works on: the current one, or the last notes phase."""
        return phase_in_view(self.workshop.kit, self.workshop.phase)

    @property
    def pending(self) -> int:
        """Notes held back from the board until the facilitator reveals them."""
        return sum(1 for n in self.notes if not n.revealed and not n.hidden)


@dataclass(frozen=True)
class Change:
    """One committed change, at the revision it produced; pushed to each role through views."""

    rev: int
    type: str
    data: dict = field(default_factory=dict)


def advance(snapshot: Snapshot, change: Change) -> Snapshot | None:
    """The snapshot right after `change`, when the change alone tells it: the writes that come
    by the hundred (a note, a first dot, a grid cell). None when it must be read again.

    A join storm interleaved with a note burst would otherwise read every note from the
    database once per note.
    """
    if change.rev != snapshot.workshop.rev + 1:
        return None
    d = change.data
    match change.type:
        case "note_added":
            fields = {"notes": _insorted(snapshot.notes, d["note"], _board_order)}
        case "votes_progress" if d["phase"] == snapshot.workshop.phase:
            fields = {"voters": d["voters"]}
        case "grid_added":
            rows = snapshot.grid_rows
            fields = {
                "grid_rows": _insorted(rows, d["row"], _row_order) if d["row"] else rows,
                "contributions": _insorted(snapshot.contributions, d["contribution"], _cell_order),
            }
        case _:
            return None
    return replace(snapshot, workshop=replace(snapshot.workshop, rev=change.rev), **fields)


def _board_order(note: Note) -> tuple:
    return (note.sort_key, note.id)


def _row_order(row) -> int:
    return row.position


def _cell_order(contribution) -> tuple:
    return (contribution.row, contribution.column, contribution.position)


def _insorted(items: tuple, item, key) -> tuple:
    at = bisect.bisect_right(items, key(item), key=key)
    return items[:at] + (item,) + items[at:]


def clean_text(value: object, limit: int = TEXT_LIMIT) -> str:
    """A contribution's text, trimmed; refused when blank or too long."""
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    text = value.replace("\x00", "").strip()
    if not text:
        raise Refusal("text_empty")
    if len(text) > limit:
        raise Refusal("text_too_long", limit=limit)
    return text


def clean_title(value: object, kit: Kit) -> str:
    """A workshop title; the kit's title when none is given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return kit.title
    return clean_text(value, TITLE_LIMIT)


def clean_note_id(value: object) -> str:
    """A client-made note id (a UUID), normalised; a fresh one when absent."""
    if value is None:
        return str(uuid.uuid4())
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Refusal("invalid_payload") from None


def normalise_code(value: object) -> str:
    """A session code as typed (any case, stray spaces); refused when it cannot be one."""
    if not isinstance(value, str):
        raise Refusal("invalid_payload")
    code = value.strip().upper().replace(" ", "")
    if len(code) not in (CODE_LENGTH, LEGACY_CODE_LENGTH) or any(
        c not in CODE_ALPHABET for c in code
    ):
        raise Refusal("unknown_session")
    return code


def new_code() -> str:
    """A random session code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    """A random secret for a participant token or a facilitator key."""
    return secrets.token_urlsafe(24)


def digest(secret_key: str, value: str) -> str:
    """A keyed hash: what is stored instead of a token or key."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def clean_withdraw_secret(value: object) -> str | None:
    """The secret a phone draws for one note, to withdraw it later; optional."""
    if value is None:
        return None
    if not isinstance(value, str) or not 16 <= len(value) <= 200:
        raise Refusal("invalid_payload")
    return value


def withdraw_digest(secret: str) -> str:
    """What is stored of a note's withdraw secret. A plain hash: the secret is random and long."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret_key: str, value: str, stored: str) -> bool:
    """Whether `value` hashes to `stored`, in constant time."""
    return hmac.compare_digest(digest(secret_key, value), stored)


def today() -> datetime.date:
    """The day a session opens: the only date it keeps."""
    return datetime.date.today()


MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
)


def french_date(iso: str | None) -> str:
    """A day as people write it: "1er décembre 2026"."""
    if not iso:
        return ""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"


def new_sort_key() -> int:
    """The random place of a note on the board: the order never tells when it came."""
    return secrets.randbelow(2**31)


def phase_in_view(kit: Kit, current: str) -> str:
    """The notes phase the room looks at: the current phase if it collects notes, else the last
    one before it (grouping and votes work on that round of notes), else the current phase."""
    rounds = []
    for phase in kit.phases:
        if phase.kind == "notes":
            rounds.append(phase.id)
        if phase.id == current:
            break
    return rounds[-1] if rounds else current


def place_note(kit: Kit, current: str, phase: object, lane: object) -> tuple[str, str | None]:
    """The phase and lane a note belongs to: those it was written under, checked against the kit.

    A phone sends the phase it showed when the note was written, so a note sent late (after a
    dead spot) still lands in its own round; without one, the note joins the round in view.
    """
    if phase is None:  # a script, or an old page: the round the room works on
        phase = phase_in_view(kit, current)
    if not isinstance(phase, str) or kit.phase(phase) is None:
        raise Refusal("unknown_phase")
    lanes = kit.phase(phase).lanes
    if lane is None and not lanes:
        return phase, None
    if not isinstance(lane, str) or lane not in lanes:
        raise Refusal("unknown_lane")
    return phase, lane


def clean_minutes(value: object) -> int:
    """Minutes to add to a timer: a whole number from 1 to 120."""
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
        raise Refusal("invalid_payload")
    return value
